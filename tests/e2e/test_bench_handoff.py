"""`python -m bot bench handoff` in a small configuration, against the real servers it starts."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def bench(model, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "bench", "handoff", "--model", str(model), *options],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def figure(output: str, name: str) -> str:
    found = re.search(rf"^{re.escape(name)}\s+(.+)$", output, re.MULTILINE)
    assert found, f"no {name!r} line in:\n{output}"
    return found.group(1)


def test_the_bench_reports_figures_and_loses_no_reply(trained_model):
    run = bench(trained_model, "--conversations", "4", "--operators", "2", "--replies", "2")
    output, _ = run.communicate(timeout=600)
    assert run.returncode == 0, output
    assert figure(output, "conversations") == "4 (4 closed)"
    assert figure(output, "operators") == "2"
    assert figure(output, "replies sent").startswith("8 ")
    assert figure(output, "replies delivered") == "8"
    assert figure(output, "lost (not within 5 s)") == "0"
    assert figure(output, "delivered to another customer") == "0"
    assert re.fullmatch(r"\d+ / \d+ ms \(4 claims\)", figure(output, "claim 200 p50 / p95"))
    assert re.fullmatch(r"\d+ \((\d+|-) / (\d+|-) ms\)", figure(output, "claim 409"))
    relay = figure(output, "relay p50 / p95 / max")
    p50, p95, top = map(int, re.fullmatch(r"(\d+) / (\d+) / (\d+) ms", relay).groups())
    assert 0 < p50 <= p95 <= top < 5000
    assert figure(output, "target relay p95 ≤ 300 ms") in ("met", "NOT met")
    assert re.search(r"^summary: relay p95 \d+ ms .* 8/8 delivered, 0 lost", output, re.M)


def test_ctrl_c_stops_every_server_it_started(trained_model):
    run = bench(trained_model, "--conversations", "10", "--replies", "50")
    lines = []
    for line in run.stdout:
        lines.append(line)
        if "at work" in line:
            break
    else:
        pytest.fail("the bench ended before the operators started:\n" + "".join(lines))
    run.send_signal(signal.SIGINT)
    rest, _ = run.communicate(timeout=60)
    output = "".join(lines) + rest
    assert run.returncode == 130, output
    assert "Traceback" not in output
    ports = [int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", "".join(lines))]
    assert len(ports) == 3, output  # rasa, actions, web
    time.sleep(1)
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
