"""Compliance report: checks that find problems return findings, not refusals (R2, R3,
R4, R5, R7). Each finding names its rule, a severity and the figures behind it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa

from ledger import EventRegistry
from scic.dates import add_years
from scic.domain.cooperative import CoopRegistered
from scic.domain.rules_check import percent
from scic.domain.state import CapitalState, CoopState
from scic.domain.timeline import Fold, apply, corrected, judge
from scic.errors import NotFound
from scic.events import build_registry
from scic.money import format_cents, format_ratio
from scic.projections import views
from scic.projections.tables import calls, members, subscriptions
from scic.rules.dated import PAY_UP_YEARS, PUBLIC_CAPITAL_CAP, value_at
from scic.write_model import read_entries


@cache
def _registry() -> EventRegistry:
    return build_registry()


def finding(rule: str, code: str, severity: str, message: str, **figures: Any) -> dict[str, Any]:
    return {
        "rule": rule,
        "code": code,
        "severity": severity,
        "message": message,
        "figures": figures,
    }


def compliance(conn: sa.Connection, coop_id: str, on: date) -> dict[str, Any]:
    state, breaches = _history(conn, coop_id, on)
    findings = [
        *_categories(conn, state, on),
        _public_share(conn, state, on),
        *breaches,
        *_floor(conn, state, on),
        *_overdue_calls(conn, coop_id, on),
    ]
    return {
        "as_of": on.isoformat(),
        "findings": findings,
        "warnings": sum(f["severity"] == "warning" for f in findings),
    }


def _history(conn: sa.Connection, coop_id: str, on: date) -> tuple[CoopState, list[dict[str, Any]]]:
    """The cooperative as at `on`, folded from its corrected history (the write model's
    fold: R5's highest capital without reversed mistakes, nothing dated after `on`), and
    the periods when public bodies held more than the cap in force (R3)."""
    entries = corrected(read_entries(conn, _registry(), coop_id))
    if not entries:
        raise NotFound("cooperative", coop_id)
    state, periods = Fold(), _Periods()
    for entry in entries:
        if entry.on > on:
            break
        if state.coop is not None and entry.on > state.on:
            periods.close_day(state)
        violation = judge(state, entry)
        if violation is None or violation.kind != "structural":
            apply(state, entry)
    if state.coop is not None:
        periods.close_day(state)
    coop = state.coop or _before_incorporation(
        next(e.event for e in entries if isinstance(e.event, CoopRegistered)), coop_id
    )
    return coop, periods.findings(on)


def _before_incorporation(registered: Any, coop_id: str) -> CoopState:
    return CoopState(
        coop_id,
        registered.incorporated_on,
        [(registered.incorporated_on, registered.statutes)],
        CapitalState(),
        [],
    )


class _Periods:
    """R3 — dated spans when public bodies held more than the cap in force. The law does
    not let a cooperative refuse a private member's departure, so such a span is a
    finding to act on (welcome private capital), not a refusal."""

    def __init__(self) -> None:
        self.spans: list[tuple[date, date | None, str]] = []
        self._open: tuple[date, str] | None = None

    def close_day(self, state: Fold) -> None:
        assert state.coop is not None
        capital, day = state.coop.capital, state.on
        public, total = capital.public_subscribed_cents, capital.subscribed_cents
        cap = value_at(PUBLIC_CAPITAL_CAP, day)
        above = total > 0 and Decimal(public) / Decimal(total) > cap
        if above and self._open is None:
            self._open = (day, format_ratio(public, total))
        elif above and self._open is not None:
            ratio = format_ratio(public, total)
            if Decimal(ratio) > Decimal(self._open[1]):
                self._open = (self._open[0], ratio)
        elif not above and self._open is not None:
            self.spans.append((self._open[0], day, self._open[1]))
            self._open = None

    def findings(self, on: date) -> list[dict[str, Any]]:
        spans = [*self.spans, *([(self._open[0], None, self._open[1])] if self._open else [])]
        return [
            finding(
                "R3",
                "public-cap-exceeded",
                "warning",
                f"from {start} "
                + (f"to {end}" if end else f"until at least {on}")
                + f" local public bodies held up to {percent(peak)} of the capital, above "
                "the cap in force then",
                **{"from": start.isoformat()},
                to=end.isoformat() if end else None,
                peak=peak,
            )
            for start, end, peak in spans
        ]


def _categories(conn: sa.Connection, state: CoopState, on: date) -> list[dict[str, Any]]:
    """R2 — at least 3 categories, including employees (or producers) and beneficiaries."""
    statutes = state.statutes_at(on)
    active = {
        row.member_id
        for row in conn.execute(
            sa.select(members.c.member_id).where(
                members.c.coop_id == state.coop_id,
                members.c.admitted_on <= on,
                sa.or_(members.c.exited_on.is_(None), members.c.exited_on > on),
            )
        )
    }
    categories = views.categories_at(conn, state.coop_id, on, None)
    represented = {categories[m] for m in active if m in categories}
    roles = {c.role for c in statutes.categories if c.code in represented}
    out = []
    if len(represented) < 3:
        out.append(
            finding(
                "R2",
                "fewer-than-three-categories",
                "warning",
                f"{len(represented)} member categories represented; a SCIC needs 3",
                represented=sorted(represented),
            )
        )
    if not roles & {"employees", "producers"}:
        out.append(
            finding(
                "R2",
                "no-employees-or-producers",
                "warning",
                "no member in an employees or producers category",
            )
        )
    if "beneficiaries" not in roles:
        out.append(
            finding("R2", "no-beneficiaries", "warning", "no member in a beneficiaries category")
        )
    if not out:
        out.append(
            finding(
                "R2",
                "categories",
                "ok",
                f"{len(represented)} categories represented",
                represented=sorted(represented),
            )
        )
    return out


def _public_share(conn: sa.Connection, state: CoopState, on: date) -> dict[str, Any]:
    """R3 — after reimbursements a cooperative can drift above the cap: say so."""
    inputs = views.capital_inputs(conn, state.coop_id, on, None)
    public, total = inputs.public_subscribed_cents, inputs.subscribed_cents
    cap = value_at(PUBLIC_CAPITAL_CAP, on)
    share = format_ratio(public, total)
    above = total > 0 and Decimal(public) / Decimal(total) > cap
    return finding(
        "R3",
        "public-share",
        "warning" if above else "ok",
        f"local public bodies hold {share} of the capital (cap {cap})",
        public=format_cents(public),
        capital=format_cents(total),
        share=share,
        cap=str(cap),
    )


def _floor(conn: sa.Connection, state: CoopState, on: date) -> list[dict[str, Any]]:
    """R5 — headroom above the floor, and reimbursements waiting on it."""
    floor = state.floor_cents(on)
    capital = state.capital.subscribed_cents
    waiting = sum(p.amounts.paid_cents for p in state.pending)
    out = [
        finding(
            "R5",
            "floor-headroom",
            "ok" if capital >= floor else "warning",
            f"capital {format_cents(capital)} € against a floor of {format_cents(floor)} €",
            capital=format_cents(capital),
            floor=format_cents(floor),
            headroom=format_cents(capital - floor),
            pending_reimbursements=len(state.pending),
            pending_amount=format_cents(waiting),
        )
    ]
    overdue = [
        p
        for p in state.pending
        if add_years(p.requested_on, state.statutes_at(on).reimbursement_delay_years) < on
    ]
    if overdue:
        out.append(
            finding(
                "R5",
                "reimbursement-overdue",
                "warning",
                f"{len(overdue)} reimbursements past the statutory delay",
                withdrawals=[p.withdrawal_id for p in overdue],
            )
        )
    return out


def _overdue_calls(conn: sa.Connection, coop_id: str, on: date) -> list[dict[str, Any]]:
    """R7 — calls past due while the subscription is still unpaid; unpaid past 5 years."""
    s, c = subscriptions.c, calls.c
    late_calls = conn.execute(
        sa.select(
            c.call_id, c.member_id, c.due_date, (s.subscribed_cents - s.paid_cents).label("unpaid")
        )
        .join(subscriptions, s.subscription_id == c.subscription_id)
        .where(
            c.coop_id == coop_id,
            c.due_date < on,
            sa.not_(c.reversed),
            s.called_cents > s.paid_cents,
        )
    ).all()
    out = [
        finding(
            "R7",
            "call-overdue",
            "warning",
            f"call {r.call_id} was due on {r.due_date} and is not fully paid",
            member_id=r.member_id,
            unpaid=format_cents(r.unpaid),
        )
        for r in late_calls
    ]
    stale = conn.execute(
        sa.select(s.subscription_id, s.member_id, s.subscribed_on).where(
            s.coop_id == coop_id,
            s.subscribed_cents > s.paid_cents,
            s.subscribed_on < add_years(on, -PAY_UP_YEARS),
        )
    ).all()
    out += [
        finding(
            "R7",
            "unpaid-after-five-years",
            "warning",
            f"subscription {r.subscription_id} of {r.subscribed_on} is not fully paid "
            "five years on",
            member_id=r.member_id,
        )
        for r in stale
    ]
    return out
