"""bot.handoff: queueing a conversation for an operator, once, and claiming it atomically."""

from __future__ import annotations

import pytest

from bot.db import session_scope
from bot.handoff import (
    claim_handoff,
    claim_next,
    close_handoff,
    create_handoff,
    get_handoff,
    list_handoffs,
)


def test_create_and_list(session):
    created = create_handoff(
        session,
        conversation_id="c-1",
        reason="担当者希望",
        order_id="ａ－１００２３４",
        verified=True,
        customer_message="人と話したいです",
        channel="rest",
    )
    assert created == {
        "id": created["id"],
        "conversation_id": "c-1",
        "status": "waiting",
        "reason": "担当者希望",
        "created_at": "2026-11-24T10:00:00+09:00",  # SHOP_NOW
        "order_id": "A-100234",
        "verified": True,
        "customer_message": "人と話したいです",
        "channel": "rest",
        "claimed_by": None,
        "claimed_at": None,
        "closed_at": None,
    }
    assert list_handoffs(session) == [created]


def test_a_conversation_has_one_open_handoff(session):
    first = create_handoff(session, conversation_id="c-1", reason="complaint")
    again = create_handoff(session, conversation_id="c-1", reason="担当者希望")
    assert again == first
    assert len(list_handoffs(session)) == 1
    other = create_handoff(session, conversation_id="c-2", reason="complaint")
    assert other["id"] != first["id"]


def test_a_closed_handoff_lets_the_conversation_ask_again(session):
    first = create_handoff(session, conversation_id="c-1", reason="x")
    assert claim_handoff(session, first["id"], "sato")["status"] == "claimed"
    assert create_handoff(session, conversation_id="c-1", reason="y")["id"] == first["id"]
    close_handoff(session, first["id"])
    second = create_handoff(session, conversation_id="c-1", reason="y")
    assert second["id"] != first["id"] and second["status"] == "waiting"


def test_list_oldest_first_and_by_status(session, monkeypatch):
    for n, moment in enumerate(["2026-11-24T12:00:00+09:00", "2026-11-24T09:00:00+09:00"]):
        monkeypatch.setenv("SHOP_NOW", moment)
        create_handoff(session, conversation_id=f"c-{n}", reason="r")
    assert [h["conversation_id"] for h in list_handoffs(session)] == ["c-1", "c-0"]
    claim_next(session, "sato")
    assert [h["conversation_id"] for h in list_handoffs(session, "waiting")] == ["c-0"]
    assert [h["claimed_by"] for h in list_handoffs(session, "claimed")] == ["sato"]
    assert list_handoffs(session, "closed") == []
    with pytest.raises(ValueError):
        list_handoffs(session, "lost")


def test_claim_is_first_come_first_served(db_url):
    with session_scope(db_url) as session:
        handoff = create_handoff(session, conversation_id="c-1", reason="r")
    with session_scope(db_url) as session:
        assert claim_handoff(session, handoff["id"], "sato")["claimed_by"] == "sato"
    with session_scope(db_url) as session:
        assert claim_handoff(session, handoff["id"], "tanaka") is None
        assert get_handoff(session, handoff["id"])["claimed_by"] == "sato"
        assert claim_next(session, "tanaka") is None
        closed = close_handoff(session, handoff["id"])
        assert closed["status"] == "closed" and closed["closed_at"]
        assert close_handoff(session, handoff["id"]) is None
        assert get_handoff(session, 999) is None


def test_the_database_itself_refuses_a_second_open_handoff(db_url):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.db import get_engine

    insert = text(
        "INSERT INTO handoffs (conversation_id, status, reason, verified, created_at) "
        "VALUES ('c-1', :status, 'r', false, CURRENT_TIMESTAMP)"
    )
    with get_engine(db_url).begin() as connection:
        connection.execute(insert, {"status": "closed"})
        connection.execute(insert, {"status": "waiting"})
    with pytest.raises(IntegrityError):
        with get_engine(db_url).begin() as connection:
            connection.execute(insert, {"status": "claimed"})
