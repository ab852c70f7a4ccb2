"""`python -m bot bench handoff`: operators claiming and answering waiting customers.

Starts the real servers (action server, Rasa server with the SQL tracker store, and the web
process with the operator console) on a temporary SQLite database, connects N Socket.IO
customers that each ask for a person, and lets K operators work the queue at the same time
through the console's JSON API: list the queue, claim the oldest waiting handoff (a 409
means another operator was faster: try the next), send R replies, close; until nothing
waits. It measures

- claim latency: the round trip of ``POST .../claim``, won (200) and lost (409) apart;
- relay latency: from just before ``POST .../reply`` is sent until the customer's Socket.IO
  client receives the ``bot_uttered`` with exactly that text (every reply text is unique).

A reply that has not reached its customer within :data:`LOST_SECONDS` is lost.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bot import db, operators
from bot.processes import RunningBot, free_port, start_bot, start_web, stop_all

ROOT = Path(__file__).resolve().parent.parent
BENCH_NOW = "2026-11-24T14:00:00+09:00"  # a Tuesday afternoon: the desk is open
ASK_PERSON = "担当者と話したいです"
LOST_SECONDS = 5.0
TARGET_RELAY_P95_MS = 300
QUEUE_SECONDS = 120  # for every customer's request to be a waiting handoff
HTTP_SECONDS = 30
# python-engineio's server answers a polling client's CLOSE without ending its pending
# long-poll (that waits for the next ping, 25-45 s), and Sanic's shutdown waits up to 15 s
# for open requests: the bench's own Rasa server may drop them after 1 s instead.
SHUTDOWN_SECONDS = "1"


class BenchError(Exception):
    """An expected failure (no model, a server that does not start): one line, no traceback."""


def _http() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # loopback only, never through a proxy
    return http


def _transports() -> list[str]:
    """Polling, and the upgrade to a WebSocket when websocket-client is installed."""
    return ["polling", "websocket"] if importlib.util.find_spec("websocket") else ["polling"]


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile of ``values`` in ms (nearest rank), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Relay:
    """Every reply sent, to whom and when, and when it reached that customer."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.sent: dict[str, tuple[str, float]] = {}  # text -> (conversation, perf_counter)
        self.arrived: dict[str, float] = {}  # text -> seconds after sending
        self.misdelivered = 0  # a reply that reached another customer

    def sending(self, conversation: str, text: str) -> None:
        with self._changed:
            self.sent[text] = (conversation, time.perf_counter())

    def received(self, conversation: str, text: str) -> None:
        moment = time.perf_counter()
        with self._changed:
            if text not in self.sent:
                return  # the bot's own words, or a notice (operator joined, closed)
            to, started = self.sent[text]
            if to != conversation:
                self.misdelivered += 1
            elif text not in self.arrived:
                self.arrived[text] = moment - started
                self._changed.notify_all()

    def wait_for_all(self, seconds: float) -> None:
        """Until every reply arrived or was sent more than ``seconds`` ago."""
        with self._changed:
            if not self.sent:
                return
            deadline = max(started for _, started in self.sent.values()) + seconds
            while len(self.arrived) < len(self.sent):
                left = deadline - time.perf_counter()
                if left <= 0:
                    return
                self._changed.wait(left)

    def delivered(self, seconds: float) -> list[float]:
        with self._changed:
            return [took for took in self.arrived.values() if took <= seconds]


class Customer:
    """A rasa-webchat-like Socket.IO client that asks for a person."""

    def __init__(self, url: str, relay: Relay) -> None:
        import socketio

        self.url, self.relay = url, relay
        self.session_id: str | None = None
        self._confirmed = threading.Event()
        # Ctrl-C is the benchmark's to handle (it stops the servers), not the client's.
        self.sio = socketio.Client(reconnection=False, handle_sigint=False, http_session=_http())
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self._on_bot)

    def _on_confirm(self, data=None) -> None:
        sid = data.get("session_id") if isinstance(data, dict) else data
        self.session_id = str(sid) if sid else None
        self._confirmed.set()

    def _on_bot(self, data=None) -> None:
        if isinstance(data, dict) and isinstance(data.get("text"), str) and self.session_id:
            self.relay.received(self.session_id, data["text"])

    def connect(self) -> str:
        """Open the socket and a session; the session id is the conversation's id."""
        import socketio

        try:
            self.sio.connect(
                self.url, socketio_path="socket.io", transports=_transports(), wait_timeout=10
            )
        except socketio.exceptions.ConnectionError as exc:
            raise BenchError(f"Socket.IO connect to {self.url} failed: {exc}") from None
        self.sio.emit("session_request", {"session_id": None})
        if not self._confirmed.wait(10) or not self.session_id:
            raise BenchError(f"no session_confirm from {self.url} within 10 s")
        return self.session_id

    def ask_for_person(self) -> None:
        self.sio.emit("user_uttered", {"message": ASK_PERSON, "session_id": self.session_id})

    def close(self) -> None:
        """Leave without waiting for the pending long-poll (see ``SHUTDOWN_SECONDS``)."""
        try:
            self.sio.eio.disconnect(abort=True)  # sends Engine.IO's CLOSE
        except Exception:  # noqa: S110 - the servers may already be gone; nothing to report
            pass


