"""Titres participatifs (R11): quasi-equity (account 1671), never capital, no votes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day, add_years
from scic.decimals import RateText, ShareText
from scic.domain.facts import Fact
from scic.domain.funders import FunderIn, one_funder
from scic.errors import refuse
from scic.jsontypes import Boolean, Integer
from scic.money import Amount, within_max
from scic.rules.dated import (
    TITLES_LEGAL_FORMS,
    TITLES_MIN_YEARS_BEFORE_REDEMPTION,
    TITLES_VARIABLE_BASE_MAX,
    entry_at,
)

Rate = Field(ge=0, le=1, max_digits=7, decimal_places=6)


class TitlesIssued(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issue_id: str
    holder_id: str
    count: int = Field(gt=0)
    nominal_cents: int = Field(gt=0)
    fixed_rate: Decimal
    variable_rate: Decimal
    variable_base: Decimal
    reference_figure_cents: int | None = None

    @property
    def raised_cents(self) -> int:
        """What the issue raised: count × nominal."""
        return self.count * self.nominal_cents


class TitlesRedeemed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issue_id: str
    count: int = Field(gt=0)
    amount_cents: int
    at_liquidation: bool


class TitlesRemunerated(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issue_id: str
    fiscal_year: int
    figure_cents: int
    fixed_cents: int
    variable_cents: int

    @property
    def paid_cents(self) -> int:
        """R11 — the remuneration paid: its fixed and variable parts."""
        return self.fixed_cents + self.variable_cents


EVENTS: tuple[type[BaseModel], ...] = (
    TitlesIssued,
    TitlesRedeemed,
    TitlesRemunerated,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


class IssueTitles(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=one_funder("holder"))
    holder: FunderIn | None = None
    holder_id: str | None = None
    count: Integer = Field(gt=0, le=10_000_000)
    nominal: Amount
    fixed_rate: RateText = Rate
    variable_rate: RateText = Rate
    variable_base: ShareText = Field(
        default=TITLES_VARIABLE_BASE_MAX,
        gt=0,
        le=1,
        decimal_places=4,
        description="share of the nominal the variable part is based on (at most 0.40)",
    )
    reference_figure: Amount | None = Field(
        default=None, description="result or activity figure the variable part is indexed on"
    )
    issued_on: Day | None = None


class Redeem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: Integer = Field(gt=0)
    effective_date: Day | None = None
    at_liquidation: Boolean = False


class Remunerate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fiscal_year: Integer = Field(ge=1900, le=2200)
    figure: Amount = Field(description="the year's result or activity figure")
    effective_date: Day | None = None


@dataclass(frozen=True)
class IssueState:
    issue_id: str
    outstanding: int
    nominal_cents: int
    fixed_rate: Decimal
    variable_rate: Decimal
    variable_base: Decimal
    reference_figure_cents: int | None
    issued_on: date


def form_not_named(legal_form: str, on: date) -> str | None:
    """R11 — C. com. L228-36 names cooperatives in SA and SARL form; an issue by another
    form (SAS) is lawful as far as anyone can tell, but the text does not say so: a
    compliance finding, never a refusal. Returns the finding's text, or None."""
    named = entry_at(TITLES_LEGAL_FORMS, on)
    if legal_form in named.value:
        return None
    return (
        f"R11: titres participatifs issued on {on} by a cooperative in {legal_form} form, "
        f"which {named.source} does not name (it names {' and '.join(sorted(named.value))})"
    )


def issue(
    cmd: IssueTitles, legal_form: str, issue_id: str, holder_id: str, on: date
) -> tuple[list[Fact], list[str]]:
    """The issue, and the warnings it raises (a legal form the text does not name)."""
    if cmd.variable_base > TITLES_VARIABLE_BASE_MAX:
        raise refuse(
            "variable-base-above-cap",
            f"the variable part is based on at most {TITLES_VARIABLE_BASE_MAX} of the "
            f"nominal, not {cmd.variable_base}",
        )
    within_max(cmd.count * cmd.nominal, f"the issue ({cmd.count} titles)")
    data = TitlesIssued(
        issue_id=issue_id,
        holder_id=holder_id,
        count=cmd.count,
        nominal_cents=cmd.nominal,
        fixed_rate=cmd.fixed_rate,
        variable_rate=cmd.variable_rate,
        variable_base=cmd.variable_base,
        reference_figure_cents=cmd.reference_figure,
    )
    warning = form_not_named(legal_form, on)
    return [Fact(data, on)], [warning] if warning else []


def redeem(state: IssueState, cmd: Redeem, on: date) -> list[Fact]:
    amount = cmd.count * state.nominal_cents
    data = TitlesRedeemed(
        issue_id=state.issue_id,
        count=cmd.count,
        amount_cents=amount,
        at_liquidation=cmd.at_liquidation,
    )
    check_redemption(state, data, on)
    return [Fact(data, on)]


def require_issued(issue: IssueState | None, issue_id: str, on: date) -> IssueState:
    """R11 — nothing is redeemed, paid or invested before the titles are issued (`issue`
    None: not issued yet on `on`)."""
    if issue is None:
        raise refuse(
            "date-before-issue", f"on {on} titres participatifs {issue_id} are not issued yet"
        )
    return issue


def check_redemption(state: IssueState, e: TitlesRedeemed, on: date) -> None:
    """R11 — redeemable after 7 years (or at liquidation), never beyond what is
    outstanding on the redemption's date."""
    earliest = add_years(state.issued_on, TITLES_MIN_YEARS_BEFORE_REDEMPTION)
    if not e.at_liquidation and on < earliest:
        raise refuse(
            "redemption-before-seven-years",
            f"titres participatifs are redeemable at the issuer's initiative from "
            f"{earliest} (7 years after issue), or at liquidation",
        )
    if e.count > state.outstanding:
        raise refuse(
            "redemption-exceeds-outstanding",
            f"{e.count} titles redeemed on {on} but {state.outstanding} are outstanding then",
        )


def remunerate(state: IssueState, cmd: Remunerate, on: date) -> list[Fact]:
    """Fixed part on the outstanding nominal; variable part on at most 40 % of it,
    indexed on the year's figure against the reference figure given at issue."""
    nominal = Decimal(state.outstanding * state.nominal_cents)
    fixed = nominal * state.fixed_rate
    index = (
        Decimal(cmd.figure) / Decimal(state.reference_figure_cents)
        if state.reference_figure_cents
        else Decimal(1)
    )
    variable = nominal * state.variable_base * state.variable_rate * index
    # checked before rounding: quantize fails on a figure beyond 28 digits
    within_max(int(fixed + variable), f"the remuneration for {cmd.fiscal_year}")
    data = TitlesRemunerated(
        issue_id=state.issue_id,
        fiscal_year=cmd.fiscal_year,
        figure_cents=cmd.figure,
        fixed_cents=_cents(fixed),
        variable_cents=_cents(variable),
    )
    return [Fact(data, on)]


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_EVEN))
