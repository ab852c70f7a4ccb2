"""Operator accounts and their console sessions.

Passwords are stored only as Werkzeug's scrypt hashes. A console session is a random
token in the operator's cookie; the database keeps only its SHA-256, with the session's
own CSRF token and when it expires, so sessions survive a restart of the web process and
logging out ends them for good. Failed logins are counted per user name: past
:data:`MAX_LOGIN_FAILURES` within :data:`LOGIN_WINDOW` the account refuses logins for a
while, even with the right password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, ForeignKey, Index, Integer, String, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.db import Base, UTCDateTime

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SESSION_LIFETIME = dt.timedelta(hours=12)
MAX_LOGIN_FAILURES = 10
LOGIN_WINDOW = dt.timedelta(minutes=15)
# Checked against when the user name is unknown, so that a wrong name costs as long as a
# wrong password and timing tells nothing.
_DUMMY_HASH = generate_password_hash("not-a-password")


class OperatorRecord(Base):
    __tablename__ = "operators"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class OperatorSession(Base):
    __tablename__ = "operator_sessions"

    token_hash = Column(String(64), primary_key=True)
    operator_id = Column(
        Integer, ForeignKey("operators.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class LoginFailure(Base):
    __tablename__ = "operator_login_failures"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)
    client = Column(String(64))
    failed_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        Index("ix_operator_login_failures_username_failed_at", "username", "failed_at"),
    )


OPERATORS = OperatorRecord.__table__
SESSIONS = OperatorSession.__table__
FAILURES = LoginFailure.__table__


class OperatorError(ValueError):
    """A bad user name or password, or a duplicate account; the message says which."""


class TooManyFailuresError(Exception):
    """The account had too many failed logins recently."""


@dataclass(frozen=True)
class Operator:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class ConsoleSession:
    """A logged-in operator, with the CSRF token every POST of the session must carry."""

    operator: Operator
    csrf_token: str
    expires_at: dt.datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise OperatorError(
            "ユーザー名は英数字で始まる64文字以内の英数字・「.」「_」「-」にしてください"
        )
    return username


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise OperatorError(f"パスワードは{MIN_PASSWORD}文字以上にしてください")
    return password


def _operator(row) -> Operator:
    return Operator(row.id, row.username, row.display_name)


def add_operator(
    session: Session, username: str, password: str, *, now: dt.datetime, display_name: str = ""
) -> Operator:
    """Create an account; OperatorError for a bad name or password or a taken name."""
    check_username(username)
    check_password(password)
    try:
        with session.begin_nested():
            session.execute(
                OPERATORS.insert().values(
                    username=username,
                    display_name=(display_name or username).strip()[:100] or username,
                    password_hash=generate_password_hash(password),
                    created_at=now,
                )
            )
    except IntegrityError:
        raise OperatorError(f"オペレーター {username} はすでに登録されています") from None
    return find_operator(session, username)


def set_password(session: Session, username: str, password: str) -> None:
    """Change an operator's password and end all their sessions."""
    check_password(password)
    operator = find_operator(session, username)
    if operator is None:
        raise OperatorError(f"オペレーター {username} は登録されていません")
    session.execute(
        OPERATORS.update()
        .where(OPERATORS.c.id == operator.id)
        .values(password_hash=generate_password_hash(password))
    )
    session.execute(delete(SESSIONS).where(SESSIONS.c.operator_id == operator.id))


def remove_operator(session: Session, username: str) -> bool:
    """Delete an account (and its sessions); False when there was none."""
    operator = find_operator(session, username)
    if operator is None:
        return False
    session.execute(delete(SESSIONS).where(SESSIONS.c.operator_id == operator.id))
    session.execute(delete(OPERATORS).where(OPERATORS.c.id == operator.id))
    return True


def find_operator(session: Session, username: str) -> Operator | None:
    row = session.execute(select(OPERATORS).where(OPERATORS.c.username == username)).first()
    return _operator(row) if row else None


def list_operators(session: Session) -> list[Operator]:
    return [_operator(r) for r in session.execute(select(OPERATORS).order_by(OPERATORS.c.username))]


def authenticate(
    session: Session, username: str, password: str, *, now: dt.datetime, client: str | None
) -> Operator | None:
    """The operator when the password is right; None when not; TooManyFailuresError when locked."""
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    username = username.strip()[:64]
    recent = session.execute(
        select(func.count())
        .select_from(FAILURES)
        .where(FAILURES.c.username == username)
        .where(FAILURES.c.failed_at > now - LOGIN_WINDOW)
    ).scalar_one()
    if recent >= MAX_LOGIN_FAILURES:
        raise TooManyFailuresError(username)
    row = session.execute(select(OPERATORS).where(OPERATORS.c.username == username)).first()
    hashed = row.password_hash if row else _DUMMY_HASH
    if check_password_hash(hashed, password[:MAX_PASSWORD]) and row is not None:
        return _operator(row)
    session.execute(
        FAILURES.insert().values(username=username, client=(client or "")[:64], failed_at=now)
    )
    return None


def open_session(
    session: Session, operator: Operator, *, now: dt.datetime
) -> tuple[str, ConsoleSession]:
    """A new console session: the cookie's token and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    session.execute(
        SESSIONS.insert().values(
            token_hash=_token_hash(token),
            operator_id=operator.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    return token, ConsoleSession(operator, csrf, expires)


def session_for(session: Session, token: str | None, *, now: dt.datetime) -> ConsoleSession | None:
    """The live session whose cookie carries ``token``, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(SESSIONS, OPERATORS.c.username, OPERATORS.c.display_name)
        .join(OPERATORS, OPERATORS.c.id == SESSIONS.c.operator_id)
        .where(SESSIONS.c.token_hash == _token_hash(token))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return ConsoleSession(
        Operator(row.operator_id, row.username, row.display_name), row.csrf_token, row.expires_at
    )


def close_session(session: Session, token: str | None, *, now: dt.datetime) -> None:
    """End the session (logout), and forget expired ones while at it."""
    if token:
        session.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == _token_hash(token)))
    session.execute(delete(SESSIONS).where(SESSIONS.c.expires_at <= now))
