"""`python -m bot bench wismo`: verified WISMO conversations over REST, ours vs stock Rasa.

Starts the real servers (Rasa + action server + fake tracking API) on a temporary SQLite
database loaded with the demo orders, and plays whole WISMO conversations — ask, give the
order number, give the e-mail (verification + order lookup + live tracking), ask for the
tracking number — first with 1 client, then with N concurrent clients. It measures the
latency of every turn and of the lookup turn alone, and turns per second.

The reference is Rasa's own starter bot (`rasa init`: stock pipeline and policies, English,
no custom actions) started and loaded the same way and measured in the same run, with
three-turn conversations: the cost of a turn in stock Rasa on this machine.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot import db, importer
from bot.fake_tracking import FakeTrackingServer, trackings_from_orders
from bot.processes import start_bot
from bot.settings import load_settings, now

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "bot" / "demo" / "orders.json"
BENCH_NOW = "2026-11-24T14:00:00+09:00"
# The reference conversation: rasa init's mood bot greets, cheers up, asks if that helped.
REFERENCE_TURNS = ("hello", "I am very sad", "yes")


@dataclass
class Run:
    name: str
    clients: int
    think: float = 0.0  # seconds a customer takes to type the next message
    turns: list[float] = field(default_factory=list)  # seconds per turn
    lookups: list[float] = field(default_factory=list)  # the turn that verifies + looks up
    wall: float = 0.0
    errors: int = 0
    disclosures: int = 0

    def summary(self) -> dict:
        def pct(values, q):
            if not values:
                return None
            ordered = sorted(values)
            return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

        return {
            "bot": self.name,
            "clients": self.clients,
            "think_s": self.think,
            "turns": len(self.turns),
            "turn_p50_ms": pct(self.turns, 0.50),
            "turn_p95_ms": pct(self.turns, 0.95),
            "lookup_p50_ms": pct(self.lookups, 0.50),
            "lookup_p95_ms": pct(self.lookups, 0.95),
            "turns_per_s": round(len(self.turns) / self.wall, 1) if self.wall else None,
            "errors": self.errors,
            "disclosures_before_verification": self.disclosures,
        }


def _customers() -> list[dict]:
    orders = json.loads(DEMO.read_text(encoding="utf-8"))["orders"]
    shown = ("shipped", "out_for_delivery", "delivered")  # answers that carry the number
    return [
        o
        for o in orders
        if o["status"] in shown and (o.get("shipment") or {}).get("tracking_number")
    ]


def _post(session: requests.Session, url: str, sender: str, text: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = session.post(url, json={"sender": sender, "message": text}, timeout=60)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, "\n".join(m.get("text", "") for m in response.json())


def _converse(url: str, script, run: Run, lock: threading.Lock, check=None) -> None:
    """Play one conversation; ``check(turn_index, reply)`` may count errors or disclosures."""
    session = requests.Session()
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for index, text in enumerate(script):
        time.sleep(random.uniform(0.5, 1.5) * run.think)  # noqa: S311 - typing pauses
        try:
            elapsed, reply = _post(session, url, sender, text)
        except (requests.RequestException, ValueError):
            with lock:
                run.errors += 1
            return
        with lock:
            run.turns.append(elapsed)
            if check is not None:
                check(index, elapsed, reply)


def _wismo_conversation(url: str, order: dict, run: Run, lock: threading.Lock) -> None:
    """Ask, give the number, give the e-mail (the lookup turn), ask for the tracking number."""
    secret = order["shipment"]["tracking_number"]
    script = ("注文した商品はいつ届きますか", order["order_id"], order["customer"]["email"],
              "送り状番号は？")  # fmt: skip
    lookup_turn = 2  # verification + order lookup + live tracking

    def check(index: int, elapsed: float, reply: str) -> None:
        if index == lookup_turn:
            run.lookups.append(elapsed)
            if secret not in reply:
                run.errors += 1  # the answer must carry the tracking number
        elif index < lookup_turn and secret in reply:
            run.disclosures += 1

    _converse(url, script, run, lock, check)


def _reference_conversation(url: str, run: Run, lock: threading.Lock) -> None:
    _converse(url, REFERENCE_TURNS, run, lock)


def _measure(name: str, clients: int, think: float, conversations: int, play) -> Run:
    run = Run(name, clients, think)
    lock = threading.Lock()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(play, i, run, lock) for i in range(conversations)]:
            future.result()
    run.wall = time.perf_counter() - started
    return run


def _reference_model(work: Path, progress) -> Path:
    """Rasa's starter bot, trained with Rasa's stock config (`rasa init --no-prompt`)."""
    project = work / "reference"
    project.mkdir()
    rasa = str(Path(sys.executable).with_name("rasa"))
    progress("training the stock-Rasa reference bot (rasa init) ...")
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own venv's rasa
        [rasa, "init", "--no-prompt", "--init-dir", str(project)],
        capture_output=True,
        text=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"rasa init failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    progress(f"  trained in {time.perf_counter() - started:.0f} s")
    return next((project / "models").glob("*.tar.gz"))


def _phases(clients: int, conversations: int, think: float) -> list[tuple[int, float, int]]:
    """(clients, think seconds, conversations): one customer; N back to back; N typing."""
    phases = [(1, 0.0, max(10, conversations // 5)), (clients, 0.0, conversations)]
    if think > 0:
        phases.append((clients, think, conversations))
    return phases


def _play(name: str, phases, play, progress) -> list[dict]:
    results = []
    for clients, think, total in phases:
        progress(f"{name}: {total} conversations, {clients} client(s), think {think:g} s ...")
        results.append(_measure(name, clients, think, total, play).summary())
        progress(f"  {results[-1]}")
    return results


def benchmark(
    model: Path,
    clients: int,
    conversations: int,
    think: float,
    with_reference: bool,
    progress,
    sql_store: bool = True,
) -> list[dict]:
    """Run the benchmark and return one summary dict per (bot, clients, think time).

    Our bot keeps its conversations in the SQL tracker store, as `make run` does, unless
    ``sql_store`` is false (Rasa's in-memory store, like the reference bot).
    """
    work = Path(tempfile.mkdtemp(prefix="bench-wismo-"))
    url = f"sqlite:///{work / 'shop.sqlite3'}"
    phases = _phases(clients, conversations, think)
    results = []
    try:
        db.upgrade(url)
        importer.import_file(DEMO, url=url)
        customers = _customers()
        settings = load_settings()
        os.environ["SHOP_NOW"] = BENCH_NOW  # the fake's checkpoints and the bot share "now"
        trackings = trackings_from_orders(customers, settings, now(settings))
        with FakeTrackingServer(trackings) as tracking:
            env = {"DATABASE_URL": url, "SHOP_NOW": BENCH_NOW, "TRACKING_API_URL": tracking.url}
            progress(f"starting our bot ({model}) ...")
            bot = start_bot(model, work, env, tracker_store=sql_store)
            try:
                webhook = bot.webhook()
                _wismo_conversation(webhook, customers[0], Run("warm-up", 1), threading.Lock())
                results += _play(
                    "ours",
                    phases,
                    lambda i, r, lock: _wismo_conversation(
                        webhook, customers[i % len(customers)], r, lock
                    ),
                    progress,
                )
            finally:
                bot.stop()
        if with_reference:
            reference = _reference_model(work, progress)
            ref_dir = work / "reference-run"
            ref_dir.mkdir()
            progress("starting the reference bot ...")
            ref = start_bot(reference, ref_dir)
            try:
                webhook = ref.webhook()
                _reference_conversation(webhook, Run("warm-up", 1), threading.Lock())
                results += _play(
                    "stock Rasa (rasa init)",
                    phases,
                    lambda i, r, lock: _reference_conversation(webhook, r, lock),
                    progress,
                )
            finally:
                ref.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def format_table(results: list[dict]) -> str:
    head = (
        f"{'bot':<24}{'clients':>8}{'think':>7}{'turns':>7}{'turn p50':>10}{'turn p95':>10}"
        f"{'lookup p50':>12}{'lookup p95':>12}{'turns/s':>9}{'errors':>8}{'disclosures':>13}"
    )
    lines = [head, "-" * len(head)]

    def ms(value):
        return "-" if value is None else f"{value:.0f} ms"

    for r in results:
        lines.append(
            f"{r['bot']:<24}{r['clients']:>8}{r['think_s']:>6g}s{r['turns']:>7}"
            f"{ms(r['turn_p50_ms']):>10}{ms(r['turn_p95_ms']):>10}{ms(r['lookup_p50_ms']):>12}{ms(r['lookup_p95_ms']):>12}"
            f"{r['turns_per_s']:>9}{r['errors']:>8}{r['disclosures_before_verification']:>13}"
        )
    return "\n".join(lines)


def main(
    model: Path,
    clients: int,
    conversations: int,
    think: float,
    with_reference: bool,
    sql_store: bool = True,
) -> int:
    if not Path(model).exists():
        print(f"error: no model at {model}; run `make train` first", file=sys.stderr)
        return 1
    results = benchmark(
        model,
        clients,
        conversations,
        think,
        with_reference,
        lambda line: print(line, flush=True),
        sql_store,
    )
    print()
    print(format_table(results))
    ours = [r for r in results if r["bot"] == "ours"]
    single = next(r for r in ours if r["clients"] == 1)
    many = next(r for r in ours if r["clients"] == clients and r["think_s"] == 0)
    disclosures = sum(r["disclosures_before_verification"] for r in ours)
    print(
        f"\nsummary: lookup turn p50 {single['lookup_p50_ms']} ms (1 client, target ≤ 60), "
        f"turn p95 {many['turn_p95_ms']} ms at {many['clients']} clients (target ≤ 1000), "
        f"{many['turns_per_s']} turns/s, disclosures {disclosures}"
    )
    return 0 if not any(r["errors"] for r in results) else 1
