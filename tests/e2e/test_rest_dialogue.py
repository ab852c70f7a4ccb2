"""End to end: the real action server and Rasa server, Japanese messages over REST."""

import os
import socket
import subprocess
import time
import uuid

import pytest
import requests
import yaml

from tests.conftest import RASA, ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: int = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@pytest.fixture(scope="module")
def bot_url(trained_model, tmp_path_factory):
    work = tmp_path_factory.mktemp("servers")
    actions_port, rasa_port = _free_port(), _free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"}})
    )
    logs = [open(work / name, "wb") for name in ("actions.log", "rasa.log")]
    commands = [
        [RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        [RASA, "run", "--enable-api", "-m", str(trained_model), "--port", str(rasa_port),
         "-i", "127.0.0.1", "--endpoints", str(endpoints)],
    ]  # fmt: skip
    processes = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
        for cmd, log in zip(commands, logs, strict=True)
    ]
    try:
        _wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes[0])
        _wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes[1])
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()


class Conversation:
    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"test-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> list[dict]:
        response = requests.post(
            self.url, json={"sender": self.sender, "message": message}, timeout=60
        )
        response.raise_for_status()
        return response.json()


def _text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_greeting_then_a_general_question_then_goodbye(bot_url):
    chat = Conversation(bot_url)
    assert "こんにちは" in _text(chat.say("こんにちは"))
    assert "660円" in _text(chat.say("送料っていくらかかりますか？"))
    assert "ありがとうございました" in _text(chat.say("では失礼します"))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("領収書って発行してもらえますか", "領収書は、マイページ"),
        ("ギフト包装はできますか？", "ラッピング"),
        ("返品って何日以内ならできますか", "8日以内"),
        ("支払い方法は何がありますか", "クレジットカード"),
        ("あなたはロボットですか？", "自動応答"),
        ("今日の天気はどうですか", "お答えできません"),
    ],
)
def test_skeleton_answers(bot_url, message, expected):
    assert expected in _text(Conversation(bot_url).say(message))


def test_an_order_question_asks_for_the_verification_data_and_discloses_nothing(bot_url):
    text = _text(Conversation(bot_url).say("Ａ－１００２３４ はいつ届きますか"))
    assert "注文番号" in text and "メールアドレス" in text


def test_keyboard_mashing_is_answered_politely_as_off_topic(bot_url):
    assert "お答えできません" in _text(Conversation(bot_url).say("ｑｗｅｒｔｙｕｉｏｐ　ぬぬぬ"))


def test_the_fallback_offers_suggested_questions_as_buttons(bot_url):
    # what the FallbackClassifier emits when no label is confident enough
    replies = Conversation(bot_url).say("/nlu_fallback")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert "理解できませんでした" in _text(replies)
    assert len(buttons) >= 2
    assert all(b["payload"] and b["title"] for b in buttons)


def test_damage_on_arrival_gets_an_apology_before_the_questions(bot_url):
    text = _text(Conversation(bot_url).say("届いた箱がつぶれてて中のお皿が割れてました"))
    assert "申し訳ございません" in text and "注文番号" in text


def test_asking_for_a_person_is_not_promised_a_reply_in_chat(bot_url):
    text = _text(Conversation(bot_url).say("担当者と話したいです"))
    assert "お問い合わせ窓口" in text
    assert "このチャットでご返信" not in text
