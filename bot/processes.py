"""Start the action server and the Rasa server on free loopback ports, and stop them again.

Used by the end-to-end tests and the conversation benchmark, which need the real servers
with their own database and settings, not the ones `make run` uses.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_all(processes, grace: float = 10) -> None:
    """SIGTERM each process group, SIGKILL what is still there after ``grace`` seconds."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.time() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass
class RunningBot:
    """A Rasa server and an action server started by ``start_bot``."""

    url: str  # the Rasa server's base URL
    actions_url: str
    token: str = ""  # the Rasa HTTP API's --auth-token
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for log in self.logs:
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            out.append(f"--- {log.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(out)

    def stop(self) -> None:
        stop_all(self.processes, grace=20)


def _wait_until_up(url: str, process: subprocess.Popen, bot: RunningBot, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"a server exited with {process.returncode}\n{bot.log_tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s\n{bot.log_tail()}")


def project_endpoints() -> dict:
    """The project's endpoints.yml."""
    return yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}


def rasa_server_args(token: str, origin: str) -> list[str]:
    """What closes the Rasa server's HTTP API: the token, and CORS for the web origin only."""
    # one argument: a token that starts with "-" (token_urlsafe makes one in 64) would
    # otherwise be read as an option, and the server would not start
    return ["--enable-api", f"--auth-token={token}", f"--cors={origin}"]


def start_bot(
    model: Path | str,
    workdir: Path,
    env: dict[str, str] | None = None,
    *,
    rasa_args: tuple[str, ...] = (),
    actions: str = "actions",
    timeout: float = 240,
    origin: str = "http://localhost:8000",
    tracker_store: bool = False,
    endpoints: dict | None = None,
) -> RunningBot:
    """Start both servers (logs in ``workdir``) and wait until the model is loaded.

    The Rasa server's API needs a fresh random token (``RunningBot.token``); CORS allows
    ``origin`` only. Conversations are kept in memory unless ``tracker_store``: then in
    the project's SQL tracker store on the DATABASE_URL of ``env``, as in a shop.
    ``endpoints`` adds entries to the endpoints file (a Redis ``lock_store``, say).
    """
    rasa = str(Path(sys.executable).with_name("rasa"))
    actions_port, rasa_port = free_port(), free_port()
    token = secrets.token_urlsafe(24)
    endpoints_file = workdir / "endpoints.yml"
    config: dict = {"action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"}}
    if tracker_store:
        config["tracker_store"] = project_endpoints()["tracker_store"]
    config.update(endpoints or {})
    endpoints_file.write_text(yaml.safe_dump(config))
    full_env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_HOST": "127.0.0.1",
        "RASA_TOKEN": token,
        # an open Socket.IO long-poll would hold a stop for Sanic's 15 s otherwise
        "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "2",
        **(env or {}),
    }
    commands = {
        "actions.log": [rasa, "run", "actions", "--actions", actions, "--port", str(actions_port)],
        "rasa.log": [rasa, "run", *rasa_server_args(token, origin), "-m", str(model),
                     "--port", str(rasa_port), "-i", "127.0.0.1",
                     "--endpoints", str(endpoints_file), *rasa_args],
    }  # fmt: skip
    bot = RunningBot(
        f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", token=token
    )
    try:
        for name, argv in commands.items():
            log = workdir / name
            bot.logs.append(log)
            with log.open("wb") as handle:
                bot.processes.append(
                    subprocess.Popen(  # noqa: S603 - our own venv's rasa, fixed arguments
                        argv,
                        cwd=ROOT,
                        env=full_env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        _wait_until_up(f"{bot.actions_url}/health", bot.processes[0], bot, timeout)
        _wait_until_up(f"{bot.url}/status?token={token}", bot.processes[1], bot, timeout)
    except BaseException:
        bot.stop()
        raise
    return bot


@dataclass
class WebProcess:
    """`python -m bot web` on a port of 127.0.0.1."""

    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        stop_all([self.process])


def start_web(port: int, env: dict[str, str], log: Path, timeout: float = 60) -> WebProcess:
    """Start the web process on ``port`` with ``env`` added and wait until it answers."""
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "bot", "web", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stop_all signals the process group
        )
    web = WebProcess(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{web.url}/api/health", timeout=1).ok:
                return web
        except requests.RequestException:
            pass
        time.sleep(0.2)
    web.stop()
    raise RuntimeError(f"web did not answer in {timeout:.0f} s:\n{log.read_text()}")
