"""Read views over the projections: capital table, member detail, pending
reimbursements. Every view answers "as at D, as known at T".

Views return typed values (integer cents, dates, Decimal ratios), never text: the API's
public models (scic.api.public) and the pages (scic.web.fmt) format them, each once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from ledger.schema import UTCDateTime
from scic.domain.cooperative import Statutes
from scic.domain.shares import owed_on_calls_cents
from scic.errors import NotFound
from scic.money import ratio
from scic.projections import dated, mix
from scic.projections.tables import (
    coops,
    member_categories,
    members,
    mix_members,
    movements,
    owed_payments,
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


@dataclass(frozen=True, slots=True)
class Coop:
    """A cooperative and its statutes in force on `statutes_as_of` (None before any)."""

    coop_id: str
    name: str
    siren: str | None
    legal_form: str
    incorporated_on: date
    statutes_as_of: date
    statutes: Statutes | None


def coop(conn: sa.Connection, coop_id: str, on: date) -> Coop:
    row = coop_row(conn, coop_id)
    return Coop(
        coop_id,
        row["name"],
        row["siren"],
        row["legal_form"],
        row["incorporated_on"],
        on,
        statutes_at(conn, coop_id, on, None),
    )


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
    if member_id is not None:  # its own movements, not every one of the cooperative
        query = query.where(m.member_id == member_id).with_hint(
            movements, "INDEXED BY ix_share_movements_member_position", "sqlite"
        )
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


@dataclass(frozen=True, slots=True)
class Holding:
    """Shares and their amounts in cents: a member's, a subscription's, a group's."""

    shares: int
    subscribed_cents: int
    called_cents: int
    paid_cents: int

    @property
    def unpaid_cents(self) -> int:
        return self.subscribed_cents - self.paid_cents

    @classmethod
    def of(cls, row: Any, prefix: str = "") -> Holding:
        """From a mapping holding `shares`, `subscribed_cents`… (with `prefix`)."""
        return cls(
            int(row[f"{prefix}shares"]),
            int(row[f"{prefix}subscribed_cents"]),
            int(row[f"{prefix}called_cents"]),
            int(row[f"{prefix}paid_cents"]),
        )


NOTHING = Holding(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class CapitalRow:
    key: str
    """a member id, a category code or a college code"""
    label: str
    holding: Holding
    share_of_capital: Decimal
    """this row's subscribed capital over the table's, to 4 decimals"""


@dataclass(frozen=True, slots=True)
class CapitalTable:
    as_of: date
    known_at: datetime | None
    group_by: GroupBy
    totals: Holding
    rows: list[CapitalRow]


def capital_table(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    group_by: GroupBy = "member",
) -> CapitalTable:
    if group_by == "member":
        coop_row(conn, coop_id)
        if mix.usable(conn, coop_id, as_of, known_at):
            return members_from_totals(conn, coop_id, as_of, known_at)
        return members_as_of(conn, coop_id, as_of, known_at)
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
) -> CapitalTable:
    """The capital table by member from each member's running totals
    (scic.projections.mix): what `render_capital_table` gives from the movements, read
    from one query."""
    found = conn.execute(MEMBER_TOTALS, {"coop_id": coop_id}).all()
    held = [
        (key, name or ERASED, Holding(*amounts)) for key, name, *amounts in found if any(amounts)
    ]
    held.sort(key=lambda r: (r[1].lower(), r[0]))
    return _table(as_of, known_at, "member", held)


