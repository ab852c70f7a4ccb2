"""Shared fixtures: the project root and one model trained by `rasa train` per test run."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).with_name("rasa"))


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """A model trained from this checkout's config, domain and data, as a maintainer would.

    Set SHOP_TEST_MODEL to an existing model file to skip training while iterating.
    """
    reuse = os.environ.get("SHOP_TEST_MODEL")
    if reuse:
        return Path(reuse)
    out = tmp_path_factory.mktemp("model")
    started = time.perf_counter()
    result = subprocess.run(
        [RASA, "train", "--out", str(out), "--fixed-model-name", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"\nrasa train: {time.perf_counter() - started:.0f} s")
    return out / "test.tar.gz"
