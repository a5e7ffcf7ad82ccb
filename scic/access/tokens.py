"""API tokens: issue, verify, list and revoke them, and the principal a token stands for.

A token reads `scic_<token_id>_<secret>`: the id (16 hex digits) is public and finds the
row; the secret (256 random bits) is stored only as its SHA-256, compared in constant
time. A high-entropy secret needs no slow hash: nobody can guess it from its digest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger.chain import format_timestamp
from ledger.schema import events
from scic.access.errors import Unauthorized
from scic.access.tables import api_tokens
from scic.contacts import check_not_erased
from scic.errors import NotFound, refuse
from scic.i18n import N_
from scic.projections.tables import coops, funders, members, parties

Role = Literal["admin", "manager", "accountant", "funder", "member"]
ROLES: tuple[Role, ...] = get_args(Role)
ADMIN, MANAGER, ACCOUNTANT, FUNDER, MEMBER = ROLES
PARTY_ROLES = frozenset({FUNDER, MEMBER})  # the roles that may speak for one party

PARIS = ZoneInfo("Europe/Paris")
_TOKEN = re.compile(r"scic_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
# Compared against when the id is unknown, so a miss costs what a wrong secret costs.
_NO_HASH = hashlib.sha256(b"no such token").hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the verified token's role, cooperative (None: admin, global) and
    the party (member or funder) it speaks for, if any. A person signed in with an
    account (scic.accounts) is one too: `user_id` is set and `token_id` is empty."""

    token_id: str
    role: Role
    coop_id: str | None
    party_id: str | None = None
    user_id: str | None = None

    @property
    def actor(self) -> str:
        """What every event this principal records carries in its `actor` column:
        `token:<id>:<role>`, or `user:<id>` for a person signed in with an account."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"token:{self.token_id}:{self.role}"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class Issued:
    """A new token: `secret` is shown once and never stored."""

    secret: str
    record: dict[str, Any]

    @property
    def token_id(self) -> str:
        return str(self.record["id"])


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(presented: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token, else None."""
    match = _TOKEN.fullmatch(presented)
    return (match[1], match[2]) if match else None


def issue(
    conn: sa.Connection,
    *,
    role: str,
    now: datetime,
    coop_id: str | None = None,
    party_id: str | None = None,
    member_id: str | None = None,
    funder_id: str | None = None,
    expires_at: datetime | None = None,
    label: str | None = None,
    created_by: str = "cli",
) -> Issued:
    """Create a token. Admin tokens are global; every other one belongs to an existing
    cooperative, and member and funder tokens speak for one party of it, named by the
    ids people have (`member_id`, `funder_id`) or by its party id."""
    party_id = _bind(conn, role, coop_id, Speaker(party_id, member_id, funder_id))
    if expires_at is not None and expires_at <= now:
        raise refuse(
            "expiry-in-the-past", f"the token would expire at {expires_at}, which is already past"
        )
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = {
        "token_id": token_id,
        "secret_hash": hash_secret(secret),
        "role": role,
        "coop_id": coop_id,
        "party_id": party_id,
        "label": label,
        "created_at": now,
        "created_by": created_by,
        "expires_at": expires_at,
        "revoked_at": None,
        "revoked_by": None,
    }
    conn.execute(api_tokens.insert().values(**row))
    return Issued(f"scic_{token_id}_{secret}", public(row, now))


@dataclass(frozen=True)
class Speaker:
    """Who a member or funder token speaks for, as given: at most one of the three."""

    party_id: str | None = None
    member_id: str | None = None
    funder_id: str | None = None

    def given(self) -> list[tuple[str, str]]:
        named = [("party", self.party_id), ("member", self.member_id), ("funder", self.funder_id)]
        return [(what, ident) for what, ident in named if ident is not None]


# A member or funder id passed as a party (`--party mbr_…`): what people have at hand.
_ID_PREFIXES = {"mbr_": MEMBER, "fnd_": FUNDER}


def party_for(conn: sa.Connection, role: str, coop_id: str | None, speaker: Speaker) -> str | None:
    """The party a credential of `role` in `coop_id` speaks for (None: the whole
    cooperative), refusing what a token would be refused: an admin bound to a
    cooperative, a member or funder without its party, another cooperative's party…"""
    return _bind(conn, role, coop_id, speaker)


