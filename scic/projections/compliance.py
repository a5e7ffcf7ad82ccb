"""Compliance report: checks that find problems return findings, not refusals (R2, R3,
R5, R7, R10, R11, R12). Each finding names its rule, a severity, the figures behind it
and the date it starts (`from`).

Everything is computed as at `as_of` from the cooperative's corrected history (the write
model's timeline: reversed mistakes left out, nothing dated after `as_of`), never from
the read-side tables: a report as at a past date says what was true then."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa

from ledger import EventRegistry
from scic.dates import add_years
from scic.domain import reviews
from scic.domain.cooperative import CoopRegistered
from scic.domain.esus import EsusInvested
from scic.domain.fiscal_years import FiscalYearClosed
from scic.domain.members import holds_no_share, is_associate
from scic.domain.rules_check import percent
from scic.domain.shares import OwedCallPaid, SharesCalled, SharesPaid
from scic.domain.state import CapitalState, CoopState, MemberState
from scic.domain.timeline import Entry, Fold, apply, corrected, judge
from scic.domain.titles import TitlesIssued, TitlesRedeemed, form_not_named
from scic.errors import NotFound
from scic.events import build_registry
from scic.money import format_cents, format_ratio
from scic.rules.dated import (
    PAY_UP_YEARS,
    PUBLIC_CAPITAL_CAP,
    value_at,
)
from scic.write.store import read_entries

REVIEW_NOTICE = timedelta(days=90)  # the reminder's notice (scic/integrations/reminders.py)
DAY = timedelta(days=1)


@cache
def _registry() -> EventRegistry:
    return build_registry()


class Cents(int):
    """An amount in cents among a finding's figures (the edge writes it in euros)."""


Figure = str | int | date | Decimal | list[str] | None


@dataclass(frozen=True, slots=True)
class Finding:
    """Attributes: figures, the figures behind the finding (amounts as `Cents`, dates,
    ratios); `from` among them, the date it starts (None: not known)."""

    rule: str
    code: str
    severity: str  # ok | warning
    message: str
    figures: dict[str, Figure]


@dataclass(frozen=True, slots=True)
class Report:
    as_of: date
    findings: list[Finding]

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def finding(rule: str, code: str, severity: str, message: str, **figures: Figure) -> Finding:
    return Finding(rule, code, severity, message, figures)


def compliance(conn: sa.Connection, coop_id: str, on: date) -> Report:
    entries = corrected(read_entries(conn, _registry(), coop_id))
    if not entries:
        raise NotFound("cooperative", coop_id)
    walk = _walk(entries, on)
    findings = [
        *_categories(walk, on),
        *_without_shares(walk, on),
        _public_share(walk, on),
        *walk.public_spans.findings(on),
        *_floor(walk, on),
        *_overdue_calls(walk, on),
        *_owed_after_exit(walk),
        *_unpaid_after_five_years(walk, on),
        *_review(walk, on),
        *_titles(walk, on),
        *_esus(walk),
    ]
    return Report(on, findings)


# -- the walk through history ----------------------------------------------------------


@dataclass
class _Call:
    call_id: str
    subscription_id: str
    member_id: str
    due_date: date
    called_cents: int
    paid_cents: int = 0


@dataclass
class _Issue:
    issue_id: str
    issued_on: date
    legal_form: str
    nominal_cents: int
    outstanding: int


@dataclass
class _Walk:
    """What the findings read, as at the report's date.

    Attributes:
      state: the write model's fold of the corrected history up to the date.
      since: per status key, (its value, the first day it held) — the date a finding starts.
      calls: every call, with what was paid against it (R7).
      closings: per fiscal year, its end, recorded result and the highest capital by then.
      issues: titres participatifs issued, with the legal form of their day (R11).
      investments: ESUS investments, judged against the approvals at the end (R12).
    """

    state: Fold = field(default_factory=Fold)
    since: dict[str, tuple[object, date]] = field(default_factory=dict)
    public_spans: _Periods = field(default_factory=lambda: _Periods())
    calls: dict[str, _Call] = field(default_factory=dict)
    closings: dict[int, tuple[date, int | None, int]] = field(default_factory=dict)
    issues: dict[str, _Issue] = field(default_factory=dict)
    investments: list[tuple[date, EsusInvested]] = field(default_factory=list)
    coop: CoopState | None = None
    reviews: list[date] = field(default_factory=list)

    def mark(self, key: str, value: object, day: date) -> None:
        if key not in self.since or self.since[key][0] != value:
            self.since[key] = (value, day)

    def started(self, key: str) -> date | None:
        found = self.since.get(key)
        return found[1] if found else None


