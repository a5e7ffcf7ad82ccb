"""For `scic serve --demo`: one account per role on the demo cooperative, printed with
its e-mail and password, the same ones at every start (the passwords printed are kept
beside the demo tokens, in the user data directory, readable by its owner only)."""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from datetime import datetime

import sqlalchemy as sa

from scic.access.tokens import ADMIN, FUNDER, MEMBER, ROLES, Speaker
from scic.accounts import passwords, users
from scic.accounts.tables import user_roles
from scic.projections.tables import funders, members, parties

DOMAIN = "demo.scic.example"
NAMES = {
    ADMIN: "Administration du registre",
    "manager": "Claire Gestion",
    "accountant": "Paul Comptable",
}


def demo_accounts(
    conn: sa.Connection, now: datetime, coop_id: str, kept: MutableMapping[str, str]
) -> str:
    """One account per role (the member's speaks for the first member admitted, the
    funder's for a funder), as text to print. `kept` maps `account:<role>` to the
    password printed last time: still right, it is printed again; else a new one is set."""
    member = conn.execute(
        sa.select(members.c.member_id, parties.c.name)
        .join(parties, parties.c.party_id == members.c.party_id)
        .where(members.c.coop_id == coop_id)
        .order_by(members.c.admitted_on, members.c.member_id)
        .limit(1)
    ).first()
    funder = conn.execute(
        sa.select(funders.c.funder_id, parties.c.name)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(funders.c.coop_id == coop_id)
        .order_by(funders.c.funder_id)
        .limit(1)
    ).first()
    lines = ["Demo accounts (sign in at /sign-in with the e-mail and the password):"]
    for role in ROLES:
        speaker, name = Speaker(), NAMES.get(role, "")
        if role == MEMBER:
            if member is None:
                continue
            speaker, name = Speaker(member_id=member.member_id), str(member.name)
        if role == FUNDER:
            if funder is None:
                continue
            speaker, name = Speaker(funder_id=funder.funder_id), str(funder.name)
        email = f"{role}@{DOMAIN}"
        password = _account(conn, now, email, name, role, coop_id, speaker, kept)
        lines.append(f"  {role:<11} {email:<28} {password}")
    return "\n".join(lines)


def _account(
    conn: sa.Connection,
    now: datetime,
    email: str,
    name: str,
    role: str,
    coop_id: str,
    speaker: Speaker,
    kept: MutableMapping[str, str],
) -> str:
    key = f"account:{role}"
    password = kept.get(key)
    row = users.find(conn, email)
    if row is None:
        password = secrets.token_urlsafe(12)
        user_id = users.create(
            conn,
            email=email,
            name=name,
            password=password,
            now=now,
            by="demo",
            is_admin=role == ADMIN,
        )
    else:
        user_id = str(row.user_id)
        if password is None or not passwords.verify(row.password_hash, password):
            password = secrets.token_urlsafe(12)
            users.set_password(conn, user_id, password)
    if role != ADMIN:
        r = user_roles.c
        live = conn.execute(
            sa.select(r.role).where(
                r.user_id == user_id, r.coop_id == coop_id, r.revoked_at.is_(None)
            )
        ).first()
        if live is None or live.role != role:
            users.grant(
                conn, user_id, coop_id=coop_id, role=role, speaker=speaker, now=now, by="demo"
            )
    kept[key] = password
    return password
