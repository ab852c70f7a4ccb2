"""GET /: the shop demo page with the chat widget, escaped and behind security headers."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot.settings import ROOT as PROJECT_ROOT
from bot.settings import load_settings
from bot.web import create_app, shop
from tests.web.conftest import running

EVIL = '<script>alert("x")</script>&ショップ'


def test_the_page_embeds_the_widget(web):
    answer = requests.get(f"{web}/", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    page = answer.text
    assert '<html lang="ja">' in page and "サンプルショップ" in page
    assert "cdn.jsdelivr.net" not in page and "https://" not in page.split("<footer")[0]
    assert '"socketUrl": "http://127.0.0.1:5005"' in page
    assert '"socketPath": "/socket.io/"' in page
    script = requests.get(f"{web}/static/chat.js", timeout=5)
    assert script.status_code == 200 and "WebChat" in script.text


def test_security_headers(web):
    headers = requests.get(f"{web}/", timeout=5).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "jsdelivr" not in csp
    assert "http://127.0.0.1:5005" in csp and "ws://127.0.0.1:5005" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp


@pytest.fixture
def static_copy(tmp_path, monkeypatch):
    """A copy of the static folder without the vendored widget; the app serves from it."""
    folder = tmp_path / "static"
    shutil.copytree(
        PROJECT_ROOT / "bot" / "web" / "static", folder, ignore=shutil.ignore_patterns("vendor")
    )
    return folder


def _app_with_static(folder, db_url):
    app = create_app(db_url=db_url)
    app.static_folder = str(folder)
    return app


def test_the_vendored_widget_is_served_from_static(static_copy, db_url):
    (static_copy / "vendor").mkdir()
    (static_copy / shop.WEBCHAT_SCRIPT).write_text("window.WebChat = {};", encoding="utf-8")
    with running(_app_with_static(static_copy, db_url)) as url:
        page = requests.get(f"{url}/", timeout=5).text
        script = requests.get(f"{url}/static/{shop.WEBCHAT_SCRIPT}", timeout=5)
    assert f'<script src="/static/{shop.WEBCHAT_SCRIPT}" defer></script>' in page
    assert script.status_code == 200 and script.text == "window.WebChat = {};"


def test_without_the_vendored_widget_the_page_still_renders(static_copy, db_url):
    with running(_app_with_static(static_copy, db_url)) as url:
        answer = requests.get(f"{url}/", timeout=5)
    assert answer.status_code == 200
    assert "vendor/" not in answer.text
    assert "チャットを読み込めませんでした" in answer.text  # chat.js unhides it
    assert 'src="/static/chat.js"' in answer.text


def test_chat_socket_url_same_origin(db_url, monkeypatch):
    monkeypatch.setenv("CHAT_SOCKET_URL", "same-origin")
    monkeypatch.setenv("RASA_PORT", "5999")
    with running(create_app(db_url=db_url)) as url:
        answer = requests.get(f"{url}/", timeout=5)
    assert '"socketUrl": "same-origin"' in answer.text  # chat.js uses location.origin
    assert "5999" not in answer.text
    csp = answer.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp and "5999" not in csp


def test_chat_socket_url_given(db_url, monkeypatch):
    monkeypatch.setenv("CHAT_SOCKET_URL", "https://chat.example.jp/")
    with running(create_app(db_url=db_url)) as url:
        answer = requests.get(f"{url}/", timeout=5)
    assert '"socketUrl": "https://chat.example.jp"' in answer.text
    csp = answer.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://chat.example.jp wss://chat.example.jp;" in csp


@pytest.mark.parametrize(
    "value",
    [
        "chat.example.jp",
        "ftp://chat.example.jp",
        "https://chat.example.jp/socket",
        "https://chat.example.jp?x=1",
        "https://chat.example.jp; script-src *",
        "https://chat.example.jp:99999",
        "https://user@chat.example.jp",
    ],
)
def test_a_bad_chat_socket_url_stops_the_app(db_url, monkeypatch, value):
    monkeypatch.setenv("CHAT_SOCKET_URL", value)
    with pytest.raises(ValueError, match="CHAT_SOCKET_URL"):
        create_app(db_url=db_url)


def test_shop_settings_text_is_escaped(tmp_path, db_url, monkeypatch):
    source = (PROJECT_ROOT / "shop.yml").read_text(encoding="utf-8")
    settings_file = tmp_path / "shop.yml"
    settings_file.write_text(
        source.replace("name: サンプルショップ", f"name: '{EVIL}'", 1), encoding="utf-8"
    )
    settings = load_settings(settings_file)
    assert settings.shop_name == EVIL
    monkeypatch.setenv("RASA_PORT", "5999")
    with running(create_app(settings=settings, db_url=db_url)) as url:
        page = requests.get(f"{url}/", timeout=5).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;ショップ" in page
    assert "\\u003cscript\\u003e" in page  # inside the widget's JSON settings
    assert '"socketUrl": "http://127.0.0.1:5999"' in page


def test_a_hostile_host_header_does_not_reach_the_page(web):
    answer = requests.get(f"{web}/", headers={"Host": 'x"><script>a()</script>'}, timeout=5)
    assert "<script>a()" not in answer.text
    assert "a()" not in answer.headers["Content-Security-Policy"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cli_serves_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SHOP_API_TOKEN": "cli-token",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"web did not start: {process.communicate()[0]}")
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output and "stopped" in output


def test_web_cli_help():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "--port" in result.stdout