def _walk(entries: list[Entry], on: date) -> _Walk:
    walk = _Walk()
    state = walk.state
    for entry in entries:
        if entry.on > on:
            break
        if state.coop is not None and entry.on > state.on:
            _close_day(walk)
        violation = judge(state, entry)
        if violation is not None and violation.kind == "structural":
            continue  # nothing to act on there (only older ledgers hold such events)
        apply(state, entry)
        _follow(walk, entry)
    if state.coop is not None:
        _close_day(walk)
    walk.coop = state.coop or _before_incorporation(
        next(e.event for e in entries if isinstance(e.event, CoopRegistered))
    )
    return walk


def _follow(walk: _Walk, entry: Entry) -> None:
    """What the fold of capital does not keep: calls one by one, closings, titles, ESUS."""
    e, state = entry.event, walk.state
    match e:
        case SharesCalled():
            (called,) = e.moves()
            walk.calls[e.call_id] = _Call(
                e.call_id, e.subscription_id, e.member_id, e.due_date, called.amounts.called_cents
            )
        case SharesPaid():
            for move in e.moves():
                _pay_calls(walk, move.subscription_id, move.amounts.paid_cents)
        case OwedCallPaid():
            # R7 — a former member paying while its reimbursement waits pays its calls
            # (the fold has already lowered the set-off to come)
            member = state.members.get(e.member_id)
            if member is not None and not _reimbursed(member):
                _pay_calls(walk, e.subscription_id, e.amount_cents)
        case FiscalYearClosed():
            assert state.coop is not None
            highest = state.coop.capital.highest_subscribed_cents
            walk.closings[e.year] = (entry.on, e.result_cents, highest)
        case TitlesIssued():
            assert state.coop is not None
            form = state.coop.statutes_at(entry.on).legal_form
            walk.issues[e.issue_id] = _Issue(e.issue_id, entry.on, form, e.nominal_cents, e.count)
        case TitlesRedeemed():
            if e.issue_id in walk.issues:
                walk.issues[e.issue_id].outstanding -= e.count
        case reviews.CooperativeReviewRecorded():
            walk.reviews.append(entry.on)
        case EsusInvested():
            walk.investments.append((entry.on, e))
    # R2 — since when each member it touches holds no share (not an associate)
    for attribute in ("member_id", "from_member_id", "to_member_id"):
        member = state.members.get(getattr(e, attribute, None) or "")
        if member is not None:
            walk.mark(f"R2:no-share:{member.member_id}", holds_no_share(member), entry.on)
            walk.mark(f"R7:owed:{member.member_id}", member.owed_cents > 0, entry.on)


def _pay_calls(walk: _Walk, subscription_id: str | None, cents: int) -> None:
    """R7 — a payment goes to the calls by due date, those already due first (C. civ.
    art. 1342-10); what is left beyond them is the call it made itself."""
    rest = cents
    for call in sorted(walk.calls.values(), key=lambda c: c.due_date):
        if call.subscription_id == subscription_id and rest > 0:
            paid = min(rest, call.called_cents - call.paid_cents)
            call.paid_cents += paid
            rest -= paid


def _close_day(walk: _Walk) -> None:
    """The statuses of the day just folded: a finding starts on the first day of its
    status (the law is judged at the close of each day)."""
    state = walk.state
    assert state.coop is not None
    coop, day = state.coop, state.on
    walk.public_spans.close_day(state)
    for code, holds in _category_problems(walk).items():
        walk.mark(f"R2:{code}", holds, day)
    capital = coop.capital
    cap = value_at(PUBLIC_CAPITAL_CAP, day)
    above = capital.subscribed_cents > 0 and (
        Decimal(capital.public_subscribed_cents) / Decimal(capital.subscribed_cents) > cap
    )
    walk.mark("R3:public-share", above, day)
    walk.mark("R5:floor", capital.subscribed_cents >= coop.floor_cents(day), day)


