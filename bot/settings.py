"""The shop's settings (`shop.yml`, or the file SHOP_SETTINGS names), read once into typed objects.

Also the two process-wide environment facts every part shares: the database URL
(DATABASE_URL) and "now" (SHOP_NOW, for tests and demos).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.identifiers import canonical_tracking_number
from bot.vocabulary import ORDER_STATUSES, PAYMENT_METHODS

ROOT = Path(__file__).resolve().parent.parent
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SettingsError(ValueError):
    """shop.yml is missing, unreadable or has a wrong value; the message says which."""


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    tracking_url: str
    slug: str
    change_url: str | None = None  # where a parcel on its way is rescheduled or redelivered

    def tracking_link(self, tracking_number: str) -> str:
        digits = canonical_tracking_number(tracking_number)
        return self.tracking_url.replace("{tracking_number}", digits)

    def change_link(self, tracking_number: str) -> str | None:
        if not self.change_url:
            return None
        digits = canonical_tracking_number(tracking_number)
        return self.change_url.replace("{tracking_number}", digits)


@dataclass(frozen=True)
class BusyPeriod:
    start: dt.date
    end: dt.date
    note: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BusinessHours:
    days: tuple[int, ...]  # 0 = Monday
    open: dt.time
    close: dt.time
    closed_dates: frozenset[dt.date]

    def is_open_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and day not in self.closed_dates

    def is_open(self, moment: dt.datetime) -> bool:
        return self.is_open_day(moment.date()) and self.open <= moment.time() < self.close

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """The next moment the desk opens (``moment`` itself when it is open now)."""
        if self.is_open(moment):
            return moment
        day = moment.date()
        if moment.time() >= self.open:
            day += dt.timedelta(days=1)
        for _ in range(60):
            if self.is_open_day(day):
                return dt.datetime.combine(day, self.open, tzinfo=moment.tzinfo)
            day += dt.timedelta(days=1)
        raise SettingsError("business_hours: no working day in the next 60 days")


@dataclass(frozen=True)
class VerificationLimits:
    """How many failed checks are allowed, and within which time (``verification:``)."""

    per_conversation: int = 5
    per_contact: int = 10
    per_order: int = 50
    per_client: int = 30
    conversation_window: dt.timedelta = dt.timedelta(hours=24)
    contact_window: dt.timedelta = dt.timedelta(hours=24)
    order_window: dt.timedelta = dt.timedelta(hours=1)
    client_window: dt.timedelta = dt.timedelta(hours=1)


@dataclass(frozen=True)
class OrderRules:
    """What the bot may do with an order (``cancel``, ``changes``, ``returns``, ``refunds``,
    ``warranty``); bot/policy.py decides from these alone."""

    cancel_statuses: frozenset[str] = frozenset({"payment_pending", "paid", "preparing"})
    automatic_refund_methods: frozenset[str] = frozenset({"credit_card", "paypay"})
    item_change_statuses: frozenset[str] = frozenset({"payment_pending", "paid", "preparing"})
    delivery_change_statuses: frozenset[str] = frozenset(
        {"payment_pending", "paid", "preparing", "ready_to_ship"}
    )
    return_window_days: int = 8
    customer_pays_return_shipping: bool = True
    unused_only: bool = True
    not_returnable_categories: frozenset[str] = frozenset()
    refund_lead_days: dict[str, int] = field(
        default_factory=lambda: {
            "credit_card": 14, "paypay": 3, "bank_transfer": 7, "konbini": 7, "cod": 7
        }
    )  # fmt: skip
    warranty_months: int = 12
    warranty_by_category: dict[str, int] = field(default_factory=dict)

    def refund_days(self, method: str | None) -> int:
        return self.refund_lead_days.get(method or "", max(self.refund_lead_days.values()))

    def warranty_for(self, category: str | None, product_months: int | None = None) -> int:
        if product_months is not None:
            return product_months
        return self.warranty_by_category.get(category or "", self.warranty_months)


@dataclass(frozen=True)
class Settings:
    shop_name: str
    shop_url: str
    timezone: ZoneInfo
    contact_email: str
    hours: BusinessHours
    payment_due_days: int
    bank_account: str
    payment_methods: tuple[str, ...]
    card_brands: str
    cod_fee: int
    shipping_fee: int
    free_shipping_over: int
    remote_fee: int
    gift_wrapping_fee: int
    carriers: dict[str, Carrier]
    tracking_api_url: str
    tracking_api_key: str
    tracking_timeout: float
    tracking_cache_seconds: float
    coupon_code: str
    coupon_amount: int
    coupon_valid_days: int
    busy_periods: tuple[BusyPeriod, ...] = field(default_factory=tuple)
    verification: VerificationLimits = field(default_factory=VerificationLimits)
    rules: OrderRules = field(default_factory=OrderRules)

    @property
    def return_window_days(self) -> int:
        return self.rules.return_window_days

    def carrier(self, code: str | None) -> Carrier | None:
        return self.carriers.get(code or "")

    def busy_period(self, day: dt.date) -> BusyPeriod | None:
        return next((p for p in self.busy_periods if p.covers(day)), None)


def settings_path() -> Path:
    return Path(os.environ.get("SHOP_SETTINGS") or ROOT / "shop.yml")


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Settings:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read the shop settings {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected a mapping at the top")
    return _parse(raw, path)


def load_settings(path: Path | None = None) -> Settings:
    """The shop's settings; read once per file and process."""
    return _load(Path(path) if path else settings_path())


