"""Rendering of the customer-facing sentences in ``bot/templates/messages.ja.yml``."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import jinja2
import yaml

TEMPLATES = Path(__file__).resolve().parent / "templates" / "messages.ja.yml"
WEEKDAY_NAMES = "月火水木金土日"


def jdate(value: dt.date | dt.datetime | str) -> str:
    """``2026-11-24`` -> ``11月24日(火)``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.month}月{value.day}日({WEEKDAY_NAMES[value.weekday()]})"


def jdatetime(value: dt.datetime) -> str:
    """``2026-11-24T14:05`` -> ``11月24日(火) 14:05``."""
    return f"{jdate(value)} {value:%H:%M}"


def yen(value: int) -> str:
    return f"{value:,}円"


@functools.lru_cache(maxsize=1)
def catalogue() -> dict:
    """The whole message file: templates, status and payment names, topics.

    An area may keep its templates in a block of its own (``product_templates``) at the end
    of the file, where edits of other areas do not collide with it; they are merged into
    ``templates`` and work like the others.
    """
    with TEMPLATES.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for block in [key for key in data if key.endswith("_templates")]:
        clash = data["templates"].keys() & data[block].keys()
        if clash:
            raise ValueError(f"{TEMPLATES.name}: {block} repeats templates {sorted(clash)}")
        data["templates"].update(data[block])
    return data


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Chat text, not HTML: the widget shows it as text. StrictUndefined turns a missing
    # value into an error in tests instead of an empty hole in a customer's answer.
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
    env.filters.update(jdate=jdate, jdatetime=jdatetime, yen=yen)
    return env


@functools.cache
def _template(name: str) -> jinja2.Template:
    try:
        source = catalogue()["templates"][name]
    except KeyError:
        raise KeyError(f"no message template {name!r} in {TEMPLATES.name}") from None
    return _environment().from_string(source)


def render(name: str, **values) -> str:
    """One message template filled in; surrounding whitespace removed."""
    return _template(name).render(**values).strip()


def status_name(status: str) -> str:
    return catalogue()["status_names"][status]


def payment_method_name(method: str) -> str:
    return catalogue()["payment_methods"].get(method, method)


def topic_name(intent: str) -> str:
    return catalogue()["topics"].get(intent, catalogue()["topics"]["order_status"])


def stage_names() -> list[str]:
    return list(catalogue()["stage_names"])


def human_offer_buttons() -> list[dict]:
    """はい / いいえ buttons under a question that offers a person."""
    return [dict(button) for button in catalogue()["human_offer_buttons"]]


def business_hours_text(hours) -> str:
    """``平日10:00〜18:00`` (or ``月火水木金土曜日10:00〜18:00`` for other working weeks)."""
    days = "".join(WEEKDAY_NAMES[d] for d in hours.days)
    days = "平日" if days == "月火水木金" else f"{days}曜日"
    return f"{days}{hours.open:%H:%M}〜{hours.close:%H:%M}"


def canned_replies(**values) -> list[dict]:
    """The operator console's canned replies (``operator_canned``), filled in."""
    env = _environment()
    return [
        {"title": item["title"], "text": env.from_string(item["text"]).render(**values).strip()}
        for item in catalogue()["operator_canned"]
    ]


def shop_figures(settings) -> dict[str, str]:
    """The variable parts of the FAQ answers in domain.yml (``{shipping_fee}`` ...), from
    the shop's settings: a shop changes a fee or the hours in shop.yml only."""
    names = []
    for method in settings.payment_methods:
        name = payment_method_name(method)
        if method == "credit_card" and settings.card_brands:
            name += f"（{settings.card_brands}）"
        elif method == "bank_transfer":
            name += "（前払い）"
        elif method == "cod":
            name += f"（手数料{yen(settings.cod_fee)}）"
        names.append(name)
    deferred = [payment_method_name(m) for m in settings.payment_methods
                if m in ("bank_transfer", "konbini")]  # fmt: skip
    categories = sorted(settings.rules.not_returnable_categories)
    labels = catalogue().get("category_names") or {}
    return {
        "payment_methods": "、".join(names),
        "deferred_payment": "・".join(deferred) or "後払い",
        "payment_due_days": str(settings.payment_due_days),
        "cod_fee": yen(settings.cod_fee),
        "shipping_fee": yen(settings.shipping_fee),
        "free_shipping_over": yen(settings.free_shipping_over),
        "remote_fee": yen(settings.remote_fee),
        "gift_wrapping_fee": yen(settings.gift_wrapping_fee),
        "business_hours": business_hours_text(settings.hours),
        "return_window_days": str(settings.rules.return_window_days),
        "return_exceptions": render(
            "faq_return_exceptions", names="・".join(labels.get(c, c) for c in categories)
        )
        if categories
        else "",
    }
