"""The real servers for end-to-end tests: action server, Rasa server, fake tracking API.

They run against their own SQLite database loaded with the demo orders, with "now" fixed
at Tuesday 2026-11-24 14:00 (inside business hours).
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
import requests

from bot import db, demo, importer
from bot.fake_tracking import FakeTrackingServer, trackings_from_orders
from bot.processes import start_bot
from bot.product_import import PRODUCTS
from bot.settings import load_settings, now
from tests.conftest import ROOT

SHOP_NOW = "2026-11-24T14:00:00+09:00"
DEMO_ORDERS = ROOT / "bot" / "demo" / "orders.json"


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory, monkeypatch_session):
    work = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{work / 'shop.sqlite3'}"
    monkeypatch_session.setenv("SHOP_NOW", SHOP_NOW)
    db.upgrade(url)
    report = importer.import_file(DEMO_ORDERS, url=url)
    assert not report.errors
    with db.session_scope(url) as session:  # the catalogue, for product questions
        records = demo.demo_products(demo.WRITTEN_FOR)
        report = importer.import_records(session, records, source="test", kind=PRODUCTS)
    assert not report.errors
    orders = json.loads(DEMO_ORDERS.read_text(encoding="utf-8"))["orders"]
    settings = load_settings()
    tracking = FakeTrackingServer(trackings_from_orders(orders, settings, now(settings))).start()
    yield {"work": work, "DATABASE_URL": url, "tracking": tracking}
    tracking.stop()


@pytest.fixture(scope="session")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session")
def running_bot(trained_model, e2e_env):
    """The Rasa server and action server, with their token and logs."""
    env = {
        "DATABASE_URL": e2e_env["DATABASE_URL"],
        "SHOP_NOW": SHOP_NOW,
        "TRACKING_API_URL": e2e_env["tracking"].url,
    }
    bot = start_bot(trained_model, e2e_env["work"], env)
    yield bot
    bot.stop()


@pytest.fixture(scope="session")
def bot_url(running_bot):
    return running_bot.url


class Conversation:
    """One customer talking to the bot over the REST channel."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"test-{uuid.uuid4().hex[:8]}"
        self.transcript: list[tuple[str, str]] = []

    def say(self, message: str) -> list[dict]:
        response = requests.post(
            self.url, json={"sender": self.sender, "message": message}, timeout=60
        )
        response.raise_for_status()
        replies = response.json()
        self.transcript.append((message, text_of(replies)))
        return replies


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons_of(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


def handoffs(database_url: str) -> list[dict]:
    """The operator queue as `python -m bot handoffs list --json` prints it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "handoffs", "list", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
