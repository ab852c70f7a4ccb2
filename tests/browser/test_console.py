"""The operator console in a real browser, next to a customer on the shop page.

Two browser contexts: the customer's (the shop page's widget, as in test_shop_chat.py) and
the operator's (/console/ at 1366×768). What the operator sees arrives by the console's
polling, never by a reload: a ``window.__marker`` set before is still there after.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot import db, operators
from bot.handoff import HandoffQueue
from bot.settings import load_settings, now
from tests.browser.conftest import ChatWidget, watched_page

pytestmark = pytest.mark.slow

PASSWORD = "Console-br0wser-Passw0rd"  # noqa: S105 (a test value)
OPERATORS = (("sato", "佐藤"), ("suzuki", "鈴木"))
CONSOLE_VIEWPORT = {"width": 1366, "height": 768}
POLL_SECONDS = 10  # the console polls every 1-2 s; a poll may wait for a slow server
DELIVERY_SECONDS = 10  # an operator's reply in the widget (behind its typing indicator)
SILENT_SECONDS = 3  # how long the bot must stay quiet while an operator has the chat
XSS = "<img src=x onerror=window.__xss=1>"


@pytest.fixture(scope="module")
def accounts(shop) -> None:
    """The operators, written straight into the shop's database."""
    with db.session_scope(shop.database_url) as session:
        for username, name in OPERATORS:
            operators.add_operator(session, username, PASSWORD, now=now(), display_name=name)


@pytest.fixture
def console(browser, request, accounts) -> Iterator[Page]:
    """The operator's page in a context of its own (no customer cookies or storage)."""
    with watched_page(browser, request, CONSOLE_VIEWPORT, "-console") as page:
        yield page


def log_in(page: Page, web_url: str, username: str = "sato") -> None:
    """Log in through the form; the browser ends on the queue page."""
    page.goto(f"{web_url}/console/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(f"{web_url}/console/")
    expect(page.get_by_role("heading", name="お問い合わせキュー")).to_be_visible()


def mark_page(page: Page) -> None:
    """A marker that lives as long as the document: gone after any navigation or reload."""
    page.evaluate("window.__marker = 1")


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("window.__marker") == 1


def open_chat(page: Page, web_url: str) -> tuple[ChatWidget, str]:
    """The customer on the shop page with the widget open; the widget's session id."""
    page.goto(f"{web_url}/")
    chat = ChatWidget(page)
    chat.open()
    chat.wait_for_reply("こんにちは")
    # rasa-webchat keeps {"session_id", "conversation", ...} under sessionStorage.chat_session;
    # the socket.io channel (session_persistence) makes it Rasa's sender id.
    session_id = page.evaluate("JSON.parse(sessionStorage.getItem('chat_session')).session_id")
    assert session_id, page.evaluate("sessionStorage.getItem('chat_session')")
    return chat, session_id


def handoffs_of(database_url: str, conversation_id: str) -> list[dict]:
    """The handoffs of one conversation (the e2e database is shared by the browser tests)."""
    settings = load_settings()
    with db.session_scope(database_url) as session:
        queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))
        return [h for h in queue.list() if h["conversation_id"] == conversation_id]


def transcript_text(page: Page, sender: str, text: str):
    """The bubble of ``sender`` (customer, bot, operator) showing ``text`` in the transcript."""
    bubbles = page.locator(f"#transcript-list li.from-{sender} .bubble-text")
    return bubbles.filter(has_text=text)


