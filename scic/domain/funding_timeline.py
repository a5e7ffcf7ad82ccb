"""The funding side of a cooperative's timeline (R11, R12, R14): its grants, titres
participatifs and ESUS approvals as they stood at a date, folded from the same entries
as its capital (scic/domain/timeline.py calls `apply` and `judge` here at every event).

So a funding command dated D is decided on the funding as at D, and every later funding
event is judged again, at its own date, on the new history: a back-dated instalment that
leaves a later one above the award, or a back-dated de minimis grant that takes a later
grant's window above the ceiling, refuses the command — unless that later grant was
recorded with a `de_minimis_override`, whose reason stands for every aid in its window.

The rules themselves are the deciders' checks (grants.check_*, titles.check_redemption):
one rule, judged in one place, whether the event is new or already in the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

from pydantic import BaseModel

from scic.domain import grants, titles
from scic.domain.esus import EsusApproved
from scic.domain.grants import DeMinimisWindow, GrantAmended, GrantAwarded, GrantFlow, GrantState
from scic.domain.state import CoopState
from scic.domain.titles import IssueState, TitlesIssued, TitlesRedeemed
from scic.errors import DomainError, refuse


@dataclass(frozen=True)
class Aid:
    """De minimis aid granted on `on` (an award, or the change an amendment made)."""

    on: date
    cents: int
    grant_id: str


@dataclass
class Funding:
    grants: dict[str, GrantState] = field(default_factory=dict)
    issues: dict[str, IssueState] = field(default_factory=dict)
    approvals: list[EsusApproved] = field(default_factory=list)
    de_minimis: list[Aid] = field(default_factory=list)

    def copy(self) -> Funding:
        return Funding(
            dict(self.grants), dict(self.issues), list(self.approvals), list(self.de_minimis)
        )

    def de_minimis_within(self, window: DeMinimisWindow) -> int:
        """R14 — de minimis aid granted within the window (amendments included,
        clawbacks not: the aid was granted)."""
        return sum(a.cents for a in self.de_minimis if window.start <= a.on <= window.end)

    def authority_years(self, funder_id: str, but: str | None = None) -> dict[int, Fraction]:
        """R14 — the annual amounts of one funder's grants by calendar year (public
        grants: the written-agreement threshold is per granting authority and year),
        leaving out grant `but`."""
        years: dict[int, Fraction] = {}
        for grant in self.grants.values():
            if grant.funder_id != funder_id or grant.grant_id == but:
                continue
            for year, cents in grant.annual().items():
                years[year] = years.get(year, Fraction(0)) + cents
        return years

    def approval_in_force(self, on: date) -> bool:
        """R12 — an ESUS approval covers `on`."""
        return any(a.granted_on <= on <= a.expires_on for a in self.approvals)


def window_at(coop: CoopState, on: date, regime: str = "general") -> DeMinimisWindow:
    """R14 — the cooperative's fiscal years are those of the accounts (scic/accounting:
    from incorporation to the first statutes' fiscal_year_end)."""
    fiscal_year_end = coop.statutes_versions[0][1].fiscal_year_end
    return grants.de_minimis_window(on, coop.incorporated_on, fiscal_year_end, regime)


def apply(f: Funding, e: BaseModel | None, on: date) -> None:
    """Fold one funding event into `f` (in place: `Fold.copy` copies `f` first)."""
    match e:
        case GrantAwarded():
            f.grants[e.grant_id] = GrantState(
                e.grant_id,
                e.funder_type,
                e.amount_cents,
                0,
                0,
                0,
                on,
                "open",
                e.de_minimis,
                e.agreement_ref,
                e.funder_id,
                e.period_start,
                e.period_end,
                e.de_minimis_regime,
            )
            if e.de_minimis:
                f.de_minimis.append(Aid(on, e.amount_cents, e.grant_id))
        case GrantAmended():
            grant = f.grants[e.grant_id]
            # the change this amendment makes on the award as it stood on its date
            delta = e.amount_cents - grant.awarded_cents
            f.grants[e.grant_id] = replace(
                grant,
                awarded_cents=e.amount_cents,
                agreement_ref=e.agreement_ref or grant.agreement_ref,
            )
            if grant.de_minimis and delta:
                f.de_minimis.append(Aid(on, delta, e.grant_id))
        case grants.GrantClosed():
            f.grants[e.grant_id] = replace(f.grants[e.grant_id], status="closed")
        case GrantFlow():
            move = e.move()
            grant = f.grants[move.grant_id]
            name = f"{move.figure}_cents"
            f.grants[move.grant_id] = replace(grant, **{name: getattr(grant, name) + move.cents})
        case TitlesIssued():
            f.issues[e.issue_id] = IssueState(
                e.issue_id,
                e.count,
                e.nominal_cents,
                e.fixed_rate,
                e.variable_rate,
                e.variable_base,
                e.reference_figure_cents,
                on,
            )
        case TitlesRedeemed():
            issue = f.issues[e.issue_id]
            f.issues[e.issue_id] = replace(issue, outstanding=issue.outstanding - e.count)
        case EsusApproved():
            f.approvals.append(e)


def judge(
    f: Funding, coop: CoopState, type_: str, e: BaseModel | None, on: date
) -> DomainError | None:
    """Is this funding event lawful on the funding just before it, at its own date? The
    refusal its decider would give, or None."""
    try:
        match e:
            case GrantAwarded():
                window = window_at(coop, on, e.de_minimis_regime)
                others = f.authority_years(e.funder_id, e.grant_id)
                grants.check_award(e, window, f.de_minimis_within(window), others)
            case GrantAmended() | grants.GrantClosed() | GrantFlow():
                grant = grants.require_awarded(f.grants.get(e.grant_id), e.grant_id, on)
                if isinstance(e, GrantAmended):
                    window = window_at(coop, on, grant.de_minimis_regime)
                    others = f.authority_years(grant.funder_id, grant.grant_id)
                    before = f.de_minimis_within(window)
                    grants.check_amendment(grant, e, on, window, before, others)
                elif isinstance(e, grants.GrantClosed):
                    grants.check_close(grant, on)
                elif type_ == "GrantInstalmentReceived":
                    grants.check_instalment(grant, e.amount_cents, on)
                elif type_ == "GrantJustified":
                    grants.check_justification(grant, e.amount_cents, on)
                elif type_ == "GrantClawedBack":
                    grants.check_clawback(grant, e.amount_cents, on)
            case TitlesRedeemed():
                issue = titles.require_issued(f.issues.get(e.issue_id), e.issue_id, on)
                titles.check_redemption(issue, e, on)
    except DomainError as refused:
        if refused.slug == "de-minimis-ceiling" and isinstance(e, GrantAwarded | GrantAmended):
            return refuse(refused.slug, f"grant {e.grant_id} of {on}: {refused.detail}")
        return refused
    return None
