"""bot.operators: accounts with hashed passwords, console sessions, failed-login limits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot import operators

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


def test_an_account_keeps_only_a_standard_hash(session):
    sato = operators.add_operator(session, "sato", "s3cret-Passw0rd", now=NOW, display_name="佐藤")
    assert (sato.username, sato.display_name) == ("sato", "佐藤")
    stored = session.execute(select(operators.OPERATORS.c.password_hash)).scalar_one()
    assert "s3cret" not in stored and stored.startswith("scrypt:")
    assert operators.authenticate(session, "sato", "s3cret-Passw0rd", now=NOW, client=None) == sato
    assert operators.authenticate(session, "sato", "wrong-password", now=NOW, client=None) is None
    assert (
        operators.authenticate(session, "nobody", "s3cret-Passw0rd", now=NOW, client=None) is None
    )


@pytest.mark.parametrize(
    ("username", "password"),
    [("", "long-enough"), ("佐藤", "long-enough"), ("a b", "long-enough"), ("sato", "short")],
)
def test_bad_names_and_short_passwords_are_refused(session, username, password):
    with pytest.raises(operators.OperatorError):
        operators.add_operator(session, username, password, now=NOW)


def test_a_name_is_taken_once(session):
    operators.add_operator(session, "sato", "s3cret-Passw0rd", now=NOW)
    with pytest.raises(operators.OperatorError, match="すでに登録"):
        operators.add_operator(session, "sato", "another-Passw0rd", now=NOW)
    assert [o.username for o in operators.list_operators(session)] == ["sato"]


def test_sessions_expire_and_end_at_logout(session):
    sato = operators.add_operator(session, "sato", "s3cret-Passw0rd", now=NOW)
    token, opened = operators.open_session(session, sato, now=NOW)
    found = operators.session_for(session, token, now=NOW + dt.timedelta(hours=1))
    assert found.operator == sato and found.csrf_token == opened.csrf_token
    assert operators.session_for(session, token + "x", now=NOW) is None
    assert operators.session_for(session, None, now=NOW) is None
    assert operators.session_for(session, token, now=NOW + operators.SESSION_LIFETIME) is None
    operators.close_session(session, token, now=NOW)
    assert operators.session_for(session, token, now=NOW) is None


def test_a_new_password_ends_every_session(session):
    sato = operators.add_operator(session, "sato", "s3cret-Passw0rd", now=NOW)
    token, _ = operators.open_session(session, sato, now=NOW)
    operators.set_password(session, "sato", "n3w-Passw0rd!")
    assert operators.session_for(session, token, now=NOW) is None
    assert operators.authenticate(session, "sato", "n3w-Passw0rd!", now=NOW, client=None) == sato


def test_too_many_failures_lock_the_account_for_a_while(session):
    operators.add_operator(session, "sato", "s3cret-Passw0rd", now=NOW)
    for _ in range(operators.MAX_LOGIN_FAILURES):
        assert (
            operators.authenticate(session, "sato", "guess", now=NOW, client="203.0.113.9") is None
        )
    with pytest.raises(operators.TooManyFailuresError):
        operators.authenticate(session, "sato", "s3cret-Passw0rd", now=NOW, client=None)
    later = NOW + operators.LOGIN_WINDOW + dt.timedelta(seconds=1)
    assert operators.authenticate(session, "sato", "s3cret-Passw0rd", now=later, client=None)
