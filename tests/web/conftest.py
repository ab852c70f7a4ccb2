"""The web app served for real by Werkzeug on a free port, against a temporary SQLite file."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from bot.web import create_app
from tests.samples import ORDER

TOKEN = "test-token-0123456789"  # noqa: S105 (a test value)


def make_order(order_id: str, **changes) -> dict:
    order = copy.deepcopy(ORDER)
    order["order_id"] = order_id
    order.update(changes)
    return order


@contextlib.contextmanager
def running(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('web') / 'shop.sqlite3'}"


@pytest.fixture(scope="module")
def web(db_url) -> Iterator[str]:
    """Base URL of the app with SHOP_API_TOKEN set."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOP_API_TOKEN", TOKEN)
        app = create_app(db_url=db_url)
    with running(app) as url:
        yield url
