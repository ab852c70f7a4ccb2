"""`python -m bot run`: start every process the bot needs and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.processes import rasa_server_args, stop_all
from bot.settings import rasa_token

ROOT = Path(__file__).resolve().parent.parent


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit():
        raise SystemExit(f"error: {name} must be a port number, not {value!r}")
    return int(value)


def _endpoints_for(actions_port: int) -> Path:
    """endpoints.yml, or a copy under var/ that points at a non-default action port."""
    source = ROOT / "endpoints.yml"
    if actions_port == 5055:
        return source
    target = ROOT / "var" / "endpoints.yml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(
        source.read_text(encoding="utf-8").replace("localhost:5055", f"localhost:{actions_port}"),
        encoding="utf-8",
    )
    return target


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _prepare_database(python: str) -> None:
    """Create or migrate the schema and load the demo orders into an empty database."""
    for args in (["db", "upgrade"], ["orders", "load-demo"]):
        result = subprocess.run([python, "-m", "bot", *args], cwd=ROOT)  # noqa: S603
        if result.returncode != 0:
            raise SystemExit(f"error: `python -m bot {' '.join(args)}` failed")


def run_servers(model: str = "models") -> int:
    """Run every process of the bot until Ctrl-C or until one of them dies.

    Rasa server, action server, web (demo page + HTTP API) and the local fake tracking API
    (unless TRACKING_API_URL points at a real one).
    """
    # Ctrl-C even when started with SIGINT ignored (as shells do for background jobs),
    # and SIGTERM from a process manager, both stop everything.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    rasa = str(Path(sys.executable).with_name("rasa"))
    actions_port = _port("ACTIONS_PORT", 5055)
    rasa_port = _port("RASA_PORT", 5005)
    web_port = _port("WEB_PORT", 8000)
    fake_port = _port("TRACKING_FAKE_PORT", 5056)
    python = sys.executable
    origin = os.environ.get("SHOP_ORIGIN") or f"http://localhost:{web_port}"
    # every process reads the token the same way (RASA_TOKEN, else var/rasa-token)
    os.environ["RASA_TOKEN"] = rasa_token()
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    # the web process sends operators' replies through the Rasa server's API
    os.environ.setdefault("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    _prepare_database(python)
    commands = {
        "action server": [rasa, "run", "actions", "--actions", "actions",
                          "--port", str(actions_port)],
        "Rasa server": [rasa, "run", *rasa_server_args(os.environ["RASA_TOKEN"], origin),
                        "-m", model, "--port", str(rasa_port),
                        "-i", os.environ.get("RASA_HOST", "127.0.0.1"),
                        "--endpoints", str(_endpoints_for(actions_port))],
        "web server": [python, "-m", "bot", "web", "--port", str(web_port)],
    }  # fmt: skip
    if not os.environ.get("TRACKING_API_URL"):
        os.environ["TRACKING_API_URL"] = f"http://127.0.0.1:{fake_port}"
        commands["fake tracking API"] = [python, "-m", "bot", "tracking", "fake",
                                         "--port", str(fake_port)]  # fmt: skip
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, argv in commands.items():
            print(f"starting the {name}: {' '.join(argv[1:])}", flush=True)
            # our own venv's rasa with fixed arguments
            processes[name] = subprocess.Popen(argv, cwd=ROOT, start_new_session=True)  # noqa: S603
        print(
            f"\nshop page with the chat: http://localhost:{web_port}/"
            f"\noperator console: http://localhost:{web_port}/console/ "
            "(accounts: python -m bot operators add NAME)"
            f"\nREST: POST http://localhost:{rasa_port}/webhooks/rest/webhook "
            '{"sender": "me", "message": "こんにちは"}\nCtrl-C stops everything.\n',
            flush=True,
        )
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"the {name} stopped (exit {process.returncode}); stopping the rest")
                    return process.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stop_all(list(processes.values()))
