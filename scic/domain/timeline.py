"""A cooperative's own history, as the write model sees it: typed events in timeline
order, folded by `evolve` into the state a decision is judged on, and re-judged event by
event when a back-dated event or a correction changes the past.

How the ledger keeps its promises (README "How the ledger keeps its promises"):
  * Order. Events are read in `sort_key` order: (effective date, position).
  * Corrected history. A reversed event and its reversal are both left out of the fold:
    decisions, R5's highest capital and compliance see the history as it should have
    been, while the ledger keeps both events (bitemporal views still show the mistake
    as known at the time).
  * Judging. `judge(state, entry)` says whether an event is lawful on the state just
    before it, at its own date: the structural invariants (nothing paid, called,
    transferred or withdrawn before it exists or beyond what is held, paid ≤ called ≤
    subscribed, holdings never negative), R1 (no revaluation), R3 (public cap and
    statutes in force at that date), R5 (a reimbursement keeps capital at the floor).
    A command dated D is decided on the state as at D; then every later event is judged
    again on the new history, and the first one that has become unlawful refuses the
    command (a `Violation` naming the rule, the event and its date).
  * What was already in the ledger. Violations that were in history before the command
    (written by an older version, or tolerated by a correction) are the `baseline`:
    they are compliance findings, not reasons to refuse everything that follows.

No I/O here: scic/write/store.py loads the entries and caches the fold.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel

from scic.domain import funding_timeline
from scic.domain.cooperative import (
    CoopRegistered,
    StatutesAmended,
    check_nominal_kept,
    check_subscribed_at_nominal,
)
from scic.domain.corrections import EventReversed
from scic.domain.fold import Fold as Fold
from scic.domain.fold import apply as apply
from scic.domain.fold import coop_of
from scic.domain.fold import evolve as evolve
from scic.domain.history_index import END, HistoryIndex, Walk, delta, members_of
from scic.domain.members import (
    MemberAdmitted,
    MemberCategoryChanged,
    check_category,
    check_date,
    require_active,
)
from scic.domain.rules_check import check_public_cap
from scic.domain.shares import (
    MemberWithdrew,
    OwedCallPaid,
    ReimbursementPaidOut,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
    check_held,
    check_owed_payment,
    check_paid_called,
    check_payout,
    implicit_call,
    require_subscription,
    waiting_unpaid,
)
from scic.errors import DomainError
from scic.money import format_cents


@dataclass(frozen=True)
class Entry:
    """One event of the cooperative's history.

    Attributes:
      position: ledger position (for a decision not yet appended, the position it will get).
      event_id: the ledger's event id.
      on: effective date.
      event: the typed payload (None for event types the write model ignores).
      type: the event type name.
      reverses: event id this one compensates.
      write_id: the id the write that produced it returned (`sub_…`, `pay_…`).
    """

    position: int
    event_id: str
    on: date
    event: BaseModel | None
    type: str
    reverses: str | None = None
    write_id: str | None = None


def sort_key(entry: Entry) -> tuple[date, int]:
    """THE order of a cooperative's history: effective date, then ledger position.

    The law judges a fact on the situation at its own date (R3's cap and statutes, R5's
    floor, R7's unpaid), so history is read by business date. Facts of the same day keep
    the order the ledger learnt them, which is the order they were decided in: a
    back-dated event lands after the events already recorded for its day. Every fold of
    the write model and of the compliance view uses this key, and only this key."""
    return (entry.on, entry.position)


Kind = Literal["structural", "R3", "R5", "R14"]


@dataclass(frozen=True)
class Violation:
    """An event that is not lawful on the history before it. `kind` says what a
    correction does with it: R3 breaches are recorded and reported, R5 reimbursements
    are compensated, structural ones refuse. R14: a de minimis ceiling reached (the aid
    was granted: it stays in the fold)."""

    event_id: str
    on: date
    slug: str
    rule: str | None
    detail: str
    kind: Kind = "structural"

    @property
    def key(self) -> tuple[str, str]:
        return (self.event_id, self.slug)


# -- judging ---------------------------------------------------------------------------


def judge(state: Fold, entry: Entry) -> Violation | None:
    """Is `entry` lawful on `state` (the history just before it), at its own date? Each
    invariant is the aggregate's own check, the one its decider runs (`_checked`): the
    same code refuses a command dated today and one whose back-dating breaks it."""
    e, on = entry.event, entry.on

    def no(slug: str, detail: str, rule: str | None = None, kind: Kind = "structural") -> Violation:
        return Violation(entry.event_id, on, slug, rule, detail, kind)

    if e is None or isinstance(e, CoopRegistered | EventReversed):
        return None
    early = _checked(no, lambda: check_date(state.coop, on))
    if early is not None or state.coop is None:
        return early
    coop = state.coop
    match e:
        case StatutesAmended():
            current = coop.statutes_at(on)
            return _checked(
                no, lambda: check_nominal_kept(current, e.statutes, coop.capital.shares, on)
            )
        case MemberAdmitted():
            return _checked(no, lambda: check_category(coop.statutes_at(on), e.category, on))
        case MemberCategoryChanged():
            return _active(state, e.member_id, on, no) or _judge_category(state, e, on, no)
        case SharesSubscribed():
            return _active(state, e.member_id, on, no) or _judge_subscription(state, e, on, no)
        case SharesCalled() | SharesPaid():
            return _active(state, e.member_id, on, no) or _judge_funding_of(state, e, on, no)
        case MemberWithdrew():
            return _active(state, e.member_id, on, no) or _judge_withdrawal(state, e, on, no)
        case SharesReimbursed():
            return _judge_reimbursement(state, e, on, no)
        case ReimbursementPaidOut():
            released = state.reimbursements.get(e.withdrawal_id)
            return _checked(no, lambda: check_payout(released, e.withdrawal_id, e.amount_cents, on))
        case OwedCallPaid():
            return _judge_owed_payment(state, e, on, no)
        case SharesTransferred():
            return (
                _active(state, e.from_member_id, on, no)
                or _active(state, e.to_member_id, on, no)
                or _judge_transfer(state, e, on, no)
            )
    refused = funding_timeline.judge(state.funding, coop, entry.type, e, on)
    if refused is None:
        return None
    kind: Kind = "R14" if refused.slug == "de-minimis-ceiling" else "structural"
    return no(refused.slug, refused.detail, refused.rule, kind)


class _No(Protocol):
    def __call__(
        self, slug: str, detail: str, rule: str | None = None, kind: Kind = "structural"
    ) -> Violation: ...


def _checked(no: _No, check: Callable[[], object], kind: Kind = "structural") -> Violation | None:
    """An aggregate's check of an invariant, run on the history just before the event:
    the refusal it raises becomes the event's violation."""
    try:
        check()
    except DomainError as refused:
        return no(refused.slug, refused.detail, refused.rule, kind)
    return None


def _active(state: Fold, member_id: str, on: date, no: _No) -> Violation | None:
    return _checked(no, lambda: require_active(state.members.get(member_id), on, member_id))


def _public_cap(
    state: Fold, on: date, public_delta: int, total_delta: int, no: _No
) -> Violation | None:
    """R3 — judged with the statutes in force at the event's date."""
    coop = coop_of(state)
    return _checked(no, lambda: check_public_cap(coop, on, public_delta, total_delta), "R3")


def _judge_category(state: Fold, e: MemberCategoryChanged, on: date, no: _No) -> Violation | None:
    member = state.members[e.member_id]
    moved = member.holding.subscribed_cents
    delta = moved * (state.is_public(e.category, on) - state.is_public(member.category, on))
    return _public_cap(state, on, delta, 0, no)


def _judge_subscription(state: Fold, e: SharesSubscribed, on: date, no: _No) -> Violation | None:
    statutes = coop_of(state).statutes_at(on)
    at_nominal = _checked(
        no,
        lambda: check_subscribed_at_nominal(
            statutes, e.subscription_id, e.shares, e.subscribed_cents, on
        ),
    )
    if at_nominal is not None:
        return at_nominal
    if e.subscription_id in state.subscriptions:
        return no("duplicate-subscription", f"subscription {e.subscription_id} exists already")
    public = e.subscribed_cents if state.is_public(state.members[e.member_id].category, on) else 0
    return _public_cap(state, on, public, e.subscribed_cents, no)


def _judge_funding_of(
    state: Fold, e: SharesCalled | SharesPaid, on: date, no: _No
) -> Violation | None:
    found = state.subscriptions.get(e.subscription_id)
    missing = _checked(no, lambda: require_subscription(found, e.subscription_id, on))
    if missing is not None or found is None:
        return missing
    sub = found
    if isinstance(e, SharesPaid):
        implicit = implicit_call(sub, e.amount_cents)
        if e.called_cents != implicit:
            # R7 — a payment recorded beyond what was called called the rest itself (the
            # journal books that call); a call dated before it and recorded after would
            # call the same shares twice.
            return no(
                "payment-already-called",
                f"on {on} payment {e.payment_id} of {format_cents(e.amount_cents)} € "
                f"called {format_cents(e.called_cents)} € itself; with the calls dated "
                f"before it that would now be {format_cents(implicit)} €: reverse the "
                "payment, record the call, then the payment again",
                "R7",
            )
    called = sub.called_cents + (e.amount_cents if isinstance(e, SharesCalled) else e.called_cents)
    paying = e.amount_cents if isinstance(e, SharesPaid) else 0
    paid = sub.paid_cents + paying
    return _checked(
        no,
        lambda: check_paid_called(
            sub.subscription_id, sub.subscribed_cents, called, paid, paying, on
        ),
    )


def _judge_withdrawal(state: Fold, e: MemberWithdrew, on: date, no: _No) -> Violation | None:
    member = state.members[e.member_id]
    held = _checked(
        no,
        lambda: check_held(member, e.shares, on, e.subscribed_cents, e.paid_cents, e.exit),
    )
    if held is not None:
        return held
    free = member.free
    if e.exit and e.holding != free:
        # R5 — a member who leaves takes everything held then: a back-dated call or
        # payment (or its reversal) before the exit would leave money on an empty holding.
        return no(
            "exit-holding-changed",
            f"on {on} member {e.member_id} left with {format_cents(e.called_cents)} € "
            f"called and {format_cents(e.paid_cents)} € paid, and would now hold "
            f"{format_cents(free.called_cents)} € called and "
            f"{format_cents(free.paid_cents)} € paid: correct the withdrawal first",
        )
    return None


def _judge_reimbursement(state: Fold, e: SharesReimbursed, on: date, no: _No) -> Violation | None:
    coop = coop_of(state)
    pending = next((p for p in coop.pending if p.withdrawal_id == e.withdrawal_id), None)
    if pending is None or e.holding != pending.amounts:
        return no(
            "withdrawal-not-pending",
            f"on {on} withdrawal {e.withdrawal_id} is not waiting for this reimbursement",
        )
    if e.paid_while_waiting_cents != pending.paid_since_cents:
        # R7 — the set-off was decided on what the former member had paid while it
        # waited: a payment (or its reversal) dated before the release would change it.
        return no(
            "reimbursement-set-off-changed",
            f"on {on} withdrawal {e.withdrawal_id} was reimbursed with "
            f"{format_cents(e.paid_while_waiting_cents)} € paid on its call while it "
            f"waited; that would now be {format_cents(pending.paid_since_cents)} €: date "
            f"the payment after {on}",
            "R7",
        )
    if e.amount_cents > e.paid_in_cents:
        return no(
            "reimbursement-above-paid",
            f"on {on} {format_cents(e.amount_cents)} € would be reimbursed for "
            f"{format_cents(e.paid_in_cents)} € paid",
            "R6",
        )
    if coop.pending[0].withdrawal_id != e.withdrawal_id:
        # R5 — reimbursements go in the order of the withdrawals (strict FIFO).
        return no(
            "reimbursement-out-of-turn",
            f"on {on} withdrawal {coop.pending[0].withdrawal_id} waits for its "
            f"reimbursement (R5 floor), so withdrawal {e.withdrawal_id}, later in the queue, "
            "cannot be reimbursed before it",
            "R5",
            "R5",
        )
    floor = coop.floor_cents(on)
    after = coop.capital.subscribed_cents - e.subscribed_cents
    if after < floor:
        # R5 — the reimbursement waits while it would take capital below the floor.
        return no(
            "reimbursement-below-floor",
            f"on {on} reimbursing withdrawal {e.withdrawal_id} would take the capital to "
            f"{format_cents(after)} €, below the R5 floor of {format_cents(floor)} €",
            "R5",
            "R5",
        )
    return None


def _judge_owed_payment(state: Fold, e: OwedCallPaid, on: date, no: _No) -> Violation | None:
    """R7 — a former member pays no more than it owes at the payment's date."""
    left = state.members[e.member_id]
    waiting = waiting_unpaid(coop_of(state).pending, e.member_id)
    return _checked(no, lambda: check_owed_payment(left, waiting, e.amount_cents, on))


def _judge_transfer(state: Fold, e: SharesTransferred, on: date, no: _No) -> Violation | None:
    giver = state.members[e.from_member_id]
    held = _checked(no, lambda: check_held(giver, e.shares, on, e.subscribed_cents, e.paid_cents))
    if held is not None:
        return held
    taker = state.members[e.to_member_id]
    delta = e.subscribed_cents * (
        state.is_public(taker.category, on) - state.is_public(giver.category, on)
    )
    return _public_cap(state, on, delta, 0, no)


# -- a whole history -------------------------------------------------------------------


def corrected(entries: Iterable[Entry]) -> list[Entry]:
    """The history as it should have been: reversed events and their reversals left out,
    in timeline order."""
    listed = list(entries)
    reversed_ids = {e.reverses for e in listed if e.reverses}
    return sorted(
        (e for e in listed if e.reverses is None and e.event_id not in reversed_ids),
        key=sort_key,
    )


def fold(
    entries: Sequence[Entry], until: date | None = None, index: HistoryIndex | None = None
) -> tuple[Fold, list[Violation]]:
    """Fold a corrected history (in timeline order), judging each event; stops after the
    events effective on `until`. `index`: filled with what was folded."""
    state = Fold()
    found: list[Violation] = []
    for entry in entries:
        if until is not None and entry.on > until:
            break
        violation = judge(state, entry)
        if violation is not None:
            found.append(violation)
        step(state, entry, violation, index)
    return state, found


def step(
    state: Fold, entry: Entry, violation: Violation | None, index: HistoryIndex | None = None
) -> bool:
    """Fold a judged entry (and index it). One that is structurally impossible there (a
    payment before its subscription, shares nobody holds) has no state to act on: it is
    left out of the fold, and stays a finding (only older ledgers hold such events).
    Returns whether it was folded."""
    if violation is not None and violation.kind == "structural":
        return False
    before = state.coop.capital if state.coop is not None else None
    apply(state, entry)
    if index is not None:
        after = state.coop.capital if state.coop is not None else None
        index.add(entry, delta(before, after), after)
    return True


def reads_capital(entry: Entry, public_members: set[str]) -> bool:
    """Does this event's judge read the capital or the R5 queue, so that an entry inserted
    before it that moves them must have it judged again? The reimbursement (R5: its turn,
    the floor, the capital), the statutes amendment (R1: the nominal while shares are out)
    and R3's checks — which only a change raising the public bodies' part can breach
    (`rules_check.public_cap_breach`), so only those of a member once in a public
    category read the capital."""
    e = entry.event
    match e:
        case SharesReimbursed() | StatutesAmended():
            return True
        case SharesSubscribed() | MemberCategoryChanged():
            return e.member_id in public_members
        case SharesTransferred():
            return e.from_member_id in public_members or e.to_member_id in public_members
    return False


WITHIN_REACH = (
    MemberAdmitted,
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    SharesTransferred,
    MemberWithdrew,
    SharesReimbursed,
    ReimbursementPaidOut,
)
"""Events a back-dated insert of which is judged from the index: they change only their
members, their subscriptions, the R5 queue and sums of the capital. The others
(statutes, categories, funding, losses, corrections) refold the history."""
MOVES_CAPITAL = (SharesSubscribed, SharesTransferred, MemberWithdrew, SharesReimbursed)
"""Of those, the ones that move what `reads_capital` events read (subscribed and public
capital, the R5 queue)."""


def only_eases(entry: Entry, index: HistoryIndex) -> bool:
    """Can this entry, inserted before events `reads_capital` names, make none of them
    unlawful? A subscription by a member never in a public category adds capital and no
    public capital, and touches no queue. R3 — a later public subscription, transfer or
    category change breaches the cap only if it raises the public part above it
    (`public_cap_breach`): it finds a lower part, so it raises it no more than before —
    unless the capital was all public then (a public subscription at 100 % raises nothing;
    at less, it does): never so in `index.all_public`'s history. R5 — a later
    reimbursement leaves the capital higher by the amount, while the floor rises by at
    most a quarter of it (a quarter of the highest capital)."""
    e = entry.event
    return (
        isinstance(e, SharesSubscribed)
        and e.member_id not in index.public_members
        and not index.all_public
    )


def can_change(entry: Entry, later: Entry, index: HistoryIndex) -> bool:
    """Can `entry`, inserted before `later`, an event of the same member, change whether
    `later` is lawful? A subscription that `only_eases` the capital's readers opens a
    subscription of its own and adds no public capital: the later subscriptions, calls,
    payments and category changes of its member are judged on their own subscription,
    the statutes and the public part, which it leaves as they were. A withdrawal or a
    transfer checks what the member held then (R5 — an exit takes all of it), so it is
    judged again."""
    if isinstance(entry.event, SharesSubscribed) and only_eases(entry, index):
        return isinstance(later.event, MemberWithdrew | SharesTransferred)
    return True


@dataclass
class Timeline:
    """A cooperative's entries (all of them, in timeline order), the fold of the
    corrected history to its end, the violations already in it (`baseline`, and by event
    in `verdicts`), and the index of what the fold held at every point."""

    entries: list[Entry]
    state: Fold
    baseline: set[tuple[str, str]]
    reversed_ids: set[str]
    index: HistoryIndex = field(default_factory=HistoryIndex)
    verdicts: dict[str, Violation] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Timeline:
        ordered = sorted(entries, key=sort_key)
        history = corrected(ordered)
        index = HistoryIndex()
        state, found = fold(history, index=index)
        reversed_ids = {e.reverses for e in ordered if e.reverses is not None}
        verdicts = {v.event_id: v for v in found}
        return cls(ordered, state, {v.key for v in found}, reversed_ids, index, verdicts)

    @property
    def last_key(self) -> tuple[date, int]:
        return sort_key(self.entries[-1]) if self.entries else (date.min, 0)

    def find(self, event_id: str) -> Entry | None:
        return next((e for e in self.entries if e.event_id == event_id), None)

    def at(self, on: date) -> Fold:
        """The state as at `on` (every event effective on or before it). The live state
        when nothing is dated later (the common case), else the index's view then."""
        if on >= self.state.on:
            return self.state
        return self.index.view((on, END[1]))

    def insert(
        self,
        new: Sequence[Entry],
        tolerate: set[Kind] | None = None,
        dry_run: bool = False,
    ) -> list[Violation]:
        """Insert `new` into history, judge it and every later event it can change the
        verdict of, and return the violations the history did not have before; when all
        are tolerated (and not `dry_run`) the timeline becomes the new history. A refusal
        changes nothing.

        Appending at the end of history judges only the new events, on the live state.
        An event of `WITHIN_REACH` dated inside it is judged on the index's view at its
        date, then the later events of its members (and, when it moves the capital, the
        later events that read it) on theirs: the cost of the members', not of the whole
        history. Anything else refolds the whole history."""
        tolerate = tolerate or set()
        if all(n.reverses is None for n in new):
            if all(sort_key(n) > self.last_key for n in new):
                return self._append(new, tolerate, dry_run)
            if self._within_reach(new):
                found = self._insert_within(new, tolerate, dry_run)
                if found is not None:
                    return found
        return self._refold(new, tolerate, dry_run)

    def _append(self, new: Sequence[Entry], tolerate: set[Kind], dry_run: bool) -> list[Violation]:
        shared = len(new) == 1 and not tolerate and not dry_run
        state = self.state if shared else self.state.copy()
        index = None if dry_run else self.index
        found: list[Violation] = []
        folded: list[Entry] = []
        for entry in new:
            violation = judge(state, entry)
            if violation is not None:
                found.append(violation)
                if violation.kind not in tolerate:
                    self._unindex(folded)
                    return found
            if step(state, entry, violation, index) and index is not None:
                folded.append(entry)  # taken back out of the index if a later one is refused
        if dry_run:
            return found
        self.state = state
        self.entries.extend(new)
        self._remember(found)
        return found

    def _within_reach(self, new: Sequence[Entry]) -> bool:
        first = min(sort_key(n) for n in new)
        return (
            self.index.registered is not None
            # an event left out of the fold (older ledgers) is not in the index, yet a
            # back-dated insert could make it lawful: such a history is refolded
            and all(v.kind != "structural" for v in self.verdicts.values())
            and not self.index.foreign
            and all(isinstance(n.event, WITHIN_REACH) for n in new)
            and not any(self.index.foreign_to(n) for n in new)
            and not any(
                isinstance(n.event, MemberAdmitted) and n.event.member_id in self.index.members
                for n in new
            )
            and not self.index.recount_after(first)
            and not any(
                isinstance(n.event, SharesSubscribed)
                and n.event.subscription_id in self.index.owners
                for n in new
            )
        )

    def _insert_within(
        self, new: Sequence[Entry], tolerate: set[Kind], dry_run: bool
    ) -> list[Violation] | None:
        """`insert` of events within reach, from the index. None: a verdict changed in a
        way only a refold can follow (an event found impossible, or a finding gone)."""
        ordered = sorted(new, key=sort_key)
        first = sort_key(ordered[0])
        later: dict[str, Entry] = {}
        for n in ordered:
            for member_id in members_of(n):
                later.update(
                    (e.event_id, e)
                    for e in self.index.entries_of(member_id, sort_key(n))
                    if e.event_id in self.verdicts or can_change(n, e, self.index)
                )
        if any(
            isinstance(n.event, MOVES_CAPITAL) and not only_eases(n, self.index) for n in ordered
        ):
            readers = self.index.later_readers(first, reads_capital)
            later.update((e.event_id, e) for e in readers)
        else:  # a finding among them may be one no more
            public = self.index.public_members
            later.update(
                (e.event_id, e) for e in self._findings_after(first) if reads_capital(e, public)
            )
        mine = {n.event_id for n in ordered}
        rejudged = [e for e in later.values() if e.event_id not in mine]
        found: list[Violation] = []
        recalled: list[Violation] = []
        folded: list[Entry] = []
        walk = Walk(self.index)
        public = self.index.public_members
        for entry in sorted([*ordered, *rejudged], key=sort_key):
            own = entry.event_id in mine
            view = walk.view(entry, own, reads_capital(entry, public))
            violation = judge(view, entry)
            if not own:
                known = self.verdicts.get(entry.event_id)
                if known is not None:
                    if violation is not None and violation.slug == known.slug:
                        continue  # already a finding: the baseline
                    self._unindex(folded)
                    return None
                if violation is None:
                    continue
                if violation.key in self.baseline and violation.kind != "structural":
                    recalled.append(violation)  # a finding gone, then back: the baseline
                    continue
            if violation is not None:
                found.append(violation)
                if violation.kind == "structural":
                    # left out of the fold: refused here, or followed by a refold
                    self._unindex(folded)
                    return None if "structural" in tolerate else found
            if own:
                step(view, entry, violation, self.index)
                folded.append(entry)
        if dry_run or any(v.kind not in tolerate for v in found):
            self._unindex(folded)
            return found
        for n in ordered:
            bisect.insort(self.entries, n, key=sort_key)
        self._refresh_live(ordered, walk)
        self._remember([*found, *recalled])
        return found

    def _findings_after(self, point: tuple[date, int]) -> list[Entry]:
        """The entries after `point` that are findings already, found from their dates
        (the findings are few; the capital's readers after a date grow with history)."""
        found = []
        for v in self.verdicts.values():
            if v.on < point[0]:
                continue
            i = bisect.bisect_left(self.entries, v.on, key=lambda e: e.on)
            while i < len(self.entries) and self.entries[i].on == v.on:
                entry = self.entries[i]
                if entry.event_id == v.event_id:
                    if sort_key(entry) > point:
                        found.append(entry)
                    break
                i += 1
        return found

    def _refresh_live(self, new: Sequence[Entry], walk: Walk) -> None:
        """The live state after events inserted inside history: their members and
        subscriptions folded to the end, the capital summed from the index, the queue
        folded to the end."""
        live = self.state
        coop = live.coop
        assert coop is not None
        for member_id in {m for n in new for m in members_of(n)}:
            member, folded = walk.member(member_id)
            if member is not None:
                live.members[member_id] = member
            live.subscriptions.update(folded.subscriptions)
        queue = walk.queue_at_end()
        assert queue.coop is not None
        capital = self.index.capital_before(END)
        live.coop = replace(coop, capital=capital, pending=list(queue.coop.pending))
        live.withdrawals = dict(queue.withdrawals)
        live.reimbursements = dict(queue.reimbursements)
        live.on = max(live.on, *(n.on for n in new))

    def _unindex(self, folded: Sequence[Entry]) -> None:
        for entry in reversed(folded):
            self.index.remove(entry)

    def _remember(self, found: Sequence[Violation]) -> None:
        self.baseline |= {v.key for v in found}
        self.verdicts.update((v.event_id, v) for v in found)

    def _refold(self, new: Sequence[Entry], tolerate: set[Kind], dry_run: bool) -> list[Violation]:
        entries = sorted([*self.entries, *new], key=sort_key)
        reversed_ids = self.reversed_ids | {n.reverses for n in new if n.reverses}
        history = [e for e in entries if e.reverses is None and e.event_id not in reversed_ids]
        index = HistoryIndex()
        state, found = fold(history, index=index)
        fresh = [v for v in found if v.key not in self.baseline]
        if dry_run or any(v.kind not in tolerate for v in fresh):
            return fresh
        self.entries, self.state, self.reversed_ids = entries, state, reversed_ids
        self.index = index
        self.baseline |= {v.key for v in found}
        self.verdicts = {v.event_id: v for v in found}
        return fresh
