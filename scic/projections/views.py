"""Read views over the projections: capital table, member detail, pending
reimbursements. Every view answers "as at D, as known at T"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa

from scic.domain.cooperative import Statutes
from scic.domain.shares import still_owed_cents
from scic.errors import NotFound
from scic.money import format_cents, format_ratio
from scic.projections import mix
from scic.projections.tables import (
    coops,
    member_categories,
    members,
    mix_members,
    movements,
    parties,
    statutes,
    subscriptions,
    withdrawals,
)

GroupBy = Literal["member", "category", "college"]
GROUPS: tuple[GroupBy, ...] = ("member", "category", "college")
ERASED = "[effacé]"
AMOUNT_KEYS = ("shares", "subscribed_cents", "called_cents", "paid_cents")


def coop_row(conn: sa.Connection, coop_id: str) -> sa.RowMapping:
    row = conn.execute(sa.select(coops).where(coops.c.coop_id == coop_id)).mappings().first()
    if row is None:
        raise NotFound("cooperative", coop_id)
    return row


def statutes_at(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> Statutes | None:
    s = statutes.c
    query = sa.select(s.doc, s.valid_from).where(s.coop_id == coop_id)
    if known_at is not None:
        query = query.where(s.recorded_at <= known_at)
    rows = conn.execute(query.order_by(s.valid_from, s.position)).all()
    if not rows:
        return None
    chosen = rows[0].doc
    for row in rows:
        if row.valid_from <= as_of:
            chosen = row.doc
    return Statutes.model_validate(chosen)


def holdings_by_member(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    member_id: str | None = None,
) -> dict[str, dict[str, int]]:
    """Each member's summed movements as at `as_of` (only `member_id`'s when given)."""
    m = movements.c
    query = (
        sa.select(m.member_id, *(sa.func.sum(m[k]).label(k) for k in AMOUNT_KEYS))
        .where(m.coop_id == coop_id, m.effective_date <= as_of)
        .group_by(m.member_id)
    )
    if member_id is not None:
        query = query.where(m.member_id == member_id)
    if known_at is not None:
        query = query.where(m.recorded_at <= known_at)
    return {
        row.member_id: {k: int(getattr(row, k)) for k in AMOUNT_KEYS} for row in conn.execute(query)
    }


def categories_at(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> dict[str, str]:
    c = member_categories.c
    query = (
        sa.select(c.member_id, c.category)
        .where(c.coop_id == coop_id, c.effective_date <= as_of)
        .order_by(c.effective_date, c.position)
    )
    if known_at is not None:
        query = query.where(c.recorded_at <= known_at)
    return {row.member_id: row.category for row in conn.execute(query)}


@dataclass(frozen=True)
class CapitalInputs:
    """What every capital view as at D, as known at T, is computed from: each member's
    summed movements, its category then, and the statutes then. Read once, in cents."""

    held: dict[str, dict[str, int]]
    categories: dict[str, str]
    rules: Statutes | None

    @property
    def subscribed_cents(self) -> int:
        return sum(amounts["subscribed_cents"] for amounts in self.held.values())

    @property
    def public_subscribed_cents(self) -> int:
        """Capital held by members of public-body categories (R3)."""
        codes = {c.code for c in self.rules.categories if c.public_body} if self.rules else set()
        return sum(
            amounts["subscribed_cents"]
            for member_id, amounts in self.held.items()
            if self.categories.get(member_id) in codes
        )


def capital_inputs(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> CapitalInputs:
    coop_row(conn, coop_id)
    return CapitalInputs(
        holdings_by_member(conn, coop_id, as_of, known_at),
        categories_at(conn, coop_id, as_of, known_at),
        statutes_at(conn, coop_id, as_of, known_at),
    )


def capital_table(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    group_by: GroupBy = "member",
) -> dict[str, Any]:
    if group_by == "member":
        coop_row(conn, coop_id)
        if mix.usable(conn, coop_id, as_of, known_at):
            return members_from_totals(conn, coop_id, as_of, known_at)
        inputs = CapitalInputs(
            holdings_by_member(conn, coop_id, as_of, known_at),
            {},  # the member rows show no category
            statutes_at(conn, coop_id, as_of, known_at),
        )
    else:
        inputs = category_inputs(conn, coop_id, as_of, known_at)
    return render_capital_table(conn, coop_id, inputs, as_of, known_at, group_by)


_t = mix_members.c
MEMBER_TOTALS = (
    sa.select(_t.member_id, parties.c.name, *(_t[k] for k in AMOUNT_KEYS))
    .select_from(
        mix_members.outerjoin(members, members.c.member_id == _t.member_id).outerjoin(
            parties, parties.c.party_id == members.c.party_id
        )
    )
    .where(_t.coop_id == sa.bindparam("coop_id"))
)


def members_from_totals(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    """The capital table by member from each member's running totals
    (scic.projections.mix): the rows `render_capital_table` builds from the movements,
    built straight from one query's tuples."""
    found = conn.execute(MEMBER_TOTALS, {"coop_id": coop_id}).all()
    held = [(k, name or ERASED, *amounts) for k, name, *amounts in found if any(amounts)]
    held.sort(key=lambda r: (r[1].lower(), r[0]))
    totals = dict(zip(AMOUNT_KEYS, (sum(r[i] for r in held) for i in range(2, 6)), strict=True))
    fmt, total = Formatter(), totals["subscribed_cents"]
    rows = [
        {
            "key": key,
            "label": label,
            "shares": shares,
            "subscribed": fmt.cents(subscribed),
            "called": fmt.cents(called),
            "paid": fmt.cents(paid),
            "unpaid": fmt.cents(subscribed - paid),
            "share_of_capital": fmt.ratio(subscribed, total),
        }
        for key, label, shares, subscribed, called, paid in held
    ]
    return _table(as_of, known_at, "member", totals, rows)


