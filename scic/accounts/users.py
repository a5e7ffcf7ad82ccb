"""People's accounts: create them, give and change their role in a cooperative, revoke
them, and check an e-mail and password. The role check is the tokens' own
(scic.access.tokens.party_for), so an account is bound exactly as a token would be."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from scic.access.tokens import (
    ADMIN,
    MANAGER,
    Principal,
    Role,
    Speaker,
    check_global_admin,
    party_for,
)
from scic.accounts import passwords
from scic.accounts.tables import user_roles, user_sessions, users
from scic.errors import NotFound, refuse
from scic.i18n import N_
from scic.projections.tables import coops, funders, members, parties

# Enough to catch a typo; the address is proved by the invitation link reaching it.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Grant:
    """A person's role in one cooperative (and the party it speaks for)."""

    coop_id: str
    role: Role
    party_id: str | None


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    name: str
    is_admin: bool
    grants: tuple[Grant, ...]

    def principal(self, coop_id: str | None) -> Principal | None:
        """The principal this person acts as in `coop_id`: its role there, or admin
        (global) for an administrator; None when it has no role there."""
        if self.is_admin:
            return Principal("", ADMIN, None, None, self.user_id)
        for grant in self.grants:
            if grant.coop_id == coop_id:
                return Principal("", grant.role, coop_id, grant.party_id, self.user_id)
        return None