def members_as_of(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> CapitalTable:
    """The capital table by member as at any date: each member's movements summed and
    its name, in one query; what `render_capital_table` gives from `capital_inputs`."""
    m = movements.c
    summed = sa.select(m.member_id, *(sa.func.sum(m[k]).label(k) for k in AMOUNT_KEYS)).where(
        m.coop_id == coop_id, m.effective_date <= as_of
    )
    if known_at is not None:
        summed = summed.where(m.recorded_at <= known_at)
    held = summed.group_by(m.member_id).subquery()
    query = sa.select(
        held.c.member_id, parties.c.name, *(held.c[k] for k in AMOUNT_KEYS)
    ).select_from(
        held.outerjoin(members, members.c.member_id == held.c.member_id).outerjoin(
            parties, parties.c.party_id == members.c.party_id
        )
    )
    rows = [
        (key, name or ERASED, Holding(*map(int, amounts)))
        for key, name, *amounts in conn.execute(query)
        if any(amounts)
    ]
    rows.sort(key=lambda r: (r[1].lower(), r[0]))
    return _table(as_of, known_at, "member", rows)


def category_inputs(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> CapitalInputs:
    """Inputs for the views by category or college. As known now, each category stands
    as one holder of its capital then: its running totals as at a date after every
    movement (scic.projections.mix.usable), else its dated totals
    (scic.projections.dated), instead of summing every holding. As known at an earlier
    time, or when a category the statutes do not name is held, the holdings are summed."""
    coop_row(conn, coop_id)
    rules = statutes_at(conn, coop_id, as_of, known_at)
    if rules is not None:
        totals = None
        if mix.usable(conn, coop_id, as_of, known_at):
            totals = mix.category_totals(conn, coop_id)
        elif known_at is None:
            totals = dated.category_totals_at(conn, coop_id, as_of) or None
        codes = {c.code for c in rules.categories}
        # A category the statutes no longer name (or in no college) would be listed
        # in the order its holders are met: leave that to the exact computation.
        if totals is not None and all(
            k in codes and rules.college_of(k) is not None for k in totals
        ):
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
) -> CapitalTable:
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
    rows = [(key, labels.get(key, key), Holding.of(groups[key])) for key in order]
    return _table(as_of, known_at, group_by, rows)


def _table(
    as_of: date,
    known_at: datetime | None,
    group_by: GroupBy,
    held: list[tuple[str, str, Holding]],
) -> CapitalTable:
    """The one builder of a capital table's rows and totals, from its holders in order."""
    totals = Holding(*(sum(column) for column in _columns(held)))
    whole = totals.subscribed_cents
    shares: dict[int, Decimal] = {}  # a table of 10k holdings repeats a few hundred amounts
    rows = []
    for key, label, holding in held:
        share = shares.get(holding.subscribed_cents)
        if share is None:
            share = shares[holding.subscribed_cents] = ratio(holding.subscribed_cents, whole)
        rows.append(CapitalRow(key, label, holding, share))
    return CapitalTable(as_of, known_at, group_by, totals, rows)


def _columns(held: list[tuple[str, str, Holding]]) -> tuple[list[int], ...]:
    return (
        [h.shares for _, _, h in held],
        [h.subscribed_cents for _, _, h in held],
        [h.called_cents for _, _, h in held],
        [h.paid_cents for _, _, h in held],
    )


def member_numbers(conn: sa.Connection, coop_id: str) -> dict[str, str]:
    """The members' numbers (n° d'associé), for the registers that name members."""
    query = sa.select(members.c.member_id, members.c.number).where(
        members.c.coop_id == coop_id, members.c.number.is_not(None)
    )
    return {row.member_id: row.number for row in conn.execute(query)}


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


def _member_history() -> sa.CompoundSelect:
    """A member's category spells, movements, subscriptions, withdrawals and payments
    after leaving (R7) in one
    statement: each table's rows under its tag, in the columns of one shape (a lookup
    costs its round trips more than its rows)."""
    shape = (
        ("tag", sa.String),
        ("day_key", sa.Date),
        ("position_key", sa.BigInteger),
        ("text_1", sa.String),
        ("text_2", sa.String),
        ("text_3", sa.String),
        ("day_1", sa.Date),
        ("day_2", sa.Date),
        ("day_3", sa.Date),
        ("recorded_at", UTCDateTime),
        ("flag_1", sa.Boolean),
        ("flag_2", sa.Boolean),
        *((k, sa.BigInteger) for k in AMOUNT_KEYS),
        ("amount_cents", sa.BigInteger),
        ("loss_share_cents", sa.BigInteger),
    )

    def branch(table: sa.Table, tag: str, *where: Any, **columns: Any) -> sa.Select[Any]:
        picked = [
            (columns[name] if name in columns else sa.cast(sa.null(), kind)).label(name)
            for name, kind in shape[1:]
        ]
        tagged = sa.cast(sa.literal(tag), sa.String).label("tag")
        return sa.select(tagged, *picked).where(table.c.member_id == _MEMBER_ID, *where)

    c, m, s, w, o = (
        member_categories.c,
        movements.c,
        subscriptions.c,
        withdrawals.c,
        owed_payments.c,
    )
    return sa.union_all(
        branch(
            member_categories,
            "c",
            day_key=c.effective_date,
            position_key=c.position,
            text_1=c.category,
            day_1=c.effective_date,
        ),
        branch(
            movements,
            "m",
            position_key=m.position,
            text_1=m.event_id,
            text_2=m.kind,
            text_3=m.subscription_id,
            day_1=m.effective_date,
            recorded_at=m.recorded_at,
            **{k: m[k] for k in AMOUNT_KEYS},
        ),
        branch(
            subscriptions,
            "s",
            day_key=s.subscribed_on,
            text_1=s.subscription_id,
            day_1=s.subscribed_on,
            **{k: s[k] for k in AMOUNT_KEYS},
        ),
        branch(
            withdrawals,
            "w",
            position_key=w.position,
            text_1=w.withdrawal_id,
            text_2=w.status,
            day_1=w.requested_on,
            day_2=w.due_by,
            day_3=w.reimbursed_on,
            flag_1=w.exit,
            flag_2=w.excluded,
            amount_cents=w.amount_cents,
            loss_share_cents=w.loss_share_cents,
            **{k: w[k] for k in AMOUNT_KEYS},
        ),
        branch(
            owed_payments,
            "o",
            ~o.reversed,
            day_key=o.paid_on,
            position_key=o.position,
            text_1=o.payment_id,
            day_1=o.paid_on,
            amount_cents=o.amount_cents,
        ),
    ).order_by(sa.text("tag"), sa.text("day_key"), sa.text("position_key"), sa.text("text_1"))


_MEMBER_HISTORY = _member_history()


@dataclass(frozen=True, slots=True)
class CategorySpell:
    category: str
    since: date


@dataclass(frozen=True, slots=True)
class SubscriptionHeld:
    id: str
    subscribed_on: date
    holding: Holding


@dataclass(frozen=True, slots=True)
class Withdrawal:
    id: str
    member_id: str
    status: str
    """pending or reimbursed"""
    requested_on: date
    due_by: date
    exit: bool
    excluded: bool
    holding: Holding
    reimbursed_on: date | None
    amount_cents: int | None
    loss_share_cents: int | None
    paid_after_cents: int = 0
    """R7 — what the former member has paid since of what it still owed (OwedCallPaid)."""

    @property
    def still_owed_cents(self) -> int:
        """R7 — what the member still owes on its calls (C. com. L231-6): all it was
        called for and did not pay, less what it paid since it left, while the
        reimbursement waits; once reimbursed, what setting the call against the
        reimbursement left, less what it paid after. Both at once: what it was called for
        and did not pay, less what was set off (the claim, called − loss share, less the
        amount paid back), less all it paid since it left."""
        h = self.holding
        released = None
        if self.loss_share_cents is not None and self.amount_cents is not None:
            released = (self.loss_share_cents, self.amount_cents)
        owed = owed_on_calls_cents(h.called_cents, h.paid_cents, released)
        return owed - self.paid_after_cents


@dataclass(frozen=True, slots=True)
class OwedPayment:
    """R7 — a payment by a former member of what it still owed on its calls."""

    id: str
    paid_on: date
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Movement:
    event_id: str
    kind: str
    effective_date: date
    recorded_at: datetime
    subscription_id: str | None
    holding: Holding


@dataclass(frozen=True, slots=True)
class MemberDetail:
    id: str
    party_id: str
    number: str | None
    name: str
    kind: str
    category: str
    status: str
    admitted_on: date
    exited_on: date | None
    holding: Holding
    pending_reimbursement: Holding
    categories: list[CategorySpell]
    subscriptions: list[SubscriptionHeld]
    withdrawals: list[Withdrawal]
    history: list[Movement]
    owed_payments: list[OwedPayment]


def member_detail(conn: sa.Connection, coop_id: str, member_id: str) -> MemberDetail:
    key = {"member_id": member_id}
    row = conn.execute(_MEMBER_ROW, {**key, "coop_id": coop_id}).mappings().first()
    if row is None:
        raise NotFound("member", member_id)
    rows: dict[str, list[Any]] = {"c": [], "m": [], "s": [], "w": [], "o": []}
    for found in conn.execute(_MEMBER_HISTORY, key).mappings():
        rows[found["tag"]].append(found)
    paid_after = [OwedPayment(o["text_1"], o["day_1"], o["amount_cents"]) for o in rows["o"]]
    outs = [
        {
            "withdrawal_id": w["text_1"],
            "member_id": member_id,
            "status": w["text_2"],
            "requested_on": w["day_1"],
            "due_by": w["day_2"],
            "exit": w["flag_1"],
            "excluded": w["flag_2"],
            "reimbursed_on": w["day_3"],
            "amount_cents": w["amount_cents"],
            "loss_share_cents": w["loss_share_cents"],
            **{k: w[k] for k in AMOUNT_KEYS},
        }
        for w in rows["w"]
    ]
    return MemberDetail(
        id=member_id,
        party_id=row["party_id"],
        number=row["number"],
        name=row["name"] or ERASED,
        kind=row["kind"],
        category=row["category"],
        status=row["status"],
        admitted_on=row["admitted_on"],
        exited_on=row["exited_on"],
        holding=Holding.of(row),
        pending_reimbursement=Holding.of(row, "pending_"),
        categories=[CategorySpell(c["text_1"], c["day_1"]) for c in rows["c"]],
        subscriptions=[SubscriptionHeld(s["text_1"], s["day_1"], Holding.of(s)) for s in rows["s"]],
        withdrawals=[
            _withdrawal(w, sum(p.amount_cents for p in paid_after) if _owing(w) else 0)
            for w in outs
        ],
        owed_payments=paid_after,
        history=[
            Movement(
                m["text_1"], m["text_2"], m["day_1"], m["recorded_at"], m["text_3"], Holding.of(m)
            )
            for m in rows["m"]
        ],
    )


def pending_reimbursements(conn: sa.Connection, coop_id: str) -> list[Withdrawal]:
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


def _owing(w: Any) -> bool:
    """The withdrawal a former member's payments settle: its exit, waiting for its
    reimbursement or reimbursed (only an exit can leave a call unpaid: a partial
    withdrawal takes fully paid shares)."""
    return bool(w["exit"])


def _withdrawal(w: Any, paid_after_cents: int = 0) -> Withdrawal:
    return Withdrawal(
        id=w["withdrawal_id"],
        member_id=w["member_id"],
        status=w["status"],
        requested_on=w["requested_on"],
        due_by=w["due_by"],
        exit=w["exit"],
        excluded=w["excluded"],
        holding=Holding.of(w),
        reimbursed_on=w["reimbursed_on"],
        amount_cents=w["amount_cents"],
        loss_share_cents=w["loss_share_cents"],
        paid_after_cents=paid_after_cents,
    )