def category_inputs(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> CapitalInputs:
    """Inputs for the views by category or college. As at a date after every movement
    (scic.projections.mix.usable) each category stands as one holder of its running
    totals, instead of summing every holding; earlier, the holdings are summed."""
    coop_row(conn, coop_id)
    rules = statutes_at(conn, coop_id, as_of, known_at)
    if rules is not None and mix.usable(conn, coop_id, as_of, known_at):
        totals = mix.category_totals(conn, coop_id)
        codes = {c.code for c in rules.categories}
        # A category the statutes no longer name (or in no college) would be listed
        # in the order its holders are met: leave that to the exact computation.
        if all(k in codes and rules.college_of(k) is not None for k in totals):
            return CapitalInputs(totals, {k: k for k in totals}, rules)
    return CapitalInputs(
        holdings_by_member(conn, coop_id, as_of, known_at),
        categories_at(conn, coop_id, as_of, known_at),
        rules,
    )


def render_capital_table(
    conn: sa.Connection,
    coop_id: str,
    inputs: CapitalInputs,
    as_of: date,
    known_at: datetime | None,
    group_by: GroupBy,
) -> dict[str, Any]:
    held, categories, rules = inputs.held, inputs.categories, inputs.rules
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AMOUNT_KEYS, 0))
    labels: dict[str, str] = {}
    order: list[str] = []
    if group_by == "member":
        names = member_names(conn, coop_id)
        for member_id, amounts in held.items():
            if any(amounts.values()):
                groups[member_id] = amounts
                labels[member_id] = names.get(member_id, ERASED)
        order = sorted(groups, key=lambda k: (labels[k].lower(), k))
    else:
        if rules is not None:
            if group_by == "category":
                order = [c.code for c in rules.categories]
                labels = {c.code: c.name for c in rules.categories}
            else:
                order = [c.code for c in rules.colleges]
                labels = {c.code: c.name for c in rules.colleges}
        for member_id, amounts in held.items():
            key = categories.get(member_id, "?")
            if group_by == "college":
                college = rules.college_of(key) if rules else None
                key = college.code if college else "none"
            for k, v in amounts.items():
                groups[key][k] += v
            if key not in labels:
                labels[key], order = key, [*order, key]
        for key in order:
            groups[key]  # every category/college appears, even when empty
    totals = dict.fromkeys(AMOUNT_KEYS, 0)
    for amounts in groups.values():
        for k, v in amounts.items():
            totals[k] += v
    fmt = Formatter()
    total = totals["subscribed_cents"]
    rows = [
        {
            "key": key,
            "label": labels.get(key, key),
            "shares": amounts["shares"],
            "subscribed": fmt.cents(amounts["subscribed_cents"]),
            "called": fmt.cents(amounts["called_cents"]),
            "paid": fmt.cents(amounts["paid_cents"]),
            "unpaid": fmt.cents(amounts["subscribed_cents"] - amounts["paid_cents"]),
            "share_of_capital": fmt.ratio(amounts["subscribed_cents"], total),
        }
        for key in order
        for amounts in (groups[key],)
    ]
    return _table(as_of, known_at, group_by, totals, rows)


def _table(
    as_of: date,
    known_at: datetime | None,
    group_by: GroupBy,
    totals: dict[str, int],
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "group_by": group_by,
        "totals": {
            "shares": totals["shares"],
            "subscribed": format_cents(totals["subscribed_cents"]),
            "called": format_cents(totals["called_cents"]),
            "paid": format_cents(totals["paid_cents"]),
            "unpaid": format_cents(totals["subscribed_cents"] - totals["paid_cents"]),
        },
        "rows": rows,
    }


class Formatter:
    """Cents and shares to decimal strings, each distinct value formatted once: a table
    of 10k holdings repeats a few hundred amounts."""

    def __init__(self) -> None:
        self._cents: dict[int, str] = {}
        self._ratios: dict[tuple[int, int], str] = {}

    def cents(self, value: int) -> str:
        found = self._cents.get(value)
        if found is None:
            found = self._cents[value] = format_cents(value)
        return found

    def ratio(self, numerator: int, denominator: int) -> str:
        key = (numerator, denominator)
        found = self._ratios.get(key)
        if found is None:
            found = self._ratios[key] = format_ratio(numerator, denominator)
        return found


