"""`python -m bot bench nlu`: full training time and parse latency, as figures."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.nlu.evaluation import Parser, load_examples, quiet_rasa


def benchmark_training_and_parsing(root: Path, heldout: Path, rounds: int) -> int:
    """Time `rasa train` (NLU + dialogue) and the parse latency of the model it makes."""
    quiet_rasa()
    rasa = str(Path(sys.executable).with_name("rasa"))
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as out:
        print("timing a full `rasa train` (NLU and dialogue, from scratch) ...", flush=True)
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - our own venv's rasa, fixed arguments
            [rasa, "train", "--out", out, "--fixed-model-name", "bench", "--force"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        train_seconds = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
            print(f"error: rasa train failed (exit {result.returncode})", file=sys.stderr)
            return 1
        print(f"rasa train: {train_seconds:.0f} s", flush=True)

        texts = [ex.text for ex in load_examples(heldout)]
        parser = Parser(str(Path(out) / "bench.tar.gz"))
        for text in texts[:20]:  # warm-up
            parser.parse(text)
        latencies = []
        for round_no in range(1, rounds + 1):
            for text in texts:
                began = time.perf_counter()
                parser.parse(text)
                latencies.append((time.perf_counter() - began) * 1000)
            print(f"  parse round {round_no}/{rounds} done", flush=True)
        parser.close()

    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(
        f"summary: rasa train {train_seconds:.0f} s; parse over {len(latencies)} messages: "
        f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"{1000 * len(ordered) / sum(ordered):.0f} parses/s"
    )
    return 0
