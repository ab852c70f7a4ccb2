"""Command-line interface: `python -m bot COMMAND ...` (`--help` on every command)."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from bot.operator_cli import register as register_operator_commands
from bot.store_cli import register as register_store_commands

ROOT = Path(__file__).resolve().parent.parent
# `bot eval nlu` scores all three by default: two blind sets, then the older tuned one
HELDOUT_FILES = ("heldout_tidy.yml", "heldout_chat.yml", "nlu_heldout.yml")


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"ファイルが見つかりません: {value}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Shop support bot: evaluation, benchmarks and running the servers.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="start the Rasa server and the action server (Ctrl-C stops both)"
    )
    run.add_argument("--model", default="models", help="model file or directory (default: models)")
    run.set_defaults(handler=_run)

    evaluate = commands.add_parser("eval", help="measure the NLU on sentences it never saw")
    eval_targets = evaluate.add_subparsers(dest="target", metavar="TARGET", required=True)
    nlu = eval_targets.add_parser(
        "nlu",
        help="held-out scores and k-fold CV, ours vs Rasa's stock pipeline (and the ginza peer)",
        description=(
            "Trains on --data, scores every --heldout file (never trained on) and a stratified "
            "k-fold cross-validation, for this project's pipeline and Rasa's stock default "
            "pipeline (and, with --peer, a spaCy + ja_ginza pipeline), and prints macro-F1, "
            "per-label F1, entity F1 and parse latency side by side. The peer's figures "
            "recorded in --peer-recorded are shown when it is not run."
        ),
    )
    nlu.add_argument("--data", type=_existing_file, default=ROOT / "data", help="training data")
    nlu.add_argument(
        "--heldout",
        type=_existing_file,
        action="append",
        metavar="FILE",
        help="held-out test file, repeatable (default: "
        + ", ".join(f"tests/data/{name}" for name in HELDOUT_FILES)
        + ")",
    )
    nlu.add_argument("--config", type=_existing_file, default=ROOT / "config.yml")
    nlu.add_argument("--domain", type=_existing_file, default=ROOT / "domain.yml")
    nlu.add_argument("--folds", type=int, default=5, help="CV folds; 0 skips the CV (default 5)")
    nlu.add_argument(
        "--stock-folds",
        type=int,
        metavar="N",
        help="CV folds for the stock pipeline (default: --folds; 0 skips its CV, which "
        "takes 15-25 min per fold on 2 cores)",
    )
    nlu.add_argument("--no-stock", action="store_true", help="skip Rasa's stock pipeline")
    nlu.add_argument(
        "--no-ours", action="store_true", help="skip this project's pipeline (to time a peer)"
    )
    nlu.add_argument(
        "--peer",
        type=_existing_file,
        metavar="CONFIG",
        help="also train and score this config as the 'ginza' peer, held-out only (needs spacy "
        "and ja_ginza installed; e.g. bot/nlu/peer_ginza_config.yml)",
    )
    nlu.add_argument(
        "--peer-recorded",
        type=Path,
        default=ROOT / "bot" / "nlu" / "peer_ginza.json",
        metavar="FILE",
        help="figures of the peer measured once, shown when --peer is not given "
        "(default: bot/nlu/peer_ginza.json)",
    )
    nlu.add_argument(
        "--record-peer",
        action="store_true",
        help="with --peer, write the peer's figures to --peer-recorded for later runs",
    )
    nlu.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    nlu.add_argument(
        "--errors",
        action="store_true",
        help="list every misclassified sentence of the held-out files that may be read "
        "(never of the blind tidy and chat files)",
    )
    nlu.set_defaults(handler=_eval_nlu)

    bench = commands.add_parser("bench", help="speed benchmarks that print figures")
    bench_targets = bench.add_subparsers(dest="target", metavar="TARGET", required=True)
    bench_nlu = bench_targets.add_parser(
        "nlu",
        help="time a full `rasa train` and the parse latency of the trained model",
        description="Times a full `rasa train` (NLU and dialogue) into a temporary directory, "
        "then parses every held-out sentence --rounds times and prints p50/p95/p99.",
    )
    bench_nlu.add_argument("--rounds", type=int, default=5, help="parses per sentence (default 5)")
    bench_nlu.add_argument(
        "--heldout", type=_existing_file, default=ROOT / "tests" / "data" / "nlu_heldout.yml"
    )
    bench_nlu.set_defaults(handler=_bench_nlu)
    _add_bench_wismo(bench_targets)
    _add_bench_handoff(bench_targets)
    register_store_commands(commands, bench_targets)  # db, orders, handoffs, bench store
    register_operator_commands(commands)
    _add_server_commands(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    from bot.supervisor import run_servers

    return run_servers(model=args.model)


def _eval_nlu(args: argparse.Namespace) -> int:
    from rasa.shared.exceptions import RasaException

    from bot.nlu.evaluation import evaluate, format_report, load_recorded, recorded_figures

    for option, folds in (("--folds", args.folds), ("--stock-folds", args.stock_folds)):
        if folds is not None and (folds == 1 or folds < 0):
            print(f"error: {option} must be 0 (no CV) or at least 2", file=sys.stderr)
            return 2
    heldout = args.heldout or [
        path for name in HELDOUT_FILES if (path := ROOT / "tests" / "data" / name).exists()
    ]
    try:
        report = evaluate(
            data=args.data,
            heldout=heldout,
            config=args.config,
            domain=args.domain,
            folds=args.folds,
            with_stock=not args.no_stock,
            stock_folds=args.stock_folds,
            peer_config=args.peer,
            with_ours=not args.no_ours,
            progress=lambda line: print(line, flush=True),
        )
    except RasaException as exc:  # malformed training data, config or domain
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.peer is None and args.peer_recorded.exists():
        report.recorded = load_recorded(args.peer_recorded)
    print()
    print(format_report(report))
    if args.errors:
        for set_, by_pipeline in report.heldout.items():
            if set_ in report.blind:
                continue
            for name, scores in by_pipeline.items():
                print(f"\nmisclassified held-out sentences ({set_}, {name}): gold -> predicted")
                for text, gold, predicted in scores.errors:
                    print(f"  {gold} -> {predicted}: {text}")
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        print(f"\nfigures written to {args.json}")
    if args.record_peer and args.peer is not None:
        command = " ".join(["python -m bot", *sys.argv[1:]])
        today = datetime.date.today().isoformat()
        saved = recorded_figures(report, "ginza", command, today)
        args.peer_recorded.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n")
        print(f"the peer's figures written to {args.peer_recorded}")
    if "ours" in report.parse_ms:
        summary = ", ".join(
            f"{set_} {by_pipeline['ours'].macro_f1:.3f}"
            for set_, by_pipeline in report.heldout.items()
        )
        cv = (
            f", {args.folds}-fold CV {report.cv['ours'].macro_f1:.3f}"
            if "ours" in report.cv
            else ""
        )
        first = next(iter(report.heldout.values()))["ours"]
        print(
            f"\nsummary (ours): held-out macro-F1 {summary}{cv}; "
            f"order_id F1 {first.entity_f1.get('order_id', 0):.3f}, "
            f"parse p50 {report.parse_ms['ours']['p50']:.1f} ms"
        )
    return 0


def _bench_nlu(args: argparse.Namespace) -> int:
    from bot.nlu.benchmark import benchmark_training_and_parsing

    return benchmark_training_and_parsing(ROOT, args.heldout, args.rounds)


def _add_bench_wismo(bench_targets) -> None:
    wismo = bench_targets.add_parser(
        "wismo",
        help="verified WISMO conversations over REST at 1 and N clients, ours vs stock Rasa",
        description="Starts the real servers on a temporary database with the demo orders and "
        "plays whole WISMO conversations (ask, order number, e-mail, tracking number) with 1 "
        "and --clients concurrent clients; then the same with Rasa's stock starter bot. "
        "Prints p50/p95 per turn and for the lookup turn, turns/s and disclosures.",
    )
    wismo.add_argument("--model", type=_existing_file, default=ROOT / "models" / "shop.tar.gz")
    wismo.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    wismo.add_argument(
        "--conversations", type=int, default=200, help="conversations at --clients (default 200)"
    )
    wismo.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="also run --clients customers who take about this many seconds to type each "
        "message (default 2; 0 skips that phase)",
    )
    wismo.add_argument(
        "--no-reference", action="store_true", help="skip the stock-Rasa reference bot"
    )
    wismo.add_argument(
        "--memory-store",
        action="store_true",
        help="keep our conversations in Rasa's in-memory tracker store instead of the SQL "
        "store `make run` uses",
    )
    wismo.set_defaults(handler=_bench_wismo)


def _bench_wismo(args: argparse.Namespace) -> int:
    from bot.bench_wismo import main as bench_wismo

    if args.clients < 1 or args.conversations < 1:
        print("error: --clients and --conversations must be at least 1", file=sys.stderr)
        return 2
    return bench_wismo(
        args.model,
        args.clients,
        args.conversations,
        args.think,
        not args.no_reference,
        not args.memory_store,
    )


def _add_bench_handoff(bench_targets) -> None:
    handoff = bench_targets.add_parser(
        "handoff",
        help="operators claiming and answering waiting customers: claim and relay latency",
        description="Starts the real servers and the web process on a temporary database; "
        "--conversations Socket.IO customers ask for a person, then --operators operators "
        "work the queue through the console API at the same time (claim the oldest waiting "
        "handoff, 409: try the next; send --replies replies; close). Prints claim latency "
        "(200 and 409) and relay latency (operator reply POST to the customer's bot_uttered) "
        "p50/p95/max and lost replies; target: relay p95 ≤ 300 ms. Exit 1 when a reply was "
        "lost or a step failed.",
    )
    handoff.add_argument(
        "--conversations", type=int, default=20, help="customers waiting for a person (default 20)"
    )
    handoff.add_argument(
        "--operators", type=int, default=3, help="operators working at once (default 3)"
    )
    handoff.add_argument(
        "--replies", type=int, default=3, help="operator replies per conversation (default 3)"
    )
    handoff.add_argument(
        "--model",
        type=Path,
        default=ROOT / "models" / "shop.tar.gz",
        help="trained model file (default: models/shop.tar.gz)",
    )
    handoff.set_defaults(handler=_bench_handoff)


def _bench_handoff(args: argparse.Namespace) -> int:
    from bot.bench_handoff import main as bench_handoff

    if min(args.conversations, args.operators, args.replies) < 1:
        print(
            "error: --conversations, --operators and --replies must be at least 1", file=sys.stderr
        )
        return 2
    return bench_handoff(args.model, args.conversations, args.operators, args.replies)


def _port_number(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return int(value)


def _add_server_commands(commands) -> None:
    """`web` and `tracking fake`: the HTTP processes besides Rasa's."""
    import os

    web = commands.add_parser(
        "web",
        help="serve the shop demo page and the HTTP API (POST /api/orders)",
        description="Serves / (shop demo page with the chat widget) and /api/ "
        "(POST /api/orders needs SHOP_API_TOKEN) until Ctrl-C or SIGTERM.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    web.add_argument(
        "--port",
        type=_port_number,
        default=os.environ.get("WEB_PORT", "8000"),
        help="port (default: $WEB_PORT or 8000)",
    )
    web.set_defaults(handler=_web)

    tracking = commands.add_parser("tracking", help="the carrier tracking API")
    tracking_targets = tracking.add_subparsers(dest="target", metavar="TARGET", required=True)
    fake = tracking_targets.add_parser(
        "fake",
        help="serve a local fake tracking API with checkpoints made from the stored orders",
        description="An AfterShip-shaped tracking API on 127.0.0.1 for demos: every order "
        "with a carrier and tracking number gets checkpoints that match its status. Reloads "
        "the orders every 30 s and whenever a number is unknown. Ctrl-C stops it.",
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    fake.add_argument("--port", type=_port_number, default=5056, help="port (default 5056)")
    fake.set_defaults(handler=_tracking_fake)


def _web(args: argparse.Namespace) -> int:
    from bot.web.server import serve

    return serve(host=args.host, port=args.port)


def _tracking_fake(args: argparse.Namespace) -> int:
    from bot.fake_tracking import serve

    return serve(host=args.host, port=args.port)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("\n中断しました (interrupted).", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        # bad files and malformed training data (Rasa's errors are ValueErrors too)
        print(f"error: {exc}", file=sys.stderr)
        return 1
