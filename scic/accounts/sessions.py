"""Sign-in sessions: what the dashboard's cookie holds for a person signed in with an
e-mail and a password. The cookie carries `ses_<id>_<secret>`; only a hash of the
secret is stored, and each request reads the session, the account and its role anew, so
closing an account or taking a role away applies at the next click."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from scic.access.tokens import Principal
from scic.accounts import users
from scic.accounts.tables import user_sessions
from scic.projections.tables import coops

LIFETIME = timedelta(hours=12)  # a working day; then the person signs in again
_SESSION = re.compile(r"ses_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Session:
    session_id: str
    account: users.Account
    coop_id: str | None  # the cooperative chosen (None: not chosen yet)

    @property
    def principal(self) -> Principal | None:
        """The principal the person acts as in the chosen cooperative."""
        return self.account.principal(self.coop_id) if self.coop_id else None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like(value: str) -> bool:
    return _SESSION.fullmatch(value) is not None


def start(
    conn: sa.Connection, account: users.Account, now: datetime, coop_id: str | None = None
) -> str:
    """A new session (the cookie's value), in `coop_id` or the person's only cooperative
    if it has just one; an administrator or a person of several chooses one."""
    session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    choices = cooperatives(conn, account)
    if coop_id is not None and coop_id in {c for c, _ in choices}:
        choices = [(coop_id, "")]
    conn.execute(
        user_sessions.insert().values(
            session_id=session_id,
            secret_hash=_hash(secret),
            user_id=account.user_id,
            coop_id=choices[0][0] if len(choices) == 1 else None,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return f"ses_{session_id}_{secret}"


def resolve(conn: sa.Connection, value: str, now: datetime) -> Session | None:
    """The live session of a cookie value, or None (unknown, ended, expired, or its
    account closed)."""
    match = _SESSION.fullmatch(value)
    if match is None:
        return None
    s = user_sessions.c
    row = conn.execute(sa.select(user_sessions).where(s.session_id == match[1])).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(match[2])):
        return None
    if row.ended_at is not None or row.expires_at <= now:
        return None
    account = users.account(conn, row.user_id)
    if account is None:
        return None
    return Session(row.session_id, account, row.coop_id)


def choose(conn: sa.Connection, session: Session, coop_id: str) -> bool:
    """Work in `coop_id` from now on (False: the person has no role there)."""
    if coop_id not in {c for c, _ in cooperatives(conn, session.account)}:
        return False
    conn.execute(
        user_sessions.update()
        .where(user_sessions.c.session_id == session.session_id)
        .values(coop_id=coop_id)
    )
    return True


def end(conn: sa.Connection, value: str, now: datetime) -> None:
    match = _SESSION.fullmatch(value)
    if match is None:
        return
    s = user_sessions.c
    conn.execute(
        user_sessions.update()
        .where(s.session_id == match[1], s.secret_hash == _hash(match[2]), s.ended_at.is_(None))
        .values(ended_at=now)
    )


def cooperatives(conn: sa.Connection, account: users.Account) -> list[tuple[str, str]]:
    """(id, name) of the cooperatives a person may work in: all for an administrator."""
    query = sa.select(coops.c.coop_id, coops.c.name).order_by(coops.c.name, coops.c.coop_id)
    if not account.is_admin:
        query = query.where(coops.c.coop_id.in_([g.coop_id for g in account.grants]))
    return [(str(r.coop_id), str(r.name)) for r in conn.execute(query)]
