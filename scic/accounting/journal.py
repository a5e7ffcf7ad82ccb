"""The journal: every event of a cooperative mapped to balanced double entries in the plan
comptable général (PCG). The one place that knows which account an event moves; the
README's account table is this module written out.

The ledger keeps the capital and funding sub-ledger of the cooperative, not its whole
books: the year's result comes from the general accounts (entered at closing), so the
allocation of the result debits 120/129 that the general accounts credit.

Ordering: entries follow the timeline, (effective date, position) — a back-dated event
sits at its date — then derived year-end entries (grant releases) after the day's events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from pydantic import BaseModel

from ledger import RecordedEvent
from scic.accounting import deferred
from scic.domain.cooperative import CoopRegistered
from scic.domain.corrections import EventReversed
from scic.domain.esus import EsusInvested
from scic.domain.fiscal_years import FiscalYear, years_until
from scic.domain.grants import (
    GrantAmended,
    GrantAwarded,
    GrantClawedBack,
    GrantFlow,
    GrantInstalmentReceived,
    GrantJustified,
    release_schedule,
)
from scic.domain.losses import RESERVE_ACCOUNTS, CarriedLossCharged
from scic.domain.shares import (
    OwedCallPaid,
    ReimbursementPaidOut,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    compensated_cents,
)
from scic.domain.surplus import SurplusAllocated
from scic.domain.titles import TitlesIssued, TitlesRedeemed, TitlesRemunerated
from scic.events import typed

# -- the chart: accounts this ledger moves ------------------------------------------------

ACCOUNTS: dict[str, str] = {
    "1011": "Capital souscrit non appelé",
    "1012": "Capital souscrit appelé non versé",
    "1013": "Capital souscrit appelé versé",
    "1061": "Réserve légale",
    "1063": "Réserve statutaire impartageable",
    "1068": "Autres réserves impartageables",
    "109": "Associés capital souscrit non appelé",
    "119": "Report à nouveau débiteur",
    "120": "Résultat de l'exercice (bénéfice)",
    "129": "Résultat de l'exercice (perte)",
    "131": "Subventions d'équipement",
    "138": "Autres subventions d'investissement",
    "139": "Subventions d'investissement inscrites au compte de résultat",
    "1681": "Autres emprunts (prêts solidaires, investisseurs ESUS)",
    "1671": "Titres participatifs",
    "4411": "Subventions d'investissement à recevoir",
    "4417": "Subventions d'exploitation à recevoir",
    "457": "Associés intérêts aux parts à payer",
    "4561": "Associés comptes d'apport en société",
    "4562": "Associés capital appelé non versé",
    "4567": "Associés capital à rembourser",
    "487": "Produits constatés d'avance",
    "512": "Banque",
    "6611": "Intérêts des titres participatifs",
    "740": "Subventions d'exploitation",
    "747": "Quote-part des subventions d'investissement virée au résultat",
    "777": "Quote-part des subventions d'investissement virée au résultat",
}

# R17 — labels in French
PURPOSE_LABELS = {"operating": "d'exploitation", "investment": "d'investissement"}

JOURNALS: dict[str, str] = {
    "CAP": "Capital social",
    "BQ": "Banque",
    "SUB": "Subventions",
    "OD": "Opérations diverses",
    "AN": "À-nouveaux",
}

# Sub-ledgers (CompAuxNum): members on 4561/4562/4567, funders on 4411/4417, holders on
# 1671, ESUS lenders on 1681. Labels name the id, not the person: personal data can be
# erased (GDPR) and a closed year's export must not change when it is.
MEMBER_ACCOUNTS = {"4561", "4562", "4567"}


@dataclass(frozen=True)
class Line:
    account: str
    debit_cents: int = 0
    credit_cents: int = 0
    aux: str | None = None


@dataclass(frozen=True)
class Entry:
    """One balanced journal entry (an EcritureNum in the FEC).

    Attributes:
      event_id / position: the event it books; None / the year's last position for
        derived year-end entries (investment grant releases).
      adjusts: for a prior-period adjustment, the closed-year event it corrects.
    """

    journal: str
    on: date
    piece_ref: str
    label: str
    lines: tuple[Line, ...]
    event_id: str | None = None
    position: int = 0
    adjusts: str | None = None

    @property
    def debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines)

    @property
    def balanced(self) -> bool:
        return self.debit_cents == self.credit_cents

    def reversed(self, on: date, event_id: str, position: int, label: str) -> Entry:
        swapped = tuple(
            Line(li.account, li.credit_cents, li.debit_cents, li.aux) for li in self.lines
        )
        return Entry(self.journal, on, self.piece_ref, label, swapped, event_id, position)


def _pair(
    debit: str, credit: str, cents: int, daux: str | None = None, caux: str | None = None
) -> tuple[Line, ...]:
    """A debit and a credit of `cents` (swapped when negative; nothing when 0)."""
    if cents == 0:
        return ()
    if cents < 0:
        return _pair(credit, debit, -cents, caux, daux)
    return (Line(debit, debit_cents=cents, aux=daux), Line(credit, credit_cents=cents, aux=caux))


@dataclass
class _Context:
    """What mapping one event needs from earlier ones (a fold, in position order)."""

    incorporated_on: date | None = None
    fiscal_year_end: str = "12-31"
    grants: dict[str, GrantAwarded] = field(default_factory=dict)
    grant_net: dict[str, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))
    holders: dict[str, str] = field(default_factory=dict)
    paid_out: set[str] = field(default_factory=set)
    """Withdrawals whose reimbursement has a payout event: paid at its date, not at the
    release."""
    grant_flows: dict[str, tuple[str, int]] = field(default_factory=dict)
    """event id → (grant id, change of the net award) for events a correction may undo."""
    booked: dict[str, list[Entry]] = field(default_factory=dict)
    deferred: dict[str, _Deferral] = field(default_factory=dict)
    """award event id → the later years' parts of a multi-year operating grant (487)."""


