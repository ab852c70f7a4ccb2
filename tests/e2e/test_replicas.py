"""Two Rasa servers side by side for one shop: the relay keeps no state in one process.

Two full replicas (Rasa server + action server each) share the database (queue,
conversations) and a Redis (Rasa's lock store, and the Socket.IO message queue of
bot/channels.py). The customer's socket is on replica A; the web process talks to
replica B only. An operator's reply, taken by B, must reach the customer on A; A must keep
the bot silent while B's operator has the chat. Needs Debian's redis-server (skipped
without it on a developer machine; .ci/run installs it, and on CI it must run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid

import pytest
import redis
import requests

from bot import db, operators
from bot.handoff import HandoffQueue
from bot.processes import free_port, start_bot, start_web, stop_all
from bot.settings import load_settings, now
from tests.e2e.clients import PASSWORD, Customer, Operator
from tests.e2e.conftest import SHOP_NOW

pytestmark = pytest.mark.slow


def redis_server_or_skip() -> str:
    path = shutil.which("redis-server")
    if path:
        return path
    message = "redis-server is not installed (Debian: apt-get install redis-server)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; on CI .ci/run installs it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = redis_server_or_skip()
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(  # Debian's redis-server, fixed arguments
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    stop_all([process])


@pytest.fixture(scope="module")
def replicas(trained_model, tmp_path_factory, redis_url, monkeypatch_session):
    monkeypatch_session.setenv("SHOP_NOW", SHOP_NOW)
    work = tmp_path_factory.mktemp("replicas")
    url = f"sqlite:///{work / 'shop.sqlite3'}"
    db.upgrade(url)
    with db.session_scope(url) as session:
        operators.add_operator(session, "sato", PASSWORD, now=now(), display_name="佐藤")
    env = {"DATABASE_URL": url, "SHOP_NOW": SHOP_NOW, "SOCKETIO_MESSAGE_QUEUE": redis_url}
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    lock_store = {"lock_store": {"type": "redis", "url": "127.0.0.1", "port": port, "db": 1}}
    started = []
    try:
        for name in ("a", "b"):
            (work / name).mkdir()
            started.append(
                start_bot(trained_model, work / name, env, tracker_store=True, endpoints=lock_store)
            )
        a, b = started
        web = start_web(
            free_port(), {**env, "RASA_URL": b.url, "RASA_TOKEN": b.token}, work / "web.log"
        )
    except BaseException:
        for bot in started:
            bot.stop()
        raise
    yield a, b, web, url
    web.stop()
    for bot in started:
        bot.stop()


def handoff_of(url: str, conversation_id: str) -> dict:
    settings = load_settings()
    with db.session_scope(url) as session:
        queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))
        return next(h for h in queue.list() if h["conversation_id"] == conversation_id)


def test_a_reply_through_one_replica_reaches_the_socket_on_the_other(replicas):
    a, b, web, url = replicas
    customer = Customer(a.url)
    try:
        mark = customer.say("担当者と話したいです")
        assert customer.wait_for(lambda t: "受付番号" in t, mark, 30), customer.texts()
        handoff = handoff_of(url, customer.session_id)
        sato = Operator(web.url, "sato")
        assert sato.post(f"{handoff['id']}/claim").status_code == 200

        text = f"担当の佐藤です（{uuid.uuid4().hex[:6]}）"
        mark = len(customer.received)
        start = time.monotonic()
        assert sato.post(f"{handoff['id']}/reply", {"text": text}).status_code == 200
        got = customer.wait_for(lambda t: t == text, mark, 3)
        assert got, customer.texts(mark)
        assert got[0] - start < 1.0

        # either replica keeps the bot silent while the operator has the chat
        mark = customer.say("A-100234 の件です")
        silent_on_b = requests.post(
            f"{b.url}/webhooks/rest/webhook",
            json={"sender": customer.session_id, "message": "聞こえますか"},
            timeout=60,
        ).json()
        time.sleep(2)
        assert silent_on_b == [] and customer.texts(mark) == []
        said = [(e["sender"], e["text"]) for e in sato.detail(handoff["id"])["transcript"]]
        assert ("customer", "A-100234 の件です") in said and ("customer", "聞こえますか") in said
        assert ("operator", text) in said

        assert sato.post(f"{handoff['id']}/handback").status_code == 200
        mark = customer.say("送料はいくらですか")
        assert customer.wait_for(lambda t: "660円" in t, mark, 15), customer.texts(mark)
    finally:
        customer.close()
