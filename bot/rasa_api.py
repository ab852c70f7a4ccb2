"""The web process's client for the Rasa server's HTTP API (behind its ``--auth-token``).

An operator's reply is appended to the conversation as a ``bot`` event marked with the
operator's name, with ``execute_side_effects`` so that the Rasa server also sends it
through the channel the customer last wrote on (``output_channel=latest``): on Socket.IO
it arrives in the open chat as ``bot_uttered``. The event is in the tracker store, so it
is part of the transcript.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import requests


class RasaUnavailableError(Exception):
    """The Rasa server did not take the message (down, wrong token, error)."""


class RasaClient:
    def __init__(self, url: str, token: str, *, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # the Rasa server is ours; never through a proxy

    def say(self, conversation_id: str, text: str, **metadata: object) -> None:
        """Send ``text`` to the customer's chat as a bot message with ``metadata``."""
        event = {"event": "bot", "text": text, "metadata": metadata, "timestamp": time.time()}
        try:
            response = self.http.post(
                f"{self.url}/conversations/{quote(conversation_id, safe='')}/tracker/events",
                params={
                    "token": self.token,
                    "execute_side_effects": "true",
                    "output_channel": "latest",
                    "include_events": "NONE",
                },
                json=[event],
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RasaUnavailableError(
                f"Rasa server at {self.url}: {exc.__class__.__name__}"
            ) from exc
        if response.status_code != 200:
            raise RasaUnavailableError(f"Rasa server at {self.url} answered {response.status_code}")