@dataclass
class _Deferral:
    grant_id: str
    parts: dict[FiscalYear, int]
    """An award is never reversed (a clawback or an amendment is recorded instead)."""


class _Book(Protocol):
    def __call__(self, journal: str, ref: str, label: str, *lines: Line) -> Entry: ...


# -- mapping ---------------------------------------------------------------------------


def _call(member: str, cents: int) -> tuple[Line, ...]:
    """A call: the uncalled part becomes receivable and 1011 moves to 1012."""
    return (*_pair("4562", "109", cents, daux=member), *_pair("1011", "1012", cents))


def _payment(member: str, cents: int) -> tuple[Line, ...]:
    return (*_pair("512", "4562", cents, caux=member), *_pair("1012", "1013", cents))


def _grant_accounts(grant: GrantAwarded) -> tuple[str, str]:
    """(receivable, equity or income) of a grant (R14)."""
    if grant.purpose == "operating":
        return "4417", "740"
    return "4411", ("131" if grant.depreciation else "138")


def _map(e: RecordedEvent, ev: BaseModel | None, ctx: _Context) -> list[Entry]:
    """The entries one event books. What it moves is the event's own say (its capital or
    grant move, scic/domain); this module says which accounts that moves."""
    on = e.effective_date

    def entry(journal: str, ref: str, label: str, *lines: Line) -> Entry:
        return Entry(journal, on, ref, label, tuple(lines), e.event_id, e.position)

    match ev:
        case CoopRegistered():
            ctx.incorporated_on = ev.incorporated_on
            ctx.fiscal_year_end = ev.statutes.fiscal_year_end
        case SharesSubscribed():
            return _subscription(ev, entry)
        case SharesCalled():
            ((move),) = ev.moves()
            m = move.member_id
            return [
                entry(
                    "CAP", ev.call_id, f"Appel de capital {m}", *_call(m, move.amounts.called_cents)
                )
            ]
        case SharesPaid():
            return _paid(ev, entry)
        case SharesReimbursed():
            return _reimbursement(ev, entry, ev.withdrawal_id in ctx.paid_out)
        case ReimbursementPaidOut():
            lines = _pair("4567", "512", ev.amount_cents, daux=ev.member_id)
            label = f"Paiement du remboursement {ev.member_id}"
            return [entry("BQ", ev.withdrawal_id, label, *lines)]
        case OwedCallPaid():
            # R7 — a former member pays what it still owed (C. com. L231-6): the bank
            # against the receivable left on 4562, no capital moves (its shares are gone)
            lines = _pair("512", "4562", ev.amount_cents, caux=ev.member_id)
            label = f"Versement d'un associé sorti sur son appel non versé {ev.member_id}"
            return [entry("BQ", ev.payment_id, label, *lines)]
        case GrantAwarded() | GrantAmended() | GrantFlow():
            return _grant(e, ev, ctx, entry)
        case TitlesIssued():
            ctx.holders[ev.issue_id] = ev.holder_id
            lines = _pair("512", "1671", ev.raised_cents, caux=ev.holder_id)
            return [
                entry("BQ", ev.issue_id, f"Émission de {ev.count} titres participatifs", *lines)
            ]
        case TitlesRedeemed():
            holder = ctx.holders.get(ev.issue_id)
            lines = _pair("1671", "512", ev.amount_cents, daux=holder)
            label = f"Remboursement de {ev.count} titres participatifs"
            return [entry("BQ", ev.issue_id, label, *lines)]
        case TitlesRemunerated():
            lines = _pair("6611", "512", ev.paid_cents)
            label = f"Rémunération titres participatifs {ev.fiscal_year}"
            return [entry("BQ", ev.issue_id, label, *lines)] if lines else []
        case EsusInvested() if ev.instrument == "loan":
            # R17 — solidarity loans are other borrowings (168x), not credit institutions' (164)
            lines = _pair("512", "1681", ev.amount_cents, caux=ev.investor_id)
            return [entry("BQ", ev.investment_id, f"Prêt solidaire {ev.investor_id}", *lines)]
        case EventReversed():
            return _reversal(e, ev, ctx)
        case SurplusAllocated():
            return _allocation(e, ev, entry)
        case CarriedLossCharged():
            lines = _pair(RESERVE_ACCOUNTS[ev.reserve], "119", ev.amount_cents)
            label = "Imputation du report à nouveau débiteur sur les réserves (AG)"
            return [entry("OD", ev.charge_id, label, *lines)]
    return []  # no effect on the accounts: registers, statutes, approvals, closings…


