"""Carrier tracking: a client for an AfterShip-shaped tracking API.

The bot asks the carrier where a parcel is, but the carrier is never allowed to break the
conversation: every network, HTTP or JSON problem becomes ``TrackingResult(ok=False,
error=...)`` so the caller can fall back to the stored order status and say so honestly.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import requests

from bot.identifiers import canonical_tracking_number
from bot.settings import Carrier, Settings, load_settings

log = logging.getLogger(__name__)

# AfterShip's delivery status tags.
TAGS = frozenset(
    {
        "Pending",
        "InfoReceived",
        "InTransit",
        "OutForDelivery",
        "AttemptFail",
        "Delivered",
        "AvailableForPickup",
        "Exception",
        "Expired",
    }
)


@dataclass(frozen=True)
class Checkpoint:
    """One event in the parcel's journey, as the carrier reports it."""

    time: dt.datetime
    message: str
    location: str = ""
    tag: str | None = None


@dataclass(frozen=True)
class TrackingResult:
    """What the carrier says about one parcel; ``ok=False`` carries the reason in ``error``."""

    ok: bool
    tag: str | None = None
    expected_delivery: dt.date | None = None
    checkpoints: tuple[Checkpoint, ...] = ()
    error: str | None = None

    @property
    def latest(self) -> Checkpoint | None:
        """The most recent checkpoint, or None when the carrier reported none."""
        return self.checkpoints[-1] if self.checkpoints else None

    @classmethod
    def failed(cls, error: str) -> TrackingResult:
        return cls(ok=False, error=error)


class _BadJsonError(ValueError):
    """The answer is JSON but not shaped like a tracking; the message says where."""


