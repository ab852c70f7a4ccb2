"""The operator console at /console/: login, the live queue, a conversation, and its JSON API.

Pages and API need a console session (cookie ``shop_console``, from the login form); without
one, pages redirect to the login and the API answers 401. Every POST needs the session's
CSRF token: the API in the ``X-CSRF-Token`` header (every page carries it in
``<meta name="csrf-token">``), the logout form in its ``csrf_token`` field. The login form
itself is protected by a double-submit token (a cookie set with the form, and the same
value in a hidden field), so no other site can log a browser in.

API (JSON; errors are ``{"error", "message"}``):

- ``GET  /console/api/handoffs``            the queue, as ``handoffs list --json`` prints it
- ``GET  /console/api/handoffs/ID``         the handoff plus ``transcript`` and ``order``
  (the order only when the customer proved it)
- ``POST /console/api/handoffs/ID/claim``   200 the handoff, now claimed by you; 409 taken
- ``POST /console/api/handoffs/ID/reply``   ``{"text"}``: sent to the customer's chat
- ``POST /console/api/handoffs/ID/handback`` and ``.../close``: 200 the handoff, closed

Claim, reply, handback or close on a handoff another operator holds, or one already closed,
answer 409.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from bot import db, messages, operators, orders
from bot.handoff import HandoffConflictError, HandoffQueue, Resolution, UnknownHandoffError
from bot.rasa_api import RasaUnavailableError
from bot.settings import now
from bot.transcript import transcript

log = logging.getLogger(__name__)

console = Blueprint("console", __name__, url_prefix="/console")

SESSION_COOKIE = "shop_console"
LOGIN_COOKIE = "shop_console_login"
MAX_REPLY_CHARS = 2000
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_OPEN = ("console.login_form", "console.login", "console.static")


def _utcnow() -> dt.datetime:
    """Sessions and failed logins run on the real clock, never SHOP_NOW."""
    return dt.datetime.now(dt.timezone.utc)


def _settings():
    return current_app.config["SHOP_SETTINGS"]


def _session():
    return db.session_scope(current_app.config["DATABASE_URL"])


def _queue(session) -> HandoffQueue:
    settings = _settings()
    return HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))


def _error(status: int, error: str, message: str, **extra) -> Response:
    response = jsonify(error=error, message=message, **extra)
    response.status_code = status
    return response


def _labels() -> dict:
    catalogue = messages.catalogue()
    return {
        "reasons": catalogue["handoff_reasons"],
        "statuses": catalogue["handoff_statuses"],
        "order_statuses": catalogue["status_names"],
        "payment_methods": catalogue["payment_methods"],
        "payment_statuses": catalogue["payment_statuses"],
        "carriers": {code: carrier.name for code, carrier in _settings().carriers.items()},
    }


def _page(template: str, **values) -> str:
    me = g.get("console")
    return render_template(
        template,
        csrf_token=values.pop("csrf_token", None) or (me.csrf_token if me else ""),
        shop_name=_settings().shop_name,
        operator=me.operator.username if me else None,
        labels=_labels(),
        **values,
    )


# -- who is asking ----------------------------------------------------------------------


@console.before_request
def _authenticate():
    g.console = None
    if request.endpoint in _OPEN:
        return None
    with _session() as session:
        g.console = operators.session_for(
            session, request.cookies.get(SESSION_COOKIE), now=_utcnow()
        )
    api = request.path.startswith("/console/api/")
    if g.console is None:
        if api:
            return _error(401, "unauthorized", "ログインが必要です。")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("console.login_form", next=target))
    if request.method == "POST":
        given = request.headers.get("X-CSRF-Token", "")
        if not api and not given:
            given = request.form.get("csrf_token", "")
        if not given or not hmac.compare_digest(given, g.console.csrf_token):
            if api:
                return _error(403, "csrf", "CSRFトークンがないか、正しくありません。")
            return Response("CSRFトークンが正しくありません。", status=403, mimetype="text/plain")
    return None


@console.after_request
def _console_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(value: str | None) -> str:
    """Where to go after the login: a console path of ours, never another site."""
    if value:
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/"):
            return value.rstrip("?")
    return url_for("console.queue")


def _cookie_args() -> dict:
    return {"httponly": True, "samesite": "Strict", "secure": request.is_secure}


# -- login and logout -------------------------------------------------------------------


def _login_page(status: int = 200, error: str | None = None, username: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    body = _page("console/login.html", csrf_token=token, error=error, username=username)
    response = Response(body, status=status, mimetype="text/html")
    response.set_cookie(LOGIN_COOKIE, token, path="/console/login", **_cookie_args())
    return response


@console.get("/login")
def login_form():
    with _session() as session:
        if operators.session_for(session, request.cookies.get(SESSION_COOKIE), now=_utcnow()):
            return redirect(_safe_next(request.args.get("next")))
    return _login_page()


@console.post("/login")
def login():
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    given = request.form.get("csrf_token", "")
    if not cookie or not given or not hmac.compare_digest(cookie, given):
        return _login_page(400, "フォームの有効期限が切れました。もう一度ログインしてください。")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    moment = _utcnow()
    try:
        with _session() as session:
            operator = operators.authenticate(
                session, username, password, now=moment, client=request.remote_addr
            )
            if operator is not None:
                token, _ = operators.open_session(session, operator, now=moment)
    except operators.TooManyFailuresError:
        log.warning("console login for %r refused: too many failures", username)
        return _login_page(
            429,
            "ログインの失敗が続いたため、しばらくログインできません。15分ほどおいてお試しください。",
        )
    if operator is None:
        log.info("console login failed for %r from %s", username, request.remote_addr)
        return _login_page(401, "ユーザー名またはパスワードが違います。", username)
    log.info("operator %s logged in", operator.username)
    response = redirect(_safe_next(request.args.get("next")), code=303)
    response.set_cookie(SESSION_COOKIE, token, path="/console", **_cookie_args())
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


@console.post("/logout")
def logout():
    with _session() as session:
        operators.close_session(session, request.cookies.get(SESSION_COOKIE), now=_utcnow())
    response = redirect(url_for("console.login_form"), code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


# -- pages ------------------------------------------------------------------------------


@console.get("/")
def queue():
    with _session() as session:
        handoffs = _queue(session).list()
    return _page("console/queue.html", handoffs=handoffs)


@console.get("/handoffs/<int:handoff_id>")
def handoff_page(handoff_id: int):
    with _session() as session:
        handoff = _queue(session).get(handoff_id)
        if handoff is None:
            return Response(
                "この受付番号の引き継ぎはありません。", status=404, mimetype="text/plain"
            )
        detail = _detail(session, handoff)
    name = g.console.operator.display_name
    canned = messages.canned_replies(operator_name=name)
    return _page("console/handoff.html", handoff=detail, canned=canned)


# -- API --------------------------------------------------------------------------------


def _detail(session, handoff: dict) -> dict:
    """The handoff with its whole transcript and, when the customer proved it, the order."""
    order = None
    if handoff["verified"] and handoff["order_id"]:
        order = orders.find_order(session, handoff["order_id"])
        if order is not None:
            order["status_history"] = [
                {"status": h["status"], "at": h["changed_at"]}
                for h in orders.status_history(session, handoff["order_id"])
            ]
    return {
        **handoff,
        "transcript": transcript(session, handoff["conversation_id"], _settings().timezone),
        "order": order,
    }


def _handoff_errors(view):
    """404 for an unknown handoff, 409 (with the handoff as it is) for a conflict."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except UnknownHandoffError:
            return _error(404, "not_found", "この受付番号の引き継ぎはありません。")
        except HandoffConflictError as conflict:
            held = conflict.handoff
            if held["status"] == "closed":
                message = "この引き継ぎはすでに完了しています。"
            else:
                message = f"{held['operator']} さんが対応中です。"
            return _error(409, "conflict", message, handoff=held)

    return wrapper