class _Tokens(HTMLParser):
    """The login form's hidden ``csrf_token`` and a page's ``<meta name="csrf-token">``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.field = self.meta = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf_token":
            self.field = a.get("value") or ""
        elif tag == "meta" and a.get("name") == "csrf-token":
            self.meta = a.get("content") or ""


class Operator:
    """A logged-in console session that speaks the JSON API."""

    def __init__(self, web: str, name: str, password: str) -> None:
        self.web, self.name, self.http = web, name, _http()
        form = self.http.get(f"{web}/console/login", timeout=HTTP_SECONDS)
        self.http.post(
            f"{web}/console/login",
            data={"username": name, "password": password, "csrf_token": _Tokens(form.text).field},
            timeout=HTTP_SECONDS,
        )
        page = self.http.get(f"{web}/console/", timeout=HTTP_SECONDS)
        self.csrf = _Tokens(page.text).meta
        if page.status_code != 200 or not self.csrf:
            raise BenchError(f"operator {name} could not log in to {web}/console/")

    def queue(self) -> list[dict]:
        response = self.http.get(f"{self.web}/console/api/handoffs", timeout=HTTP_SECONDS)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.http.post(
            f"{self.web}/console/api/handoffs/{path}",
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
            timeout=HTTP_SECONDS,
        )


@dataclass
class Figures:
    conversations: int
    operators: int
    replies: int  # per conversation
    transport: str
    claims_won: list[float] = field(default_factory=list)  # seconds per claim round trip
    claims_lost: list[float] = field(default_factory=list)  # the 409s
    reply_posts: list[float] = field(default_factory=list)  # round trips of POST .../reply
    closed: int = 0
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    def summary(self, relay: Relay) -> dict:
        relayed = relay.delivered(LOST_SECONDS)
        p95 = percentile(relayed, 0.95)
        return {
            "conversations": self.conversations,
            "operators": self.operators,
            "replies_per_conversation": self.replies,
            "transport": self.transport,
            "closed": self.closed,
            "replies_sent": len(relay.sent),
            "replies_delivered": len(relayed),
            "lost": len(relay.sent) - len(relayed),
            "misdelivered": relay.misdelivered,
            "claims": len(self.claims_won),
            "claim_p50_ms": percentile(self.claims_won, 0.50),
            "claim_p95_ms": percentile(self.claims_won, 0.95),
            "conflicts_409": len(self.claims_lost),
            "conflict_p50_ms": percentile(self.claims_lost, 0.50),
            "conflict_p95_ms": percentile(self.claims_lost, 0.95),
            "reply_post_p50_ms": percentile(self.reply_posts, 0.50),
            "reply_post_p95_ms": percentile(self.reply_posts, 0.95),
            "relay_p50_ms": percentile(relayed, 0.50),
            "relay_p95_ms": p95,
            "relay_max_ms": percentile(relayed, 1.0),
            "target_met": p95 is not None and p95 <= TARGET_RELAY_P95_MS,
            "wall_s": round(self.wall, 1),
            "errors": list(self.errors),
        }


def _await_queue(operator: Operator, conversations: set[str]) -> dict[int, str]:
    """Handoff id -> conversation, once every customer's request is a waiting handoff."""
    deadline = time.monotonic() + QUEUE_SECONDS
    while True:
        waiting = {
            h["id"]: h["conversation_id"]
            for h in operator.queue()
            if h["status"] == "waiting" and h["conversation_id"] in conversations
        }
        if len(waiting) == len(conversations):
            return waiting
        if time.monotonic() > deadline:
            raise BenchError(
                f"only {len(waiting)} of {len(conversations)} requests for a person became "
                f"waiting handoffs within {QUEUE_SECONDS} s"
            )
        time.sleep(0.2)


