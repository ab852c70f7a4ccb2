"""The Rasa server's customer channels: Rasa's REST and Socket.IO channels, made safe to expose.

Named ``rest`` and ``socketio`` like Rasa's own (same URLs: ``/webhooks/rest/webhook`` and
``/socket.io/``), registered in credentials.yml by their module path. On top of Rasa's:

- a message over :data:`MAX_MESSAGE_CHARS` characters gets a polite answer and never
  reaches the NLU (the patterns and the tokenizer then never see 100,000 characters);
- request bodies over :data:`MAX_BODY_BYTES` are refused by Sanic (Rasa's default is 100 MB);
- the client's address goes into the message's metadata (``client_ip``) for the
  verification limits, taken from the connection, or from ``X-Forwarded-For`` only when
  the connection comes from loopback (the project's nginx); whatever a client sends in
  its metadata under that key is overwritten;
- the operator relay (bot/relay.py): while an operator has the conversation, a message is
  only recorded in the tracker (the console shows it) and the bot answers nothing (REST
  gets ``[]``); while a request for a person waits, it is recorded and answered with a
  notice of where the customer stands. This happens before Rasa's policies see the
  message, and the decision is read from the database, so several Rasa server processes
  can run side by side. Operators' replies come back through Rasa's own HTTP API
  (``POST /conversations/<id>/tracker/events`` with ``execute_side_effects``, behind
  ``--auth-token``), which records them and emits them on the customer's socket.

Like bot/nlu/, this module is a Rasa plug-in; the rest of ``bot`` does not import Rasa.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint
from sqlalchemy.exc import SQLAlchemyError

from bot import db, messages
from bot.relay import Route, Routing, route_message
from bot.settings import load_settings, now

logger = logging.getLogger(__name__)

# A Redis URL: Socket.IO events go through it, so that several Rasa server processes can
# serve one shop (an operator's reply that reaches one is emitted on the socket another
# holds). Unset: one process, events stay in it.
MESSAGE_QUEUE_ENV = "SOCKETIO_MESSAGE_QUEUE"
MAX_MESSAGE_CHARS = 2000
SANIC_SHUTDOWN_DEFAULT = 15.0
SHUTDOWN_SECONDS = 5.0  # enough for any answer in flight (the tracking call times out at 2 s)
MAX_BODY_BYTES = 1024 * 1024
CLIENT_KEY = "client_ip"

Handler = Callable[[UserMessage], Awaitable[Any]]


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The customer's address: the peer, or the proxy's X-Forwarded-For when the peer is local.

    Only a loopback peer (our own nginx, which overwrites the header) is trusted to say who
    the client is; the last address in the header is the one that proxy saw.
    """
    try:
        local = peer is not None and ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded_for:
        return forwarded_for.split(",")[-1].strip() or peer
    return peer


def guarded(on_new_message: Handler) -> Handler:
    """``on_new_message`` that answers over-long messages itself instead of parsing them."""

    async def handle(message: UserMessage) -> None:
        if isinstance(message.text, str) and len(message.text) > MAX_MESSAGE_CHARS:
            logger.info(
                "message of %d characters from %s not parsed", len(message.text), message.sender_id
            )
            text = messages.render("message_too_long", limit=f"{MAX_MESSAGE_CHARS:,}")
            await message.output_channel.send_text_message(message.sender_id, text)
            return
        await on_new_message(message)

    return handle


def _routing(conversation_id: str) -> Routing:
    settings = load_settings()
    db.upgrade()
    with db.session_scope() as session:
        return route_message(session, conversation_id, settings, now(settings))