class TrackingClient:
    """Looks parcels up in the tracking API; retries once, caches briefly, never raises."""

    def __init__(
        self,
        api_url: str,
        api_key: str = "",
        timeout: float = 2.0,
        cache_seconds: float = 120,
        session: requests.Session | None = None,
        *,
        carriers: Mapping[str, Carrier | str] | None = None,
        timezone: dt.tzinfo | None = None,
    ) -> None:
        """``carriers`` maps carrier code to slug (or Carrier); default: the shop's settings.

        ``timezone`` is assumed for checkpoint times the API sends without an offset.
        """
        self.api_url = (api_url or "").rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._session = session or requests.Session()
        if carriers is None:
            carriers = load_settings().carriers
        self._slugs = {
            code: carrier.slug if isinstance(carrier, Carrier) else str(carrier)
            for code, carrier in carriers.items()
        }
        self._timezone = timezone or dt.timezone.utc
        self._cache: dict[tuple[str, str], tuple[float, TrackingResult]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> TrackingClient:
        """A client configured from shop.yml (tracking section, carriers, time zone)."""
        settings = settings or load_settings()
        return cls(
            settings.tracking_api_url,
            api_key=settings.tracking_api_key,
            timeout=settings.tracking_timeout,
            cache_seconds=settings.tracking_cache_seconds,
            carriers=settings.carriers,
            timezone=settings.timezone,
        )

    def lookup(self, carrier_code: str, tracking_number: str) -> TrackingResult:
        """Where the parcel is, according to the carrier. Never raises for outside failures."""
        if not self.api_url:
            return TrackingResult.failed("not configured")
        slug = self._slugs.get(carrier_code or "")
        if slug is None:
            log.warning("tracking lookup: unknown carrier %r", carrier_code)
            return TrackingResult.failed("unknown carrier")
        number = canonical_tracking_number(tracking_number or "")
        if not number:
            return TrackingResult.failed("no tracking number")
        key = (slug, number)
        cached = self._cached(key)
        if cached is not None:
            return cached
        result = self._fetch(slug, number)
        if result.ok:
            # Only answers are cached: a failure should be retried on the next question.
            with self._lock:
                self._cache[key] = (time.monotonic() + self.cache_seconds, result)
        else:
            log.warning("tracking lookup %s/%s failed: %s", slug, number, result.error)
        return result

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _cached(self, key: tuple[str, str]) -> TrackingResult | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            expires, result = entry
            if time.monotonic() >= expires:
                del self._cache[key]
                return None
            return result

    def _fetch(self, slug: str, number: str) -> TrackingResult:
        url = f"{self.api_url}/trackings/{quote(slug, safe='')}/{quote(number, safe='')}"
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["as-api-key"] = self.api_key
        error = "unknown error"
        for attempt in (1, 2):
            try:
                response = self._session.get(url, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                error = "timeout"
            except requests.ConnectionError:
                error = "connection error"
            except requests.RequestException as exc:  # invalid URL and the like: no retry
                return TrackingResult.failed(f"request failed: {type(exc).__name__}")
            else:
                if response.status_code == 404:
                    return TrackingResult.failed("not found")
                if response.status_code >= 500:
                    error = f"http {response.status_code}"
                elif response.status_code != 200:
                    return TrackingResult.failed(f"http {response.status_code}")
                else:
                    return self._parse(response)
            if attempt == 1:
                log.info("tracking lookup %s/%s: %s, retrying once", slug, number, error)
        return TrackingResult.failed(error)

    def _parse(self, response: requests.Response) -> TrackingResult:
        try:
            body = response.json()
        except ValueError:
            return TrackingResult.failed("bad json")
        try:
            return self._tracking(body)
        except _BadJsonError as exc:
            log.warning("tracking answer from %s is malformed: %s", response.url, exc)
            return TrackingResult.failed("bad json")

    def _tracking(self, body: object) -> TrackingResult:
        if not isinstance(body, dict):
            raise _BadJsonError("top level is not an object")
        meta = body.get("meta")
        if isinstance(meta, dict) and meta.get("code") not in (None, 200):
            code = meta.get("code")
            return TrackingResult.failed("not found" if code == 4004 else f"api error {code}")
        data = body.get("data")
        tracking = data.get("tracking") if isinstance(data, dict) else None
        if not isinstance(tracking, dict):
            raise _BadJsonError("data.tracking is missing or not an object")
        tag = tracking.get("tag")
        if not isinstance(tag, str) or not tag:
            raise _BadJsonError("tag is missing or not a string")
        expected = tracking.get("expected_delivery")
        if expected is not None:
            if not isinstance(expected, str):
                raise _BadJsonError("expected_delivery is not a string")
            expected = self._date(expected, "expected_delivery") if expected.strip() else None
        raw_checkpoints = tracking.get("checkpoints")
        if raw_checkpoints is None:
            raw_checkpoints = []
        if not isinstance(raw_checkpoints, list):
            raise _BadJsonError("checkpoints is not a list")
        checkpoints = [self._checkpoint(item, i) for i, item in enumerate(raw_checkpoints)]
        checkpoints.sort(key=lambda c: c.time)
        return TrackingResult(
            ok=True, tag=tag, expected_delivery=expected, checkpoints=tuple(checkpoints)
        )

    def _checkpoint(self, item: object, index: int) -> Checkpoint:
        where = f"checkpoints[{index}]"
        if not isinstance(item, dict):
            raise _BadJsonError(f"{where} is not an object")
        when = item.get("checkpoint_time")
        if not isinstance(when, str):
            raise _BadJsonError(f"{where}.checkpoint_time is missing or not a string")
        message = item.get("message")
        location = item.get("location")
        if location is None:  # AfterShip often leaves location empty and fills city
            location = item.get("city")
        tag = item.get("tag")
        for name, value in (("message", message), ("location", location), ("tag", tag)):
            if value is not None and not isinstance(value, str):
                raise _BadJsonError(f"{where}.{name} is not a string")
        return Checkpoint(
            time=self._datetime(when, f"{where}.checkpoint_time"),
            message=message or "",
            location=location or "",
            tag=tag or None,
        )

    def _datetime(self, text: str, where: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(_iso(text))
        except ValueError as exc:
            raise _BadJsonError(f"{where} is not an ISO 8601 date-time: {text!r}") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=self._timezone)

    @staticmethod
    def _date(text: str, where: str) -> dt.date:
        try:
            return dt.datetime.fromisoformat(_iso(text)).date()
        except ValueError as exc:
            raise _BadJsonError(f"{where} is not an ISO 8601 date: {text!r}") from exc


def _iso(text: str) -> str:
    # Python 3.10's fromisoformat does not read the "Z" suffix.
    text = text.strip()
    return text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