def _work(
    op: Operator, ours: dict[int, str], relay: Relay, figures: Figures, lock, progress, stopping
) -> None:
    """One operator: claim the oldest waiting handoff, reply, close; until none waits."""
    while not stopping.is_set():
        waiting = [h for h in op.queue() if h["status"] == "waiting" and h["id"] in ours]
        if not waiting:
            return
        for handoff in waiting:  # oldest first
            started = time.perf_counter()
            response = op.post(f"{handoff['id']}/claim")
            took = time.perf_counter() - started
            if response.status_code == 409:
                with lock:
                    figures.claims_lost.append(took)
                continue
            if response.status_code != 200:
                raise BenchError(f"claim #{handoff['id']} answered {response.status_code}")
            with lock:
                figures.claims_won.append(took)
            break
        else:
            continue  # all taken while we tried: look at the queue again
        hid, conversation = handoff["id"], ours[handoff["id"]]
        for n in range(1, figures.replies + 1):
            text = f"担当{op.name}より受付{hid}への返信{n}です。"  # unique: one claim per handoff
            relay.sending(conversation, text)
            started = time.perf_counter()
            response = op.post(f"{hid}/reply", {"text": text})
            with lock:
                figures.reply_posts.append(time.perf_counter() - started)
            if response.status_code != 200:
                with lock:
                    figures.errors.append(f"reply to #{hid} answered {response.status_code}")
        response = op.post(f"{hid}/close")
        if response.status_code != 200:
            raise BenchError(f"close #{hid} answered {response.status_code}")
        with lock:
            figures.closed += 1
            done = figures.closed
        progress(
            f"  {op.name}: #{hid} claimed in {1000 * took:.0f} ms, {figures.replies} "
            f"replies, closed ({done}/{figures.conversations})"
        )


def _operator_thread(op, ours, relay, figures, lock, progress, stopping) -> threading.Thread:
    def run() -> None:
        try:
            _work(op, ours, relay, figures, lock, progress, stopping)
        except (BenchError, requests.RequestException, ValueError) as exc:
            with lock:
                figures.errors.append(f"{op.name}: {exc}")

    return threading.Thread(target=run, name=f"operator-{op.name}", daemon=True)


def _round(team, customers, relay: Relay, figures: Figures, progress, stopping) -> None:
    """The customers ask for a person; the team works the queue until nothing waits."""
    lock = threading.Lock()
    started = time.perf_counter()
    for customer in customers:
        customer.ask_for_person()
    ours = _await_queue(team[0], {customer.session_id for customer in customers})
    progress(
        f"{len(ours)} handoffs waiting after {time.perf_counter() - started:.1f} s; "
        f"{len(team)} operator(s) at work"
    )
    started = time.perf_counter()
    threads = [_operator_thread(op, ours, relay, figures, lock, progress, stopping) for op in team]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # a join with a timeout lets Ctrl-C through
            thread.join(0.5)
    relay.wait_for_all(LOST_SECONDS)
    figures.wall = time.perf_counter() - started
    left = [h["id"] for h in team[0].queue() if h["id"] in ours and h["status"] != "closed"]
    if left:
        figures.errors.append(f"handoffs not closed: {', '.join(f'#{i}' for i in left)}")


def _play(bot: RunningBot, web: str, names, password, figures: Figures, progress) -> Relay:
    """One warm-up conversation (not counted), then the measured ones; their replies."""
    relay, warm = Relay(), Relay()
    customers = [Customer(bot.url, warm)]
    customers += [Customer(bot.url, relay) for _ in range(figures.conversations)]
    stopping = threading.Event()
    try:
        for customer in customers:
            customer.connect()
        team = [Operator(web, name, password) for name in names]
        # The first claim and reply through a fresh Rasa server can take a second.
        warm_up = Figures(1, 1, 1, figures.transport)
        _round(team[:1], customers[:1], warm, warm_up, lambda line: None, stopping)
        if warm_up.errors or len(warm.delivered(LOST_SECONDS)) != 1:
            raise BenchError(f"the warm-up conversation failed: {warm_up.errors or 'reply lost'}")
        progress(
            f"warm-up conversation (not counted): claim {percentile(warm_up.claims_won, 1):.0f} "
            f"ms, relay {percentile(warm.delivered(LOST_SECONDS), 1):.0f} ms"
        )
        progress(
            f"{figures.conversations} customers connected ({figures.transport}); "
            "asking for a person"
        )
        _round(team, customers[1:], relay, figures, progress, stopping)
    finally:
        stopping.set()
        for customer in customers:
            customer.close()  # does not wait for the server
    return relay


