"""The shop page's chat in a real browser: greeting, a whole WISMO conversation, a reload.

This is what a customer does, through the vendored widget and Rasa's Socket.IO channel;
it fails when the widget never shows a bot reply (python-socketio > 5.9 with Rasa 3.6).
"""

from __future__ import annotations

import shutil

import pytest

from bot.web import create_app
from tests.browser.conftest import ChatWidget
from tests.conftest import ROOT
from tests.web.conftest import running

pytestmark = pytest.mark.slow

ORDER, EMAIL = "D-200011", "sho.kobayashi@example.jp"  # a shipped demo order (README)
CARRIER, TRACKING_NUMBER = "ヤマト運輸", "4512-3456-7811"


def test_greeting_order_status_and_reload(shop, page):
    page.goto(f"{shop.web.url}/")
    chat = ChatWidget(page)
    chat.open()
    chat.wait_for_reply("こんにちは")

    chat.ask("注文した商品はいつ届きますか", "注文番号")
    chat.ask(ORDER, "メールアドレス")
    answer = chat.ask(EMAIL, CARRIER, TRACKING_NUMBER)
    assert ORDER in answer

    # The widget keeps the conversation in sessionStorage (the tab), not localStorage.
    assert page.evaluate("Object.keys(sessionStorage)") == ["chat_session"]
    assert page.evaluate("Object.keys(localStorage)") == []

    shown = len(chat.bot_texts())
    page.reload()
    # The widget was open: once its socket is back it reopens itself with the history.
    chat.wait_for_reply(TRACKING_NUMBER)
    assert len(chat.bot_texts()) == shown  # the history as it was, no second greeting
    # Rasa goes on with the same conversation (session_persistence): still verified.
    chat.say("送り状番号は？")
    chat.wait_for_reply(TRACKING_NUMBER, after=shown)
    assert "ご注文番号" not in "\n".join(chat.bot_texts()[shown:])

    assert page.outside_requests == []


def test_without_the_vendored_widget_the_page_says_so(page, tmp_path, monkeypatch):
    static = tmp_path / "static"
    shutil.copytree(
        ROOT / "bot" / "web" / "static", static, ignore=shutil.ignore_patterns("vendor")
    )
    monkeypatch.delenv("CHAT_SOCKET_URL", raising=False)
    app = create_app(db_url=f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    app.static_folder = str(static)
    with running(app) as url:
        page.goto(f"{url}/")
        notice = page.locator("#chat-unavailable")
        notice.wait_for(state="visible", timeout=10_000)
        assert "チャットを読み込めませんでした" in notice.inner_text()
        assert page.locator("button.rw-launcher").count() == 0
    assert page.outside_requests == []
