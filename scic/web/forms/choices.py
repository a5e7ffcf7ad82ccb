"""The lists a form's value is chosen from: members, subscriptions, grants, funders,
categories, participative title issues and correctable events, each as (id, label)
pairs that show names, never ids. A posted value may be the id (a select, a link's
prefill) or the label (typed in a searchable list); `resolve` takes either."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger.schema import events as events_table
from scic.accounting.fiscal_years import closed_until
from scic.domain.corrections import REVERSIBLE
from scic.money import format_cents
from scic.projections import views
from scic.projections.tables import (
    funders,
    grants,
    members,
    parties,
    reversals,
    subscriptions,
    title_issues,
    withdrawals,
)
from scic.web import fmt
from scic.web.forms.labels import FUNDER_TYPES, PURPOSES, event_name, tr

SEARCHABLE_FROM = 12
"""Lists longer than this are typed into with suggestions (<datalist>), not scrolled."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


Lister = Callable[[sa.Connection, str, date, str], list[Choice]]


def _unique(pairs: list[tuple[str, str]], extra: dict[str, str]) -> list[Choice]:
    """Labels as people read them; two equal labels are told apart by `extra`."""
    seen: dict[str, int] = {}
    for _, label in pairs:
        seen[label] = seen.get(label, 0) + 1
    return [
        Choice(ident, f"{label} ({extra[ident]})" if seen[label] > 1 else label)
        for ident, label in pairs
    ]


def member_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    m, p = members.c, parties.c
    rows = conn.execute(
        sa.select(m.member_id, p.name, m.admitted_on, m.status)
        .join(parties, parties.c.party_id == m.party_id)
        .where(m.coop_id == coop_id)
        .order_by(p.name_key, m.admitted_on, m.member_id)
    ).all()
    admitted = tr("admitted on {day}", lang)
    left = tr("left", lang)
    pairs = [
        (r.member_id, (r.name or views.ERASED) + ("" if r.status == "active" else f" — {left}"))
        for r in rows
    ]
    extra = {r.member_id: admitted.format(day=fmt.day(r.admitted_on)) for r in rows}
    return _unique(pairs, extra)


def subscription_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    s, p = subscriptions.c, parties.c
    rows = conn.execute(
        sa.select(s.subscription_id, p.name, s.subscribed_on, s.shares, s.subscribed_cents)
        .add_columns(s.paid_cents)
        .join(members, members.c.member_id == s.member_id)
        .join(parties, parties.c.party_id == members.c.party_id)
        .where(s.coop_id == coop_id)
        .order_by(p.name_key, s.subscribed_on, s.subscription_id)
    ).all()
    template = tr("{name} — {shares} shares of {day}, {unpaid} unpaid", lang)
    pairs = [
        (
            r.subscription_id,
            template.format(
                name=r.name or views.ERASED,
                shares=fmt.number(r.shares),
                day=fmt.day(r.subscribed_on),
                unpaid=fmt.euros(format_cents(r.subscribed_cents - r.paid_cents)),
            ),
        )
        for r in rows
    ]
    return _unique(pairs, {r.subscription_id: r.subscription_id[-6:] for r in rows})