def _subscription(ev: SharesSubscribed, entry: _Book) -> list[Entry]:
    """R7 — the shares subscribed (4561 → 1011), the uncalled part owed (109), the part
    called at once (4562, 1011 → 1012), then what was paid at subscription."""
    ((move),) = ev.moves()
    m, h = move.member_id, move.amounts
    s, c, p = h.subscribed_cents, h.called_cents, h.paid_cents
    ref = ev.subscription_id
    out = [
        entry(
            "CAP",
            ref,
            f"Souscription de {h.shares} parts {m}",
            *_pair("4561", "1011", s, daux=m),
            *_pair("109", "4561", s - c, caux=m),
            *_pair("4562", "4561", c, daux=m, caux=m),
            *_pair("1011", "1012", c),
        )
    ]
    if p:
        out.append(entry("BQ", ref, f"Libération à la souscription {m}", *_payment(m, p)))
    return out


def _paid(ev: SharesPaid, entry: _Book) -> list[Entry]:
    """R7 — a payment beyond what was called calls the rest first, then pays."""
    ((move),) = ev.moves()
    m, h = move.member_id, move.amounts
    out = []
    if h.called_cents:
        label = f"Appel par versement anticipé {m}"
        out.append(entry("CAP", ev.payment_id, label, *_call(m, h.called_cents)))
    label = f"Versement sur capital {m}"
    out.append(entry("BQ", ev.payment_id, label, *_payment(m, h.paid_cents)))
    return out