def check_global_admin(role: str, *, bound: bool, person: bool = False) -> None:
    """The one judge of an administrator's scope: it belongs to no cooperative and speaks
    for no party (`bound`: given one). `person`: a person's role or invitation in a
    cooperative (always bound), said in the words of the people pages."""
    if role != ADMIN or not bound:
        return
    if person:
        raise refuse(
            "admin-token-is-global",
            "an administrator belongs to no cooperative",
            N_("Un administrateur vaut pour toutes les coopératives, pas pour une seule."),
        )
    raise refuse("admin-token-is-global", "an admin token belongs to no cooperative and no party")


def cooperative_of(coop_id: str | None, needs_one: str) -> str:
    """The cooperative a token or a command belongs to, refused when none is given: the
    one judge (`needs_one`: the detail, naming what needed one)."""
    if coop_id is None:
        raise refuse("cooperative-required", needs_one)
    return coop_id


def _bind(conn: sa.Connection, role: str, coop_id: str | None, speaker: Speaker) -> str | None:
    """Check a token's cooperative and party against its role; the party it speaks for."""
    if role not in ROLES:
        raise refuse("unknown-role", f"role must be one of {', '.join(ROLES)}")
    given = speaker.given()
    if role == ADMIN:
        check_global_admin(role, bound=coop_id is not None or bool(given))
        return None
    coop_id = cooperative_of(coop_id, f"a {role} token needs a cooperative")
    if conn.execute(sa.select(coops.c.coop_id).where(coops.c.coop_id == coop_id)).first() is None:
        raise NotFound("cooperative", coop_id)
    if role not in PARTY_ROLES:
        if given:
            raise refuse(
                "party-not-allowed",
                f"a {role} token speaks for the whole "
                "cooperative: only member and funder tokens take a party",
            )
        return None
    if not given:
        raise refuse(
            "party-required",
            f"a {role} token speaks for one {role}: give its id (scic token create "
            f"--{role} {'mbr' if role == MEMBER else 'fnd'}_…; POST /v1/tokens: {role}_id)",
        )
    if len(given) > 1:
        raise refuse(
            "one-party-only",
            f"a token speaks for one party: give one of {', '.join(w for w, _ in given)}",
        )
    what, ident = given[0]
    if what == "party" and ident[:4] in _ID_PREFIXES:
        what = _ID_PREFIXES[ident[:4]]
    if what == "party":
        return _speaking_party(conn, role, coop_id, ident)
    if what != role:
        raise refuse(
            "party-kind-mismatch", f"a {role} token speaks for a {role}, not for {what} {ident}"
        )
    table, key = (
        (members, members.c.member_id) if what == MEMBER else (funders, funders.c.funder_id)
    )
    party = conn.execute(
        sa.select(table.c.party_id).where(key == ident, table.c.coop_id == coop_id)
    ).scalar()
    if party is None:
        raise NotFound(what, ident)
    return _speaking_party(conn, role, coop_id, str(party))


def _speaking_party(conn: sa.Connection, role: str, coop_id: str, party_id: str) -> str:
    """`party_id`, when it is a live party of the cooperative that is a `role`."""
    found = conn.execute(
        sa.select(parties.c.erased_at).where(
            parties.c.party_id == party_id, parties.c.coop_id == coop_id
        )
    ).first()
    if found is None:
        raise NotFound("party", party_id)
    check_not_erased(found.erased_at, f"party {party_id} was erased: nobody speaks for it")
    table = members if role == MEMBER else funders
    is_role = conn.execute(
        sa.select(table.c.party_id).where(table.c.party_id == party_id, table.c.coop_id == coop_id)
    ).first()
    if is_role is None:
        raise refuse(
            "party-kind-mismatch",
            f"party {party_id} is not a {role} of {coop_id}: a {role} token speaks for one",
        )
    return party_id