def _before_incorporation(registered: Any) -> CoopState:
    return CoopState(
        registered.coop_id,
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

    def findings(self, on: date) -> list[Finding]:
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
                **{"from": start},
                to=end,
                peak=peak,
            )
            for start, end, peak in spans
        ]


# -- R2 --------------------------------------------------------------------------------


def _represented(walk: _Walk) -> set[str]:
    """R2 — the categories of the associates: a member admitted with no share yet (or
    whose shares all wait for their reimbursement) does not count (DOMAIN R4: an
    associate holds at least one share)."""
    return {m.category for m in walk.state.members.values() if is_associate(m)}


def _category_problems(walk: _Walk) -> dict[str, bool]:
    """R2 — at least 3 categories, including employees (or producers) and beneficiaries
    (art. 19 septies), among the associates at the close of the day."""
    state = walk.state
    assert state.coop is not None
    represented = _represented(walk)
    statutes = state.coop.statutes_at(state.on)
    roles = {c.role for c in statutes.categories if c.code in represented}
    problems = {
        "fewer-than-three-categories": len(represented) < 3,
        "no-employees-or-producers": not roles & {"employees", "producers"},
        "no-beneficiaries": "beneficiaries" not in roles,
    }
    return {**problems, "categories": not any(problems.values())}


def _categories(walk: _Walk, on: date) -> list[Finding]:
    if walk.state.coop is None:  # before incorporation: nothing to judge yet
        return []
    represented = sorted(_represented(walk))
    problems = _category_problems(walk)
    messages = {
        "fewer-than-three-categories": (
            f"{len(represented)} member categories represented; a SCIC needs 3"
        ),
        "no-employees-or-producers": "no member in an employees or producers category",
        "no-beneficiaries": "no member in a beneficiaries category",
    }
    out = [
        finding(
            "R2",
            code,
            "warning",
            f"{message} (since {walk.started(f'R2:{code}')})",
            represented=represented,
            **{"from": walk.started(f"R2:{code}")},
        )
        for code, message in messages.items()
        if problems[code]
    ]
    if not out:
        out.append(
            finding(
                "R2",
                "categories",
                "ok",
                f"{len(represented)} categories represented",
                represented=represented,
                **{"from": walk.started("R2:categories")},
            )
        )
    return out


def _without_shares(walk: _Walk, on: date) -> Iterator[Finding]:
    """R2 — a member admitted who holds no share is not an associate (yet, or any more):
    it counts in no category, no college, no vote."""
    for member in walk.state.members.values():
        if holds_no_share(member):
            since = walk.started(f"R2:no-share:{member.member_id}")
            yield finding(
                "R2",
                "member-without-shares",
                "warning",
                f"member {member.number or member.member_id} was admitted on "
                f"{member.admitted_on} but holds no share: not an associate yet",
                member_id=member.member_id,
                number=member.number,
                admitted_on=member.admitted_on,
                **{"from": since or member.admitted_on},
            )


# -- R3, R5 ----------------------------------------------------------------------------


def _public_share(walk: _Walk, on: date) -> Finding:
    """R3 — after reimbursements a cooperative can drift above the cap: say so."""
    assert walk.coop is not None
    capital = walk.coop.capital
    public, total = capital.public_subscribed_cents, capital.subscribed_cents
    cap = value_at(PUBLIC_CAPITAL_CAP, on)
    share = format_ratio(public, total)
    above = total > 0 and Decimal(public) / Decimal(total) > cap
    return finding(
        "R3",
        "public-share",
        "warning" if above else "ok",
        f"local public bodies hold {share} of the capital (cap {cap})",
        public=Cents(public),
        capital=Cents(total),
        share=share,
        cap=cap,
        **{"from": walk.started("R3:public-share")},
    )