def benchmark(model: Path, conversations: int, operators_: int, replies: int, progress) -> dict:
    """Run the benchmark on servers of its own; the figures as :meth:`Figures.summary`."""
    work = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    url = f"sqlite:///{work / 'shop.sqlite3'}"
    names = [f"op{n}" for n in range(1, operators_ + 1)]
    password = secrets.token_urlsafe(16)
    transport = "websocket" if "websocket" in _transports() else "long-polling"
    figures = Figures(conversations, operators_, replies, f"Socket.IO over {transport}")
    processes: list[subprocess.Popen] = []
    try:
        db.upgrade(url)
        with db.session_scope(url) as session:
            for name in names:
                operators.add_operator(session, name, password, now=datetime.now(timezone.utc))
        env = {"DATABASE_URL": url, "SHOP_NOW": BENCH_NOW, "RASA_TELEMETRY_ENABLED": "false"}
        progress(f"starting the action server, the Rasa server ({model}) and the web process ...")
        started = time.perf_counter()
        try:
            bot = start_bot(
                model,
                work,
                {**env, "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": SHUTDOWN_SECONDS},
                tracker_store=True,
            )
        except RuntimeError as exc:
            raise BenchError(f"the bot did not start: {exc}") from None
        processes += bot.processes
        try:
            web = start_web(
                free_port(),
                {**env, "RASA_URL": bot.url, "RASA_TOKEN": bot.token,
                 "RASA_PORT": str(urlsplit(bot.url).port)},
                work / "web.log",
            )  # fmt: skip
        except RuntimeError as exc:
            raise BenchError(f"the web process did not start: {exc}") from None
        processes.append(web.process)
        web_url = web.url
        progress(
            f"servers up in {time.perf_counter() - started:.0f} s: rasa {bot.url}, "
            f"actions {bot.actions_url}, web {web_url}"
        )
        relay = _play(bot, web_url, names, password, figures, progress)
        return figures.summary(relay)
    finally:
        # The servers run in sessions of their own: only this stops them. Not a second Ctrl-C.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            stop_all(processes, grace=20)
            shutil.rmtree(work, ignore_errors=True)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)


def format_table(r: dict) -> str:
    def ms(*keys: str) -> str:
        return " / ".join("-" if r[k] is None else f"{r[k]:.0f}" for k in keys) + " ms"

    rows = [
        ("conversations", f"{r['conversations']} ({r['closed']} closed)"),
        ("operators", r["operators"]),
        ("customer transport", r["transport"]),
        ("replies sent", f"{r['replies_sent']} ({r['replies_per_conversation']} per conversation)"),
        ("replies delivered", r["replies_delivered"]),
        (f"lost (not within {LOST_SECONDS:g} s)", r["lost"]),
        ("delivered to another customer", r["misdelivered"]),
        ("claim 200 p50 / p95", f"{ms('claim_p50_ms', 'claim_p95_ms')} ({r['claims']} claims)"),
        ("claim 409", f"{r['conflicts_409']} ({ms('conflict_p50_ms', 'conflict_p95_ms')})"),
        ("reply POST p50 / p95", ms("reply_post_p50_ms", "reply_post_p95_ms")),
        ("relay p50 / p95 / max", ms("relay_p50_ms", "relay_p95_ms", "relay_max_ms")),
        (
            f"target relay p95 ≤ {TARGET_RELAY_P95_MS} ms",
            "met" if r["target_met"] else "NOT met",
        ),
        ("wall time (operators at work)", f"{r['wall_s']} s"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{value}" for name, value in rows)


def main(model: Path, conversations: int, operators_: int, replies: int) -> int:
    if not Path(model).is_file():
        print(f"error: no model at {model}; run `make train` first", file=sys.stderr)
        return 1

    def _terminate(signum, frame) -> None:
        raise KeyboardInterrupt  # the same clean-up as Ctrl-C

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        r = benchmark(model, conversations, operators_, replies, lambda s: print(s, flush=True))
    except (BenchError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print()
    print(format_table(r))
    for error in r["errors"]:
        print(f"error: {error}", file=sys.stderr)
    relay_p95 = "-" if r["relay_p95_ms"] is None else f"{r['relay_p95_ms']:.0f}"
    claim_p95 = "-" if r["claim_p95_ms"] is None else f"{r['claim_p95_ms']:.0f}"
    print(
        f"\nsummary: relay p95 {relay_p95} ms (target ≤ {TARGET_RELAY_P95_MS} ms "
        f"{'met' if r['target_met'] else 'not met'}), claim p95 {claim_p95} ms, "
        f"{r['replies_delivered']}/{r['replies_sent']} delivered, {r['lost']} lost, "
        f"{r['conflicts_409']} conflicts (409)"
    )
    failed = r["lost"] or r["misdelivered"] or r["errors"] or r["closed"] < r["conversations"]
    return 1 if failed else 0
