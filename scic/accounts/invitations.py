"""Invitations: a manager names a person (e-mail, role, the member or funder it speaks
for) and gets a one-time link, valid 7 days, that lets that person set a password (or,
with an existing account, add the role to it). Only a hash of the link's secret is kept.

`invite` is the one place an invitation is made: it returns the link, to show to the
manager and to send by mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from scic import formats
from scic.access.tokens import Speaker, check_global_admin, party_for
from scic.accounts import links, passwords, users
from scic.accounts.tables import invitations
from scic.errors import NotFound, refuse
from scic.i18n import N_

VALID_FOR = timedelta(days=7)
PATH = "/invitations/"


@dataclass(frozen=True)
class Invitation:
    """What a person was invited to; `token` (in `path`) is shown once, never stored."""

    invitation_id: str
    coop_id: str
    email: str
    name: str
    role: str
    party_id: str | None
    expires_at: datetime
    token: str

    @property
    def path(self) -> str:
        """The link's path: prefix it with the server's address."""
        return PATH + self.token


def invite(
    conn: sa.Connection,
    *,
    coop_id: str,
    email: str,
    name: str,
    role: str,
    speaker: Speaker,
    now: datetime,
    by: str,
) -> Invitation:
    """Record an invitation and return it with its link (checked as a token of that
    role would be: a member or funder invitation names its member or funder)."""
    email = users.check_email(email)
    check_global_admin(role, bound=True, person=True)
    party_id = party_for(conn, role, coop_id, speaker)
    invitation_id, secret_hash, token = links.make("inv")
    expires_at = now + VALID_FOR
    conn.execute(
        invitations.insert().values(
            invitation_id=invitation_id,
            secret_hash=secret_hash,
            coop_id=coop_id,
            email=email,
            name=name.strip() or email,
            role=role,
            party_id=party_id,
            created_at=now,
            created_by=by,
            expires_at=expires_at,
        )
    )
    return Invitation(
        invitation_id, coop_id, email, name.strip() or email, role, party_id, expires_at, token
    )


def find(conn: sa.Connection, token: str, now: datetime) -> Any:
    """The row of a usable invitation, or a refusal saying why it is not: unknown (or a
    wrong secret), withdrawn, already used, expired."""
    row = links.row(conn, invitations.c.invitation_id, "invitation", "inv", token)
    if row.withdrawn_at is not None:
        raise refuse(
            "invitation-withdrawn",
            "this invitation was withdrawn by the cooperative",
            N_("Cette invitation a été retirée par la coopérative."),
        )
    if row.used_at is not None:
        raise refuse(
            "invitation-used",
            f"this invitation was already used, at {row.used_at}",
            N_("Cette invitation a déjà servi, le %(when)s : elle ne s'utilise qu'une fois."),
            when=formats.instant(row.used_at),
        )
    if row.expires_at <= now:
        raise refuse(
            "invitation-expired",
            f"this invitation expired at {row.expires_at}",
            N_(
                "Cette invitation a expiré le %(when)s. Demandez-en une nouvelle à la "
                "personne qui gère la coopérative."
            ),
            when=formats.instant(row.expires_at),
        )
    return row


def accept(
    conn: sa.Connection,
    token: str,
    *,
    now: datetime,
    name: str = "",
    password: str,
    confirmation: str | None = None,
) -> str:
    """Use an invitation: a new account with this password (`confirmation` must match),
    or — when the address already has an account — that account, whose current password
    `password` must be. Gives the role; returns the account's id."""
    row = find(conn, token, now)
    existing = users.find(conn, row.email)
    if existing is not None:
        users.check_open(
            existing.revoked_at is not None,
            f"the account of {row.email}",
            N_("Le compte de cette adresse a été fermé."),
        )
        if existing.password_hash is None:
            _check_new(password, confirmation)
            users.set_password(conn, existing.user_id, password)
        elif not passwords.verify(existing.password_hash, password):
            raise refuse(
                "invalid-credentials",
                "this is not the password of the account",
                N_("Ce n'est pas le mot de passe de votre compte."),
            )
        user_id = str(existing.user_id)
    else:
        _check_new(password, confirmation)
        user_id = users.create(
            conn,
            email=row.email,
            name=name or row.name,
            password=password,
            now=now,
            by=f"invitation:{row.invitation_id}",
        )
    users.grant(
        conn,
        user_id,
        coop_id=row.coop_id,
        role=row.role,
        speaker=Speaker(party_id=row.party_id),
        now=now,
        by=str(row.created_by),
    )
    used = conn.execute(
        invitations.update()
        .where(invitations.c.invitation_id == row.invitation_id, invitations.c.used_at.is_(None))
        .values(used_at=now, user_id=user_id)
    )
    if used.rowcount != 1:  # used by a concurrent request meanwhile
        raise refuse(
            "invitation-used",
            "this invitation was already used",
            N_("Cette invitation a déjà servi : elle ne s'utilise qu'une fois."),
        )
    return user_id


def _check_new(password: str, confirmation: str | None) -> None:
    passwords.check_policy(password)
    if confirmation is not None:
        users.check_confirmation(password, confirmation)


def withdraw(conn: sa.Connection, coop_id: str, invitation_id: str, now: datetime) -> None:
    i = invitations.c
    done = conn.execute(
        invitations.update()
        .where(
            i.invitation_id == invitation_id,
            i.coop_id == coop_id,
            i.used_at.is_(None),
            i.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
    if done.rowcount != 1:
        raise NotFound("invitation", invitation_id)


def pending(conn: sa.Connection, coop_id: str, now: datetime) -> list[dict[str, Any]]:
    """The cooperative's invitations not used, withdrawn or expired, newest first."""
    i = invitations.c
    rows = conn.execute(
        sa.select(i.invitation_id, i.email, i.name, i.role, i.party_id, i.created_at, i.expires_at)
        .where(
            i.coop_id == coop_id,
            i.used_at.is_(None),
            i.withdrawn_at.is_(None),
            i.expires_at > now,
        )
        .order_by(i.created_at.desc())
    )
    return [dict(r._mapping) for r in rows]