def _grant(
    e: RecordedEvent, ev: GrantAwarded | GrantAmended | GrantFlow, ctx: _Context, entry: _Book
) -> list[Entry]:
    """R14 — an award books the receivable against equity or income; an amendment its
    change; an instalment the bank; a clawback the bank back. A justification books
    nothing. The net award (for the releases) follows awards, amendments, clawbacks."""
    if isinstance(ev, GrantJustified):
        return []
    move, on = ev.move(), e.effective_date
    if isinstance(ev, GrantAwarded):
        ctx.grants[ev.grant_id] = ev
    grant = ctx.grants[ev.grant_id]
    receivable, income = _grant_accounts(grant)
    funder = grant.funder_id
    match ev:
        case GrantAwarded():
            ctx.grant_net[ev.grant_id].append((on, move.cents))
            label = f"Subvention {PURPOSE_LABELS[ev.purpose]} accordée {funder}"
            lines = _pair(receivable, income, move.cents, daux=funder)
            spread = _spread(e, grant, move.cents, ctx, receivable, funder)
            return [entry("SUB", ev.grant_id, label, *(spread or lines))]
        case GrantAmended():
            ctx.grant_net[ev.grant_id].append((on, move.cents))
            lines = _pair(receivable, income, move.cents, daux=funder, caux=funder)
            # R14, R17 — the change is spread over the funded period like the award
            spread = _spread(e, grant, move.cents, ctx, receivable, funder)
            label = f"Avenant subvention {ev.grant_id}"
            return [entry("SUB", ev.grant_id, label, *(spread or lines))] if lines else []
        case GrantInstalmentReceived():
            lines = _pair("512", receivable, move.cents, caux=funder)
            return [entry("BQ", ev.grant_id, f"Versement subvention {ev.grant_id}", *lines)]
        case GrantClawedBack():
            ctx.grant_net[ev.grant_id].append((on, -move.cents))
            ctx.grant_flows[e.event_id] = (ev.grant_id, -move.cents)
            taken = _clawed_from_deferred(e, ev.grant_id, move.cents, ctx)
            lines = (
                *((Line("487", debit_cents=taken),) if taken else ()),
                *((Line(income, debit_cents=move.cents - taken),) if move.cents > taken else ()),
                *((Line("512", credit_cents=move.cents),) if move.cents else ()),
            )
            return [entry("BQ", ev.grant_id, f"Reversement subvention {ev.grant_id}", *lines)]
    return []


def _spread(
    e: RecordedEvent,
    grant: GrantAwarded,
    cents: int,
    ctx: _Context,
    receivable: str,
    funder: str,
) -> tuple[Line, ...]:
    """R14, R17 — an operating grant's award, or an amendment's change of it, spread over
    the grant's funded period: the parts of the fiscal years after the event's wait on 487
    (released on each year's first day, `_deferred_releases`), the rest is income at once.
    Nothing (the caller books it all at once) when no later year is funded. A negative
    change (an amendment lowering the award) takes from the later years the same way."""
    if grant.purpose != "operating" or ctx.incorporated_on is None:
        return ()
    now, later = deferred.split(
        cents,
        grant.period_start,
        grant.period_end,
        e.effective_date,
        ctx.incorporated_on,
        ctx.fiscal_year_end,
    )
    if not later:
        return ()
    ctx.deferred[e.event_id] = _Deferral(grant.grant_id, later)
    # nothing this year when the funded period starts after it: no line of 0,00 in the FEC
    return (
        _signed(receivable, cents, funder),
        *((_signed("740", -now),) if now else ()),
        _signed("487", -(cents - now)),
    )


