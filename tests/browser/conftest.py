"""Browser tests: Debian's Chromium driven by Playwright against the real servers.

The servers are the e2e ones (demo orders in a temporary SQLite file, SHOP_NOW fixed, the
fake tracking API) plus the web process, started as `python -m bot web` would be in a shop.
Without /usr/bin/chromium the tests skip, except on CI (env CI set), where they fail. A
failing test leaves a screenshot and the page's HTML in var/browser-failures/.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.processes import RunningBot, WebProcess, free_port, start_bot, start_web
from tests.conftest import ROOT
from tests.e2e.conftest import SHOP_NOW, e2e_env, monkeypatch_session  # noqa: F401 (fixtures)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # nothing but the page under test may cause traffic
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURES = ROOT / "var" / "browser-failures"
WEBCHAT = ROOT / "bot" / "web" / "static" / "vendor" / "rasa-webchat-1.0.1.js"
REPLY_SECONDS = 30  # the first answer after the model is loaded takes a few seconds
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
TYPING = ".rw-typing-indication"
BOT_MESSAGE = f".rw-message:not({TYPING}) .rw-response"


def require_chromium() -> None:
    """Skip without Chromium on a developer machine; fail on CI, where it must be there."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; on CI .ci/run installs it", pytrace=False)
    pytest.skip(message)


def require_webchat() -> None:
    """The widget is vendored by `make webchat`, never fetched by the page or the tests."""
    if not WEBCHAT.is_file():
        pytest.fail(f"{WEBCHAT.relative_to(ROOT)} is missing: run `make webchat`", pytrace=False)


@dataclass
class Shop:
    """The Rasa and action servers and a web process pointed at them."""

    bot: RunningBot
    web: WebProcess
    database_url: str
    workdir: Path

    def web_env(self, **extra: str) -> dict[str, str]:
        """The environment of a web process that talks to this Rasa server."""
        return {
            "DATABASE_URL": self.database_url,
            "SHOP_NOW": SHOP_NOW,
            "RASA_PORT": str(urlsplit(self.bot.url).port),
            "RASA_URL": self.bot.url,
            "RASA_TOKEN": self.bot.token,
            **extra,
        }


@pytest.fixture(scope="module")
def shop(trained_model, e2e_env) -> Iterator[Shop]:  # noqa: F811 (the imported fixture)
    """The whole system on free ports, as a shop runs it without a proxy.

    Per module, like ``browser``: modules that import these fixtures get their own copy,
    and module scope keeps the copies from running at the same time.
    """
    web_port = free_port()
    # The page at 127.0.0.1:web talks Socket.IO to 127.0.0.1:rasa: CORS must allow it.
    bot = start_bot(
        trained_model,
        e2e_env["work"],
        {
            "DATABASE_URL": e2e_env["DATABASE_URL"],
            "SHOP_NOW": SHOP_NOW,
            "TRACKING_API_URL": e2e_env["tracking"].url,
        },
        origin=f"http://127.0.0.1:{web_port}",
        tracker_store=True,  # as in a shop: the console reads the transcripts
    )
    try:
        shop = Shop(bot, None, e2e_env["DATABASE_URL"], e2e_env["work"])  # type: ignore[arg-type]
        shop.web = start_web(web_port, shop.web_env(), e2e_env["work"] / "web.log")
    except BaseException:
        bot.stop()
        raise
    yield shop
    shop.web.stop()
    bot.stop()


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    # Autouse and session-wide, so it runs before the servers start: a skip costs nothing.
    require_chromium()
    require_webchat()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (not Playwright's download), one per module.

    Two sync Playwright instances cannot run in one thread, so a module that imports this
    fixture must not overlap with another module's copy: hence module scope.
    """
    require_chromium()
    require_webchat()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def watched_page(browser, request, viewport: dict, suffix: str = "") -> Iterator:
    """A page in a fresh context, loopback-only; on failure its screenshot and HTML go to var/.

    Anything but loopback (the widget's Google Fonts link, say) is aborted and recorded in
    ``page.outside_requests``.
    """
    context = browser.new_context(locale="ja-JP", viewport=viewport)
    context.set_default_timeout(REPLY_SECONDS * 1000)
    outside = loopback_only(context)
    page = context.new_page()
    page.outside_requests = outside
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        # The call phase's report is counted before fixtures are torn down.
        if request.session.testsfailed > failed_before:
            save_failure(page, request.node.name + suffix)
        context.close()


@pytest.fixture
def page(browser, request):
    """The customer's page: a fresh context (see :func:`watched_page`)."""
    with watched_page(browser, request, {"width": 1200, "height": 900}) as page:
        yield page


def loopback_only(context) -> list[str]:
    """Let only loopback requests leave ``context``; the others, aborted, go to the list."""
    outside: list[str] = []

    def route(route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return outside


def save_failure(page, name: str) -> None:
    """Screenshot and HTML of ``page`` as var/browser-failures/<name>.png and .html."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = FAILURES / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    try:
        page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
        stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
        print(f"\nbrowser failure saved: {stem}.png, {stem}.html")
    except Exception as error:  # the test's own failure is what matters
        print(f"\ncould not save the browser failure {stem}: {error}")


class ChatWidget:
    """The rasa-webchat widget on a page, as a customer uses it."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self) -> None:
        """Open a new page's widget with its launcher button."""
        self.page.locator("button.rw-launcher").click()
        self.page.locator(".rw-new-message").wait_for(state="visible")

    def say(self, text: str) -> None:
        """Type ``text`` and send it, and wait until it shows as the customer's message."""
        sent = self.page.locator(".rw-client").count()
        self.page.locator(".rw-new-message").fill(text)
        self.page.locator(".rw-new-message").press("Enter")
        self.page.locator(".rw-client").nth(sent).wait_for()

    def ask(self, text: str, *needles: str) -> str:
        """Send ``text``; the bot's answer to it, once it holds every one of ``needles``."""
        asked = len(self.bot_texts())
        self.say(text)
        return self.wait_for_reply(*needles, after=asked)

    def bot_texts(self) -> list[str]:
        """The bot's messages shown so far (not the typing indicator, which looks like one)."""
        return self.page.locator(BOT_MESSAGE).all_inner_texts()

    def wait_for_reply(self, *needles: str, after: int = 0, seconds: float = REPLY_SECONDS) -> str:
        """The bot messages after the first ``after`` once all ``needles`` are among them.

        Then waits until the widget has shown every message it received: it shows them one
        by one, up to 3 s apart, behind a typing indicator.
        """
        deadline = time.monotonic() + seconds
        while True:
            text = "\n".join(self.bot_texts()[after:])
            if text and all(needle in text for needle in needles):
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no bot reply with {needles!r} in {seconds:.0f} s; bot said:\n{text}"
                )
            self.page.wait_for_timeout(200)
        self.wait_until_settled(deadline)
        return "\n".join(self.bot_texts()[after:])

    def wait_until_settled(self, deadline: float, quiet: float = 1.0) -> None:
        """Wait until no typing indicator and no new message for ``quiet`` seconds."""
        shown, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = self.page.locator(BOT_MESSAGE).count()
            if count != shown or self.page.locator(TYPING).count():
                shown, since = count, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("the widget was still showing new messages at the deadline")
