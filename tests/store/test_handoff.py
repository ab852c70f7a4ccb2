"""bot.handoff: queueing a conversation for an operator, once, and claiming it atomically."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from bot.db import session_scope
from bot.handoff import (
    HandoffConflictError,
    HandoffQueue,
    UnknownHandoffError,
    pauses_bot,
)

TOKYO = ZoneInfo("Asia/Tokyo")
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO)


class Clock:
    """A clock the test moves."""

    def __init__(self, moment: dt.datetime = T0) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


def queue_on(session, clock) -> HandoffQueue:
    return HandoffQueue(session, timezone=TOKYO, clock=clock)


@pytest.fixture
def queue(session, clock):
    return queue_on(session, clock)


def test_create_and_list(queue):
    created = queue.create(
        conversation_id="c-1",
        reason="human_request",
        order_id="ａ－１００２３４",
        verified=True,
        customer_message="人と話したいです",
        channel="rest",
        intent="human_handoff",
    )
    assert created == {
        "id": created["id"],
        "conversation_id": "c-1",
        "status": "waiting",
        "reason": "human_request",
        "created_at": "2026-11-24T10:00:00+09:00",
        "order_id": "A-100234",
        "verified": True,
        "operator": None,
        "customer_message": "人と話したいです",
        "channel": "rest",
        "intent": "human_handoff",
        "claimed_at": None,
        "closed_at": None,
        "closed_by": None,
        "resolution": None,
        "details": None,
        "priority": "normal",
        "wait_seconds": 0,
    }
    assert queue.list() == [created]


def test_a_conversation_has_one_open_handoff(queue):
    first = queue.create(conversation_id="c-1", reason="complaint")
    again = queue.create(conversation_id="c-1", reason="human_request")
    assert again == first
    assert len(queue.list()) == 1
    other = queue.create(conversation_id="c-2", reason="complaint")
    assert other["id"] != first["id"]


def test_a_closed_handoff_lets_the_conversation_ask_again(queue):
    first = queue.create(conversation_id="c-1", reason="fallback")
    assert queue.claim(first["id"], "sato")["status"] == "claimed"
    assert queue.create(conversation_id="c-1", reason="other")["id"] == first["id"]
    queue.close(first["id"], "sato")
    second = queue.create(conversation_id="c-1", reason="other")
    assert second["id"] != first["id"] and second["status"] == "waiting"


def test_list_oldest_first_and_by_status(queue, clock):
    clock.moment = T0 + dt.timedelta(hours=2)
    queue.create(conversation_id="c-0", reason="human_request")
    clock.moment = T0 - dt.timedelta(hours=1)
    queue.create(conversation_id="c-1", reason="human_request")
    assert [h["conversation_id"] for h in queue.list()] == ["c-1", "c-0"]
    queue.claim_next("sato")
    assert [h["conversation_id"] for h in queue.list("waiting")] == ["c-0"]
    assert [h["operator"] for h in queue.list("claimed")] == ["sato"]
    assert queue.list("closed") == []
    with pytest.raises(ValueError):
        queue.list("lost")


def test_the_day_of_an_operator_is_recorded(queue, clock):
    handoff = queue.create(conversation_id="c-1", reason="human_request")
    clock.advance(minutes=4, seconds=30)
    assert queue.get(handoff["id"])["wait_seconds"] == 270  # still waiting: until now
    claimed = queue.claim(handoff["id"], "sato")
    assert (claimed["operator"], claimed["claimed_at"]) == ("sato", "2026-11-24T10:04:30+09:00")
    clock.advance(minutes=10)
    assert queue.get(handoff["id"])["wait_seconds"] == 270  # claimed: the wait is over
    closed = queue.close(handoff["id"], "sato", "handback")
    assert closed["status"] == "closed"
    assert (closed["closed_by"], closed["resolution"]) == ("sato", "handback")
    assert closed["closed_at"] == "2026-11-24T10:14:30+09:00"
    assert closed["operator"] == "sato"  # who handled it stays on record


def test_only_the_holder_may_reply_or_close(queue):
    handoff = queue.create(conversation_id="c-1", reason="human_request")
    with pytest.raises(HandoffConflictError):
        queue.held_by(handoff["id"], "sato")  # nobody holds it yet
    queue.claim(handoff["id"], "sato")
    assert queue.claim(handoff["id"], "sato")["operator"] == "sato"  # again: no change
    assert queue.held_by(handoff["id"], "sato")["status"] == "claimed"
    for attempt in (
        lambda: queue.claim(handoff["id"], "suzuki"),
        lambda: queue.held_by(handoff["id"], "suzuki"),
        lambda: queue.close(handoff["id"], "suzuki"),
        lambda: queue.close(handoff["id"], "suzuki", "handback"),
    ):
        with pytest.raises(HandoffConflictError) as conflict:
            attempt()
        assert conflict.value.handoff["operator"] == "sato"
    queue.close(handoff["id"], "sato")
    for attempt in (
        lambda: queue.claim(handoff["id"], "sato"),
        lambda: queue.held_by(handoff["id"], "sato"),
        lambda: queue.close(handoff["id"], "sato"),
    ):
        with pytest.raises(HandoffConflictError):
            attempt()
    with pytest.raises(UnknownHandoffError):
        queue.claim(999, "sato")


def test_a_waiting_handoff_can_be_closed_without_claiming(queue):
    handoff = queue.create(conversation_id="c-1", reason="human_request")
    closed = queue.close(handoff["id"], "suzuki")
    assert (closed["status"], closed["operator"], closed["closed_by"]) == ("closed", None, "suzuki")


def test_position_and_the_wait_estimate_from_recent_claims(queue, clock):
    first = queue.create(conversation_id="c-1", reason="human_request")
    assert queue.wait(first).position == 1
    assert queue.wait(first).estimate is None  # no claims yet: no guess
    for n, minutes in enumerate((2, 6, 10)):
        handoff = queue.create(conversation_id=f"done-{n}", reason="human_request")
        clock.advance(minutes=minutes)
        queue.claim(handoff["id"], "sato")
    later = queue.create(conversation_id="c-2", reason="human_request")
    wait = queue.wait(later)
    assert wait.position == 2  # c-1 still waits ahead of it
    assert wait.estimate == dt.timedelta(minutes=6)  # the median of 2, 6 and 10
    assert wait.estimate_minutes == 6
    clock.advance(days=15)
    assert queue.wait(later).estimate is None  # claims older than two weeks say nothing


def test_a_task_keeps_its_details_and_a_second_request_is_added_once(queue):
    task = queue.create(
        conversation_id="c-task", reason="change_order", details="サイズをMからLに", priority="x"
    )
    assert (task["details"], task["priority"]) == ("サイズをMからLに", "normal")
    again = queue.add_details(task["id"], "色も白に")
    assert again["details"] == "サイズをMからLに\n色も白に"
    same = queue.add_details(task["id"], "色も白に", priority="high")
    assert (same["details"], same["priority"]) == ("サイズをMからLに\n色も白に", "high")
    queue.close(task["id"], "sato")
    with pytest.raises(HandoffConflictError):
        queue.add_details(task["id"], "もう一つ")


def test_which_handoffs_pause_the_bot(queue):
    assert not pauses_bot(None)
    person = queue.create(conversation_id="c-1", reason="human_request")
    task = queue.create(conversation_id="c-2", reason="change_delivery")
    assert pauses_bot(person) and not pauses_bot(task)
    assert pauses_bot(queue.claim(task["id"], "sato"))  # a claimed chat is the operator's
    assert not pauses_bot(queue.close(task["id"], "sato"))


def race_to_claim(db_url: str, clock: Clock, handoff_id: int) -> dict[str, str]:
    """Two operators claim ``handoff_id`` at the same moment, each in its own thread and
    database session; what each of them got."""
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def claim(operator: str) -> None:
        barrier.wait()
        try:
            with session_scope(db_url) as session:
                queue_on(session, clock).claim(handoff_id, operator)
            outcome[operator] = "won"
        except HandoffConflictError:
            outcome[operator] = "lost"

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("sato", "suzuki")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


def test_two_operators_claiming_at_once_one_wins(db_url, clock):
    with session_scope(db_url) as session:
        handoffs = [
            queue_on(session, clock).create(conversation_id=f"c-{n}", reason="human_request")
            for n in range(20)
        ]
    for handoff in handoffs:
        outcome = race_to_claim(db_url, clock, handoff["id"])
        assert sorted(outcome.values()) == ["lost", "won"]
        [winner] = [name for name, result in outcome.items() if result == "won"]
        with session_scope(db_url) as session:
            assert queue_on(session, clock).get(handoff["id"])["operator"] == winner


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
