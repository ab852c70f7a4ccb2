"""The live operator relay with every real part: action server, Rasa server with the SQL
tracker store, web process, a Socket.IO customer as rasa-webchat speaks, operators
through the console's JSON API. Their own database; "now" inside business hours."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
import requests

from bot import db, operators
from bot.handoff import HandoffQueue
from bot.processes import free_port, start_bot, start_web
from bot.settings import load_settings, now
from tests.conftest import ROOT
from tests.e2e.clients import PASSWORD, Customer, Operator
from tests.e2e.conftest import SHOP_NOW

pytestmark = pytest.mark.slow


class Shop:
    def __init__(self, workdir, model) -> None:
        self.workdir = workdir
        self.model = model
        self.database_url = f"sqlite:///{workdir / 'shop.sqlite3'}"
        self.env = {"DATABASE_URL": self.database_url, "SHOP_NOW": SHOP_NOW}
        db.upgrade(self.database_url)
        with db.session_scope(self.database_url) as session:
            for name, display in (("sato", "佐藤"), ("suzuki", "鈴木")):
                operators.add_operator(session, name, PASSWORD, now=now(), display_name=display)
        self.bot = start_bot(model, workdir, self.env, tracker_store=True)
        self.web = start_web(
            free_port(),
            {**self.env, "RASA_URL": self.bot.url, "RASA_TOKEN": self.bot.token},
            workdir / "web.log",
        )

    def restart_rasa(self) -> None:
        self.bot.stop()
        self.bot = start_bot(self.model, self.workdir, self.env, tracker_store=True)
        # the web process keeps its RASA_URL: tell it where the new server is
        self.web.stop()
        self.web = start_web(
            free_port(),
            {**self.env, "RASA_URL": self.bot.url, "RASA_TOKEN": self.bot.token},
            self.workdir / "web.log",
        )

    def handoffs(self) -> list[dict]:
        settings = load_settings()
        with db.session_scope(self.database_url) as session:
            return HandoffQueue(
                session, timezone=settings.timezone, clock=lambda: now(settings)
            ).list()

    def stop(self) -> None:
        self.web.stop()
        self.bot.stop()


@pytest.fixture(scope="module")
def shop(trained_model, tmp_path_factory, monkeypatch_session):
    monkeypatch_session.setenv("SHOP_NOW", SHOP_NOW)
    shop = Shop(tmp_path_factory.mktemp("relay"), trained_model)
    yield shop
    shop.stop()


def rest(shop: Shop, sender: str, text: str) -> list[dict]:
    response = requests.post(
        f"{shop.bot.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def senders(entries: list[dict]) -> list[tuple[str, str]]:
    return [(e["sender"], e["text"]) for e in entries]


def test_a_person_takes_over_the_customers_chat_and_hands_it_back(shop):
    customer = Customer(shop.bot.url)
    try:
        mark = customer.say("担当者と話したいです")
        told = customer.wait_for(lambda t: "受付番号" in t, mark, 30)
        assert told, customer.texts()
        [handoff] = [h for h in shop.handoffs() if h["conversation_id"] == customer.session_id]
        assert (handoff["status"], handoff["reason"]) == ("waiting", "human_request")
        assert "このチャットでご返信いたします" in "".join(customer.texts(mark))

        # waiting: every message is answered with where they stand, and no order flow starts
        mark = customer.say("注文の状況を知りたいです")
        notice = customer.wait_for(lambda t: "担当者に届いております" in t, mark, 15)
        assert notice, customer.texts(mark)
        assert not any("ご注文番号" in t for t in customer.texts(mark))

        sato = Operator(shop.web.url, "sato")
        mark = len(customer.received)
        assert sato.post(f"{handoff['id']}/claim").status_code == 200
        assert customer.wait_for(lambda t: "佐藤がチャットに参加しました" in t, mark, 5)

        latencies = []
        for n in range(3):
            text = f"担当の佐藤です。ご用件を伺います（{n}）"
            mark = len(customer.received)
            start = time.monotonic()
            assert sato.post(f"{handoff['id']}/reply", {"text": text}).status_code == 200
            got = customer.wait_for(lambda t, x=text: t == x, mark, 3)
            assert got, customer.texts(mark)
            latencies.append(got[0] - start)
        assert max(latencies) < 1.0, latencies

        mark = customer.say("サイズを変えたいです A-100234")
        time.sleep(3)
        assert customer.texts(mark) == []  # the operator has the chat: the bot is silent

        transcript = sato.detail(handoff["id"])["transcript"]
        said = senders(transcript)
        assert ("customer", "担当者と話したいです") in said
        assert ("customer", "注文の状況を知りたいです") in said
        assert ("customer", "サイズを変えたいです A-100234") in said
        assert ("operator", "担当の佐藤です。ご用件を伺います（2）") in said
        assert any(sender == "bot" and "受付番号" in text for sender, text in said)
        assert [e["at"] for e in transcript] == sorted(e["at"] for e in transcript)

        mark = len(customer.received)
        assert sato.post(f"{handoff['id']}/handback").status_code == 200
        assert customer.wait_for(lambda t: "自動応答" in t, mark, 5)
        mark = customer.say("送料はいくらですか")
        answer = customer.wait_for(lambda t: "660円" in t, mark, 15)
        assert answer, customer.texts(mark)
        closed = next(h for h in shop.handoffs() if h["id"] == handoff["id"])
        assert (closed["status"], closed["resolution"], closed["operator"]) == (
            "closed",
            "handback",
            "sato",
        )
    finally:
        customer.close()


def test_rest_customers_get_nothing_while_claimed_and_the_bot_after_close(shop):
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    assert "受付番号" in " ".join(m.get("text", "") for m in rest(shop, sender, "人と話したい"))
    [handoff] = [h for h in shop.handoffs() if h["conversation_id"] == sender]
    suzuki = Operator(shop.web.url, "suzuki")
    assert suzuki.post(f"{handoff['id']}/claim").status_code == 200
    assert rest(shop, sender, "まだですか？") == []
    assert rest(shop, sender, "A-100234 です") == []
    assert ("customer", "A-100234 です") in senders(suzuki.detail(handoff["id"])["transcript"])
    assert suzuki.post(f"{handoff['id']}/close").status_code == 200
    assert rest(shop, sender, "こんにちは") != []


def test_a_task_for_an_operator_leaves_the_bot_answering(shop):
    sender = f"task-{uuid.uuid4().hex[:8]}"
    rest(shop, sender, "こんにちは")
    settings = load_settings()
    with db.session_scope(shop.database_url) as session:
        queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))
        queue.create(conversation_id=sender, reason="change_delivery")
    answer = " ".join(m.get("text", "") for m in rest(shop, sender, "送料はいくらですか"))
    assert "660円" in answer


def test_transcript_queue_and_claim_survive_a_restart_of_the_rasa_server(shop):
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    rest(shop, sender, "担当者と話したいです")
    [handoff] = [h for h in shop.handoffs() if h["conversation_id"] == sender]
    sato = Operator(shop.web.url, "sato")
    assert sato.post(f"{handoff['id']}/claim").status_code == 200
    assert sato.post(f"{handoff['id']}/reply", {"text": "再起動の前の返信です"}).status_code == 200
    rest(shop, sender, "再起動の前のお客様の発言")
    before = senders(sato.detail(handoff["id"])["transcript"])
    shop.restart_rasa()
    sato = Operator(shop.web.url, "sato")  # the web process restarted too: log in again
    after = senders(sato.detail(handoff["id"])["transcript"])
    assert after == before and ("operator", "再起動の前の返信です") in after
    assert rest(shop, sender, "再起動の後の発言") == []  # still the operator's chat
    assert [h["status"] for h in shop.handoffs() if h["id"] == handoff["id"]] == ["claimed"]
    assert sato.post(f"{handoff['id']}/reply", {"text": "再起動の後の返信です"}).status_code == 200
    after = senders(sato.detail(handoff["id"])["transcript"])
    assert after[-2:] == [("customer", "再起動の後の発言"), ("operator", "再起動の後の返信です")]


def test_handoffs_list_shows_who_handled_what(shop):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "handoffs", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": shop.database_url},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "担当 sato(" in result.stdout and "ボットへ戻し" in result.stdout