def email_key(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        raise refuse(
            "invalid-email",
            f"{email!r} is not an e-mail address",
            N_("« %(email)s » n'est pas une adresse e-mail."),
            email=email,
        )
    return email


def find(conn: sa.Connection, email: str) -> Any:
    """The row of the account with this e-mail address (any case), or None."""
    return conn.execute(sa.select(users).where(users.c.email_key == email_key(email))).first()


def create(
    conn: sa.Connection,
    *,
    email: str,
    name: str,
    password: str | None,
    now: datetime,
    by: str,
    is_admin: bool = False,
) -> str:
    """A new account (its id). `password` None: set later, from an invitation link."""
    email = check_email(email)
    if find(conn, email) is not None:
        raise refuse(
            "account-exists",
            f"an account with the address {email} already exists",
            N_("Un compte existe déjà pour l'adresse %(email)s."),
            email=email,
        )
    if password is not None:
        passwords.check_policy(password)
    user_id = f"usr_{secrets.token_hex(8)}"
    conn.execute(
        users.insert().values(
            user_id=user_id,
            email=email,
            email_key=email_key(email),
            name=name.strip() or email,
            password_hash=passwords.hash_password(password) if password is not None else None,
            is_admin=is_admin,
            created_at=now,
            created_by=by,
        )
    )
    return user_id


def set_password(conn: sa.Connection, user_id: str, password: str) -> None:
    passwords.check_policy(password)
    conn.execute(
        users.update()
        .where(users.c.user_id == user_id)
        .values(password_hash=passwords.hash_password(password))
    )


def check_confirmation(password: str, confirmation: str) -> None:
    """A new password is typed twice: refuse when the two differ."""
    if confirmation != password:
        raise refuse(
            "passwords-differ",
            "the two passwords typed differ",
            N_("Les deux mots de passe saisis diffèrent."),
        )


def change_password(
    conn: sa.Connection,
    user_id: str,
    *,
    current: str,
    new: str,
    confirmation: str,
    now: datetime,
    keep_session: str | None = None,
) -> None:
    """A signed-in person changes its password: the current one first, then the new one
    (the policy, typed twice). Its other sessions end (`keep_session`: the one it is
    using)."""
    row = conn.execute(
        sa.select(users.c.password_hash).where(
            users.c.user_id == user_id, users.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        raise NotFound("user", user_id)
    if not passwords.verify(row.password_hash, current):
        raise refuse(
            "wrong-current-password",
            "this is not the account's current password",
            N_("Ce n'est pas votre mot de passe actuel."),
        )
    passwords.check_policy(new)
    check_confirmation(new, confirmation)
    set_password(conn, user_id, new)
    end_sessions(conn, user_id, now, keep=keep_session)


def end_sessions(conn: sa.Connection, user_id: str, now: datetime, keep: str | None = None) -> None:
    """End the account's live sessions (but `keep`, a session id)."""
    s = user_sessions.c
    query = user_sessions.update().where(s.user_id == user_id, s.ended_at.is_(None))
    if keep is not None:
        query = query.where(s.session_id != keep)
    conn.execute(query.values(ended_at=now))


def grant(
    conn: sa.Connection,
    user_id: str,
    *,
    coop_id: str,
    role: str,
    speaker: Speaker,
    now: datetime,
    by: str,
) -> Grant:
    """Give (or change) a person's role in a cooperative, checked as a token's would be:
    a member or funder role speaks for one party of that cooperative."""
    check_global_admin(role, bound=True, person=True)
    party_id = party_for(conn, role, coop_id, speaker)
    _live_user(conn, user_id)
    r = user_roles.c
    current = conn.execute(
        sa.select(r.role, r.revoked_at).where(r.user_id == user_id, r.coop_id == coop_id)
    ).first()
    if current is not None and current.role == MANAGER and role != MANAGER:
        _keep_a_manager(conn, coop_id, user_id)
    values = {
        "role": role,
        "party_id": party_id,
        "granted_at": now,
        "granted_by": by,
        "revoked_at": None,
        "revoked_by": None,
    }
    if current is None:
        conn.execute(user_roles.insert().values(user_id=user_id, coop_id=coop_id, **values))
    else:
        conn.execute(
            user_roles.update().where(r.user_id == user_id, r.coop_id == coop_id).values(**values)
        )
    return Grant(coop_id, role, party_id)  # type: ignore[arg-type]


def revoke_role(conn: sa.Connection, user_id: str, coop_id: str, now: datetime, by: str) -> None:
    """Take a person's access to one cooperative away (at once: sessions check it)."""
    r = user_roles.c
    row = conn.execute(
        sa.select(r.role).where(r.user_id == user_id, r.coop_id == coop_id, r.revoked_at.is_(None))
    ).first()
    if row is None:
        raise NotFound("user", user_id)
    if row.role == MANAGER:
        _keep_a_manager(conn, coop_id, user_id)
    conn.execute(
        user_roles.update()
        .where(r.user_id == user_id, r.coop_id == coop_id)
        .values(revoked_at=now, revoked_by=by)
    )


def _keep_a_manager(conn: sa.Connection, coop_id: str, leaving: str) -> None:
    """A cooperative keeps at least one manager account once it has one, so nobody
    locks the cooperative out of its own people page."""
    r = user_roles.c
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(user_roles.join(users, users.c.user_id == r.user_id))
        .where(
            r.coop_id == coop_id,
            r.role == MANAGER,
            r.revoked_at.is_(None),
            r.user_id != leaving,
            users.c.revoked_at.is_(None),
        )
    ).scalar_one()
    if not others:
        raise refuse(
            "last-manager",
            "this is the cooperative's last manager: give another person the manager role first",
            N_(
                "C'est le dernier gestionnaire de la coopérative : donnez d'abord le rôle de "
                "gestionnaire à une autre personne."
            ),
        )


def revoke(conn: sa.Connection, user_id: str, now: datetime, by: str) -> None:
    """Close an account: every role and every session end at once."""
    row = conn.execute(sa.select(users.c.revoked_at).where(users.c.user_id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    if row.revoked_at is not None:
        return
    conn.execute(
        users.update().where(users.c.user_id == user_id).values(revoked_at=now, revoked_by=by)
    )
    end_sessions(conn, user_id, now)


def revoke_party(conn: sa.Connection, party_id: str, now: datetime, by: str) -> None:
    """Revoke every role that speaks for a party (its erasure), as its tokens are; an
    account left with no role anywhere is closed, so it can no longer sign in."""
    r = user_roles.c
    speakers = list(
        conn.execute(
            sa.select(r.user_id).where(r.party_id == party_id, r.revoked_at.is_(None))
        ).scalars()
    )
    conn.execute(
        user_roles.update()
        .where(r.party_id == party_id, r.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
    )
    for user_id in speakers:
        others = conn.execute(
            sa.select(sa.func.count()).where(r.user_id == user_id, r.revoked_at.is_(None))
        ).scalar_one()
        admin = conn.execute(sa.select(users.c.is_admin).where(users.c.user_id == user_id))
        if not others and not admin.scalar():
            revoke(conn, user_id, now, by)


def _live_user(conn: sa.Connection, user_id: str) -> None:
    row = conn.execute(sa.select(users.c.revoked_at).where(users.c.user_id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    check_open(row.revoked_at is not None, f"the account {user_id}", N_("Ce compte a été fermé."))


def check_open(closed: bool, account: str, says: str) -> None:
    """The one judge of a closed account: no role is given to it, no link of it is used.
    `account` names it in the detail, `says` is the message people read."""
    if closed:
        raise refuse("account-revoked", f"{account} was closed", says)


def account(conn: sa.Connection, user_id: str) -> Account | None:
    """A live account with its live roles in live cooperatives, or None."""
    row = conn.execute(
        sa.select(users).where(users.c.user_id == user_id, users.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    r = user_roles.c
    grants = tuple(
        Grant(g.coop_id, g.role, g.party_id)
        for g in conn.execute(
            sa.select(r.coop_id, r.role, r.party_id)
            .where(r.user_id == user_id, r.revoked_at.is_(None))
            .order_by(r.granted_at, r.coop_id)
        )
    )
    return Account(row.user_id, row.email, row.name, row.is_admin, grants)


def check_password(conn: sa.Connection, email: str, password: str) -> Account | None:
    """The account of this e-mail and password, or None — the same for an unknown
    address, a wrong password, a closed account or one without a password yet (and as
    slow: the hash is checked whatever)."""
    row = find(conn, email)
    ok = passwords.verify(row.password_hash if row is not None else None, password)
    if not ok or row is None or row.revoked_at is not None:
        return None
    if passwords.needs_rehash(row.password_hash):
        set_password(conn, row.user_id, password)
    return account(conn, row.user_id)


def listing(conn: sa.Connection, coop_id: str | None = None) -> list[dict[str, Any]]:
    """Accounts with their roles (of one cooperative, or all), oldest first; the names
    of the members and funders they speak for."""
    r = user_roles.c
    query = (
        sa.select(
            users.c.user_id,
            users.c.email,
            users.c.name,
            users.c.is_admin,
            users.c.password_hash.is_not(None).label("has_password"),
            users.c.created_at,
            users.c.revoked_at,
            r.coop_id,
            r.role,
            r.party_id,
            r.revoked_at.label("role_revoked_at"),
            coops.c.name.label("coop_name"),
            parties.c.name.label("party_name"),
        )
        .select_from(
            users.outerjoin(user_roles, r.user_id == users.c.user_id)
            .outerjoin(coops, coops.c.coop_id == r.coop_id)
            .outerjoin(parties, parties.c.party_id == r.party_id)
        )
        .order_by(users.c.created_at, users.c.user_id, r.coop_id)
    )
    if coop_id is not None:
        query = query.where(r.coop_id == coop_id)
    return [dict(row._mapping) for row in conn.execute(query)]


def speaker_ids(conn: sa.Connection, coop_id: str, party_id: str | None) -> dict[str, str]:
    """The member and funder ids a party is in a cooperative (for display)."""
    if party_id is None:
        return {}
    found = {}
    for table, column, what in (
        (members, members.c.member_id, "member"),
        (funders, funders.c.funder_id, "funder"),
    ):
        ident = conn.execute(
            sa.select(column).where(table.c.coop_id == coop_id, table.c.party_id == party_id)
        ).scalar()
        if ident is not None:
            found[what] = str(ident)
    return found
