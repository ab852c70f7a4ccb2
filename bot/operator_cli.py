"""`python -m bot operators add|passwd|list|remove`: operator accounts for the console.

The password is read from standard input, one line (with a prompt and no echo on a
terminal), so that it never appears on the command line or in the shell's history:

    echo 's3cret-Passw0rd' | python -m bot operators add sato --display-name 佐藤
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.store_cli import database_errors


def register(commands) -> None:
    ops = commands.add_parser("operators", help="operator accounts for the console (/console/)")
    actions = ops.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="create an operator account (password from standard input, one line)",
        description="Create an operator account. The password (at least 8 characters) is "
        "read from standard input as one line; on a terminal it is asked for twice.",
    )
    add.add_argument("name", help="login name (letters, digits, . _ -)")
    add.add_argument("--display-name", default="", help="name shown to customers, e.g. 佐藤")
    add.set_defaults(handler=_add)
    passwd = actions.add_parser(
        "passwd",
        help="set a new password (from standard input) and end the operator's sessions",
        description="Set a new password, read like `add` does, and log the operator out "
        "everywhere.",
    )
    passwd.add_argument("name")
    passwd.set_defaults(handler=_passwd)
    listing = actions.add_parser("list", help="list the operator accounts")
    listing.set_defaults(handler=_list)
    remove = actions.add_parser("remove", help="delete an operator account and its sessions")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)


def read_password(stdin=None) -> str | None:
    """One line from standard input; asked twice without echo on a terminal."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("パスワード: ")
        if getpass.getpass("パスワード（確認）: ") != first:
            print("error: パスワードが一致しません", file=sys.stderr)
            return None
        return first
    line = stdin.readline()
    if not line:
        print("error: パスワードを標準入力から1行で渡してください", file=sys.stderr)
        return None
    return line.rstrip("\r\n")


def _with_password(change) -> int:
    """Read the password, then ``change(session, password)``; a refused name or password
    becomes one line on stderr and exit status 1."""
    from bot import db, operators

    password = read_password()
    if password is None:
        return 2
    try:
        with db.session_scope() as session:
            message = change(session, password)
    except operators.OperatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


@database_errors
def _add(args: argparse.Namespace) -> int:
    from bot import operators
    from bot.settings import load_settings, now

    def add(session, password: str) -> str:
        operator = operators.add_operator(
            session, args.name, password, now=now(load_settings()), display_name=args.display_name
        )
        return f"オペレーター {operator.username}（表示名 {operator.display_name}）を登録しました。"

    return _with_password(add)


@database_errors
def _passwd(args: argparse.Namespace) -> int:
    from bot import operators

    def change(session, password: str) -> str:
        operators.set_password(session, args.name, password)
        return (
            f"オペレーター {args.name} のパスワードを変更し、ログイン中のセッションを終了しました。"
        )

    return _with_password(change)


@database_errors
def _list(args: argparse.Namespace) -> int:
    from bot import db, operators

    with db.session_scope() as session:
        accounts = operators.list_operators(session)
    for operator in accounts:
        print(f"{operator.username}\t{operator.display_name}")
    print(f"{len(accounts)} 人")
    return 0


@database_errors
def _remove(args: argparse.Namespace) -> int:
    from bot import db, operators

    with db.session_scope() as session:
        removed = operators.remove_operator(session, args.name)
    if not removed:
        print(f"error: オペレーター {args.name} は登録されていません", file=sys.stderr)
        return 1
    print(f"オペレーター {args.name} を削除しました。")
    return 0