def _signed(account: str, cents: int, aux: str | None = None) -> Line:
    """A debit of `cents`, or a credit of its opposite when negative."""
    if cents >= 0:
        return Line(account, debit_cents=cents, aux=aux)
    return Line(account, credit_cents=-cents, aux=aux)


def _clawed_from_deferred(e: RecordedEvent, grant_id: str, cents: int, ctx: _Context) -> int:
    """R14, R17 — a clawback of a multi-year operating grant takes from the parts not yet
    released first (487), the latest year first: the later years will not receive them;
    what it takes beyond them is this year's income given back (740). Returns the part
    taken from 487; the later years' releases fall by it (a deferral of its own, negative)."""
    on = e.effective_date
    waiting: dict[FiscalYear, int] = defaultdict(int)
    for deferral in ctx.deferred.values():
        if deferral.grant_id == grant_id:
            for fy, part in deferral.parts.items():
                if fy.start > on:
                    waiting[fy] += part
    cut = deferred.take_back(waiting, cents)
    if cut:
        ctx.deferred[e.event_id] = _Deferral(grant_id, cut)
    return -sum(cut.values())


def _reimbursement(ev: SharesReimbursed, entry: _Book, paid_out: bool) -> list[Entry]:
    """R5, R16 — the capital falls when the reimbursement is released (debit 1013/1012,
    credit 4567 with what the cooperative owes: the nominal called less the loss share),
    the uncalled part is cancelled (109); R6 — the member's share of losses stays with the
    cooperative, reducing the loss carried forward (119). R7 — the unpaid call (4562) is
    not written off: it is set against what the cooperative owes (C. civ. art. 1347), and
    what that leaves stays owed on 4562 (C. com. L231-6).

    The payout (4567 → 512): at the date of its payout event (`ReimbursementPaidOut`,
    the bank statement's booking date) when one is recorded (`paid_out`); a reimbursement
    without one is booked paid at its release, as the ledger always did, so the books of
    reimbursements recorded before payouts were stay as they were."""
    ((move),) = ev.moves()
    m, h = move.member_id, -move.amounts
    s, c, p = h.subscribed_cents, h.called_cents, h.paid_cents
    loss, amount = ev.loss_share_cents, ev.amount_cents
    claim = c - loss
    lines = [
        Line("1013", debit_cents=p) if p else None,
        Line("1012", debit_cents=c - p) if c - p else None,
        Line("1011", debit_cents=s - c) if s - c else None,
        Line("4567", credit_cents=claim, aux=m) if claim else None,
        Line("119", credit_cents=loss) if loss else None,
        Line("109", credit_cents=s - c) if s - c else None,
    ]
    ref = ev.withdrawal_id
    out = [entry("CAP", ref, f"Remboursement de {h.shares} parts {m}", *[x for x in lines if x])]
    # R7 — what the former member paid on its call while it waited is not set off again
    set_off = compensated_cents(c, ev.paid_in_cents, loss)
    if set_off:
        label = f"Compensation de l'appel non versé avec le remboursement {m}"
        out.append(entry("OD", ref, label, *_pair("4567", "4562", set_off, daux=m, caux=m)))
    if amount and not paid_out:
        out.append(
            entry(
                "BQ", ref, f"Paiement du remboursement {m}", *_pair("4567", "512", amount, daux=m)
            )
        )
    return out


