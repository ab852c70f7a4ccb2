"""The web process: shop demo page (`/`), HTTP API (`/api/`) and operator console (`/console/`).

One Flask app built by :func:`create_app`, one blueprint per area. Every response carries
the security headers; the shop page widens its Content-Security-Policy just enough for
the chat widget (the Rasa server for the socket).
"""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bot import db
from bot.rasa_api import RasaClient
from bot.settings import Settings, load_settings, rasa_token

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_RASA_URL = "http://localhost:5005"
# For every response that does not set its own (the JSON API): nothing may load or frame it.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def create_app(
    settings: Settings | None = None, db_url: str | None = None, rasa: RasaClient | None = None
) -> Flask:
    """The web app for ``settings`` (default shop.yml), ``db_url`` (default DATABASE_URL)
    and the Rasa server the console sends operators' replies through (default: RASA_URL,
    else http://localhost:5005, with RASA_TOKEN or var/rasa-token).

    Reads SHOP_API_TOKEN, RASA_PORT and CHAT_SOCKET_URL from the environment once, and
    brings the database schema up to date before serving.
    """
    from bot.web.api import api
    from bot.web.console import console
    from bot.web.shop import shop

    settings = settings or load_settings()
    app = Flask(__name__)
    rasa_port = os.environ.get("RASA_PORT", "5005")
    if not rasa_port.isdigit():
        raise ValueError(f"RASA_PORT must be a port number, not {rasa_port!r}")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SHOP_SETTINGS=settings,
        DATABASE_URL=db_url,
        SHOP_API_TOKEN=os.environ.get("SHOP_API_TOKEN", ""),
        RASA_PORT=int(rasa_port),
        CHAT_SOCKET_URL=os.environ.get("CHAT_SOCKET_URL", ""),  # checked by bot.web.shop
        RASA=rasa or RasaClient(os.environ.get("RASA_URL") or DEFAULT_RASA_URL, rasa_token()),
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    db.upgrade(db_url)

    app.register_blueprint(shop)
    app.register_blueprint(api)
    app.register_blueprint(console)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_security_headers)
    return app


def _http_error(error: HTTPException):
    """JSON errors under /api/ (clients parse them); Werkzeug's HTML pages elsewhere."""
    if request.path.startswith("/api/"):
        message = error.description
        if isinstance(error, RequestEntityTooLarge):
            message = f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB"
        response = jsonify(error=error.name, message=message)
        response.status_code = error.code or 500
        return response
    return error


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response
