"""`python -m bot run` (what `make run` starts) is closed as it stands: token, CORS, loopback."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest
import requests

from bot.processes import free_port, stop_all
from bot.settings import ROOT
from tests.e2e.test_attacks import _listening_addresses

pytestmark = pytest.mark.slow


@pytest.fixture
def running_system(trained_model, tmp_path):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT")}
    ports["TRACKING_FAKE_PORT"] = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RASA_TOKEN", "SHOP_ORIGIN")},
        **{name: str(port) for name, port in ports.items()},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--model", str(trained_model)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
    deadline = time.time() + 240
    while time.time() < deadline:
        assert process.poll() is None, (tmp_path / "run.log").read_text(errors="replace")[-3000:]
        try:
            reply = requests.post(
                f"{rasa}/webhooks/rest/webhook", json={"sender": "up", "message": "こんにちは"},
                timeout=5,
            )  # fmt: skip
            if reply.status_code == 200 and reply.json():
                break
        except requests.RequestException:
            pass
        time.sleep(1)
    else:
        pytest.fail("bot run did not come up:\n" + (tmp_path / "run.log").read_text()[-3000:])
    yield rasa, ports
    stop_all([process], grace=20)
    log.close()


def test_what_bot_run_starts_is_closed(running_system):
    rasa, ports = running_system
    token_file = ROOT / "var" / "rasa-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert requests.get(f"{rasa}/conversations/up/tracker", timeout=10).status_code == 401
    assert requests.delete(f"{rasa}/model", timeout=10).status_code == 401
    tracker = requests.get(f"{rasa}/conversations/up/tracker", params={"token": token}, timeout=10)
    assert tracker.status_code == 200
    # CORS: the shop's own web origin only
    web = f"http://localhost:{ports['WEB_PORT']}"
    for origin, allowed in ((web, True), ("https://evil.example", False)):
        answer = requests.options(
            f"{rasa}/webhooks/rest/webhook",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=10,
        )
        assert (answer.headers.get("Access-Control-Allow-Origin") == origin) is allowed, origin
    assert _listening_addresses(ports["ACTIONS_PORT"]) == {"127.0.0.1"}
    assert _listening_addresses(ports["RASA_PORT"]) == {"127.0.0.1"}
