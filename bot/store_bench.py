"""`python -m bot bench store`: how fast orders import and how fast the bot finds them.

Generates N synthetic orders (a JSON file, as a shop would send), imports them into a
temporary SQLite database, imports the same file again (every order unchanged), then times
``find_order`` and ``orders_for_contact`` on random orders. Targets: 100,000 orders in at
most 60 s, a look-up in at most 2 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

IMPORT_TARGET_SECONDS_PER_100K = 60.0
LOOKUP_TARGET_MS = 2.0

_STATUSES = (
    ("payment_pending", "pending"),
    ("paid", "paid"),
    ("preparing", "paid"),
    ("ready_to_ship", "paid"),
    ("shipped", "paid"),
    ("out_for_delivery", "paid"),
    ("delivered", "paid"),
    ("cancelled", "refunded"),
    ("returned", "refunded"),
)
_METHODS = ("credit_card", "bank_transfer", "konbini", "cod", "paypay")
_CARRIERS = ("yamato", "sagawa", "japanpost")
_PRODUCTS = (
    ("TS-01", "オーガニックコットンTシャツ", 3980),
    ("LS-10", "リネンシャツ", 8800),
    ("SK-20", "メリノウールソックス 2足組", 2420),
    ("MG-40", "波佐見焼マグカップ", 2640),
    ("TB-30", "帆布トートバッグ", 4950),
    ("HT-50", "今治ハンドタオル 2枚組", 1980),
)


def synthetic_orders(count: int, seed: int = 20261120) -> list[dict]:
    """``count`` valid orders; about one customer in three has placed several."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    customers = max(1, count * 2 // 3)
    orders = []
    for n in range(count):
        customer = rng.randrange(customers)
        placed = start + dt.timedelta(minutes=rng.randrange(460_000))
        status, payment_status = rng.choice(_STATUSES)
        sent = status in ("shipped", "out_for_delivery", "delivered", "returned")
        items = []
        for _ in range(rng.randint(1, 3)):
            sku, name, price = rng.choice(_PRODUCTS)
            items.append({"sku": sku, "name": name, "quantity": rng.randint(1, 3), "price": price})
        orders.append(
            {
                "order_id": f"B-{1_000_000 + n}",
                "placed_at": placed.isoformat(),
                "customer": {
                    "name": f"テスト 顧客{customer}",
                    "email": f"customer{customer}@example.jp",
                    "phone": f"080-{customer // 10_000:04d}-{customer % 10_000:04d}",
                },
                "payment": {
                    "method": rng.choice(_METHODS),
                    "status": payment_status,
                    "paid_at": None if payment_status == "pending" else placed.isoformat(),
                },
                "status": status,
                "items": items,
                "shipping_address": {
                    "postal_code": "150-0001",
                    "prefecture": "東京都",
                    "city": "渋谷区",
                    "line1": f"神宮前{customer % 6 + 1}-{customer % 20 + 1}-{customer % 9 + 1}",
                    "line2": None,
                },
                "shipment": {
                    "carrier": rng.choice(_CARRIERS),
                    "tracking_number": f"{rng.randrange(10**12):012d}" if sent else None,
                    "shipped_at": (placed + dt.timedelta(days=1)).isoformat() if sent else None,
                    "estimated_delivery": (placed + dt.timedelta(days=3)).date().isoformat(),
                },
                "delay": None,
            }
        )
    return orders


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_benchmark(count: int = 100_000, lookups: int = 2_000) -> int:
    """Run the benchmark, print progress and figures; 1 only if orders went missing."""
    from bot.db import dispose, session_scope, upgrade
    from bot.importer import import_file
    from bot.orders import find_order, order_count, orders_for_contact

    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        source = Path(tmp) / "orders.json"
        started = time.perf_counter()
        orders = synthetic_orders(count)
        source.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
        size_mb = source.stat().st_size / 1e6
        elapsed = time.perf_counter() - started
        print(f"generated {count:,} orders ({size_mb:.1f} MB JSON) in {elapsed:.1f} s")
        upgrade(url)

        _log("first import:")
        first = import_file(source, progress=_log, url=url)
        print(
            f"import:   {first.seconds:6.1f} s  {count / first.seconds:8,.0f} orders/s  "
            f"({first.inserted:,} new, {first.rejected:,} rejected)"
        )
        _log("second import of the same file:")
        second = import_file(source, progress=_log, url=url)
        print(
            f"re-import:{second.seconds:6.1f} s  {count / second.seconds:8,.0f} orders/s  "
            f"({second.unchanged:,} unchanged, {second.updated:,} updated)"
        )

        rng = random.Random(7)  # noqa: S311
        picks = [rng.choice(orders) for _ in range(lookups)]
        forms = (str.lower, lambda s: s.replace("-", ""), str, lambda s: s.replace("-", "－"))
        by_id, by_contact, found = [], [], 0
        with session_scope(url) as session:
            stored = order_count(session)
            for n, order in enumerate(picks):
                typed = forms[n % len(forms)](order["order_id"])
                t0 = time.perf_counter()
                found += find_order(session, typed) is not None
                by_id.append((time.perf_counter() - t0) * 1000)
                customer = order["customer"]
                t0 = time.perf_counter()
                if n % 2:
                    orders_for_contact(session, email=customer["email"].upper())
                else:
                    orders_for_contact(session, phone=customer["phone"].replace("-", ""))
                by_contact.append((time.perf_counter() - t0) * 1000)
        dispose(url)

    id_p50, id_p95 = _percentiles(by_id)
    contact_p50, contact_p95 = _percentiles(by_contact)
    print(f"find_order:          p50 {id_p50:.2f} ms  p95 {id_p95:.2f} ms  ({found:,} found)")
    print(f"orders_for_contact:  p50 {contact_p50:.2f} ms  p95 {contact_p95:.2f} ms")
    import_target = IMPORT_TARGET_SECONDS_PER_100K * count / 100_000
    correct = found == lookups and stored == count and second.unchanged == count
    fast = first.seconds <= import_target and id_p95 <= LOOKUP_TARGET_MS
    if not correct:
        print("error: orders were lost or changed on the way (see the figures above)")
    print(
        f"summary: {count:,} orders imported in {first.seconds:.1f} s "
        f"({count / first.seconds:,.0f}/s, target ≤ {import_target:.0f} s), "
        f"find_order p50 {id_p50:.2f} ms / p95 {id_p95:.2f} ms, "
        f"orders_for_contact p50 {contact_p50:.2f} ms / p95 {contact_p95:.2f} ms "
        f"(target ≤ {LOOKUP_TARGET_MS:.0f} ms): {'targets met' if fast else 'TARGETS MISSED'}"
    )
    return 0 if correct else 1
