"""Property: nothing about an order is told before its number and its own contact are given.

Random conversations (order numbers typed every which way, unknown numbers, other
customers' e-mails and phones, junk, follow-up questions) go through validate_verify_form
and action_answer_order as Rasa would run them. After every turn, no fact of any order
(customer name, e-mail, phone, tracking number, item names, address) may appear in what the
bot said unless that order's number and its own e-mail or phone have both been given.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.identifiers import canonical_order_id
from bot.verify import Contact, parse_contact
from tests.actions.conftest import DEMO, Dialogue, facts, texts

ORDERS = list(DEMO.values())
UNKNOWN_IDS = ["D-299999", "A-100234", "D-2000010", "#1001", "Z-200001"]
INTENTS = ["order_status", "inform", "inform", "payment_status", "cancel_order", "report_problem"]
JUNK_INTENTS = ["out_of_scope", "greet", "faq", "order_status", "deny", "thanks"]
FOLLOW_UPS = ["送り状番号は？", "他の注文は？", "配送状況を教えて", "まだ届きません", "支払いは？"]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


ID_FORMS = [
    lambda s: s,
    str.lower,
    lambda s: s.replace("-", ""),
    lambda s: s.lower().replace("-", ""),
    fullwidth,
    lambda s: s.replace("-", "ー"),
    lambda s: s.replace("-", "－"),
]
EMAIL_FORMS = [lambda s: s, str.upper, fullwidth, lambda s: s.title()]
PHONE_FORMS = [
    lambda s: s,
    lambda s: s.replace("-", ""),
    fullwidth,
    lambda s: s.replace("-", "ー"),
    lambda s: "+81 " + s[1:],
]


@st.composite
def contact_of(draw, order: dict) -> tuple[str, str]:
    """(entity, typed value): the order's e-mail or phone in some typed form."""
    customer = order["customer"]
    kinds = [k for k in ("email", "phone") if customer.get(k)]
    kind = draw(st.sampled_from(kinds))
    forms = EMAIL_FORMS if kind == "email" else PHONE_FORMS
    return kind, draw(st.sampled_from(forms))(customer[kind])


@st.composite
def turns(draw) -> tuple[float, list[tuple[str, str, dict]]]:
    """Failed checks so far, and (text, intent, entities) per customer message."""
    failures = float(draw(st.integers(0, 4)))  # so that some conversations lock
    target = draw(st.sampled_from(ORDERS))  # the order this customer mostly talks about
    any_order = st.sampled_from(ORDERS)
    conversation = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(
            st.sampled_from(
                ["id", "id", "contact", "contact", "both", "both", "unknown", "junk", "ask"]
            )
        )
        intent = draw(st.sampled_from(INTENTS))
        order = draw(st.one_of(st.just(target), any_order))
        if kind == "id":
            typed = draw(st.sampled_from(ID_FORMS))(order["order_id"])
            conversation.append((f"{typed}です", intent, {"order_id": typed}))
        elif kind == "unknown":
            typed = draw(st.sampled_from(UNKNOWN_IDS))
            conversation.append((typed, intent, {"order_id": typed}))
        elif kind == "contact":
            # the right e-mail/phone for this order, or for another one
            entity, typed = draw(contact_of(order))
            conversation.append((typed, intent, {entity: typed}))
        elif kind == "both":
            typed = draw(st.sampled_from(ID_FORMS))(order["order_id"])
            owner = draw(st.one_of(st.just(order), any_order))
            entity, contact = draw(contact_of(owner))
            conversation.append(
                (f"{typed} {contact}", intent, {"order_id": typed, entity: contact})
            )
        elif kind == "junk":
            text = draw(st.text(max_size=12))
            conversation.append((text, draw(st.sampled_from(JUNK_INTENTS)), {}))
        else:
            conversation.append((draw(st.sampled_from(FOLLOW_UPS)), "order_status", {}))
    return failures, conversation


def own_contacts(order: dict) -> set[Contact]:
    customer = order["customer"]
    found = {parse_contact(customer.get("email")), parse_contact(customer.get("phone"))}
    return {c for c in found if c is not None}


def leaks(said: str, given_ids: set[str], given_contacts: set[Contact]) -> list[tuple[str, str]]:
    """(order id, fact) for every fact in ``said`` of an order not proven by what was given."""
    proven = [o for o in ORDERS if o["order_id"] in given_ids and own_contacts(o) & given_contacts]
    allowed = set().union(*(facts(o) for o in proven)) if proven else set()
    return [
        (o["order_id"], fact)
        for o in ORDERS
        if o not in proven
        for fact in facts(o) - allowed
        if fact in said
    ]


def test_the_leak_check_sees_a_leak():
    said = "お問い合わせ伝票番号：4512-3456-7801"  # D-200001's parcel
    assert leaks(said, set(), set()) == [("D-200001", "4512-3456-7801")]
    email = parse_contact("taro.yamada@example.jp")
    assert leaks(said, {"D-200001"}, set()) != []
    assert leaks(said, {"D-200002"}, {email}) != []
    assert leaks(said, {"D-200001"}, {email}) == []
    assert leaks(said, {"D-200007"}, {email}) != []  # the same customer's other order
    assert leaks("山田 太郎", {"D-200007"}, {parse_contact("090-0000-1001")}) == []


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same conversations on every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(turns())
def test_no_order_fact_before_its_number_and_own_contact(domain, example):
    failures, conversation = example
    talk = Dialogue(domain, verify_failures=failures)
    given_ids: set[str] = set()
    given_contacts: set[Contact] = set()
    for text, intent, entities in conversation:
        if "order_id" in entities:
            given_ids.add(canonical_order_id(entities["order_id"]) or "")
        for entity in ("email", "phone"):
            if entity in entities:
                given_contacts.add(parse_contact(entities[entity]))
        talk.user(text, intent, **entities)
        said = texts(talk.turn)
        found = leaks(said, given_ids, given_contacts)
        assert not found, f"leaked {found} after {conversation}:\n{said}"
        for bad in ("None", "null"):
            assert bad not in said
    event(f"verification: {talk.slots['verification']}")
