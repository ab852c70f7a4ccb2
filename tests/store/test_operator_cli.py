"""`python -m bot operators ...` as an administrator runs it: the password on standard input."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def operators_cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "operators", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        timeout=120,
    )


def test_add_passwd_list_remove(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    added = operators_cli(url, "add", "sato", "--display-name", "佐藤", stdin="s3cret-Passw0rd\n")
    assert added.returncode == 0 and "佐藤" in added.stdout
    again = operators_cli(url, "add", "sato", stdin="s3cret-Passw0rd\n")
    assert again.returncode == 1 and "すでに登録" in again.stderr
    short = operators_cli(url, "passwd", "sato", stdin="short\n")
    assert short.returncode == 1 and "8文字以上" in short.stderr
    assert operators_cli(url, "passwd", "sato", stdin="n3w-Passw0rd\n").returncode == 0
    none = operators_cli(url, "add", "bob")
    assert none.returncode == 2 and "標準入力" in none.stderr
    listing = operators_cli(url, "list")
    assert "sato\t佐藤" in listing.stdout and "1 人" in listing.stdout
    assert operators_cli(url, "remove", "sato").returncode == 0
    assert operators_cli(url, "remove", "sato").returncode == 1
