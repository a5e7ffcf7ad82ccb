"""`scic user create|list|revoke`: people's accounts from the command line (the first
account of a cooperative, or an administrator)."""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from scic.access.tokens import ADMIN, ROLES, Speaker
from scic.accounts import users
from scic.errors import DomainError
from scic.service import Service

ServiceOpener = Callable[[], AbstractContextManager[Service]]


def add_parsers(commands: argparse._SubParsersAction, open_service: ServiceOpener) -> None:  # type: ignore[type-arg]
    user = commands.add_parser("user", help="people's accounts: create, list, revoke")
    user_commands = user.add_subparsers(title="user commands", required=True)
    create = user_commands.add_parser(
        "create",
        help="an account (an administrator without --coop); or add a role to an existing one",
    )
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="", help="the person's name (default: the e-mail)")
    create.add_argument("--coop", help="the cooperative it works in (none: administrator)")
    create.add_argument("--role", choices=[r for r in ROLES if r != ADMIN])
    create.add_argument("--member", help="member role: the member (mbr_…) it speaks for")
    create.add_argument("--funder", help="funder role: the funder (fnd_…) it speaks for")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else one is made and printed once)",
    )
    create.set_defaults(run=lambda args: _create(args, open_service))
    listing = user_commands.add_parser("list", help="accounts and their roles")
    listing.add_argument("--coop")
    listing.set_defaults(run=lambda args: _list(args, open_service))
    revoke = user_commands.add_parser("revoke", help="close an account (usr_…): at once")
    revoke.add_argument("user_id")
    revoke.set_defaults(run=lambda args: _revoke(args, open_service))


def _create(args: argparse.Namespace, open_service: ServiceOpener) -> int:
    if (args.coop is None) != (args.role is None):
        print("scic user create: --coop and --role go together", file=sys.stderr)
        return 2
    made = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = made = secrets.token_urlsafe(15)
    try:
        with open_service() as service, service.engine.begin() as conn:
            now = service.store.clock()
            existing = users.find(conn, args.email)
            if existing is None or args.coop is None:  # users.create refuses a taken address
                user_id = users.create(
                    conn,
                    email=args.email,
                    name=args.name,
                    password=password,
                    now=now,
                    by="cli",
                    is_admin=args.coop is None,
                )
            else:
                user_id, made = str(existing.user_id), None
                if args.password_stdin:
                    users.set_password(conn, user_id, password)
            if args.coop is not None:
                users.grant(
                    conn,
                    user_id,
                    coop_id=args.coop,
                    role=args.role,
                    speaker=Speaker(member_id=args.member, funder_id=args.funder),
                    now=now,
                    by="cli",
                )
    except DomainError as exc:
        print(f"scic user create: {exc.detail}", file=sys.stderr)
        return 2
    what = f"{args.role} of cooperative {args.coop}" if args.coop else "administrator"
    print(f"account {user_id} ({args.email}): {what}")
    if made is not None:
        print("its password, shown this once:")
        print(made)
    return 0


def _list(args: argparse.Namespace, open_service: ServiceOpener) -> int:
    with open_service() as service, service.engine.connect() as conn:
        rows = users.listing(conn, args.coop)
    for r in _lines(rows):
        print(r)
    return 0


def _lines(rows: list[dict[str, object]]) -> Iterator[str]:
    for r in rows:
        if r["revoked_at"] is not None:
            state = "closed"
        elif r["role"] is not None and r["role_revoked_at"] is not None:
            state = "revoked"
        else:
            state = "active" if r["has_password"] else "no password yet"
        if r["is_admin"]:
            role = "admin"
        elif r["role"] is None:
            role = "(no role)"
        else:
            role = f"{r['role']} of {r['coop_id']}"
            if r["party_name"]:
                role += f" for {r['party_name']}"
        yield f"{r['user_id']}  {r['email']:<32}  {r['name']:<24}  {role}  [{state}]"


def _revoke(args: argparse.Namespace, open_service: ServiceOpener) -> int:
    from scic.errors import NotFound

    try:
        with open_service() as service, service.engine.begin() as conn:
            users.revoke(conn, args.user_id, service.store.clock(), "cli")
    except NotFound as exc:
        print(f"scic user revoke: {exc.detail}", file=sys.stderr)
        return 1
    print(f"account {args.user_id} closed: its sessions end at once")
    return 0