def member_names(conn: sa.Connection, coop_id: str) -> dict[str, str]:
    query = (
        sa.select(members.c.member_id, parties.c.name)
        .join(parties, parties.c.party_id == members.c.party_id)
        .where(members.c.coop_id == coop_id)
    )
    return {row.member_id: row.name or ERASED for row in conn.execute(query)}


# A member's detail, built once: statement building costs more than the queries do.
_MEMBER_ID: sa.BindParameter[str] = sa.bindparam("member_id")
_MEMBER_ROW = (
    sa.select(members, parties.c.name, parties.c.email)
    .join(parties, parties.c.party_id == members.c.party_id)
    .where(members.c.member_id == _MEMBER_ID, members.c.coop_id == sa.bindparam("coop_id"))
)
_MEMBER_CATEGORIES = (
    sa.select(member_categories.c.category, member_categories.c.effective_date)
    .where(member_categories.c.member_id == _MEMBER_ID)
    .order_by(member_categories.c.effective_date, member_categories.c.position)
)
_MEMBER_MOVES = (
    sa.select(movements).where(movements.c.member_id == _MEMBER_ID).order_by(movements.c.position)
)
_MEMBER_SUBSCRIPTIONS = (
    sa.select(subscriptions)
    .where(subscriptions.c.member_id == _MEMBER_ID)
    .order_by(subscriptions.c.subscribed_on)
)
_MEMBER_WITHDRAWALS = (
    sa.select(withdrawals)
    .where(withdrawals.c.member_id == _MEMBER_ID)
    .order_by(withdrawals.c.position)
)


def member_detail(conn: sa.Connection, coop_id: str, member_id: str) -> dict[str, Any]:
    key = {"member_id": member_id}
    row = conn.execute(_MEMBER_ROW, {**key, "coop_id": coop_id}).mappings().first()
    if row is None:
        raise NotFound("member", member_id)
    history = conn.execute(_MEMBER_CATEGORIES, key).all()
    moves = conn.execute(_MEMBER_MOVES, key).mappings().all()
    subs = conn.execute(_MEMBER_SUBSCRIPTIONS, key).mappings().all()
    outs = conn.execute(_MEMBER_WITHDRAWALS, key).mappings().all()
    return {
        "id": member_id,
        "party_id": row["party_id"],
        "number": row["number"],
        "name": row["name"] or ERASED,
        "kind": row["kind"],
        "category": row["category"],
        "status": row["status"],
        "admitted_on": row["admitted_on"].isoformat(),
        "exited_on": row["exited_on"].isoformat() if row["exited_on"] else None,
        "holding": _amounts(row),
        "pending_reimbursement": _amounts(row, "pending_"),
        "categories": [{"category": c, "from": d.isoformat()} for c, d in history],
        "subscriptions": [
            {
                "id": s["subscription_id"],
                "subscribed_on": s["subscribed_on"].isoformat(),
                **_amounts(s),
            }
            for s in subs
        ],
        "withdrawals": [_withdrawal(w) for w in outs],
        "history": [
            {
                "event_id": m["event_id"],
                "kind": m["kind"],
                "effective_date": m["effective_date"].isoformat(),
                "recorded_at": m["recorded_at"].isoformat(),
                "subscription_id": m["subscription_id"],
                **_amounts(m),
            }
            for m in moves
        ],
    }


def pending_reimbursements(conn: sa.Connection, coop_id: str) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            sa.select(withdrawals)
            .where(withdrawals.c.coop_id == coop_id, withdrawals.c.status == "pending")
            .order_by(withdrawals.c.position)
        )
        .mappings()
        .all()
    )
    return [_withdrawal(w) for w in rows]


def _withdrawal(w: Any) -> dict[str, Any]:
    return {
        "id": w["withdrawal_id"],
        "member_id": w["member_id"],
        "status": w["status"],
        "requested_on": w["requested_on"].isoformat(),
        "due_by": w["due_by"].isoformat(),
        "exit": w["exit"],
        "excluded": w["excluded"],
        **_amounts(w),
        "reimbursed_on": w["reimbursed_on"].isoformat() if w["reimbursed_on"] else None,
        "amount": format_cents(w["amount_cents"]) if w["amount_cents"] is not None else None,
        "loss_share": (
            format_cents(w["loss_share_cents"]) if w["loss_share_cents"] is not None else None
        ),
        "still_owed": format_cents(
            w["called_cents"] - w["paid_cents"]
            if w["loss_share_cents"] is None
            else still_owed_cents(w["paid_cents"], w["loss_share_cents"])
        ),
    }


def _amounts(row: Any, prefix: str = "") -> dict[str, Any]:
    subscribed, paid = row[f"{prefix}subscribed_cents"], row[f"{prefix}paid_cents"]
    return {
        "shares": row[f"{prefix}shares"],
        "subscribed": format_cents(subscribed),
        "called": format_cents(row[f"{prefix}called_cents"]),
        "paid": format_cents(paid),
        "unpaid": format_cents(subscribed - paid),
    }
