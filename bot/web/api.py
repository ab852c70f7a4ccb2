"""The HTTP API under /api/: the shop's order feed and a health check.

``POST /api/orders`` upserts orders in the contract's JSON shape (CONTRACT.md §3):
``{"orders": [...]}``, one order object, or (as `orders import` accepts) a bare list.
It needs ``Authorization: Bearer <SHOP_API_TOKEN>``. Rows are numbered from 1 in the order
sent; the good rows of one request are stored in one transaction. The answer is always
``{"inserted", "updated", "unchanged", "errors": [{"row", "field", "message"}]}`` with:

- 200 every row was stored (or was already up to date);
- 207 some rows were rejected, the others stored;
- 422 every row was rejected, nothing stored.

Other answers: 400 the body is not JSON or not shaped like that; 401 missing or wrong token;
413 the body is over 10 MB; 503 the API is disabled because SHOP_API_TOKEN is not set on
the server (it never runs open); 500 the database failed (nothing from that request stored).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, current_app, jsonify, request

from bot import db
from bot.importer import import_records

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/api")


def _error(status: int, error: str, message: str, **headers: str):
    response = jsonify(error=error, message=message)
    response.status_code = status
    response.headers.update(headers)
    return response


def _authorised() -> bool:
    expected = current_app.config["SHOP_API_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))


def _records(body: object) -> list | None:
    """The list of order records in a request body, or None when it is shaped wrongly."""
    if isinstance(body, dict) and "orders" in body:
        orders = body["orders"]
        return orders if isinstance(orders, list) else None
    if isinstance(body, dict) and "order_id" in body:
        return [body]
    return body if isinstance(body, list) else None


def _field(error: object, name: str):
    return error.get(name) if isinstance(error, dict) else getattr(error, name, None)


@api.get("/health")
def health():
    """Liveness for process managers and the supervisor."""
    return jsonify(status="ok")


@api.post("/orders")
def post_orders():
    """Upsert the shop's orders; see the module docstring for the answers."""
    if not current_app.config["SHOP_API_TOKEN"]:
        return _error(
            503, "disabled", "the order API is disabled: SHOP_API_TOKEN is not set on the server"
        )
    if not _authorised():
        return _error(
            401,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer <SHOP_API_TOKEN>)",
            **{"WWW-Authenticate": 'Bearer realm="orders"'},
        )
    body = request.get_json(force=True, silent=True)  # 413 is raised here for big bodies
    if body is None:
        return _error(400, "bad_request", "the body is not JSON (UTF-8)")
    records = _records(body)
    if records is None:
        return _error(
            400, "bad_request", 'expected {"orders": [...]} or one order object with "order_id"'
        )
    try:
        with db.session_scope(current_app.config["DATABASE_URL"]) as session:
            report = import_records(session, records, source="api")
    except Exception:  # the database, not the request: log it, tell the shop to retry
        log.exception("POST /api/orders: storing %d records failed", len(records))
        return _error(500, "internal", "the orders could not be stored; nothing was changed")
    errors = [
        {name: _field(error, name) for name in ("row", "field", "message")}
        for error in report.errors
    ]
    stored = report.inserted + report.updated + report.unchanged
    status = 200 if not report.rejected else 207 if stored else 422
    log.info(
        "POST /api/orders: %d inserted, %d updated, %d unchanged, %d rejected",
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
    )
    response = jsonify(
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        errors=errors,
    )
    response.status_code = status
    return response
