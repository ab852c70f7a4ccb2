"""The shop demo page at `/`: a product list with the rasa-webchat widget."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request

WEBCHAT_SCRIPT = "https://cdn.jsdelivr.net/npm/rasa-webchat/lib/index.js"
_CDN = "https://cdn.jsdelivr.net"
_WEEKDAYS = "月火水木金土日"
_HOSTNAME = re.compile(r"[A-Za-z0-9.\-:]+")

shop = Blueprint("shop", __name__)

# Demo products; a real shop's page is its own.
PRODUCTS = (
    ("オーガニックTシャツ", 3980, "肌ざわりのやさしいオーガニックコットン。S〜XL。"),
    ("リネンシャツ", 6800, "風通しのよい麻100%。洗うほどなじみます。"),
    ("キャンバストート", 2480, "A4が入る厚手の帆布。毎日の買い物に。"),
)


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


def _csp(socket_url: str, websocket_url: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {_CDN}",
            # the widget injects its own <style> elements and style attributes
            f"style-src 'self' 'unsafe-inline' {_CDN}",
            "img-src 'self' data: https:",
            "font-src 'self' data:",
            f"connect-src 'self' {socket_url} {websocket_url}",
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
    socket_url, websocket_url = _socket_origin(current_app.config["RASA_PORT"])
    webchat = {
        "selector": "#webchat",
        "socketUrl": socket_url,
        "socketPath": "/socket.io/",
        "initPayload": "/greet",
        "customData": {"language": "ja"},
        "title": settings.shop_name,
        "subtitle": "お問い合わせ",
        "inputTextFieldHint": "メッセージを入力してください",
        "storage": "session",
    }
    page = render_template(
        "shop/index.html",
        settings=settings,
        products=PRODUCTS,
        hours=desk_hours(settings),
        webchat=webchat,
        webchat_script=WEBCHAT_SCRIPT,
    )
    return page, 200, {"Content-Security-Policy": _csp(socket_url, websocket_url)}
