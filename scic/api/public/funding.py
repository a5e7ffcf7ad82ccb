"""Funding: the mix by source (R15), grants, participative titles, a funder's portfolio."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, DecimalText, InstantText, Money, Public, Ratio

FunderType = Literal[
    "state",
    "region",
    "department",
    "intercommunality",
    "municipality",
    "eu",
    "foundation",
    "private",
]
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


class GrantList(Public):
    grants: list[GrantPublic]


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