# Tokens verified in the last few seconds, by the SHA-256 of the whole presented token:
# a read request then needs no connection for its token check. A revocation in this
# process is refused at once (its id goes to `_revoked`, which is never cached); one made
# by another process (`scic token revoke`) is seen within RECENT_SECONDS.
RECENT_SECONDS = 5.0
_RECENT_MAX = 4096
_recent: dict[str, tuple[float, Principal, datetime | None]] = {}
_revoked: set[str] = set()  # token ids and the party ids whose tokens were all revoked


def _refused(who: Principal) -> bool:
    return who.token_id in _revoked or (who.party_id is not None and who.party_id in _revoked)


def revoked_here(who: Principal) -> bool:
    """Whether this process revoked the token (or its party's tokens): known at once."""
    return _refused(who)


def still_valid(conn: sa.Connection, token_id: str, now: datetime) -> bool:
    """Whether the token is still neither revoked nor expired, as the database says."""
    t = api_tokens.c
    row = conn.execute(sa.select(t.revoked_at, t.expires_at).where(t.token_id == token_id)).first()
    return (
        row is not None
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )


def recently_verified(presented: str, now: datetime) -> Principal | None:
    """The principal of a token verified less than RECENT_SECONDS ago, still unexpired
    and not revoked by this process; None when the database must be asked."""
    key = hashlib.sha256(presented.encode()).hexdigest()
    entry = _recent.get(key)
    if entry is None:
        return None
    verified_at, who, expires_at = entry
    fresh = monotonic() - verified_at < RECENT_SECONDS
    if not fresh or _refused(who) or (expires_at is not None and expires_at <= now):
        _recent.pop(key, None)
        return None
    return who


def _remember(presented: str, who: Principal, expires_at: datetime | None) -> None:
    if _refused(who):
        return
    if len(_recent) >= _RECENT_MAX:
        _recent.clear()
    key = hashlib.sha256(presented.encode()).hexdigest()
    _recent[key] = (monotonic(), who, expires_at)


def _forget(token_or_party_id: str) -> None:
    _revoked.add(token_or_party_id)
    for key, (_, who, _) in list(_recent.items()):
        if _refused(who):
            _recent.pop(key, None)


def verify(conn: sa.Connection, presented: str, now: datetime) -> Principal:
    """The principal of a presented token, or Unauthorized (the same answer for an
    unknown id and a wrong secret)."""
    parsed = parse(presented)
    if parsed is None:
        raise Unauthorized("malformed token: expected scic_<id>_<secret>")
    token_id, secret = parsed
    row = (
        conn.execute(sa.select(api_tokens).where(api_tokens.c.token_id == token_id))
        .mappings()
        .first()
    )
    stored = row["secret_hash"] if row is not None else _NO_HASH
    if not hmac.compare_digest(stored, hash_secret(secret)) or row is None:
        raise Unauthorized("invalid token")
    if row["revoked_at"] is not None:
        raise Unauthorized("token revoked")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthorized("token expired")
    who = Principal(token_id, row["role"], row["coop_id"], row["party_id"])
    _remember(presented, who, row["expires_at"])
    return who