def _reversal(e: RecordedEvent, ev: EventReversed, ctx: _Context) -> list[Entry]:
    """A correction books the opposite of what the reversed event booked, on its own date:
    a prior-period adjustment (the reversed event is in a closed year) names it."""
    year = ev.prior_period_year
    prefix = f"Régularisation exercice {year}" if year else "Annulation"
    adjusts = ev.reversed_event_id if year else None
    flow = ctx.grant_flows.get(ev.reversed_event_id)
    if flow is not None:
        ctx.grant_net[flow[0]].append((e.effective_date, -flow[1]))
    out = [
        replace(
            x.reversed(e.effective_date, e.event_id, e.position, f"{prefix}: {x.label}"[:200]),
            adjusts=adjusts,
        )
        for x in ctx.booked.get(ev.reversed_event_id, [])
    ]
    cut = ctx.deferred.get(ev.reversed_event_id)
    if cut is not None:
        # R14, R17 — a clawback undone gives the later years their parts back; those of
        # the years already opened since were released short: that income now, 487 → 740
        on = e.effective_date
        passed = -sum(cents for fy, cents in cut.parts.items() if fy.start < on)
        cut.parts = {fy: cents for fy, cents in cut.parts.items() if fy.start < on}
        if passed:
            label = f"{prefix}: subvention d'exploitation des exercices ouverts depuis"
            lines = _pair("487", "740", passed)
            out.append(
                Entry("OD", on, cut.grant_id, label[:200], lines, e.event_id, e.position, adjusts)
            )
    return out


def _allocation(e: RecordedEvent, ev: SurplusAllocated, entry: _Book) -> list[Entry]:
    """R9 — the AG allocates the result: reserves 1061/1063/1068, interest 457 (R8), then
    paid 457 → 512; a loss goes to 119 (carried forward) or is charged to reserves."""
    ref = f"AG{ev.year}"
    result = ev.result_cents
    if result >= 0:
        lines = [
            Line("120", debit_cents=result) if result else None,
            # R9 — the result clears the loss carried forward first (L232-10, L232-11).
            Line("119", credit_cents=ev.carried_loss_cleared_cents)
            if ev.carried_loss_cleared_cents
            else None,
            *[
                Line(account, credit_cents=cents) if cents else None
                for account, cents in (
                    ("1061", ev.legal_reserve_cents),
                    ("1063", ev.statutory_reserve_cents),
                    ("1068", ev.other_reserves_cents),
                )
            ],
            *_interest_lines(ev, "credit"),
        ]
    else:
        lines = [
            Line("119", debit_cents=ev.carried_forward_cents) if ev.carried_forward_cents else None,
            Line("1068", debit_cents=ev.charged_to_reserves_cents)
            if ev.charged_to_reserves_cents
            else None,
            Line("129", credit_cents=-result),
        ]
    out = [entry("OD", ref, f"Affectation du résultat {ev.year} (AG)", *[x for x in lines if x])]
    if ev.interest_cents and ev.interest_paid_on:
        paid = Entry(
            "BQ",
            ev.interest_paid_on,
            ref,
            f"Paiement des intérêts aux parts {ev.year}",
            (*_interest_lines(ev, "debit"), Line("512", credit_cents=ev.interest_cents)),
            e.event_id,
            e.position,
        )
        out.append(paid)
    return out


def _interest_lines(ev: SurplusAllocated, side: str) -> list[Line]:
    """R8 — interest on shares owed to each member (457, sub-ledger by member)."""
    split: dict[str | None, int] = {}
    if ev.interest_by_member:
        split.update(ev.interest_by_member)
    elif ev.interest_cents:
        split[None] = ev.interest_cents
    key = "credit_cents" if side == "credit" else "debit_cents"
    return [Line("457", aux=member, **{key: cents}) for member, cents in split.items()]


# -- derived year-end entries ----------------------------------------------------------


