"""Password resets ("mot de passe oublié"): a person gives its e-mail address and gets,
by mail, a one-time link valid one hour that sets a new password. Only a hash of the
link's secret is kept; using the link ends every session of the account and kills its
other links, so a reset also shuts out whoever knew the old password.

Whoever asks gets the same answer whether the address has an account or not (the page
says "if an account exists…"): `request` returns None for an unknown or closed address
and the caller sends nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from scic import formats
from scic.accounts import links, passwords, users
from scic.accounts.tables import password_resets, user_roles
from scic.errors import refuse
from scic.i18n import N_
from scic.mail import outbox

VALID_FOR = timedelta(hours=1)
PATH = "/password-reset/"


@dataclass(frozen=True)
class Reset:
    """A reset just asked for; `token` (in `path`) is shown once, never stored."""

    reset_id: str
    user_id: str
    email: str
    name: str
    expires_at: datetime
    token: str

    @property
    def path(self) -> str:
        """The link's path: prefix it with the server's address."""
        return PATH + self.token


def request(conn: sa.Connection, email: str, now: datetime) -> Reset | None:
    """A new reset link for the live account of `email`; None when the address has no
    live account (the caller says the same either way)."""
    row = users.find(conn, email)
    if row is None or row.revoked_at is not None:
        return None
    reset_id, secret_hash, token = links.make("pwr")
    conn.execute(
        password_resets.insert().values(
            reset_id=reset_id,
            secret_hash=secret_hash,
            user_id=row.user_id,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    return Reset(reset_id, str(row.user_id), str(row.email), str(row.name), now + VALID_FOR, token)


def mail(conn: sa.Connection, reset: Reset, link: str, lang: str, now: datetime) -> None:
    """Queue the link's mail to the account's address, in the caller's transaction. The
    outbox files it under the person's first cooperative (its delivery log), or none
    for an administrator without one."""
    r = user_roles.c
    coop_id = conn.execute(
        sa.select(r.coop_id)
        .where(r.user_id == reset.user_id, r.revoked_at.is_(None))
        .order_by(r.granted_at, r.coop_id)
        .limit(1)
    ).scalar()
    outbox.enqueue(
        conn,
        outbox.queued(
            coop_id=coop_id or "",
            kind="password-reset",
            cause=f"password-reset:{reset.reset_id}",
            now=now,
            recipient="address",
            to_address=reset.email,
            lang=lang,
            params={"link": link, "name": reset.name, "email": reset.email},
            legal=True,  # not a notice one can opt out of: the person asked for it
        ),
    )


def find(conn: sa.Connection, token: str, now: datetime) -> Any:
    """The row of a usable reset link, or a refusal saying why it is not: unknown (or a
    wrong secret), already used, expired."""
    row = links.row(conn, password_resets.c.reset_id, "password-reset", "pwr", token)
    if row.used_at is not None:
        raise refuse(
            "reset-link-used",
            f"this link was already used, at {row.used_at}",
            N_(
                "Ce lien a déjà servi, le %(when)s : il ne s'utilise qu'une fois. "
                "Demandez-en un nouveau si besoin."
            ),
            when=formats.instant(row.used_at),
        )
    if row.expires_at <= now:
        raise refuse(
            "reset-link-expired",
            f"this link expired at {row.expires_at}",
            N_("Ce lien a expiré le %(when)s : il ne vaut qu'une heure. Demandez-en un nouveau."),
            when=formats.instant(row.expires_at),
        )
    users.check_open(  # the account was closed meanwhile
        users.account(conn, row.user_id) is None,
        "the account of this link",
        N_("Le compte de cette adresse a été fermé."),
    )
    return row


def use(conn: sa.Connection, token: str, *, now: datetime, password: str, confirmation: str) -> str:
    """Set the new password of a usable link (`confirmation` must match); the link and
    every other link of the account are dead after it, and so are its sessions. Returns
    the account's id."""
    row = find(conn, token, now)
    passwords.check_policy(password)
    users.check_confirmation(password, confirmation)
    p = password_resets.c
    used = conn.execute(
        password_resets.update()
        .where(p.reset_id == row.reset_id, p.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # used by a concurrent request meanwhile
        raise refuse(
            "reset-link-used",
            "this link was already used",
            N_("Ce lien a déjà servi : il ne s'utilise qu'une fois."),
        )
    conn.execute(
        password_resets.update()
        .where(p.user_id == row.user_id, p.used_at.is_(None))
        .values(used_at=now)
    )
    users.set_password(conn, row.user_id, password)
    users.end_sessions(conn, row.user_id, now)
    return str(row.user_id)
