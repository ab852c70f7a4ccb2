"""The shop demo page at `/`: a product list with the rasa-webchat widget.

The widget is rasa-webchat's prebuilt bundle, vendored by `scripts/fetch-webchat` (pinned
version and integrity) and served from our own static folder, so the page loads nothing
from elsewhere. It talks Socket.IO to the Rasa server: by default on this page's host at
RASA_PORT; with CHAT_SOCKET_URL=same-origin through the page's own origin (behind the
project's nginx, which forwards /socket.io/ to Rasa); with any other URL, to that URL.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState

from bot.demo import PRODUCTS_FILE

WEBCHAT_SCRIPT = "vendor/rasa-webchat-1.0.1.js"  # under static/; see scripts/fetch-webchat
SAME_ORIGIN = "same-origin"
_WEEKDAYS = "月火水木金土日"
_HOSTNAME = re.compile(r"[A-Za-z0-9.\-:]+")
_NETLOC = re.compile(r"[A-Za-z0-9.\-:\[\]]+")  # nothing that could end a CSP source or JSON

shop = Blueprint("shop", __name__)

# Demo products, by SKU of the demo catalogue (bot/demo/products.json, where the page
# takes their names and prices from, so that the page and the chat agree); a real shop's
# page is its own.
FEATURED = {
    "TS-01": "肌ざわりのやさしいオーガニックコットン。S〜XL。",
    "LS-10": "風通しのよい麻100%。洗うほどなじみます。",
    "TB-30": "A4が入る厚手の帆布。毎日の買い物に。",
}


@functools.cache
def featured_products() -> tuple[tuple[str, int, str], ...]:
    """(name, price, description) of the featured demo products."""
    catalogue = json.loads(PRODUCTS_FILE.read_text(encoding="utf-8"))["products"]
    by_sku = {product["sku"]: product for product in catalogue}
    return tuple(
        (by_sku[sku]["name"], by_sku[sku]["price"], text) for sku, text in FEATURED.items()
    )


def socket_url_setting(value: str) -> str:
    """CHAT_SOCKET_URL checked: empty, ``same-origin``, or a plain http(s) origin.

    Anything else (a path, a query, another scheme) would be a silent misconfiguration of
    the widget and the CSP, so it stops the web process at start.
    """
    value = value.strip()
    if value in ("", SAME_ORIGIN):
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise ValueError(f"CHAT_SOCKET_URL is not a URL: {value!r}") from error
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
        or not _NETLOC.fullmatch(parts.netloc)
    ):
        raise ValueError(
            f"CHAT_SOCKET_URL must be {SAME_ORIGIN!r} or an origin such as "
            f"https://chat.example.jp, not {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


@shop.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    # create_app reads the environment; checking here fails at start, not on the first page.
    config = state.app.config
    config["CHAT_SOCKET_URL"] = socket_url_setting(config.get("CHAT_SOCKET_URL", ""))


def _socket_origin(port: int) -> tuple[str, str]:
    """The Rasa server's URL on the host this page was asked for, and its websocket twin.

    The Host header is the client's to choose, so anything but a plain host name or IP
    falls back to localhost before it reaches the page or the CSP header.
    """
    try:
        hostname = urlsplit(f"//{request.host}").hostname or ""
    except ValueError:
        hostname = ""
    if not _HOSTNAME.fullmatch(hostname):
        hostname = "localhost"
    if ":" in hostname:  # IPv6
        hostname = f"[{hostname}]"
    secure = request.scheme == "https"
    return (
        f"{'https' if secure else 'http'}://{hostname}:{port}",
        f"{'wss' if secure else 'ws'}://{hostname}:{port}",
    )


def _websocket_twin(url: str) -> str:
    return "ws" + url.removeprefix("http")  # http -> ws, https -> wss


def _csp(connect: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # the widget injects its own <style> elements and style attributes
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def desk_hours(settings) -> str:
    """「月〜金 10:00〜18:00」 from the business hours in the settings."""
    hours = settings.hours
    days = sorted(hours.days)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        named = f"{_WEEKDAYS[days[0]]}〜{_WEEKDAYS[days[-1]]}"
    else:
        named = "・".join(_WEEKDAYS[d] for d in days)
    return f"{named} {hours.open:%H:%M}〜{hours.close:%H:%M}"


@shop.get("/")
def index():
    """The demo shop page; every text from settings goes through Jinja's autoescape."""
    settings = current_app.config["SHOP_SETTINGS"]
    configured = current_app.config["CHAT_SOCKET_URL"]
    if configured == SAME_ORIGIN:
        # chat.js puts in window.location.origin: behind a proxy that is the only origin the
        # browser really used, whatever Host header the proxy passes on.
        socket_url, connect = SAME_ORIGIN, "'self'"
    else:
        if configured:
            socket_url, websocket_url = configured, _websocket_twin(configured)
        else:
            socket_url, websocket_url = _socket_origin(current_app.config["RASA_PORT"])
        connect = f"'self' {socket_url} {websocket_url}"
    webchat = {
        "selector": "#webchat",
        "socketUrl": socket_url,
        "socketPath": "/socket.io/",
        "initPayload": "/greet",
        "customData": {"language": "ja"},
        "title": settings.shop_name,
        "subtitle": "お問い合わせ",
        "inputTextFieldHint": "メッセージを入力してください",
        # rasa-webchat 1.0.1 reads the storage from params (a top-level "storage" is ignored
        # and means localStorage): the conversation outlives a reload, not the browser tab.
        "params": {"storage": "session"},
    }
    script = None
    if Path(current_app.static_folder or "", WEBCHAT_SCRIPT).is_file():
        script = url_for("static", filename=WEBCHAT_SCRIPT)
    page = render_template(
        "shop/index.html",
        settings=settings,
        products=featured_products(),
        hours=desk_hours(settings),
        webchat=webchat,
        webchat_script=script,
    )
    return page, 200, {"Content-Security-Policy": _csp(connect)}
