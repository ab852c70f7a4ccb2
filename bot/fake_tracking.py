"""A local stand-in for the carrier tracking API (AfterShip's shape), for demos and tests.

Standard library only, so it is light enough to start in every test. Fault modes
(``slow``, ``error``, ``bad_json``, ``down``) can be switched while it runs. The
checkpoints it serves for the demo are invented from each order's stored status by
:func:`trackings_from_orders`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from bot.identifiers import canonical_tracking_number
from bot.settings import Settings

log = logging.getLogger(__name__)

MODES = ("ok", "slow", "error", "bad_json", "down")
TrackingKey = tuple[str, str]  # (slug, tracking number digits)


class FakeTrackingServer:
    """An AfterShip-shaped tracking API on 127.0.0.1, served from a background thread.

    ``trackings`` maps (slug, tracking number) to the ``data.tracking`` object to serve;
    hyphens in the number do not matter. ``loader``, when given, returns a fresh mapping:
    it is called when a number is unknown and when the data is older than
    ``reload_seconds``, so trackings added after start are found.
    """

    def __init__(
        self,
        trackings: Mapping[TrackingKey, dict] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        loader: Callable[[], Mapping[TrackingKey, dict]] | None = None,
        reload_seconds: float = 30.0,
    ) -> None:
        self.mode = "ok"
        self.slow_seconds = 5.0  # longer than any client timeout
        self.api_key = api_key  # when set, requests without it get 401
        self.request_count = 0
        self.reload_seconds = reload_seconds
        self._loader = loader
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._stopping = threading.Event()
        self._trackings: dict[TrackingKey, dict] = {}
        self._loaded_at = time.monotonic()
        self.set_trackings(trackings or {})
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTrackingServer:
        """Serve in a background thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="fake-tracking",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (slow requests are woken up)."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FakeTrackingServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def tracking_count(self) -> int:
        with self._lock:
            return len(self._trackings)

    def set_trackings(self, trackings: Mapping[TrackingKey, dict]) -> None:
        """Replace everything the server knows."""
        normalised = {
            (slug, canonical_tracking_number(number)): t for (slug, number), t in trackings.items()
        }
        with self._lock:
            self._trackings = normalised
            self._loaded_at = time.monotonic()

    def reload(self) -> bool:
        """Ask the loader for fresh data; keeps the old data (and logs) when it fails."""
        if self._loader is None:
            return False
        with self._reload_lock:
            try:
                fresh = self._loader()
            except Exception:  # the demo server keeps serving what it has
                log.exception("fake tracking: reloading the trackings failed")
                return False
            self.set_trackings(fresh)
            return True

    def find(self, slug: str, number: str) -> dict | None:
        """The tracking for (slug, number), reloading first when it is unknown or stale."""
        key = (slug, canonical_tracking_number(number))
        with self._lock:
            found = self._trackings.get(key)
            stale = time.monotonic() - self._loaded_at > self.reload_seconds
        if self._loader is not None and (found is None or stale) and self.reload():
            with self._lock:
                found = self._trackings.get(key)
        return found

    def _count(self) -> None:
        with self._lock:
            self.request_count += 1


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTracking/1.0"

    def do_GET(self) -> None:
        fake: FakeTrackingServer = self.server.fake  # type: ignore[attr-defined]
        fake._count()
        mode = fake.mode
        if mode == "down":
            self.close_connection = True
            return  # no answer at all: the client sees the connection closed
        if mode == "slow" and fake._stopping.wait(fake.slow_seconds):
            return
        if mode == "error":
            self._json(500, {"meta": {"code": 500, "message": "Internal error"}, "data": {}})
            return
        if mode == "bad_json":
            self._send(200, b'{"meta": {"code": 200}, "data": {"tracking": ')
            return
        if fake.api_key and self.headers.get("as-api-key") != fake.api_key:
            self._json(401, {"meta": {"code": 401, "message": "Invalid API key."}, "data": {}})
            return
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
        if len(parts) < 3 or parts[-3] != "trackings":
            self._json(404, {"meta": {"code": 404, "message": "Not found."}, "data": {}})
            return
        slug, number = parts[-2], parts[-1]
        tracking = fake.find(slug, number)
        if tracking is None:
            meta = {"code": 4004, "message": "Tracking does not exist.", "type": "NotFound"}
            self._json(404, {"meta": meta, "data": {}})
            return
        tracking = {"slug": slug, "tracking_number": number, **tracking}
        self._json(200, {"meta": {"code": 200}, "data": {"tracking": tracking}})

    def _json(self, status: int, body: dict) -> None:
        self._send(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _send(self, status: int, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out); nothing to tell it

    def log_message(self, format: str, *args) -> None:
        log.debug("fake tracking: " + format, *args)


# --- plausible checkpoints from stored orders ------------------------------------------

WAREHOUSE = ("千葉", "市川")  # prefecture and city the demo shop ships from
# carrier code -> (local office, regional hub) name patterns
_PLACES = {
    "yamato": ("{city}センター", "{pref}ベース"),
    "sagawa": ("{city}営業所", "{pref}中継センター"),
    "japanpost": ("{city}郵便局", "{pref}中央郵便局"),
}
_DEFAULT_PLACES = ("{city}営業所", "{pref}ターミナル")
_DELIVERED = {"delivered", "returned"}
_MIN_GAP = dt.timedelta(minutes=10)


def trackings_from_orders(
    orders: Iterable[dict], settings: Settings, now: dt.datetime
) -> dict[TrackingKey, dict]:
    """Tracking objects for every order with a carrier and tracking number (demo data).

    The checkpoints follow the stored status: shipped -> accepted, left the origin hub,
    reached the destination hub (only those already past ``now``); out_for_delivery adds
    「配達に出発しました」 this morning; delivered adds 「配達が完了しました」 on the
    estimated day. ``expected_delivery`` is the delay's new estimate when there is one.
    """
    result = {}
    for order in orders:
        tracking = _tracking_for(order, settings, now)
        if tracking is not None:
            key = (tracking["slug"], canonical_tracking_number(tracking["tracking_number"]))
            result[key] = tracking
    return result


def _tracking_for(order: dict, settings: Settings, now: dt.datetime) -> dict | None:
    shipment = order.get("shipment") or {}
    number = shipment.get("tracking_number")
    carrier = settings.carrier(shipment.get("carrier"))
    status = order.get("status")
    if not number or carrier is None or status == "cancelled":
        return None
    tz = settings.timezone
    now = now.astimezone(tz)
    delay = order.get("delay") or {}
    expected = _date(delay.get("new_estimate")) or _date(shipment.get("estimated_delivery"))
    tracking = {
        "slug": carrier.slug,
        "tracking_number": str(number),
        "order_id": order.get("order_id"),
        "expected_delivery": expected.isoformat() if expected else None,
    }
    if status not in {"shipped", "out_for_delivery", *_DELIVERED}:  # label printed, not moving
        return {**tracking, "tag": "InfoReceived", "checkpoints": []}

    office, hub = _PLACES.get(carrier.code, _DEFAULT_PLACES)
    address = order.get("shipping_address") or {}
    dest_pref = _short(address.get("prefecture"), r"(.+?)[都府県]$") or WAREHOUSE[0]
    dest_city = _short(address.get("city"), r"(.+?)[市区町村]") or WAREHOUSE[1]
    origin_hub = hub.format(pref=WAREHOUSE[0])
    dest_hub = hub.format(pref=dest_pref)
    shipped_at = _datetime(shipment.get("shipped_at"), tz)

    if status == "shipped":
        tag = "InTransit"
        start = shipped_at or now - dt.timedelta(hours=20)
        last = None
    elif status == "out_for_delivery":
        tag = "OutForDelivery"
        morning = now.replace(hour=8, minute=30, second=0, microsecond=0)
        last = morning if now >= morning else now - dt.timedelta(minutes=10)
        start = shipped_at or _at(last.date() - dt.timedelta(days=1), 17, tz)
    else:
        tag = "Delivered"
        if expected:
            done = _at(expected, 14, tz)
        elif shipped_at:
            done = _at(shipped_at.date() + dt.timedelta(days=1), 14, tz)
        else:
            done = now - dt.timedelta(hours=1)
        done = min(done, now - dt.timedelta(hours=1))
        last = done
        start = shipped_at or _at(done.date() - dt.timedelta(days=1), 17, tz)

    events = [
        (start, "荷物を受け付けました", office.format(city=WAREHOUSE[1]), "InTransit"),
        (start + dt.timedelta(hours=3), f"{origin_hub}を出発しました", origin_hub, "InTransit"),
        (start + dt.timedelta(hours=9), f"{dest_hub}に到着しました", dest_hub, "InTransit"),
    ]
    if dest_hub == origin_hub:  # delivered within the shipping region: no second hub
        events.pop()
    if status == "shipped":
        events = events[:1] + [e for e in events[1:] if e[0] <= now]
    else:
        dest_office = office.format(city=dest_city)
        out_at = (
            last
            if tag == "OutForDelivery"
            else min(last - dt.timedelta(hours=2), last.replace(hour=8, minute=30))
        )
        events.append((out_at, "配達に出発しました", dest_office, "OutForDelivery"))
        if tag == "Delivered":
            events.append((last, "配達が完了しました", dest_office, "Delivered"))

    checkpoints, previous = [], None
    for when, message, location, event_tag in events:
        # Contradictory data (a shipped_at after the delivery day) must still read in order.
        if previous is not None and when < previous + _MIN_GAP:
            when = previous + _MIN_GAP
        previous = when
        checkpoints.append(
            {
                "checkpoint_time": when.isoformat(timespec="seconds"),
                "message": message,
                "location": location,
                "tag": event_tag,
            }
        )
    return {**tracking, "tag": tag, "checkpoints": checkpoints}


def _short(name: object, pattern: str) -> str:
    """東京都 -> 東京, 渋谷区 -> 渋谷 (北海道 stays); '' for nothing."""
    if not isinstance(name, str) or not name.strip():
        return ""
    match = re.match(pattern, name.strip())
    return match.group(1) if match else name.strip()


def _at(day: dt.date, hour: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _datetime(value: object, tz: dt.tzinfo) -> dt.datetime | None:
    if isinstance(value, str) and value.strip():
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)


# --- `python -m bot tracking fake` ------------------------------------------------------


def _trackings_from_database(settings: Settings) -> dict[TrackingKey, dict]:
    from bot import db, orders
    from bot.settings import now

    with db.session_scope() as session:
        return trackings_from_orders(orders.all_orders(session), settings, now(settings))


def serve(host: str = "127.0.0.1", port: int = 5056, settings: Settings | None = None) -> int:
    """Serve the database's orders as trackings until Ctrl-C or SIGTERM."""
    from bot import db
    from bot.settings import load_settings

    settings = settings or load_settings()
    db.upgrade()
    server = FakeTrackingServer(
        _trackings_from_database(settings),
        host=host,
        port=port,
        loader=lambda: _trackings_from_database(settings),
    )
    stop = threading.Event()

    def _stop(signum, frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with server:
        count = server.tracking_count
        print(f"fake tracking API on {server.url} ({count} trackings); Ctrl-C stops it", flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping the fake tracking API", flush=True)
    return 0