def _section(raw: dict, name: str, path: Path) -> dict:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: section `{name}` is missing or not a mapping")
    return value


def _get(section: dict, key: str, where: str, kind=str):
    if key not in section or section[key] is None:
        raise SettingsError(f"{where}.{key} is missing")
    value = section[key]
    try:
        if kind is dt.date:
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if kind is dt.time:
            return dt.time.fromisoformat(str(value))
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}.{key}: bad value {value!r}") from exc


def _parse(raw: dict, path: Path) -> Settings:
    shop = _section(raw, "shop", path)
    hours = _section(raw, "business_hours", path)
    payment = _section(raw, "payment", path)
    shipping = _section(raw, "shipping", path)
    tracking = _section(raw, "tracking", path)
    delay = _section(raw, "delay", path)
    try:
        timezone = ZoneInfo(_get(shop, "timezone", "shop"))
    except (KeyError, ValueError) as exc:
        raise SettingsError(f"{path}: shop.timezone is not a known time zone") from exc
    days = hours.get("days") or []
    if not days or any(d not in WEEKDAYS for d in days):
        raise SettingsError(f"business_hours.days must list some of {', '.join(WEEKDAYS)}")
    carriers = {}
    for code, spec in (raw.get("carriers") or {}).items():
        where = f"carriers.{code}"
        if not isinstance(spec, dict):
            raise SettingsError(f"{where} must be a mapping")
        url = _get(spec, "tracking_url", where)
        if "{tracking_number}" not in url:
            raise SettingsError(f"{where}.tracking_url must contain {{tracking_number}}")
        change_url = spec.get("change_url")
        if change_url is not None and not (
            isinstance(change_url, str) and change_url.startswith("https://")
        ):
            raise SettingsError(f"{where}.change_url must be an https:// address")
        carriers[code] = Carrier(
            code, _get(spec, "name", where), url, _get(spec, "slug", where), change_url or None
        )
    busy = tuple(
        BusyPeriod(
            _get(p, "start", "busy_periods", dt.date),
            _get(p, "end", "busy_periods", dt.date),
            _get(p, "note", "busy_periods"),
        )
        for p in raw.get("busy_periods") or []
    )
    verification = raw.get("verification") or {}
    return Settings(
        shop_name=_get(shop, "name", "shop"),
        shop_url=_get(shop, "url", "shop"),
        timezone=timezone,
        contact_email=_get(shop, "contact_email", "shop"),
        hours=BusinessHours(
            days=tuple(WEEKDAYS.index(d) for d in days),
            open=_get(hours, "open", "business_hours", dt.time),
            close=_get(hours, "close", "business_hours", dt.time),
            closed_dates=frozenset(
                _get({"d": d}, "d", "business_hours.closed_dates", dt.date)
                for d in hours.get("closed_dates") or []
            ),
        ),
        payment_due_days=_get(payment, "due_days", "payment", int),
        bank_account=_get(payment, "bank_account", "payment"),
        payment_methods=tuple(
            sorted(
                _choices(payment, "methods", "payment", PAYMENT_METHODS, PAYMENT_METHODS),
                key=(payment.get("methods") or list(PAYMENT_METHODS)).index,
            )
        ),
        card_brands=str(payment.get("card_brands") or ""),
        cod_fee=_get(payment, "cod_fee", "payment", int),
        shipping_fee=_get(shipping, "fee", "shipping", int),
        free_shipping_over=_get(shipping, "free_over", "shipping", int),
        remote_fee=_get(shipping, "remote_fee", "shipping", int),
        gift_wrapping_fee=_whole(
            shipping.get("gift_wrapping_fee", 330), "shipping.gift_wrapping_fee"
        ),
        carriers=carriers,
        tracking_api_url=os.environ.get("TRACKING_API_URL") or str(tracking.get("api_url") or ""),
        tracking_api_key=os.environ.get(str(tracking.get("api_key_env") or ""), ""),
        tracking_timeout=_get(tracking, "timeout_seconds", "tracking", float),
        tracking_cache_seconds=_get(tracking, "cache_seconds", "tracking", float),
        coupon_code=_get(delay, "coupon_code", "delay"),
        coupon_amount=_get(delay, "coupon_amount", "delay", int),
        coupon_valid_days=_get(delay, "coupon_valid_days", "delay", int),
        busy_periods=busy,
        verification=_verification_limits(verification),
        rules=_order_rules(raw),
    )


def _optional_section(raw: dict, name: str) -> dict:
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"{name} must be a mapping")
    return value