def _releases(ctx: _Context, fy: FiscalYear, position: int) -> list[Entry]:
    """R14 — investment grants with a depreciation schedule are released to the P&L pro
    rata of the asset's depreciation, 139 → 777 (747 for fiscal years opened on or after
    2025-01-01, ANC 2022-06): the schedule the grant's detail shows
    (scic.domain.grants.release_schedule), on the grant net of clawbacks at the year end."""
    out = []
    for grant_id, grant in sorted(ctx.grants.items()):
        schedule = grant.depreciation
        if grant.purpose != "investment" or not schedule:
            continue
        net = sum(cents for day, cents in ctx.grant_net[grant_id] if day <= fy.end)
        rows = release_schedule(net, schedule, ctx.fiscal_year_end)
        row = next((r for r in rows if r.fiscal_year_end == fy.end), None)
        amount = row.amount_cents if row else 0
        if amount:
            out.append(
                Entry(
                    "OD",
                    fy.end,
                    f"QP{fy.year}-{grant_id}"[:40],
                    f"Quote-part subvention virée au résultat {grant_id}",
                    tuple(_pair("139", row.account if row else "777", amount)),
                    None,
                    position,
                )
            )
    return out


def _deferred_releases(ctx: _Context, fy: FiscalYear, position: int) -> list[Entry]:
    """R14, R17 — on the first day of each year a multi-year operating grant funds, its part
    for that year leaves 487 for 740."""
    by_grant: dict[str, int] = {}
    for deferral in ctx.deferred.values():  # the award, its amendments and clawbacks
        part = deferral.parts.get(fy, 0)
        by_grant[deferral.grant_id] = by_grant.get(deferral.grant_id, 0) + part
    out = []
    for grant_id, cents in by_grant.items():
        if not cents:
            continue
        label = f"Subvention d'exploitation de l'exercice {fy.year} {grant_id}"
        ref = f"PCA{fy.year}-{grant_id}"[:40]
        out.append(Entry("OD", fy.start, ref, label, _pair("487", "740", cents), None, position))
    return out


# -- building --------------------------------------------------------------------------


def sort_key(entry: Entry) -> tuple[date, int, int, str]:
    """The timeline order: effective date, then position; derived entries last in a day."""
    return (entry.on, 1 if entry.event_id is None else 0, entry.position, entry.piece_ref)


def build(events: Iterable[RecordedEvent], until: date | None = None) -> list[Entry]:
    """Every entry of one cooperative's events (given in position order), plus the
    year-end releases of the fiscal years ending on or before `until`."""
    read = [(event, typed(event)) for event in events]
    paid_out = {ev.withdrawal_id for _, ev in read if isinstance(ev, ReimbursementPaidOut)}
    ctx = _Context(paid_out=paid_out)
    entries: list[Entry] = []
    last = 0
    for event, ev in read:
        mapped = _map(event, ev, ctx)
        ctx.booked[event.event_id] = mapped
        entries.extend(mapped)
        last = event.position
    if until is not None and ctx.incorporated_on is not None:
        for fy in years_until(ctx.incorporated_on, ctx.fiscal_year_end, until):
            if fy.end <= until:
                entries.extend(_releases(ctx, fy, last))
            entries.extend(_deferred_releases(ctx, fy, last))
    return sorted(entries, key=sort_key)


def within(entries: Sequence[Entry], start: date | None, end: date | None) -> list[Entry]:
    return [x for x in entries if (start is None or x.on >= start) and (end is None or x.on <= end)]


@dataclass(frozen=True)
class Balance:
    account: str
    label: str
    debit_cents: int
    credit_cents: int

    @property
    def balance_cents(self) -> int:
        """Debit balance > 0, credit balance < 0."""
        return self.debit_cents - self.credit_cents


def trial_balance(entries: Iterable[Entry]) -> list[Balance]:
    debit: dict[str, int] = defaultdict(int)
    credit: dict[str, int] = defaultdict(int)
    for x in entries:
        for line in x.lines:
            debit[line.account] += line.debit_cents
            credit[line.account] += line.credit_cents
    return [
        Balance(a, ACCOUNTS.get(a, a), debit[a], credit[a])
        for a in sorted(set(debit) | set(credit))
    ]


def unbalanced(entries: Iterable[Entry]) -> list[Entry]:
    return [x for x in entries if not x.balanced]