def _tell_customer(handoff: dict, template: str, **values) -> None:
    """A notice in the customer's chat (best effort: the action itself already happened)."""
    try:
        current_app.config["RASA"].say(
            handoff["conversation_id"],
            messages.render(template, **values),
            handoff=handoff["id"],
            notice=template,
        )
    except RasaUnavailableError as exc:
        log.warning("could not tell %s (%s): %s", handoff["conversation_id"], template, exc)


@console.get("/api/handoffs")
def api_handoffs():
    status = request.args.get("status") or None
    if status not in (None, "waiting", "claimed", "closed"):
        return _error(400, "bad_status", "status は waiting / claimed / closed のどれかです。")
    with _session() as session:
        return jsonify(_queue(session).list(status))


@console.get("/api/handoffs/<int:handoff_id>")
@_handoff_errors
def api_handoff(handoff_id: int):
    with _session() as session:
        handoff = _queue(session).get(handoff_id)
        if handoff is None:
            raise UnknownHandoffError(handoff_id)
        return jsonify(_detail(session, handoff))


@console.post("/api/handoffs/<int:handoff_id>/claim")
@_handoff_errors
def api_claim(handoff_id: int):
    me = g.console.operator
    with _session() as session:
        queue = _queue(session)
        before = queue.get(handoff_id)
        handoff = queue.claim(handoff_id, me.username)
    if before is not None and before["status"] == "waiting":
        log.info("handoff %s claimed by %s", handoff_id, me.username)
        _tell_customer(handoff, "operator_joined", operator_name=me.display_name)
    return jsonify(handoff)


@console.post("/api/handoffs/<int:handoff_id>/reply")
@_handoff_errors
def api_reply(handoff_id: int):
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _error(400, "bad_text", "送信する文章を入力してください。")
    if len(text) > MAX_REPLY_CHARS:
        return _error(400, "too_long", f"返信は{MAX_REPLY_CHARS:,}文字以内にしてください。")
    me = g.console.operator
    with _session() as session:
        handoff = _queue(session).held_by(handoff_id, me.username)
    try:
        current_app.config["RASA"].say(
            handoff["conversation_id"], text.strip(), operator=me.username, handoff=handoff_id
        )
    except RasaUnavailableError as exc:
        log.error("reply to handoff %s not delivered: %s", handoff_id, exc)
        return _error(
            502,
            "rasa_unavailable",
            "チャットサーバーに接続できず、送信できませんでした。もう一度お試しください。",
        )
    return jsonify(sent=True, handoff=handoff)


def _close(handoff_id: int, resolution: Resolution, template: str):
    me = g.console.operator
    with _session() as session:
        handoff = _queue(session).close(handoff_id, me.username, resolution)
    log.info("handoff %s %s by %s", handoff_id, resolution.value, me.username)
    _tell_customer(handoff, template)
    return jsonify(handoff)


@console.post("/api/handoffs/<int:handoff_id>/handback")
@_handoff_errors
def api_handback(handoff_id: int):
    return _close(handoff_id, Resolution.HANDBACK, "operator_handback")


@console.post("/api/handoffs/<int:handoff_id>/close")
@_handoff_errors
def api_close(handoff_id: int):
    return _close(handoff_id, Resolution.CLOSED, "operator_closed")