def test_an_operator_takes_over_the_chat_and_hands_it_back(shop, page, console):
    log_in(console, shop.web.url)
    mark_page(console)

    chat, session_id = open_chat(page, shop.web.url)
    chat.ask("担当者と話したいです", "受付番号")
    [handoff] = handoffs_of(shop.database_url, session_id)
    assert (handoff["status"], handoff["reason"]) == ("waiting", "human_request")
    hid = handoff["id"]

    # The queue was open before the customer asked: the row arrives by polling.
    row = console.locator(f'#queue-body tr[data-id="{hid}"]')
    expect(row).to_be_visible(timeout=POLL_SECONDS * 1000)
    expect(row.locator(".col-message")).to_contain_text("担当者と話したいです")
    expect(row).to_contain_text("対応待ち")
    assert still_the_same_page(console), "the queue page was reloaded"

    row.get_by_role("button", name="対応する").click()
    expect(console).to_have_url(f"{shop.web.url}/console/handoffs/{hid}")
    expect(console.locator("#handoff-status")).to_have_text("対応中")
    expect(transcript_text(console, "customer", "担当者と話したいです")).to_be_visible()
    expect(transcript_text(console, "bot", "受付番号")).to_be_visible()
    mark_page(console)
    shown = len(chat.bot_texts())
    chat.wait_for_reply("佐藤がチャットに参加しました", after=shown, seconds=DELIVERY_SECONDS)

    # A canned greeting, completed by hand, sent with the button.
    reply_box = console.locator("#reply-text")
    expect(reply_box).to_be_enabled()
    console.get_by_role("button", name="ごあいさつ").click()
    expect(reply_box).to_have_value(re.compile("担当の佐藤です"))
    reply_box.press("End")
    reply_box.press_sequentially("サイズ交換のご相談ですね。")
    reply = reply_box.input_value()
    assert reply.endswith("ご用件を伺います。サイズ交換のご相談ですね。"), reply
    shown = len(chat.bot_texts())
    console.get_by_role("button", name="送信", exact=True).click()
    expect(reply_box).to_have_value("")  # emptied once the server accepted it
    chat.wait_for_reply(reply, after=shown, seconds=DELIVERY_SECONDS)
    expect(transcript_text(console, "operator", "サイズ交換のご相談ですね。")).to_be_visible()

    # The customer answers: it reaches the operator, and the bot keeps quiet.
    shown = len(chat.bot_texts())
    asked = time.monotonic()
    chat.say("Mサイズを注文しましたがLサイズに替えたいです")
    expect(transcript_text(console, "customer", "Lサイズに替えたいです")).to_be_visible(
        timeout=POLL_SECONDS * 1000
    )
    assert still_the_same_page(console), "the handoff page was reloaded"
    console.wait_for_timeout(max(0.0, SILENT_SECONDS - (time.monotonic() - asked)) * 1000)
    assert chat.bot_texts()[shown:] == [], "the bot answered while the operator had the chat"
    assert page.locator(".rw-typing-indication").count() == 0

    console.get_by_role("button", name="ボットに戻す").click()
    expect(console.locator("#handoff-status")).to_have_text("完了")
    expect(console.locator("#handoff-actions")).to_contain_text("ボットに戻しました")
    expect(reply_box).to_be_disabled()
    chat.wait_for_reply("自動応答", after=shown, seconds=DELIVERY_SECONDS)
    chat.ask("送料はいくらですか", "660円")

    [closed] = handoffs_of(shop.database_url, session_id)
    assert (closed["status"], closed["resolution"], closed["operator"]) == (
        "closed",
        "handback",
        "sato",
    )
    assert page.outside_requests == []
    assert console.outside_requests == []


def test_customer_markup_is_shown_as_text_in_the_queue_and_the_transcript(shop, page, console):
    log_in(console, shop.web.url)
    mark_page(console)

    first = f"商品の画像が表示されません {XSS}"
    chat, session_id = open_chat(page, shop.web.url)
    chat.ask(first)
    chat.ask("担当者と話したいです", "受付番号")
    [handoff] = handoffs_of(shop.database_url, session_id)
    assert first in handoff["customer_message"]
    hid = handoff["id"]

    # The queue's row is drawn by console.js (the page was open before the handoff).
    row = console.locator(f'#queue-body tr[data-id="{hid}"]')
    expect(row).to_be_visible(timeout=POLL_SECONDS * 1000)
    assert still_the_same_page(console)
    expect(row.locator(".col-message")).to_contain_text(XSS)
    assert XSS in (row.locator(".col-message").get_attribute("title") or "")
    assert console.locator("#queue-body img").count() == 0
    assert console.evaluate("typeof window.__xss") == "undefined"

    # The transcript as the server rendered it, then a message console.js appends.
    row.get_by_role("link", name=f"#{hid}").click()
    expect(console).to_have_url(f"{shop.web.url}/console/handoffs/{hid}")
    expect(transcript_text(console, "customer", first)).to_be_visible()
    expect(console.locator("#summary .message-text")).to_contain_text(XSS)
    later = "まだ画像が出ません <img src=y onerror=window.__xss=2>"
    chat.ask(later, "担当者に届いております")
    expect(transcript_text(console, "customer", later)).to_be_visible(timeout=POLL_SECONDS * 1000)
    for where in ("#transcript-list", "#summary", "#handoff-actions"):
        assert console.locator(f"{where} img").count() == 0, where
    assert console.evaluate("typeof window.__xss") == "undefined"
    assert console.outside_requests == []


def test_the_console_needs_a_login_and_a_wrong_password_stays_out(shop, console):
    console.goto(f"{shop.web.url}/console/")
    expect(console).to_have_url(re.compile(rf"^{re.escape(shop.web.url)}/console/login\b"))
    expect(console.get_by_role("heading", name="ログイン")).to_be_visible()
    expect(console.locator("#queue-body")).to_have_count(0)

    console.locator("#login-username").fill("suzuki")
    console.locator("#login-password").fill("not-" + PASSWORD)
    console.get_by_role("button", name="ログイン").click()
    expect(console.get_by_role("alert")).to_have_text("ユーザー名またはパスワードが違います。")
    expect(console).to_have_url(re.compile(rf"^{re.escape(shop.web.url)}/console/login\b"))
    expect(console.locator("#login-username")).to_have_value("suzuki")
    expect(console.locator("#login-password")).to_have_value("")
    assert "shop_console" not in {cookie["name"] for cookie in console.context.cookies()}

    console.goto(f"{shop.web.url}/console/")  # still no way in
    expect(console).to_have_url(re.compile(rf"^{re.escape(shop.web.url)}/console/login\b"))
    assert console.outside_requests == []
