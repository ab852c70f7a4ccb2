"""bot.orders.cancel_order: the order, its payment and its history change exactly once."""

from __future__ import annotations

import datetime as dt
import threading

from bot import db
from bot.importer import validate_record
from bot.orders import cancel_order, find_order, status_history, upsert_order
from tests.store.conftest import make_order

AT = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
ALLOWED = ("payment_pending", "paid", "preparing")
AUTOMATIC = ("credit_card", "paypay")


def stored(session, **changes) -> None:
    order, errors = validate_record(make_order(**changes), 1)
    assert errors == []
    upsert_order(session, order)


def test_cancel_a_paid_card_order_refunds_it_once(session):
    stored(
        session,
        status="preparing",
        payment={"method": "credit_card", "status": "paid", "paid_at": "2026-11-20T10:20:00+09:00"},
    )
    first = cancel_order(session, "a100234", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
    assert (first.changed, first.refunded) == (True, True)
    assert first.order["status"] == "cancelled"
    assert first.order["payment"]["status"] == "refunded"
    assert first.order["payment"]["refunded_at"] == "2026-11-24T14:00:00+09:00"
    again = cancel_order(session, "A-100234", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
    assert (again.changed, again.refunded) == (False, False)
    history = [h["status"] for h in status_history(session, "A-100234")]
    assert history.count("cancelled") == 1


def test_cancel_a_paid_bank_transfer_leaves_the_refund_to_an_operator(session):
    stored(
        session,
        status="paid",
        payment={
            "method": "bank_transfer",
            "status": "paid",
            "paid_at": "2026-11-21T10:00:00+09:00",
        },
    )
    done = cancel_order(session, "A-100234", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
    assert (done.changed, done.refunded) == (True, False)
    assert done.order["payment"]["status"] == "paid"


def test_cancel_refused_once_packed_changes_nothing(session):
    stored(session, status="ready_to_ship")
    done = cancel_order(session, "A-100234", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
    assert not done.changed and done.order["status"] == "ready_to_ship"
    assert [h["status"] for h in status_history(session, "A-100234")] == ["ready_to_ship"]


def test_cancel_of_an_unknown_order(session):
    done = cancel_order(session, "Z-999999", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
    assert (done.changed, done.order) == (False, None)


def test_two_processes_at_once_cancel_once(db_url):
    with db.session_scope(db_url) as session:
        stored(
            session,
            status="preparing",
            payment={"method": "paypay", "status": "paid", "paid_at": "2026-11-20T10:20:00+09:00"},
        )
    results, barrier = [], threading.Barrier(6)

    def cancel() -> None:
        barrier.wait()
        with db.session_scope(db_url) as session:
            results.append(
                cancel_order(session, "A-100234", allowed=ALLOWED, refund_methods=AUTOMATIC, at=AT)
            )

    threads = [threading.Thread(target=cancel) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.changed for r in results) == 1
    with db.session_scope(db_url) as session:
        assert find_order(session, "A-100234")["payment"]["status"] == "refunded"
        assert [h["status"] for h in status_history(session, "A-100234")].count("cancelled") == 1
