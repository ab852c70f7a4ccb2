"""`python -m bot`: help everywhere, clear errors instead of tracebacks."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _bot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize("command", [[], ["run"], ["eval"], ["eval", "nlu"], ["bench", "nlu"]])
def test_every_command_has_help(command):
    result = _bot(*command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_a_missing_file_is_a_clear_error():
    result = _bot("eval", "nlu", "--heldout", "no-such-file.yml")
    assert result.returncode == 2
    assert "ファイルが見つかりません" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_training_data_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: [broken\n')
    result = _bot("eval", "nlu", "--heldout", str(bad), "--no-stock", "--folds", "0")
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_one_fold_is_refused():
    result = _bot("eval", "nlu", "--folds", "1")
    assert result.returncode == 2 and "--folds" in result.stderr