def revoke(conn: sa.Connection, token_id: str, now: datetime, by: str) -> dict[str, Any]:
    """Revoke a token (once: revoking it again keeps the first instant and revoker)."""
    _forget(token_id)  # before the UPDATE commits: no request may cache it meanwhile
    t = api_tokens.c
    conn.execute(
        api_tokens.update()
        .where(t.token_id == token_id, t.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
    )
    row = conn.execute(sa.select(api_tokens).where(t.token_id == token_id)).mappings().first()
    if row is None:
        raise NotFound("token", token_id)
    return public(row, now)


def revoke_party(conn: sa.Connection, party_id: str, now: datetime, by: str) -> None:
    """Revoke every token that speaks for a party (its erasure)."""
    _forget(party_id)  # before the UPDATE commits, as in `revoke`
    t = api_tokens.c
    conn.execute(
        api_tokens.update()
        .where(t.party_id == party_id, t.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
    )


def listing(
    conn: sa.Connection, now: datetime, coop_id: str | None = None, active_only: bool = False
) -> list[dict[str, Any]]:
    """Tokens without their secrets (which are not stored anyway), oldest first."""
    t = api_tokens.c
    query = sa.select(api_tokens).order_by(t.created_at, t.token_id)
    if coop_id is not None:
        query = query.where(t.coop_id == coop_id)
    rows = [public(row, now) for row in conn.execute(query).mappings()]
    return [r for r in rows if r["active"]] if active_only else rows


def public(row: Any, now: datetime) -> dict[str, Any]:
    """What may be shown of a token: everything but its hash."""
    expires, revoked = row["expires_at"], row["revoked_at"]
    return {
        "id": row["token_id"],
        "role": row["role"],
        "coop_id": row["coop_id"],
        "party_id": row["party_id"],
        "label": row["label"],
        "created_at": format_timestamp(row["created_at"]),
        "created_by": row["created_by"],
        "expires_at": format_timestamp(expires) if expires else None,
        "revoked_at": format_timestamp(revoked) if revoked else None,
        "revoked_by": row["revoked_by"],
        "active": revoked is None and (expires is None or expires > now),
    }


def parse_expiry(text: str) -> datetime:
    """`--expires`: a date means through the end of that day, and a datetime without an
    offset is read as French time (the cooperatives' business time)."""
    try:
        return end_of_day(date.fromisoformat(text))
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=PARIS)


def first_coop(conn: sa.Connection) -> str | None:
    """The demo cooperative: the first registered, in commit order."""
    return conn.execute(
        sa.select(events.c.tenant_id)
        .where(events.c.type == "CoopRegistered")
        .order_by(events.c.position)
        .limit(1)
    ).scalar()


def demo_tokens(
    conn: sa.Connection,
    now: datetime,
    coop_id: str | None = None,
    kept: MutableMapping[str, str] | None = None,
) -> str:
    """For `scic serve --demo`: one token per role for a cooperative (the first one
    registered unless named), as text to print. The member token speaks for the first
    member admitted, the funder token for a funder; a role with nobody to speak for is
    skipped with a note.

    `kept` (role → token) holds the tokens printed at the last start: each one still
    valid for the same role, cooperative and party is printed again instead of issuing a
    new one, and new ones are put in it, so restarts do not pile up demo tokens."""
    kept = {} if kept is None else kept
    if coop_id is None:
        coop_id = first_coop(conn)
        if coop_id is None:
            return "no cooperative yet: no demo tokens"
    member = conn.execute(
        sa.select(members.c.member_id.label("id"), members.c.party_id)
        .where(members.c.coop_id == coop_id)
        .order_by(members.c.admitted_on, members.c.member_id)
        .limit(1)
    ).first()
    funder = conn.execute(
        sa.select(funders.c.funder_id.label("id"), funders.c.party_id)
        .where(funders.c.coop_id == coop_id)
        .order_by(funders.c.funder_id)
        .limit(1)
    ).first()
    lines = [
        f"API tokens for the demo cooperative {coop_id} "
        "(send them as `Authorization: Bearer <token>`):"
    ]
    for role in ROLES:
        coop, party, note = (
            (None, None, "every cooperative") if role == ADMIN else (coop_id, None, "")
        )
        if role in PARTY_ROLES:
            speaker, what = (member, "member") if role == MEMBER else (funder, "funder")
            if speaker is None:
                lines.append(f"  {role:<11} (none: this cooperative has no {what} yet)")
                continue
            party, note = speaker.party_id, f"{what} {speaker.id}: its own only"
        secret = _still_valid(conn, kept.get(role), now, Principal("", role, coop, party))
        if secret is None:
            secret = issue(
                conn,
                role=role,
                now=now,
                coop_id=coop,
                party_id=party,
                label=f"demo {role}",
                created_by="demo",
            ).secret
            kept[role] = secret
        lines.append(f"  {role:<11} {secret}" + (f"  ({note})" if note else ""))
    return "\n".join(lines)


def _still_valid(
    conn: sa.Connection, secret: str | None, now: datetime, expected: Principal
) -> str | None:
    """`secret` when it is a usable token of the expected role, cooperative and party."""
    if secret is None:
        return None
    try:
        found = verify(conn, secret, now)
    except Unauthorized:
        return None
    same = (found.role, found.coop_id, found.party_id)
    return secret if same == (expected.role, expected.coop_id, expected.party_id) else None
