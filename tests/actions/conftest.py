"""Fixtures for driving the real action classes without a Rasa server.

One SQLite database per test session holds the demo orders (bot/demo/orders.json); every
test points DATABASE_URL at it, fixes SHOP_NOW and points TRACKING_API_URL at a local
FakeTrackingServer. Conversations use unique sender ids, so handoffs never collide.

``Dialogue`` plays the part of Rasa around the actions the way domain.yml and
data/rules.yml wire them: slots filled from entities, ``action_answer_order`` for order
questions, ``verify_form`` (activation with pre-filled slots, validation, asking the next
slot, finishing) and the rule that runs ``action_answer_order`` when the form is done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

import actions.common
from actions.dialogue import ActionOfferHuman, ActionReplyNo, ActionReplyYes
from actions.handoff import ActionHumanHandoff
from actions.orders import ActionAnswerOrder
from actions.verification import ValidateVerifyForm
from bot import db, importer, settings
from bot.fake_tracking import FakeTrackingServer, trackings_from_orders
from bot.verify import Verification, VerificationFailure
from tests.conftest import ROOT

DEMO_FILE = ROOT / "bot" / "demo" / "orders.json"
DEMO = {o["order_id"]: o for o in json.loads(DEMO_FILE.read_text(encoding="utf-8"))["orders"]}
SHOP_SETTINGS = ROOT / "shop.yml"
# Tuesday 2026-11-24, 11:00 in Tokyo: the support desk is open; the demo data is "today".
NOW = "2026-11-24T11:00:00+09:00"
JST = dt.timezone(dt.timedelta(hours=9))

FORM = "verify_form"
REQUIRED = ("order_id", "contact")
ENTITY_SLOTS = {"order_id": "order_id", "email": "contact", "phone": "contact"}
ORDER_INTENTS = {
    "order_status", "payment_status", "cancel_order", "change_order", "change_delivery",
    "return_request", "refund_status", "report_problem", "repair_request", "inform",
}  # fmt: skip
# data/rules.yml: these stop the form (the others are answered and the form asks again).
STOP_FORM = {"human_handoff", "complaint", "goodbye", "deny", "out_of_scope"}
# data/rules.yml outside the form: the custom actions that answer these intents.
OTHER_RULES = {
    "human_handoff": ActionHumanHandoff,
    "affirm": ActionReplyYes,
    "deny": ActionReplyNo,
    "complaint": ActionOfferHuman,
}


# --- environment ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A SQLite file with the schema and the demo orders, for the whole session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('actions-db') / 'shop.sqlite3'}"
    db.upgrade(url)
    report = importer.import_file(DEMO_FILE, url=url)
    assert report.rejected == 0, report.errors
    yield url
    db.dispose(url)


@pytest.fixture(scope="session")
def tracking_server() -> FakeTrackingServer:
    """The fake carrier API serving the demo orders' parcels as of NOW."""
    shop = settings.load_settings(SHOP_SETTINGS)
    now = dt.datetime.fromisoformat(NOW)
    server = FakeTrackingServer(trackings_from_orders(DEMO.values(), shop, now))
    server.slow_seconds = 1.5
    with server:
        yield server


def forget_failed_checks(url: str) -> None:
    with db.session_scope(url) as session:
        session.query(VerificationFailure).delete()
        session.query(Verification).delete()


def clear_caches() -> None:
    settings._load.cache_clear()
    actions.common.services.cache_clear()


def prove(order_id: str, contact: str, sender_id: str) -> dict:
    """Verify through the real service; the slots a conversation then has."""
    result = actions.common.services().verification.verify(sender_id, order_id, contact)
    assert result.verified, (order_id, contact)
    return {"verification": "verified", "verification_id": result.proof.id, "order_id": order_id}


@pytest.fixture(autouse=True)
def action_env(monkeypatch, demo_db, tracking_server):
    """DATABASE_URL, SHOP_NOW, SHOP_SETTINGS and TRACKING_API_URL for one test."""
    monkeypatch.setenv("DATABASE_URL", demo_db)
    monkeypatch.setenv("SHOP_NOW", NOW)
    monkeypatch.setenv("SHOP_SETTINGS", str(SHOP_SETTINGS))
    monkeypatch.setenv("TRACKING_API_URL", tracking_server.url)
    monkeypatch.delenv("TRACKING_API_KEY", raising=False)
    tracking_server.mode = "ok"
    clear_caches()
    forget_failed_checks(demo_db)  # each test starts with no order blocked by earlier ones
    yield
    tracking_server.mode = "ok"
    clear_caches()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def use_settings(monkeypatch, tmp_path: Path, **tracking) -> None:
    """Point SHOP_SETTINGS at a copy of shop.yml with other tracking options."""
    raw = yaml.safe_load(SHOP_SETTINGS.read_text(encoding="utf-8"))
    raw["tracking"].update(tracking)
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SHOP_SETTINGS", str(path))
    clear_caches()