def grant_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    g, p = grants.c, parties.c
    rows = conn.execute(
        sa.select(g.grant_id, p.name, g.purpose, g.awarded_cents, g.awarded_on)
        .join(funders, funders.c.funder_id == g.funder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(g.coop_id == coop_id)
        .order_by(g.awarded_on, g.grant_id)
    ).all()
    template = tr("{funder} — {purpose} {amount} awarded on {day}", lang)
    pairs = [
        (
            r.grant_id,
            template.format(
                funder=r.name or views.ERASED,
                purpose=tr(PURPOSES.get(r.purpose, r.purpose), lang).lower(),
                amount=fmt.euros(format_cents(r.awarded_cents)),
                day=fmt.day(r.awarded_on),
            ),
        )
        for r in rows
    ]
    return _unique(pairs, {r.grant_id: r.grant_id[-6:] for r in rows})


def funder_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    f, p = funders.c, parties.c
    rows = conn.execute(
        sa.select(f.funder_id, p.name, f.type)
        .join(parties, parties.c.party_id == f.party_id)
        .where(f.coop_id == coop_id)
        .order_by(p.name_key, f.funder_id)
    ).all()
    pairs = [
        (r.funder_id, f"{r.name or views.ERASED} ({tr(FUNDER_TYPES.get(r.type, r.type), lang)})")
        for r in rows
    ]
    return _unique(pairs, {r.funder_id: r.funder_id[-6:] for r in rows})


def category_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    statutes = views.statutes_at(conn, coop_id, on, None)
    if statutes is None:
        return []
    return [Choice(c.code, c.name) for c in statutes.categories]


def issue_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    t, p = title_issues.c, parties.c
    rows = conn.execute(
        sa.select(t.issue_id, p.name, t.outstanding, t.nominal_cents, t.issued_on)
        .join(funders, funders.c.funder_id == t.holder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(t.coop_id == coop_id)
        .order_by(t.issued_on, t.issue_id)
    ).all()
    template = tr("{holder} — {count} titles of {nominal} issued on {day}", lang)
    pairs = [
        (
            r.issue_id,
            template.format(
                holder=r.name or views.ERASED,
                count=fmt.number(r.outstanding),
                nominal=fmt.euros(format_cents(r.nominal_cents)),
                day=fmt.day(r.issued_on),
            ),
        )
        for r in rows
    ]
    return _unique(pairs, {r.issue_id: r.issue_id[-6:] for r in rows})


def reimbursement_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    """Reimbursements released (R5) with money owed: the ones a payout may be for."""
    w, m, p = withdrawals.c, members.c, parties.c
    rows = conn.execute(
        sa.select(w.withdrawal_id, w.amount_cents, w.reimbursed_on, p.name)
        .join(members, m.member_id == w.member_id)
        .join(parties, p.party_id == m.party_id)
        .where(w.coop_id == coop_id, w.status == "reimbursed", w.amount_cents > 0)
        .order_by(w.reimbursed_on, w.withdrawal_id)
    ).all()
    template = tr("{member} — {amount} reimbursed on {day}", lang)
    pairs = [
        (
            r.withdrawal_id,
            template.format(
                member=r.name or views.ERASED,
                amount=fmt.euros(format_cents(r.amount_cents)),
                day=fmt.day(r.reimbursed_on),
            ),
        )
        for r in rows
    ]
    return _unique(pairs, {r.withdrawal_id: r.withdrawal_id[-6:] for r in rows})


CORRECTABLE_SHOWN = 200


def event_choices(conn: sa.Connection, coop_id: str, on: date, lang: str) -> list[Choice]:
    """Events a correction may reverse: of a reversible type, not reversed yet, not a
    reversal, in an open fiscal year (R16), newest first."""
    e = events_table.c
    query = (
        sa.select(e.event_id, e.type, e.effective_date, e.amount_cents, e.subject_id)
        .where(
            e.tenant_id == coop_id,
            e.type.in_(sorted(REVERSIBLE)),
            e.reverses.is_(None),
            e.event_id.not_in(sa.select(reversals.c.reversed_event_id)),
        )
        .order_by(e.position.desc())
        .limit(CORRECTABLE_SHOWN)
    )
    until = closed_until(conn, coop_id)
    if until is not None:
        query = query.where(e.effective_date > until)
    rows = conn.execute(query).all()
    names = {**views.member_names(conn, coop_id), **funder_names(conn, coop_id)}
    pairs = [(r.event_id, describe(r, names, lang)) for r in rows]
    return _unique(pairs, {r.event_id: r.event_id[:8] for r in rows})


def describe(row: Any, names: dict[str, str], lang: str) -> str:
    """'31/12/2025 — Versement de 250,00 € — Marie Dupont'."""
    what = tr(event_name(row.type), lang)
    if row.amount_cents is not None:
        what += " " + tr("of {amount}", lang).format(
            amount=fmt.euros(format_cents(abs(row.amount_cents)))
        )
    who = names.get(row.subject_id or "", "")
    return " — ".join(part for part in (fmt.day(row.effective_date), what, who) if part)


def funder_names(conn: sa.Connection, coop_id: str) -> dict[str, str]:
    f, p = funders.c, parties.c
    rows = conn.execute(
        sa.select(f.funder_id, p.name)
        .join(parties, parties.c.party_id == f.party_id)
        .where(f.coop_id == coop_id)
    ).all()
    found = {r.funder_id: r.name or views.ERASED for r in rows}
    g = grants.c
    for grant_id, funder_id in conn.execute(
        sa.select(g.grant_id, g.funder_id).where(g.coop_id == coop_id)
    ):
        found[grant_id] = found.get(funder_id, "")
    return found


LISTS: dict[str, Lister] = {
    "members": member_choices,
    "subscriptions": subscription_choices,
    "grants": grant_choices,
    "funders": funder_choices,
    "categories": category_choices,
    "issues": issue_choices,
    "reimbursements": reimbursement_choices,
    "events": event_choices,
}


IDENT = re.compile(
    r"^([a-z]+_[0-9a-f]{16}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def resolve(choices: list[Choice], value: str) -> str | None:
    """The id a posted value stands for: an id of the list, or one of its labels. An id
    the list does not offer (an event reversed since, a member who left) goes to the
    command layer as it is: it refuses it as the API would, or replays a double click."""
    text = value.strip()
    for choice in choices:
        if text == choice.id:
            return choice.id
    if IDENT.match(text):
        return text
    folded = text.casefold()
    for choice in choices:
        if folded == choice.label.casefold():
            return choice.id
    return None
