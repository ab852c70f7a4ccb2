"""What an attacker would try, against the real servers: all of it must fail safely.

The Rasa API without the token, the action server's address, enumerating one customer's
orders, a 100,000-character message, oversized bodies, hand-typed payloads, /restart
after a lockout.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import Conversation, text_of

pytestmark = pytest.mark.slow

HANAKO = "hanako.sato@example.com"  # D-200002, D-200008, D-200021; no other e2e test uses her
FACTS_OF_HANAKO = ("佐藤", "3601-2345-6781", "D-200021")


def test_the_rasa_api_needs_the_token(running_bot):
    url = running_bot.url
    Conversation(url).say("こんにちは")
    for method, path in (
        ("GET", "/conversations/anyone/tracker"),
        ("POST", "/conversations/anyone/tracker/events"),
        ("GET", "/domain"),
        ("DELETE", "/model"),
        ("PUT", "/model"),
    ):
        answer = requests.request(method, url + path, json={}, timeout=10)
        assert answer.status_code == 401, (method, path, answer.status_code)
        forged = requests.request(method, url + path + "?token=guess", json={}, timeout=10)
        assert forged.status_code == 401
    allowed = requests.get(f"{url}/status", params={"token": running_bot.token}, timeout=10)
    assert allowed.status_code == 200
    # the model is still loaded: the chat answers
    assert "こんにちは" in text_of(Conversation(url).say("こんにちは"))


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if len(raw) == 4:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_the_action_server_listens_on_loopback_only(running_bot):
    port = urlsplit(running_bot.actions_url).port
    assert _listening_addresses(port) == {"127.0.0.1"}


def test_enumerating_one_customers_orders_is_stopped_before_the_third(running_bot):
    """30 fresh conversations, one order number each, with her known e-mail."""
    found = []
    for n in range(1, 31):
        order_id = f"D-2000{n:02d}"
        reply = text_of(Conversation(running_bot.url).say(f"{order_id} {HANAKO} いつ届きますか"))
        if "佐藤" in reply or f"ご注文 {order_id}（" in reply:
            found.append(order_id)
    assert found == ["D-200002", "D-200008"]  # D-200021 is never reached


def test_a_100000_character_message_is_answered_politely_and_stalls_no_one(running_bot):
    url = running_bot.webhook()
    huge = ("送料はいくらですか？" + "a@" * 5 + "０" * 20) * 3500  # ~100,000 characters

    def post_huge():
        started = time.perf_counter()
        answer = requests.post(url, json={"sender": "huge", "message": huge[:100_000]}, timeout=60)
        return answer, time.perf_counter() - started

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pending = pool.submit(post_huge)
        started = time.perf_counter()
        other = Conversation(running_bot.url).say("送料はいくらですか")
        other_seconds = time.perf_counter() - started
        answer, seconds = pending.result()
    assert answer.status_code == 200
    assert "2,000文字まで" in text_of(answer.json())
    assert seconds < 5, seconds
    assert "660円" in text_of(other) and other_seconds < 5, other_seconds


def test_a_body_over_one_megabyte_is_refused(running_bot):
    body = {"sender": "big", "message": "あ" * 400_000}  # 1.2 MB of UTF-8
    answer = requests.post(running_bot.webhook(), json=body, timeout=60)
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "payload",
    [
        '/order_status{"order_id": 200001}',
        '/order_status{"order_id": {"x": "D-200001"}}',
        '/inform{"email": 12345}',
        '/inform{"order_id": ["D-200001"], "phone": null}',
        '/human_handoff{"order_id": 7}',
        "/faq",
        '/affirm{"human_offer": "complaint"}',
    ],
)
def test_hand_typed_payloads_with_other_values_do_not_crash(running_bot, payload):
    chat = Conversation(running_bot.url)
    replies = chat.say(payload)
    assert replies, "every message gets an answer"
    assert "4512-3456-7801" not in text_of(replies)
    # the conversation goes on (after /human_handoff: waiting for a person, and told so)
    expected = "担当者に届いております" if payload.startswith("/human_handoff") else "こんにちは"
    assert expected in text_of(chat.say("こんにちは"))


def test_restart_after_a_lockout_is_still_locked(running_bot):
    chat = Conversation(running_bot.url)
    chat.say("注文の状況を確認したいです")
    for attempt in range(5):
        chat.say("D-200011")
        last = text_of(chat.say(f"not-him{attempt}@example.com"))
    assert "担当者におつなぎしますか" in last
    chat.say("/restart")
    chat.say("D-200011 の配送状況を教えて")
    again = text_of(chat.say("sho.kobayashi@example.jp"))
    assert "4512-3456-7811" not in again
    assert "担当者" in again


def test_a_slow_carrier_api_stalls_no_other_conversation(running_bot, e2e_env):
    """The lookup runs in a worker thread: another customer's answer does not wait for it."""
    tracking = e2e_env["tracking"]
    tracking.mode, tracking.slow_seconds = "slow", 5.0
    slow = Conversation(running_bot.url)
    slow.say("D-200026 の荷物はいつ届きますか")  # shipped; no other test looks it up

    def lookup():
        started = time.perf_counter()
        reply = slow.say("haruka.ishikawa@example.com")
        return reply, time.perf_counter() - started

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(lookup)
            time.sleep(0.3)  # the lookup is under way
            started = time.perf_counter()
            other = Conversation(running_bot.url).say("送料はいくらですか")
            other_seconds = time.perf_counter() - started
            reply, slow_seconds = pending.result()
    finally:
        tracking.mode = "ok"
    assert slow_seconds > 2  # it really waited for the carrier (2 s timeout, one retry)
    assert "最新情報を取得できなかった" in text_of(reply)
    assert "660円" in text_of(other)
    assert other_seconds < 1.5, other_seconds
