"""`python -m bot web`: serve the web app with Werkzeug's threaded server until Ctrl-C/SIGTERM."""

from __future__ import annotations

import signal
import threading

from werkzeug.serving import make_server

from bot.settings import Settings


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    db_url: str | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit code."""
    from bot.web import create_app

    app = create_app(settings, db_url)
    server = make_server(host, port, app, threaded=True)

    def _stop(signum, frame) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    shown = "127.0.0.1" if host == "0.0.0.0" else host  # noqa: S104 (comparison, not a bind)
    print(f"web: shop page http://{shown}:{server.port}/ , API http://{shown}:{server.port}/api/")
    if not app.config["SHOP_API_TOKEN"]:
        print("web: POST /api/orders is disabled until SHOP_API_TOKEN is set")
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("web: stopped", flush=True)
    return 0