def _floor(walk: _Walk, on: date) -> list[Finding]:
    """R5 — headroom above the floor, and reimbursements waiting on it past the delay."""
    coop = walk.coop
    assert coop is not None
    floor = coop.floor_cents(on)
    capital = coop.capital.subscribed_cents
    waiting = sum(p.amounts.paid_cents for p in coop.pending)
    out = [
        finding(
            "R5",
            "floor-headroom",
            "ok" if capital >= floor else "warning",
            f"capital {format_cents(capital)} € against a floor of {format_cents(floor)} €",
            capital=Cents(capital),
            floor=Cents(floor),
            headroom=Cents(capital - floor),
            pending_reimbursements=len(coop.pending),
            pending_amount=Cents(waiting),
            **{"from": walk.started("R5:floor")},
        )
    ]
    delay = coop.statutes_at(on).reimbursement_delay_years
    for p in coop.pending:
        due = add_years(p.requested_on, delay)
        if due < on:
            out.append(
                finding(
                    "R5",
                    "reimbursement-overdue",
                    "warning",
                    f"withdrawal {p.withdrawal_id} of {p.requested_on} was to be reimbursed "
                    f"by {due} (statutory delay of {delay} years)",
                    withdrawal_id=p.withdrawal_id,
                    member_id=p.member_id,
                    amount=Cents(p.amounts.paid_cents),
                    due_on=due,
                    **{"from": due + DAY},
                )
            )
    return out


# -- R7 --------------------------------------------------------------------------------


def _overdue_calls(walk: _Walk, on: date) -> Iterator[Finding]:
    """R7 — each call past its due date with part of it unpaid as at `on`: what was
    called, what was paid against it (payments go to the call due first), what is
    overdue. A member who has left still owes its calls (C. com. L231-6) while its
    shares wait for their reimbursement; once reimbursed, the call was set against the
    reimbursement and what is left is `_owed_after_exit`'s."""
    members = walk.state.members
    for call in walk.calls.values():
        overdue = call.called_cents - call.paid_cents
        member = members.get(call.member_id)
        if call.due_date >= on or overdue <= 0 or member is None or _reimbursed(member):
            continue
        yield finding(
            "R7",
            "call-overdue",
            "warning",
            f"call {call.call_id} of {format_cents(call.called_cents)} € was due on "
            f"{call.due_date}: {format_cents(overdue)} € of it is overdue",
            call_id=call.call_id,
            subscription_id=call.subscription_id,
            member_id=call.member_id,
            due_date=call.due_date,
            called=Cents(call.called_cents),
            paid=Cents(call.paid_cents),
            overdue=Cents(overdue),
            **{"from": call.due_date + DAY},
        )


def _reimbursed(member: MemberState) -> bool:
    """Gone, and its shares cancelled (reimbursed): it holds nothing any more."""
    return not member.active and member.holding.shares == 0


def _owed_after_exit(walk: _Walk) -> Iterator[Finding]:
    """R7 — a former member's calls that setting them against its reimbursement did not
    settle (its loss share was above what it had paid): still owed (C. com. L231-6)."""
    for member in walk.state.members.values():
        if member.owed_cents > 0:
            yield finding(
                "R7",
                "owed-after-exit",
                "warning",
                f"former member {member.number or member.member_id} (left on "
                f"{member.exited_on}) still owes {format_cents(member.owed_cents)} € of "
                "its calls",
                member_id=member.member_id,
                number=member.number,
                exited_on=member.exited_on,
                owed=Cents(member.owed_cents),
                **{"from": walk.started(f"R7:owed:{member.member_id}")},
            )


def _unpaid_after_five_years(walk: _Walk, on: date) -> Iterator[Finding]:
    """R7 — the unpaid part of a subscription is paid within 5 years."""
    members = walk.state.members
    for sub in walk.state.subscriptions.values():
        deadline = add_years(sub.subscribed_on, PAY_UP_YEARS)
        unpaid = sub.subscribed_cents - sub.paid_cents
        member = members.get(sub.member_id)
        if deadline >= on or unpaid <= 0 or member is None or not member.active:
            continue
        yield finding(
            "R7",
            "unpaid-after-five-years",
            "warning",
            f"subscription {sub.subscription_id} of {sub.subscribed_on} is not fully paid "
            f"five years on ({format_cents(unpaid)} € unpaid since {deadline + DAY})",
            subscription_id=sub.subscription_id,
            member_id=sub.member_id,
            unpaid=Cents(unpaid),
            **{"from": deadline + DAY},
        )


