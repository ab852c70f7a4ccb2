"""`python -m bot db|orders|products|handoffs ...` and `bench store`: the store's commands.

Every command here migrates the schema first (``bot.db.upgrade``) and turns database and
file problems into one clear line on stderr instead of a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path


def register(commands, bench_targets) -> None:
    """Add the store's subcommands to `python -m bot` (``commands``) and to `bench`."""
    db = commands.add_parser("db", help="database schema (created and migrated automatically)")
    db_actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_upgrade = db_actions.add_parser(
        "upgrade",
        help="create or migrate the schema to the newest revision, nothing else",
        description="Runs the Alembic migrations in bot/migrations up to head on DATABASE_URL "
        "(default: a SQLite file under var/). Safe to run any number of times.",
    )
    db_upgrade.set_defaults(handler=_db_upgrade)

    orders = commands.add_parser("orders", help="import and look up orders")
    order_actions = orders.add_subparsers(dest="action", metavar="ACTION", required=True)
    order_import = order_actions.add_parser(
        "import",
        help="upsert the orders of a .json or .csv file by order number",
        description='Upserts orders by order number from a JSON file ({"orders": [...]} or a '
        "list) or a CSV file with the same field names flattened (customer.email, "
        "items.sku, ...; one line per item). Bad rows are listed with row and field and "
        "skipped; good rows are loaded. Running it twice changes nothing. Exit status 1 if "
        "any row was rejected, 2 if the file cannot be read. The CSV format is described "
        "in bot/importer.py.",
    )
    _import_arguments(order_import, _orders_import)

    show = order_actions.add_parser(
        "show",
        help="print one order",
        description="Print one order (any typed form of its number).",
    )
    show.add_argument("order_id", metavar="ID", help="order number, e.g. A-100234 or #1001")
    show.add_argument("--json", action="store_true", help="one JSON object, as in the import")
    show.set_defaults(handler=_orders_show)

    demo = order_actions.add_parser(
        "load-demo",
        help="load the demo orders (bot/demo/orders.json) when there are no orders yet, "
        "and the demo catalogue (bot/demo/products.json) when there are no products yet",
        description="Loads the ~30 demo orders into an empty database, every date moved so "
        "that today (SHOP_NOW when set) is the day they describe: a late order is late on "
        "purpose, the others are on time. An empty catalogue gets the demo products, whose "
        "restock dates move the same way.",
    )
    demo.set_defaults(handler=_orders_load_demo)

    _register_products(commands)

    handoffs = commands.add_parser("handoffs", help="the operator queue")
    handoff_actions = handoffs.add_subparsers(dest="action", metavar="ACTION", required=True)
    handoff_list = handoff_actions.add_parser(
        "list", help="list handoffs, oldest first", description="List handoffs, oldest first."
    )
    handoff_list.add_argument("--json", action="store_true", help="one JSON array")
    handoff_list.add_argument(
        "--status", choices=("waiting", "claimed", "closed"), help="only handoffs in this state"
    )
    handoff_list.set_defaults(handler=_handoffs_list)

    bench = bench_targets.add_parser(
        "store",
        help="time importing N synthetic orders and looking them up (temporary SQLite)",
        description="Generates N synthetic orders, imports them into a temporary SQLite "
        "database, imports them again (all unchanged), and times find_order and "
        "orders_for_contact for 2,000 random look-ups (p50/p95).",
    )
    bench.add_argument("--orders", type=int, default=100_000, help="how many (default 100000)")
    bench.add_argument("--lookups", type=int, default=2_000, help="look-ups (default 2000)")
    bench.set_defaults(handler=_bench_store)


def database_errors(handler):
    """Run ``handler`` after the schema upgrade; database trouble becomes exit status 1."""

    @functools.wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        from alembic.util import CommandError
        from sqlalchemy.exc import SQLAlchemyError

        from bot.db import upgrade
        from bot.settings import SettingsError

        try:
            upgrade()
            return handler(args)
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            print(f"error: データベースのエラー ({_where()}): {detail}", file=sys.stderr)
        except CommandError as exc:
            print(f"error: スキーマを更新できません ({_where()}): {exc}", file=sys.stderr)
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
        except ImportError as exc:  # DATABASE_URL names a driver that is not installed
            message = f"データベースのドライバーがありません ({_where()}): {exc}"
            print(f"error: {message}", file=sys.stderr)
        except OSError as exc:  # e.g. the SQLite file's directory cannot be created
            print(f"error: データベースを開けません ({_where()}): {exc}", file=sys.stderr)
        return 1

    return wrapper


