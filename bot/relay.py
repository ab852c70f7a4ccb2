"""Who answers a customer's message: the bot, nobody (an operator has the chat), or a notice.

The Rasa server's channels (bot/channels.py) ask :func:`route_message` before a message
reaches Rasa's policies. The answer comes from the operator queue in the database, never
from one process's memory, so any number of Rasa server processes agree on it:

- no open handoff, or a task waiting for an operator: the bot answers (:attr:`Route.BOT`);
- a handoff claimed by an operator: the message is only recorded in the conversation, for
  the operator's console; the bot says nothing (:attr:`Route.HOLD`);
- a request for a person still waiting: the message is recorded and answered only with a
  notice of where the customer stands (:attr:`Route.WAIT`); no order flow starts.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot import messages
from bot.handoff import HandoffQueue, HandoffStatus, Wait, pauses_bot
from bot.settings import Settings


class Route(enum.Enum):
    BOT = "bot"
    HOLD = "hold"
    WAIT = "wait"


@dataclass(frozen=True)
class Routing:
    route: Route
    handoff: dict | None = None
    notice: str | None = None  # what the customer is told (Route.WAIT)


def route_message(
    session: Session, conversation_id: str, settings: Settings, moment: dt.datetime
) -> Routing:
    """Where the conversation's next customer message goes."""
    queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: moment)
    handoff = queue.open_for(conversation_id)
    if not pauses_bot(handoff):
        return Routing(Route.BOT, handoff)
    if handoff["status"] == HandoffStatus.CLAIMED.value:
        return Routing(Route.HOLD, handoff)
    notice = handoff_notice(settings, moment, handoff, queue.wait(handoff), again=True)
    return Routing(Route.WAIT, handoff, notice)


def handoff_notice(
    settings: Settings, moment: dt.datetime, handoff: dict, wait: Wait, *, again: bool = False
) -> str:
    """What the customer is told about a queued handoff: position and usual wait during
    business hours, when the shop will answer outside them. ``again``: a later message
    while it still waits."""
    hours = settings.hours
    if not hours.is_open(moment):
        opens_at = hours.next_opening(moment)
        if again:
            return messages.render(
                "handoff_waiting_closed_hours", handoff_id=handoff["id"], opens_at=opens_at
            )
        return messages.render(
            "handoff_closed_hours",
            handoff_id=handoff["id"],
            opens_at=opens_at,
            hours=messages.business_hours_text(hours),
        )
    if again:
        return messages.render("handoff_waiting", handoff_id=handoff["id"], position=wait.position)
    return messages.render(
        "handoff_open",
        handoff_id=handoff["id"],
        position=wait.position,
        minutes=wait.estimate_minutes,
    )