def _choices(section: dict, key: str, where: str, allowed: tuple[str, ...], default) -> frozenset:
    value = section.get(key, sorted(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where}.{key} must be a list")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise SettingsError(
            f"{where}.{key}: unknown value {unknown[0]!r} (one of {', '.join(allowed)})"
        )
    return frozenset(value)


def _whole(value, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"{where} must be a whole number of at least {minimum}")
    return value


def _counts(section: dict, where: str) -> dict[str, int]:
    if not isinstance(section, dict):
        raise SettingsError(f"{where} must be a mapping")
    return {str(k): _whole(v, f"{where}.{k}") for k, v in section.items()}


def _order_rules(raw: dict) -> OrderRules:
    """``cancel``, ``changes``, ``returns``, ``refunds`` and ``warranty``, checked key by key."""
    default = OrderRules()
    cancel = _optional_section(raw, "cancel")
    changes = _optional_section(raw, "changes")
    returns = _optional_section(raw, "returns")
    refunds = _optional_section(raw, "refunds")
    warranty = _optional_section(raw, "warranty")
    for where, section, booleans in (
        ("returns", returns, ("customer_pays_shipping", "unused_only")),
    ):
        for key in booleans:
            if key in section and not isinstance(section[key], bool):
                raise SettingsError(f"{where}.{key} must be true or false")
    categories = returns.get("not_returnable_categories", [])
    if not isinstance(categories, list):
        raise SettingsError("returns.not_returnable_categories must be a list")
    lead = {
        **default.refund_lead_days,
        **_counts(refunds.get("lead_days") or {}, "refunds.lead_days"),
    }
    unknown = [m for m in lead if m not in PAYMENT_METHODS]
    if unknown:
        raise SettingsError(
            f"refunds.lead_days: unknown payment method {unknown[0]!r} "
            f"(one of {', '.join(PAYMENT_METHODS)})"
        )
    return OrderRules(
        cancel_statuses=_choices(
            cancel, "statuses", "cancel", ORDER_STATUSES, default.cancel_statuses
        ),
        automatic_refund_methods=_choices(
            cancel, "automatic_refund_methods", "cancel", PAYMENT_METHODS,
            default.automatic_refund_methods,
        ),
        item_change_statuses=_choices(
            changes, "item_statuses", "changes", ORDER_STATUSES, default.item_change_statuses
        ),
        delivery_change_statuses=_choices(
            changes, "delivery_statuses", "changes", ORDER_STATUSES,
            default.delivery_change_statuses,
        ),
        return_window_days=_whole(returns.get("window_days", 8), "returns.window_days"),
        customer_pays_return_shipping=returns.get("customer_pays_shipping", True),
        unused_only=returns.get("unused_only", True),
        not_returnable_categories=frozenset(str(c) for c in categories),
        refund_lead_days=lead,
        warranty_months=_whole(warranty.get("default_months", 12), "warranty.default_months"),
        warranty_by_category=_counts(warranty.get("categories") or {}, "warranty.categories"),
    )  # fmt: skip


def _limit(section: dict, key: str, default: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"verification.{key} must be a whole number of at least 1")
    return value


def _verification_limits(section: dict) -> VerificationLimits:
    """``verification:``: failures allowed per conversation, contact, order number, client."""
    if not isinstance(section, dict):
        raise SettingsError("verification must be a mapping")
    hours = dt.timedelta(hours=1)
    return VerificationLimits(
        per_conversation=_limit(section, "max_attempts", 5),
        per_contact=_limit(section, "contact_max_failures", 10),
        per_order=_limit(section, "order_max_failures", 50),
        per_client=_limit(section, "client_max_failures", 30),
        conversation_window=_limit(section, "conversation_window_hours", 24) * hours,
        contact_window=_limit(section, "contact_window_hours", 24) * hours,
        order_window=_limit(section, "order_window_minutes", 60) * hours / 60,
        client_window=_limit(section, "client_window_minutes", 60) * hours / 60,
    )


def now(settings: Settings | None = None) -> dt.datetime:
    """The current time in the shop's time zone; SHOP_NOW (ISO 8601 with offset) overrides it."""
    tz = (settings or load_settings()).timezone
    fixed = os.environ.get("SHOP_NOW")
    if fixed:
        try:
            moment = dt.datetime.fromisoformat(fixed)
        except ValueError as exc:
            raise SettingsError(f"SHOP_NOW={fixed!r} is not an ISO 8601 date-time") from exc
        if moment.tzinfo is None:
            raise SettingsError(f"SHOP_NOW={fixed!r} needs a UTC offset, e.g. +09:00")
        return moment.astimezone(tz)
    return dt.datetime.now(tz)


def rasa_token() -> str:
    """The Rasa HTTP API's token: RASA_TOKEN, else var/rasa-token (made once, mode 0600)."""
    token = os.environ.get("RASA_TOKEN")
    if token:
        return token
    path = ROOT / "var" / "rasa-token"
    path.parent.mkdir(exist_ok=True)
    try:
        # O_EXCL: two processes starting at once agree on one token
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def database_url() -> str:
    """DATABASE_URL, or a SQLite file under var/ (created on first use)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / 'shop.sqlite3'}"