def _where() -> str:
    from sqlalchemy.engine import make_url

    from bot.settings import database_url

    try:
        return make_url(database_url()).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by the caller's error
        return "DATABASE_URL"


@database_errors
def _db_upgrade(args: argparse.Namespace) -> int:
    print(f"データベースのスキーマは最新です: {_where()}")
    return 0


def _import_arguments(parser: argparse.ArgumentParser, handler) -> None:
    """FILE and --max-errors, shared by `orders import` and `products import`."""
    parser.add_argument("file", type=Path, metavar="FILE", help=".json or .csv file")
    parser.add_argument(
        "--max-errors",
        type=int,
        default=200,
        metavar="N",
        help="list at most N row errors (default 200; 0 lists all)",
    )
    parser.set_defaults(handler=handler)


@database_errors
def _orders_import(args: argparse.Namespace) -> int:
    return _import(args, None)


def _import(args: argparse.Namespace, kind) -> int:
    """Import ``args.file`` (orders when ``kind`` is None), print the errors and a summary."""
    from bot.importer import ImportFileError, import_file

    print(f"{args.file} を取り込みます …", file=sys.stderr, flush=True)
    try:
        report = import_file(args.file, progress=_progress_line(), kind=kind)
    except ImportFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if sys.stderr.isatty():
        print(file=sys.stderr)  # end the rewritten progress line
    shown = report.errors if args.max_errors <= 0 else report.errors[: args.max_errors]
    for error in shown:
        print(str(error), file=sys.stderr)
    if len(shown) < len(report.errors):
        print(f"… ほか {len(report.errors) - len(shown):,} 件のエラー", file=sys.stderr)
    print(f"{report.summary()} ({report.seconds:.1f} 秒)")
    return 1 if report.rejected else 0


def _progress_line():
    """Print progress lines on stderr; on a terminal, rewrite one line instead."""
    if not sys.stderr.isatty():
        return lambda line: print(line, file=sys.stderr, flush=True)

    def rewrite(line: str) -> None:
        print(f"\r{line}", end="", file=sys.stderr, flush=True)

    return rewrite