# --- one action, one tracker --------------------------------------------------------------


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def user_message(text: str, intent: str, entities: dict[str, str] | None = None) -> dict:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }


def make_tracker(
    slots: dict | None = None,
    text: str = "",
    intent: str = "order_status",
    *,
    entities: dict[str, str] | None = None,
    events: Iterable[dict] = (),
    active_loop: str | None = None,
    sender_id: str | None = None,
) -> Tracker:
    """A tracker as Rasa sends it to the action server (financial-demo style)."""
    latest = user_message(text, intent, entities)
    history = [
        ActionExecuted("action_listen"),
        UserUttered(text, latest, input_channel="rest"),
        *events,
    ]
    return Tracker.from_dict(
        {
            "sender_id": sender_id or new_sender(),
            "slots": dict(slots or {}),
            "latest_message": latest,
            "events": history,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def form_tracker(slots: dict, candidates: dict, *, requested: str | None = None, **kwargs):
    """The temporary tracker verify_form hands validate_verify_form (slot candidates last)."""
    events = [
        SlotSet("requested_slot", requested),
        ActionExecuted(FORM),
        *(SlotSet(k, v) for k, v in candidates.items()),
    ]
    return make_tracker(
        {**slots, **candidates, "requested_slot": requested},
        events=events,
        active_loop=FORM,
        **kwargs,
    )


def run(action: Action, tracker: Tracker, domain: dict) -> tuple[list[dict], list[dict]]:
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, [_rendered(message, domain) for message in dispatcher.messages]


def _rendered(message: dict, domain: dict) -> dict:
    """A message naming a domain response filled in, as Rasa's NLG does."""
    name = message.get("response")
    if not name:
        return message
    [variant, *_] = domain["responses"][name]  # KeyError: a response the domain lacks
    # {shipping_fee} and the like are filled from the message's values, as Rasa's NLG does
    text = re.sub(
        r"\{(\w+)\}", lambda m: str(message.get(m.group(1), m.group(0))), variant.get("text", "")
    )
    return {**message, "text": text, "buttons": variant.get("buttons", [])}


def slot_events(events: list[dict]) -> dict:
    """The slots the events set, the last value winning."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def followups(events: list[dict]) -> list[str]:
    return [e["name"] for e in events if e["event"] == "followup"]


def texts(messages: list[dict]) -> str:
    """Everything the customer sees: texts and button titles and payloads."""
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        for button in message.get("buttons") or []:
            parts.extend([button.get("title") or "", button.get("payload") or ""])
    return "\n".join(parts)


def facts(order: dict) -> set[str]:
    """What nobody may see before proving the order: who, where, what, the parcel."""
    customer = order.get("customer") or {}
    found = {customer.get("name"), customer.get("email"), customer.get("phone")}
    found.add((order.get("shipment") or {}).get("tracking_number"))
    found.add((order.get("shipping_address") or {}).get("line1"))
    found.update(item["name"] for item in order.get("items") or [])
    return {f for f in found if f}


# --- a whole conversation -------------------------------------------------------------------


class Dialogue:
    """Rasa's side of a conversation, as domain.yml and data/rules.yml define it."""

    def __init__(self, domain: dict, sender_id: str | None = None, **slots) -> None:
        self.domain = domain
        self.sender_id = sender_id or new_sender()
        self.slots: dict = {name: None for name in domain["slots"]}
        self.slots.update(slots)
        self.events: list[dict] = []
        self.active_loop: str | None = None
        self.latest: dict = {}
        self.messages: list[dict] = []  # everything said in the conversation
        self.turn: list[dict] = []  # what was said in reply to the last message
        self.actions: list[str] = []  # actions run in reply to the last message

    # -- the customer speaks --

    def user(self, text: str, intent: str = "inform", **entities: str) -> list[dict]:
        """One customer message (entities: order_id, email, phone); the bot's replies."""
        self.turn, self.actions = [], []
        self.latest = user_message(text, intent, entities)
        self._apply([ActionExecuted("action_listen"), UserUttered(text, self.latest, "rest")])
        extracted = {ENTITY_SLOTS[k]: v for k, v in entities.items()}
        self._apply([SlotSet(k, v) for k, v in extracted.items()])  # action_extract_slots
        if self.active_loop == FORM:
            candidates = {k: v for k, v in extracted.items() if k in REQUIRED}
            if candidates or intent not in STOP_FORM:
                self._form_step(candidates)
            else:  # the rules stop the form
                self._apply([ActiveLoop(None), SlotSet("requested_slot", None)])
                self._act(ActionHumanHandoff() if intent == "human_handoff" else ActionOfferHuman())
        elif intent in OTHER_RULES:
            self._act(OTHER_RULES[intent]())
        elif intent in ORDER_INTENTS:
            self._answer()
        return self.turn

    @property
    def text(self) -> str:
        """The text of the bot's replies to the last message."""
        return texts(self.turn)

    # -- the bot acts --

    def _act(self, action: Action) -> None:
        events = self.run(action)
        self._apply([ActionExecuted(action.name()), *events])

    def run(self, action: Action, extra_events: Iterable[dict] = ()) -> list[dict]:
        tracker = self._tracker(extra_events)
        events, messages = run(action, tracker, self.domain)
        self.turn.extend(messages)
        self.messages.extend(messages)
        self.actions.append(action.name())
        return events

    def _answer(self, depth: int = 0) -> None:
        events = self.run(ActionAnswerOrder())
        self._apply([ActionExecuted("action_answer_order"), *events])
        if FORM in followups(events):
            self._activate_form(depth)

    def _activate_form(self, depth: int) -> None:
        prefilled = {k: self.slots[k] for k in REQUIRED if self.slots[k] is not None}
        events = self._validate(prefilled, requested=None)
        self._apply([ActionExecuted(FORM), *events, ActiveLoop(FORM)])
        self._continue_form(events, depth)

    def _form_step(self, candidates: dict) -> None:
        events = self._validate(candidates, requested=self.slots["requested_slot"])
        self._apply([ActionExecuted(FORM), *events])
        self._continue_form(events, 0)

    def _continue_form(self, events: list[dict], depth: int) -> None:
        requested = [e for e in events if e["event"] == "slot" and e["name"] == "requested_slot"]
        missing = next((k for k in REQUIRED if self.slots[k] is None), None)
        done = (requested and requested[-1]["value"] is None) or missing is None
        if not done:
            self._apply([SlotSet("requested_slot", missing)])
            ask = self.domain["responses"][f"utter_ask_{FORM}_{missing}"][0]["text"]
            self.turn.append({"text": ask, "buttons": []})
            self.messages.append({"text": ask, "buttons": []})
            return
        # rule: the form is done (verified, or no more attempts) -> action_answer_order
        self._apply([ActiveLoop(None), SlotSet("requested_slot", None)])
        assert depth < 3, "verify_form and action_answer_order keep calling each other"
        self._answer(depth + 1)

    def _validate(self, candidates: dict, requested: str | None) -> list[dict]:
        extra = [
            SlotSet("requested_slot", requested),
            ActionExecuted(FORM),
            *(SlotSet(k, v) for k, v in candidates.items()),
        ]
        saved = dict(self.slots)
        self.slots.update(candidates)
        self.slots["requested_slot"] = requested
        try:
            return self.run(ValidateVerifyForm(), extra)
        finally:
            self.slots = saved

    def _apply(self, events: Iterable[dict]) -> None:
        for event in events:
            self.events.append(event)
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
            elif event["event"] == "active_loop":
                self.active_loop = event["name"]

    def _tracker(self, extra_events: Iterable[dict] = ()) -> Tracker:
        return Tracker.from_dict(
            {
                "sender_id": self.sender_id,
                "slots": dict(self.slots),
                "latest_message": self.latest,
                "events": [*self.events, *extra_events],
                "paused": False,
                "followup_action": None,
                "active_loop": {"name": self.active_loop} if self.active_loop else {},
                "latest_action_name": "action_listen",
            }
        )


@pytest.fixture
def dialogue(domain):
    return lambda **slots: Dialogue(domain, **slots)
