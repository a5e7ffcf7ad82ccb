"""Who is in the ledger: the cooperatives, a cooperative's members as at a date (paged,
searchable by name) and its funders. Names come from `parties`; an erased party shows as
erased and is found by no name."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import sqlalchemy as sa

from scic.errors import refuse
from scic.names import like_pattern
from scic.projections import views
from scic.projections.tables import coops, funders, members, movements, parties

Status = Literal["active", "left", "all"]


@dataclass(frozen=True)
class CoopEntry:
    id: str
    name: str
    siren: str | None
    legal_form: str
    incorporated_on: date


@dataclass(frozen=True)
class MemberEntry:
    """A member as at a date: its category then (and that category's college), the
    shares it held then (0 included: a member without shares is still a member)."""

    id: str
    party_id: str
    name: str
    category: str
    college: str | None
    admitted_on: date
    left_on: date | None
    shares: int
    number: str | None = None


@dataclass(frozen=True)
class MemberPage:
    members: list[MemberEntry]
    next_cursor: str | None


@dataclass(frozen=True)
class FunderEntry:
    id: str
    party_id: str
    name: str
    type: str


def coop_list(conn: sa.Connection, coop_id: str | None) -> list[CoopEntry]:
    """Every cooperative (None), or the one a token belongs to; by name."""
    c = coops.c
    query = sa.select(coops).order_by(c.name, c.coop_id)
    if coop_id is not None:
        query = query.where(c.coop_id == coop_id)
    return [
        CoopEntry(r.coop_id, r.name, r.siren, r.legal_form, r.incorporated_on)
        for r in conn.execute(query)
    ]


# -- members ---------------------------------------------------------------------------
# The register's order: admission date, then id (stable, and the cursor carries no name).


@dataclass(frozen=True)
class MemberQuery:
    as_of: date
    q: str | None = None
    category: str | None = None
    college: str | None = None
    status: Status = "active"
    limit: int = 100
    cursor: str | None = None
    party_id: str | None = None  # a member token: itself only


def member_page(conn: sa.Connection, coop_id: str, query: MemberQuery) -> MemberPage:
    views.coop_row(conn, coop_id)
    on = query.as_of
    m, p = members.c, parties.c
    select = (
        sa.select(m.member_id, m.party_id, m.category, m.admitted_on, m.exited_on, m.number, p.name)
        .join(parties, p.party_id == m.party_id)
        .where(m.coop_id == coop_id, m.admitted_on <= on)
        .order_by(m.admitted_on, m.member_id)
    )
    if query.status == "active":
        select = select.where(sa.or_(m.exited_on.is_(None), m.exited_on > on))
    elif query.status == "left":
        select = select.where(m.exited_on <= on)
    if query.q is not None and query.q.strip():
        select = select.where(
            sa.or_(
                p.name_key.like(like_pattern(query.q), escape="\\"),
                _number_is(m.number, query.q),
            )
        )
    if query.party_id is not None:
        select = select.where(m.party_id == query.party_id)
    if query.cursor is not None:
        after_on, after_id = _decode(query.cursor)
        select = select.where(
            sa.or_(
                m.admitted_on > after_on,
                sa.and_(m.admitted_on == after_on, m.member_id > after_id),
            )
        )
    by_category = query.category is not None or query.college is not None
    if not by_category:  # otherwise filtered below on the category as at the date
        select = select.limit(query.limit + 1)
    categories = views.categories_at(conn, coop_id, on, None)
    rules = views.statutes_at(conn, coop_id, on, None)
    found: list[tuple[sa.Row, str, str | None]] = []  # type: ignore[type-arg]
    for row in conn.execute(select):
        category = categories.get(row.member_id, row.category)
        college = rules.college_of(category) if rules else None
        code = college.code if college else None
        if query.category is not None and category != query.category:
            continue
        if query.college is not None and code != query.college:
            continue
        found.append((row, category, code))
        if len(found) > query.limit:
            break
    page, more = found[: query.limit], len(found) > query.limit
    held = _shares(conn, [row.member_id for row, _, _ in page], on)
    entries = [
        MemberEntry(
            row.member_id,
            row.party_id,
            row.name or views.ERASED,
            category,
            college,
            row.admitted_on,
            row.exited_on if row.exited_on is not None and row.exited_on <= on else None,
            held.get(row.member_id, 0),
            row.number,
        )
        for row, category, college in page
    ]
    last = entries[-1] if entries else None
    return MemberPage(entries, _encode(last.admitted_on, last.id) if more and last else None)


def _number_is(column: sa.ColumnElement[str | None], q: str) -> sa.ColumnElement[bool]:
    """A search for "12", "n° 012" or "a-3" finds the member numbered "012" or "A-3"
    (the same sameness as scic.domain.members.number_key: case and leading zeros)."""
    wanted = re.sub(r"^(n\s*°|no\.?|#)\s*", "", q.strip().casefold()).lstrip("0")
    return sa.func.lower(sa.func.ltrim(column, "0")) == wanted


def _shares(conn: sa.Connection, member_ids: list[str], on: date) -> dict[str, int]:
    if not member_ids:
        return {}
    mv = movements.c
    rows = conn.execute(
        sa.select(mv.member_id, sa.func.sum(mv.shares))
        .where(mv.member_id.in_(member_ids), mv.effective_date <= on)
        .group_by(mv.member_id)
    )
    return {member_id: int(total) for member_id, total in rows}


def _encode(admitted_on: date, member_id: str) -> str:
    raw = json.dumps([admitted_on.isoformat(), member_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        admitted_on, member_id = json.loads(raw)
        if not isinstance(member_id, str) or "\x00" in member_id:
            raise ValueError(member_id)
        return date.fromisoformat(admitted_on), member_id
    except (ValueError, TypeError, binascii.Error):
        raise refuse(
            "invalid-cursor", "cursor is not one this list gave: pass next_cursor back unchanged"
        ) from None


# -- funders ---------------------------------------------------------------------------


def funder_list(conn: sa.Connection, coop_id: str, party_id: str | None) -> list[FunderEntry]:
    """The cooperative's funders by name (a funder token: itself only)."""
    views.coop_row(conn, coop_id)
    f, p = funders.c, parties.c
    query = (
        sa.select(f.funder_id, f.party_id, f.type, p.name)
        .join(parties, p.party_id == f.party_id)
        .where(f.coop_id == coop_id)
        .order_by(p.name_key, f.funder_id)
    )
    if party_id is not None:
        query = query.where(f.party_id == party_id)
    return [
        FunderEntry(r.funder_id, r.party_id, r.name or views.ERASED, r.type)
        for r in conn.execute(query)
    ]
