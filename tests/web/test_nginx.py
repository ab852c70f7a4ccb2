"""deploy/nginx.conf in front of the real servers: one port, the chat through it, Rasa's API not.

Debian's nginx runs as the project's own instance (prefix in a temporary directory, a free
127.0.0.1 port) in front of the e2e servers and a web process with CHAT_SOCKET_URL=same-origin.
Skips when nginx is not installed, except on CI (env CI set), where .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from bot.processes import free_port, stop_all
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    LOCAL_HOSTS,
    ChatWidget,
    Shop,
    WebProcess,
    browser,
    e2e_env,
    monkeypatch_session,
    page,
    shop,
    start_web,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CONF = ROOT / "deploy" / "nginx.conf"
GREETING = "ショップのサポートチャット"


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack); skip or fail without it."""
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found:
        return found
    message = "nginx is not installed (Debian: apt-get install nginx)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; on CI .ci/run installs it", pytrace=False)
    pytest.skip(message)


def render_conf(listen: str, web_port: int, rasa_port: int) -> str:
    """deploy/nginx.conf with its three marked port lines changed, as the file tells a shop."""
    text = CONF.read_text(encoding="utf-8")
    for old, new in [
        ("listen 8080;", f"listen {listen};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{web_port};"),
        ("server 127.0.0.1:5005;", f"server 127.0.0.1:{rasa_port};"),
    ]:
        assert text.count(old) == 1, f"{CONF.name} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


@dataclass
class Proxy:
    """nginx on 127.0.0.1, in front of ``shop`` and a same-origin web process."""

    url: str
    prefix: Path
    shop: Shop
    web: WebProcess


@pytest.fixture(scope="module")
def proxy(shop, tmp_path_factory) -> Iterator[Proxy]:  # noqa: F811 (the imported fixture)
    nginx = nginx_binary()
    prefix = tmp_path_factory.mktemp("nginx")
    web = start_web(free_port(), shop.web_env(CHAT_SOCKET_URL="same-origin"), prefix / "web.log")
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        render_conf(f"127.0.0.1:{port}", urlsplit(web.url).port, urlsplit(shop.bot.url).port),
        encoding="utf-8",
    )
    log = prefix / "nginx.stderr"
    with log.open("wb") as handle:
        process = subprocess.Popen(  # our Debian nginx, fixed arguments
            [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stop_all signals the process group
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"nginx exited:\n{log.read_text()}"
            try:
                if requests.get(f"{url}/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"nginx did not answer:\n{log.read_text()}"
            time.sleep(0.1)
        yield Proxy(url, prefix, shop, web)
    finally:
        stop_all([process])
        web.stop()


def test_the_shipped_config_is_valid(tmp_path):
    result = subprocess.run(
        [nginx_binary(), "-t", "-p", f"{tmp_path}/", "-c", str(CONF), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/version"),
        ("GET", "/domain"),
        ("GET", "/conversations/x/tracker"),
        ("POST", "/conversations/x/messages"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
        ("DELETE", "/model"),
        ("GET", "/webhooks/rest/"),
        ("GET", "/webhooks/other"),
        ("POST", "/webhooks/rest/webhook/../../model/parse"),
    ],
)
def test_rasa_api_is_not_reachable_through_nginx(proxy, method, path):
    # Even with the right token: these paths are not Rasa's behind nginx.
    answer = requests.request(
        method, f"{proxy.url}{path}", params={"token": proxy.shop.bot.token}, json={}, timeout=10
    )
    assert answer.status_code == 404, (method, path, answer.status_code, answer.text[:200])
    assert "rasa" not in answer.text.lower()
    # ... while the Rasa server itself has them (so the 404 is nginx's doing).
    if (method, path) == ("GET", "/status"):
        direct = requests.get(
            f"{proxy.shop.bot.url}/status", params={"token": proxy.shop.bot.token}, timeout=10
        )
        assert direct.status_code == 200


def test_the_web_process_is_served_through_nginx(proxy):
    shop_page = requests.get(f"{proxy.url}/", timeout=10)
    assert shop_page.status_code == 200 and '"socketUrl": "same-origin"' in shop_page.text
    assert "connect-src 'self';" in shop_page.headers["Content-Security-Policy"]
    script = requests.get(f"{proxy.url}/static/vendor/rasa-webchat-1.0.1.js", timeout=10)
    assert script.status_code == 200 and len(script.content) > 500_000
    assert requests.get(f"{proxy.url}/api/health", timeout=10).ok


def test_rest_chat_through_nginx_with_the_clients_address(proxy):
    sender = f"nginx-{uuid.uuid4().hex[:8]}"
    answer = requests.post(
        f"{proxy.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "こんにちは"},
        headers={"X-Forwarded-For": "203.0.113.9"},  # a client's lie, overwritten by nginx
        timeout=60,
    )
    assert answer.status_code == 200
    assert GREETING in "\n".join(m.get("text", "") for m in answer.json())
    tracker = requests.get(
        f"{proxy.shop.bot.url}/conversations/{sender}/tracker",
        params={"token": proxy.shop.bot.token},
        timeout=10,
    ).json()
    user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert user["metadata"]["client_ip"] == "127.0.0.1"


def test_bodies_over_1_mb_stop_at_nginx(proxy):
    answer = requests.post(
        f"{proxy.url}/webhooks/rest/webhook",
        data=b'{"sender": "x", "message": "' + b"a" * (1024 * 1024 + 1) + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 413


def test_the_order_api_keeps_its_own_10_mb_limit(proxy):
    two_mb = b'{"orders": [], "pad": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    answer = requests.post(
        f"{proxy.url}/api/orders",
        data=two_mb,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code != 413 and "error" in answer.json()  # the web app's answer
    too_big = requests.post(
        f"{proxy.url}/api/orders",
        data=b"a" * (10 * 1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert too_big.status_code == 413


def test_widget_chat_through_nginx(proxy, page):  # noqa: F811 (the imported fixture)
    requested: list[str] = []
    bot_frames: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    def on_websocket(socket) -> None:
        requested.append(socket.url)
        socket.on(
            "framereceived",
            lambda frame: bot_frames.append(frame) if "bot_uttered" in str(frame) else None,
        )

    page.on("websocket", on_websocket)
    page.goto(f"{proxy.url}/")
    chat = ChatWidget(page)
    chat.open()
    chat.wait_for_reply("こんにちは")
    chat.ask("注文した商品はいつ届きますか", "注文番号")
    assert page.outside_requests == []
    # Everything, the Socket.IO WebSocket included, went to nginx's port, nothing to Rasa's.
    # (The "request" event also reports what the CSP blocked, the widget's Google Fonts link.)
    origin = urlsplit(proxy.url).netloc
    local = [url for url in requested if urlsplit(url).hostname in LOCAL_HOSTS]
    assert local and all(urlsplit(url).netloc == origin for url in local), local
    assert any(url.startswith(f"ws://{origin}/socket.io/") for url in requested), requested
    assert bot_frames, "no bot message came over the WebSocket"
