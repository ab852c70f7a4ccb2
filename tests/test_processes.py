"""The Rasa server's command line as bot.processes builds it, read by Rasa's own parser."""

from __future__ import annotations

import argparse

import pytest
from rasa.cli.arguments.run import add_server_arguments

from bot.processes import rasa_server_args


@pytest.mark.parametrize("token", ["plain-token", "-starts-with-a-dash", "--looks-like-an-option"])
def test_any_token_reaches_rasa_as_the_token(token):
    # secrets.token_urlsafe starts one token in 64 with "-": the server must still start
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    args = parser.parse_args(rasa_server_args(token, "http://127.0.0.1:8000"))
    assert (args.auth_token, args.cors, args.enable_api) == (
        token,
        ["http://127.0.0.1:8000"],
        True,
    )