def relayed(on_new_message: Handler, blueprint: Blueprint) -> Handler:
    """``on_new_message`` that lets the bot answer only when no person has the conversation.

    A held message is logged on the tracker (NLU included, so the console can show what
    it was about) without predicting anything; a waiting customer's notice is logged as
    a bot message and sent. If the queue cannot be read, the bot answers as usual.
    """
    apps: list = []

    @blueprint.listener("before_server_start")
    async def remember_app(app, _loop) -> None:
        apps.append(app)

    async def handle(message: UserMessage) -> None:
        try:
            routing = await asyncio.to_thread(_routing, message.sender_id)
        except SQLAlchemyError:
            logger.exception("operator queue unreadable; the bot answers %s", message.sender_id)
            routing = Routing(Route.BOT)
        if routing.route is Route.BOT or not apps:
            await on_new_message(message)
            return
        agent = apps[0].ctx.agent
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.processor.log_message(message, should_save_tracker=False)
            if routing.notice:
                tracker.update(
                    BotUttered(routing.notice, metadata={"handoff": routing.handoff["id"]})
                )
            await agent.processor.save_tracker(tracker)
        if routing.notice:
            await message.output_channel.send_text_message(message.sender_id, routing.notice)

    return handle


def _limit_bodies(blueprint: Blueprint) -> None:
    # Sanic reads REQUEST_MAX_SIZE for every new connection, and GRACEFUL_SHUTDOWN_TIMEOUT
    # when it stops; the app exists only once the blueprint is registered, so set them when
    # the server starts.
    @blueprint.listener("before_server_start")
    async def limit_body_size(app, _loop) -> None:
        app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
        if app.config.GRACEFUL_SHUTDOWN_TIMEOUT == SANIC_SHUTDOWN_DEFAULT:
            # every open Socket.IO long-poll would hold a restart for Sanic's full 15 s
            app.config.GRACEFUL_SHUTDOWN_TIMEOUT = SHUTDOWN_SECONDS


def share_events(sio, url: str) -> None:
    """Route the server's Socket.IO events through the Redis at ``url`` (when given).

    Rasa builds its AsyncServer itself; the client manager is only initialised on the
    first connection, so replacing it here, before the server starts, is safe.
    """
    if not url:
        return
    from socketio import AsyncRedisManager

    manager = AsyncRedisManager(url, channel="shop-socketio")
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    logger.info("Socket.IO events shared through %s", url.split("@")[-1])


class _Deferred:
    """A handler whose target is set once the blueprint it needs exists."""

    target: Handler | None = None

    async def __call__(self, message: UserMessage) -> None:
        await self.target(message)


def _metadata(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    return dict(value) if isinstance(value, dict) else {}


class ShopRestInput(RestInput):
    """Rasa's REST channel with the message and body limits and the client's address."""

    def get_metadata(self, request) -> dict:
        body = request.json if isinstance(request.json, dict) else {}
        metadata = _metadata(body.get("metadata"))
        metadata[CLIENT_KEY] = client_address(request.ip, request.headers.get("x-forwarded-for"))
        return metadata

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        handler = _Deferred()
        blueprint = super().blueprint(guarded(handler))
        handler.target = relayed(on_new_message, blueprint)
        _limit_bodies(blueprint)
        return blueprint


class ShopSocketIOInput(SocketIOInput):
    """Rasa's Socket.IO channel (rasa-webchat) with the same limits and the client's address."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        handler = _Deferred()
        blueprint = super().blueprint(guarded(handler))
        handler.target = relayed(on_new_message, blueprint)
        _limit_bodies(blueprint)
        sio = self.sio
        share_events(sio, os.environ.get(MESSAGE_QUEUE_ENV, ""))
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        rasa_message = sio.handlers[namespace][self.user_message_evt]

        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            request = environ.get("sanic.request")
            if request is not None:
                address = client_address(request.ip, request.headers.get("x-forwarded-for"))
            else:
                address = environ.get("REMOTE_ADDR")
            await sio.save_session(sid, {CLIENT_KEY: address}, namespace=namespace)
            return await rasa_connect(sid, environ, auth)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return  # not something a widget sends
            session = await sio.get_session(sid, namespace=namespace)
            metadata = _metadata(data.get(self.metadata_key))
            metadata[CLIENT_KEY] = session.get(CLIENT_KEY)
            await rasa_message(sid, {**data, self.metadata_key: metadata})

        sio.on("connect", connect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
