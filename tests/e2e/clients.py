"""The two ends of the operator relay, as the real clients speak: a rasa-webchat-like
Socket.IO customer and an operator using the console's login form and JSON API."""

from __future__ import annotations

import re
import threading
import time
import uuid

import requests
import socketio

PASSWORD = "Relay-s3cret-Passw0rd"  # noqa: S105 (a test value)


class Customer:
    """rasa-webchat's side of the socket: session_request, user_uttered, bot_uttered."""

    def __init__(self, rasa_url: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.cond = threading.Condition()
        self.received: list[tuple[float, str]] = []
        self.session_id = uuid.uuid4().hex
        self.sio.on("bot_uttered", self._on_bot)
        self.sio.connect(rasa_url, socketio_path="socket.io", transports=["polling"])
        self.sio.emit("session_request", {"session_id": self.session_id})
        time.sleep(0.3)

    def _on_bot(self, data) -> None:
        with self.cond:
            self.received.append((time.monotonic(), (data or {}).get("text") or ""))
            self.cond.notify_all()

    def say(self, text: str) -> int:
        mark = len(self.received)
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return mark

    def wait_for(self, predicate, since: int, seconds: float):
        deadline = time.monotonic() + seconds
        with self.cond:
            while True:
                for at, text in self.received[since:]:
                    if predicate(text):
                        return at, text
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def texts(self, since: int = 0) -> list[str]:
        with self.cond:
            return [text for _, text in self.received[since:]]

    def close(self) -> None:
        self.sio.disconnect()


class Operator:
    def __init__(self, web_url: str, name: str) -> None:
        self.web = web_url
        self.http = requests.Session()
        self.http.trust_env = False
        form = self.http.get(f"{web_url}/console/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        self.http.post(
            f"{web_url}/console/login",
            data={"username": name, "password": PASSWORD, "csrf_token": token},
            timeout=10,
        )
        page = self.http.get(f"{web_url}/console/", timeout=10).text
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.http.post(
            f"{self.web}/console/api/handoffs/{path}",
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
            timeout=10,
        )

    def detail(self, handoff_id: int) -> dict:
        return self.http.get(f"{self.web}/console/api/handoffs/{handoff_id}", timeout=10).json()