@database_errors
def _orders_show(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.orders import find_order

    with session_scope() as session:
        order = find_order(session, args.order_id)
    if order is None:
        print(f"注文が見つかりません: {args.order_id}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(order, ensure_ascii=False, indent=2))
    else:
        print(format_order(order))
    return 0


def format_order(order: dict) -> str:
    """A readable Japanese summary of one order, for operators at a terminal."""
    from bot.messages import catalogue
    from bot.settings import load_settings

    labels = catalogue()

    def label(kind: str, code: str | None) -> str:
        return labels[kind].get(code, code)

    def when(iso: str | None) -> str:
        return iso[:16].replace("T", " ") if iso else "—"

    customer, payment = order["customer"], order["payment"] or {}
    lines = [
        f"注文番号   {order['order_id']}",
        f"注文日時   {when(order['placed_at'])}",
        f"状態       {label('status_names', order['status'])} ({order['status']})",
        f"お客様     {customer['name']} / {customer['email'] or '—'} / {customer['phone'] or '—'}",
        f"お支払い   {label('payment_methods', payment.get('method'))}・"
        f"{label('payment_statuses', payment.get('status'))}"
        + (f" ({when(payment.get('paid_at'))})" if payment.get("paid_at") else ""),
    ]
    total = 0
    for index, item in enumerate(order["items"]):
        total += item["quantity"] * item["price"]
        label = "商品       " if index == 0 else " " * 11  # 商品 is two columns wide each
        lines.append(
            f"{label}{item['name']} ({item['sku']}) × {item['quantity']}  "
            f"{item['quantity'] * item['price']:,}円"
        )
    lines.append(f"商品合計   {total:,}円")
    if address := order["shipping_address"]:
        lines.append(
            f"お届け先   〒{address['postal_code']} {address['prefecture']}{address['city']}"
            f"{address['line1']}" + (f" {address['line2']}" if address["line2"] else "")
        )
    if shipment := order["shipment"]:
        carrier = load_settings().carrier(shipment["carrier"])
        lines.append(
            f"配送       {carrier.name if carrier else shipment['carrier'] or '—'}"
            f" 追跡番号 {shipment['tracking_number'] or '—'} / 発送 {when(shipment['shipped_at'])}"
            f" / お届け予定 {shipment['estimated_delivery'] or '—'}"
        )
    if delay := order["delay"]:
        lines.append(
            f"遅延       {delay['reason'] or '—'}"
            + (f" (新しいお届け予定 {delay['new_estimate']})" if delay["new_estimate"] else "")
        )
    return "\n".join(lines)


@database_errors
def _orders_load_demo(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.demo import demo_orders
    from bot.importer import import_records
    from bot.orders import order_count
    from bot.settings import now

    today = now().date()
    report = catalogue = None
    with session_scope() as session:
        count = order_count(session)
        if count:
            print(f"注文が既に {count:,} 件あるため、デモ注文は読み込みませんでした。")
        else:
            report = import_records(session, demo_orders(today), source="demo")
        # The demo orders' products: also into a database that got the demo orders before
        # there was a catalogue, never next to a shop's own orders.
        if report is not None or _holds_demo_orders(session):
            catalogue = _load_demo_products(session, today)
    if report is not None:
        for error in report.errors:
            print(str(error), file=sys.stderr)
        print(f"デモ注文を {today:%Y-%m-%d} 基準の日付で読み込みました: {report.summary()}")
    if catalogue is not None:
        print(f"デモ商品を読み込みました: {catalogue.summary()}")
    return 1 if (report and report.rejected) or (catalogue and catalogue.rejected) else 0


def _holds_demo_orders(session) -> bool:
    from bot.demo import WRITTEN_FOR, demo_orders
    from bot.orders import find_order

    return find_order(session, demo_orders(WRITTEN_FOR)[0]["order_id"]) is not None


def _load_demo_products(session, today):
    """The demo catalogue into an empty products table (its report), else None."""
    from bot.demo import demo_products
    from bot.importer import import_records
    from bot.product_import import PRODUCTS
    from bot.products import product_count

    if product_count(session):
        return None
    report = import_records(session, demo_products(today), source="demo", kind=PRODUCTS)
    for error in report.errors:
        print(str(error), file=sys.stderr)
    return report


@database_errors
def _handoffs_list(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff import HandoffQueue
    from bot.messages import catalogue
    from bot.settings import load_settings, now

    settings = load_settings()
    with session_scope() as session:
        queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))
        handoffs = queue.list(args.status)
    if args.json:
        print(json.dumps(handoffs, ensure_ascii=False, indent=2))
        return 0
    if not handoffs:
        print("引き継ぎはありません。")
        return 0
    statuses, reasons = catalogue()["handoff_statuses"], catalogue()["handoff_reasons"]
    for h in handoffs:
        print(_handoff_line(h, statuses, reasons))
    waiting = sum(h["status"] == "waiting" for h in handoffs)
    print(f"{len(handoffs)} 件（対応待ち {waiting} 件）")
    return 0


def _minutes(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds // 60}分" if seconds >= 60 else f"{seconds}秒"


def _handoff_line(h: dict, statuses: dict, reasons: dict) -> str:
    """``#3 対応中 11/24 14:05 待ち5分 担当 sato(14:10) 注文 A-1(確認済み) [conv]: 担当者希望``"""

    def clock(iso: str | None) -> str:
        return iso[11:16] if iso else "—"

    parts = [
        f"#{h['id']}",
        statuses.get(h["status"], h["status"]),
        h["created_at"][5:16].replace("-", "/").replace("T", " "),
    ]
    parts.append(f"待ち{_minutes(h['wait_seconds'])}")
    if h["operator"]:
        parts.append(f"担当 {h['operator']}({clock(h['claimed_at'])})")
    if h["closed_at"]:
        how = "ボットへ戻し" if h["resolution"] == "handback" else "完了"
        parts.append(f"{how} {h['closed_by'] or ''}({clock(h['closed_at'])})".replace(" (", "("))
    if h["order_id"]:
        parts.append(f"注文 {h['order_id']}{'(確認済み)' if h['verified'] else '(未確認)'}")
    parts.append(f"[{h['conversation_id']}]: {reasons.get(h['reason'], h['reason'])}")
    return " ".join(parts)


def _bench_store(args: argparse.Namespace) -> int:
    from bot.store_bench import run_benchmark

    if args.orders < 1 or args.lookups < 1:
        print("error: --orders and --lookups must be at least 1", file=sys.stderr)
        return 2
    return run_benchmark(args.orders, args.lookups)


# --- products ---------------------------------------------------------------------------


def _register_products(commands) -> None:
    products = commands.add_parser("products", help="import and look up the product catalogue")
    actions = products.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import",
        help="upsert the products of a .json or .csv file by SKU",
        description='Upserts products by SKU from a JSON file ({"products": [...]} or a list) '
        "or a CSV file with the same field names flattened (one line per size: sizes.size, "
        "sizes.measurements.着丈, ...; stock or stock.M, stock.L, ...). Bad rows are listed "
        "with row and field and skipped; good rows are loaded. Running it twice changes "
        "nothing. Exit status 1 if any row was rejected, 2 if the file cannot be read. The "
        "CSV format is described in bot/product_import.py.",
    )
    _import_arguments(load, _products_import)

    show = actions.add_parser(
        "show",
        help="print one product",
        description="Print one product by SKU (any case or width; an order item's SKU such as "
        "TS-01-M shows its product TS-01).",
    )
    show.add_argument("sku", metavar="SKU", help="product number, e.g. TS-01")
    show.add_argument("--json", action="store_true", help="one JSON object, as in the import")
    show.set_defaults(handler=_products_show)

    listing = actions.add_parser(
        "list", help="list every product, by SKU", description="List every product, by SKU."
    )
    listing.add_argument("--json", action="store_true", help="one JSON array")
    listing.set_defaults(handler=_products_list)


@database_errors
def _products_import(args: argparse.Namespace) -> int:
    from bot.product_import import PRODUCTS

    return _import(args, PRODUCTS)


@database_errors
def _products_show(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.products import find_product, product_for_sku

    with session_scope() as session:
        product = find_product(session, args.sku) or product_for_sku(session, args.sku)
    if product is None:
        print(f"商品が見つかりません: {args.sku}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(product, ensure_ascii=False, indent=2))
    else:
        print(format_product(product))
    return 0


@database_errors
def _products_list(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.products import all_products

    with session_scope() as session:
        products = all_products(session)
    if args.json:
        print(json.dumps(products, ensure_ascii=False, indent=2))
        return 0
    for product in products:
        price = f"{product['price']:,}円"
        print(f"{product['sku']:<14} {product['name']}  {price}  {_stock_text(product)}")
    print(f"{len(products)} 件")
    return 0


def _stock_text(product: dict) -> str:
    stock = product["stock"]
    if isinstance(stock, dict):
        return "在庫 " + " ".join(f"{size}:{count}" for size, count in stock.items())
    return f"在庫 {stock}" if stock is not None else "在庫 —"


def format_product(product: dict) -> str:
    """A readable Japanese summary of one product, for operators at a terminal."""
    lines = [
        f"商品番号   {product['sku']}",
        f"商品名     {product['name']}",
        f"カテゴリ   {product['category']}",
        f"価格       {product['price']:,}円（税込）",
        f"素材       {product['material'] or '—'}",
        f"お手入れ   {product['care'] or '—'}",
    ]
    for index, size in enumerate(product["sizes"]):
        label = "サイズ     " if index == 0 else " " * 11
        measured = "・".join(f"{k} {v}cm" for k, v in size["measurements"].items())
        lines.append(f"{label}{size['size']}" + (f"  {measured}" if measured else ""))
    lines.append(_stock_text(product).replace("在庫 ", "在庫       ", 1))
    lines.append(f"再入荷予定 {product['restock_date'] or '—'}")
    months = product["warranty_months"]
    lines.append(f"保証       {f'{months}か月' if months is not None else 'カテゴリの既定'}")
    return "\n".join(lines)
