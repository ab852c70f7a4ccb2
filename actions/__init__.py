"""Rasa custom actions: thin wrappers that read slots, call ``bot`` and dispatch templates."""

import os

# rasa-sdk binds where SANIC_HOST says, 0.0.0.0 by default. Its endpoint imports this
# package before it reads the variable, so the action server listens on loopback only
# unless a deployment asks otherwise: the Rasa server is its only client.
os.environ.setdefault("SANIC_HOST", "127.0.0.1")
