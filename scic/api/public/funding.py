"""Funding: the mix by source (R15), grants, participative titles, a funder's portfolio."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from scic.api.public.common import DayText, DecimalText, InstantText, Money, Public, Ratio
from scic.money import format_cents
from scic.projections import funding_views, views
from scic.projections.funding_views import FunderType

Purpose = Literal["operating", "investment"]


class CapitalSlice(Public):
    key: str
    label: str
    subscribed: Money
    paid: Money
    share_of_capital: Ratio


class CapitalMix(Public):
    subscribed: Money
    paid: Money
    public_share: Ratio
    public_cap: DecimalText
    by_category: list[CapitalSlice]
    by_college: list[CapitalSlice]


class ByFunderType(Public):
    type: FunderType
    awarded: Money
    received: Money
    justified: Money
    clawed_back: Money


class ByPurpose(Public):
    purpose: Purpose
    awarded: Money
    received: Money
    justified: Money
    clawed_back: Money


class GrantsMix(Public):
    by_funder_type: list[ByFunderType]
    by_purpose: list[ByPurpose]
    net_awarded: Money


class QuasiEquity(Public):
    total: Money
    issued: Money
    redeemed: Money
    account: str = Field(examples=["1671"])


class EsusByInstrument(Public):
    shares: Money
    titles: Money
    loan: Money


class EsusApproval(Public):
    id: str
    reference: str
    authority: str
    granted_on: DayText
    expires_on: DayText
    expires_soon: bool = Field(description="R12: expires within 6 months")


class EsusMix(Public):
    total: Money
    by_instrument: EsusByInstrument
    solidarity: Money = Field(
        description="R12: invested while an ESUS approval was in force (solidarity investments)"
    )
    not_solidarity: Money = Field(
        description="R12: invested while no approval was in force: recorded, not counted "
        "as solidarity investment"
    )
    approval: EsusApproval | None


class FundingRatios(Public):
    public_share_of_capital: Ratio
    grants_to_total_funding: Ratio
    capital_to_total_funding: Ratio
    quasi_equity_to_own_funds: Ratio
    subsidies_to_revenue: Ratio | None
    largest_funder_share: Ratio
    herfindahl: Ratio
    multi_year_grant_share: Ratio


class CliffMonth(Public):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2027-06"])
    amount: Money


class FundingMix(Public):
    as_of: DayText
    known_at: InstantText | None
    from_: DayText | None = Field(alias="from")
    to: DayText | None
    capital: CapitalMix
    grants: GrantsMix
    quasi_equity: QuasiEquity
    esus: EsusMix
    reserves: Money | None
    own_revenue: Money | None
    total_funding: Money
    ratios: FundingRatios
    funding_cliff: list[CliffMonth]

    @classmethod
    def of(cls, mix: funding_views.FundingMix) -> FundingMix:
        capital, grants, quasi, esus, ratios = (
            mix.capital,
            mix.grants,
            mix.quasi_equity,
            mix.esus,
            mix.ratios,
        )
        return cls.model_validate(
            {
                "as_of": mix.as_of.isoformat(),
                "known_at": mix.known_at.isoformat() if mix.known_at else None,
                "from": mix.start.isoformat() if mix.start else None,
                "to": mix.end.isoformat() if mix.end else None,
                "capital": {
                    "subscribed": format_cents(capital.subscribed_cents),
                    "paid": format_cents(capital.paid_cents),
                    "public_share": str(capital.public_share),
                    "public_cap": str(capital.public_cap),
                    "by_category": [_slice(r) for r in capital.by_category],
                    "by_college": [_slice(r) for r in capital.by_college],
                },
                "grants": {
                    "by_funder_type": [
                        {"type": t, **_grant_figures(f)} for t, f in grants.by_funder_type
                    ],
                    "by_purpose": [
                        {"purpose": p, **_grant_figures(f)} for p, f in grants.by_purpose
                    ],
                    "net_awarded": format_cents(grants.net_awarded_cents),
                },
                "quasi_equity": {
                    "total": format_cents(quasi.total_cents),
                    "issued": format_cents(quasi.issued_cents),
                    "redeemed": format_cents(quasi.redeemed_cents),
                    "account": quasi.account,
                },
                "esus": {
                    "total": format_cents(esus.total_cents),
                    "by_instrument": {k: format_cents(v) for k, v in esus.by_instrument.items()},
                    "solidarity": format_cents(esus.solidarity_cents),
                    "not_solidarity": format_cents(esus.not_solidarity_cents),
                    "approval": _approval(esus.approval),
                },
                "reserves": _money_or_none(mix.reserves_cents),
                "own_revenue": _money_or_none(mix.own_revenue_cents),
                "total_funding": format_cents(mix.total_funding_cents),
                "ratios": {
                    "public_share_of_capital": str(ratios.public_share_of_capital),
                    "grants_to_total_funding": str(ratios.grants_to_total_funding),
                    "capital_to_total_funding": str(ratios.capital_to_total_funding),
                    "quasi_equity_to_own_funds": str(ratios.quasi_equity_to_own_funds),
                    "subsidies_to_revenue": (
                        None
                        if ratios.subsidies_to_revenue is None
                        else str(ratios.subsidies_to_revenue)
                    ),
                    "largest_funder_share": str(ratios.largest_funder_share),
                    "herfindahl": str(ratios.herfindahl),
                    "multi_year_grant_share": str(ratios.multi_year_grant_share),
                },
                "funding_cliff": [
                    {"month": m.month, "amount": format_cents(m.amount_cents)}
                    for m in mix.funding_cliff
                ],
            }
        )


def _slice(row: views.CapitalRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "subscribed": format_cents(row.holding.subscribed_cents),
        "paid": format_cents(row.holding.paid_cents),
        "share_of_capital": str(row.share_of_capital),
    }


def _grant_figures(f: funding_views.GrantFigures) -> dict[str, str]:
    return {
        "awarded": format_cents(f.awarded_cents),
        "received": format_cents(f.received_cents),
        "justified": format_cents(f.justified_cents),
        "clawed_back": format_cents(f.clawed_back_cents),
    }


def _approval(a: funding_views.EsusApproval | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "id": a.id,
        "reference": a.reference,
        "authority": a.authority,
        "granted_on": a.granted_on.isoformat(),
        "expires_on": a.expires_on.isoformat(),
        "expires_soon": a.expires_soon,
    }


def _money_or_none(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


class FunderRef(Public):
    name: str
    type: FunderType


class DepreciationPublic(Public):
    start: DayText
    years: int


class GrantPublic(Public):
    id: str
    funder_id: str
    funder: FunderRef
    purpose: Purpose
    status: Literal["open", "closed"]
    awarded_on: DayText
    awarded: Money
    received: Money
    justified: Money
    clawed_back: Money
    to_receive: Money
    to_justify: Money
    justify_by: DayText | None
    de_minimis: bool
    de_minimis_override: str | None
    de_minimis_regime: Literal["general", "sieg"]
    agreement_ref: str | None
    programme: str | None
    conditions: str | None
    period_start: DayText | None
    period_end: DayText | None
    depreciation: DepreciationPublic | None


class GrantMovement(Public):
    event_id: str
    kind: str = Field(examples=["received"])
    amount: Money
    effective_date: DayText
    recorded_at: InstantText


class Release(Public):
    fiscal_year_end: DayText
    months: int
    amount: Money
    account: str


class GrantDetail(GrantPublic):
    history: list[GrantMovement]
    release_schedule: list[Release] | None = Field(
        default=None, description="investment grants with a depreciation: income by year"
    )

    @classmethod
    def of(cls, detail: funding_views.GrantDetail) -> GrantDetail:
        """`release_schedule` is left unset (not null) for a grant without one."""
        body = _grant(detail.grant) | {
            "history": [
                {
                    "event_id": m.event_id,
                    "kind": m.kind,
                    "amount": format_cents(m.amount_cents),
                    "effective_date": m.effective_date.isoformat(),
                    "recorded_at": m.recorded_at.isoformat(),
                }
                for m in detail.history
            ]
        }
        if detail.release_schedule is not None:
            body["release_schedule"] = [
                {
                    "fiscal_year_end": r.fiscal_year_end.isoformat(),
                    "months": r.months,
                    "amount": format_cents(r.amount_cents),
                    "account": r.account,
                }
                for r in detail.release_schedule
            ]
        return cls.model_validate(body)


class GrantList(Public):
    grants: list[GrantPublic]

    @classmethod
    def of(cls, grants: list[funding_views.Grant]) -> GrantList:
        return cls.model_validate({"grants": [_grant(g) for g in grants]})


class Remuneration(Public):
    fiscal_year: int
    fixed: Money
    variable: Money


class TitleIssue(Public):
    id: str
    holder_id: str
    count: int
    outstanding: int
    nominal: Money
    outstanding_amount: Money
    issued_on: DayText
    fixed_rate: DecimalText
    variable_rate: DecimalText
    variable_base: DecimalText
    redeemable_from: DayText
    remunerations: list[Remuneration]


class TitleIssues(Public):
    issues: list[TitleIssue]

    @classmethod
    def of(cls, issues: list[funding_views.TitleIssue]) -> TitleIssues:
        return cls.model_validate({"issues": [_issue(i) for i in issues]})


class EsusInvestment(Public):
    id: str
    instrument: Literal["shares", "titles", "loan"]
    amount: Money
    solidarity: bool = Field(description="R12: an ESUS approval was in force on its date")


class FunderPortfolio(Public):
    id: str
    name: str
    type: FunderType
    as_of: DayText
    grants: list[GrantPublic]
    participative_titles: list[TitleIssue]
    esus_investments: list[EsusInvestment]
    funding: Money
    share_of_total_funding: Ratio

    @classmethod
    def of(cls, p: funding_views.FunderPortfolio) -> FunderPortfolio:
        return cls.model_validate(
            {
                "id": p.id,
                "name": p.name,
                "type": p.type,
                "as_of": p.as_of.isoformat(),
                "grants": [_grant(g) for g in p.grants],
                "participative_titles": [_issue(i) for i in p.participative_titles],
                "esus_investments": [
                    {
                        "id": e.id,
                        "instrument": e.instrument,
                        "amount": format_cents(e.amount_cents),
                        "solidarity": e.solidarity,
                    }
                    for e in p.esus_investments
                ],
                "funding": format_cents(p.funding_cents),
                "share_of_total_funding": str(p.share_of_total_funding),
            }
        )


def _grant(g: funding_views.Grant) -> dict[str, Any]:
    d = g.depreciation
    return {
        "id": g.id,
        "funder_id": g.funder_id,
        "funder": {"name": g.funder_name, "type": g.funder_type},
        "purpose": g.purpose,
        "status": g.status,
        "awarded_on": g.awarded_on.isoformat(),
        **_grant_figures(g.figures),
        "to_receive": format_cents(g.to_receive_cents),
        "to_justify": format_cents(g.to_justify_cents),
        "justify_by": _day(g.justify_by),
        "de_minimis": g.de_minimis,
        "de_minimis_override": g.de_minimis_override,
        "de_minimis_regime": g.de_minimis_regime,
        "agreement_ref": g.agreement_ref,
        "programme": g.programme,
        "conditions": g.conditions,
        "period_start": _day(g.period_start),
        "period_end": _day(g.period_end),
        "depreciation": None if d is None else {"start": d.start.isoformat(), "years": d.years},
    }


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _issue(i: funding_views.TitleIssue) -> dict[str, Any]:
    return {
        "id": i.id,
        "holder_id": i.holder_id,
        "count": i.count,
        "outstanding": i.outstanding,
        "nominal": format_cents(i.nominal_cents),
        "outstanding_amount": format_cents(i.outstanding_cents),
        "issued_on": i.issued_on.isoformat(),
        "fixed_rate": str(i.fixed_rate),
        "variable_rate": str(i.variable_rate),
        "variable_base": str(i.variable_base),
        "redeemable_from": i.redeemable_from.isoformat(),
        "remunerations": [
            {
                "fiscal_year": r.fiscal_year,
                "fixed": format_cents(r.fixed_cents),
                "variable": format_cents(r.variable_cents),
            }
            for r in i.remunerations
        ],
    }