# -- R10 -------------------------------------------------------------------------------


def _review(walk: _Walk, on: date) -> list[Finding]:
    """R10 — a cooperative review every 5 years from the last report made available
    (décret 2015-706 art. 14; the first from incorporation), and also after three
    loss-making fiscal years since the last review, not necessarily in a row, or a
    year's loss of half the highest capital reached (loi 47-1775 art. 25-1, applied to
    SCIC by art. 19 duodecies). A due review stays due, then overdue, until one is
    recorded."""
    assert walk.coop is not None
    closings = [
        reviews.Closing(year, end, result, top)
        for year, (end, result, top) in walk.closings.items()
    ]
    found = reviews.due(walk.coop.incorporated_on, walk.reviews, closings, on)
    periodic = reviews.status(found.periodic_due, on, REVIEW_NOTICE)
    last = (
        f"the last review's report was made available on {found.last_review}"
        if found.last_review
        else "no review recorded since incorporation"
    )
    out = [
        finding(
            "R10",
            "cooperative-review",
            "ok" if periodic == "ok" else "warning",
            f"the periodic cooperative review (révision coopérative) is "
            f"{'overdue since' if periodic == 'overdue' else 'due by'} {found.periodic_due} "
            f"({last})",
            trigger="every-five-years",
            status=periodic,
            due_on=found.periodic_due,
            last_review=found.last_review,
            **{"from": found.periodic_from},
        )
    ]
    for trigger in found.triggers:
        _, result, top = walk.closings[trigger.year]
        state = "overdue" if on > trigger.due_on else "due"
        out.append(
            finding(
                "R10",
                "cooperative-review-triggered",
                "warning",
                f"fiscal year {trigger.year}: {trigger.reason}: a cooperative review is "
                f"{'overdue since' if state == 'overdue' else 'due by'} {trigger.due_on} "
                f"({last})",
                trigger=trigger.code,
                status=state,
                fiscal_year=trigger.year,
                loss_making_years=trigger.losses_since_review,
                result=Cents(result or 0),
                highest_capital=Cents(top),
                due_on=trigger.due_on,
                **{"from": trigger.end},
            )
        )
    return out


# -- R11, R12 --------------------------------------------------------------------------


def _titles(walk: _Walk, on: date) -> Iterator[Finding]:
    """R11 — outstanding titres participatifs issued by a legal form C. com. L228-36 does
    not name: recorded (the law is uncertain there), reported from their issue."""
    for issue in walk.issues.values():
        message = form_not_named(issue.legal_form, issue.issued_on)
        if message is None or issue.outstanding <= 0:
            continue
        yield finding(
            "R11",
            "titles-form-not-named",
            "warning",
            message.removeprefix("R11: "),
            issue_id=issue.issue_id,
            legal_form=issue.legal_form,
            outstanding=Cents(issue.outstanding * issue.nominal_cents),
            **{"from": issue.issued_on},
        )


def _esus(walk: _Walk) -> Iterator[Finding]:
    """R12 — investments made while no ESUS approval was in force: lawful, recorded, but
    not solidarity investments (the approval is the condition of that status). Judged on
    the timeline: an approval recorded later but dated before the investment covers it
    (C. trav. R3332-21-3)."""
    funding = walk.state.funding
    for day, e in walk.investments:
        if funding.approval_in_force(day):
            continue
        yield finding(
            "R12",
            "investment-outside-approval",
            "warning",
            f"investment {e.investment_id} of {format_cents(e.amount_cents)} € on {day} was "
            "made while no ESUS approval was in force: it does not count as a solidarity "
            "investment",
            investment_id=e.investment_id,
            investor_id=e.investor_id,
            instrument=e.instrument,
            amount=Cents(e.amount_cents),
            **{"from": day},
        )
