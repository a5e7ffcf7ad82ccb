"""ESUS approval and solidarity investments (R12)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scic.dates import Day, add_years
from scic.domain.facts import Fact
from scic.domain.funders import FunderIn, one_funder
from scic.errors import refuse
from scic.jsontypes import Integer
from scic.money import Amount
from scic.rules.dated import ESUS_YEARS, ESUS_YOUNG_COMPANY_AGE, ESUS_YOUNG_COMPANY_YEARS

Instrument = Literal["shares", "titles", "loan"]


class EsusApproved(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approval_id: str
    granted_on: date
    expires_on: date
    authority: str
    reference: str


class LoanTerms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: str = Field(pattern=r"^0?\.\d{1,6}$|^0$", examples=["0.02"])
    term_months: Integer = Field(gt=0, le=600)
    first_repayment_on: Day | None = None


class EsusInvested(BaseModel):
    model_config = ConfigDict(extra="forbid")
    investment_id: str
    investor_id: str
    instrument: Instrument
    amount_cents: int = Field(gt=0)
    reference_id: str | None = None
    loan: LoanTerms | None = None
    solidarity: bool = Field(
        default=True,
        description="R12: an ESUS approval was in force on its date, so it counts as a "
        "solidarity investment (events before this field were all under one)",
    )

    @property
    def kind(self) -> Literal["invested", "not_solidarity"]:
        """R12 — made while no ESUS approval was in force: not a solidarity investment."""
        return "invested" if self.solidarity else "not_solidarity"


EVENTS: tuple[type[BaseModel], ...] = (
    EsusApproved,
    EsusInvested,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


class ApproveEsus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    granted_on: Day
    expires_on: Day
    authority: str = Field(min_length=2, max_length=200, examples=["Préfecture de la Manche"])
    reference: str = Field(min_length=1, max_length=120)


INVEST_SCHEMA: dict[str, Any] = {
    "allOf": [
        one_funder("investor"),
        {  # each instrument names what it is invested in (checked by _instrument_reference)
            "oneOf": [
                {
                    "properties": {"instrument": {"const": instrument}, ref: {"type": kind}},
                    "required": [ref],
                }
                for instrument, ref, kind in (
                    ("shares", "subscription_id", "string"),
                    ("titles", "title_issue_id", "string"),
                    ("loan", "loan", "object"),
                )
            ]
        },
    ]
}


class Invest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=INVEST_SCHEMA)
    investor: FunderIn | None = None
    investor_id: str | None = None
    instrument: Instrument
    amount: Amount
    effective_date: Day | None = None
    subscription_id: str | None = Field(default=None, description="shares: the subscription")
    title_issue_id: str | None = Field(default=None, description="titles: the issue")
    loan: LoanTerms | None = None

    @model_validator(mode="after")
    def _instrument_reference(self) -> Invest:
        needed = {"shares": self.subscription_id, "titles": self.title_issue_id, "loan": self.loan}[
            self.instrument
        ]
        if needed is None:
            field = {"shares": "subscription_id", "titles": "title_issue_id", "loan": "loan"}[
                self.instrument
            ]
            raise ValueError(f"an investment in {self.instrument} needs {field}")
        return self


def approve(cmd: ApproveEsus, incorporated_on: date, approval_id: str) -> list[Fact]:
    """R12 — approval for 5 years, 2 when the company is less than 3 years old."""
    if cmd.expires_on <= cmd.granted_on:
        raise refuse("esus-approval-dates", "expires_on must be after granted_on")
    young = cmd.granted_on < add_years(incorporated_on, ESUS_YOUNG_COMPANY_AGE)
    years = ESUS_YOUNG_COMPANY_YEARS if young else ESUS_YEARS
    if cmd.expires_on > add_years(cmd.granted_on, years):
        raise refuse(
            "esus-approval-too-long",
            f"an ESUS approval lasts at most {years} years"
            + (" for a company less than 3 years old" if young else ""),
        )
    data = EsusApproved(
        approval_id=approval_id,
        granted_on=cmd.granted_on,
        expires_on=cmd.expires_on,
        authority=cmd.authority,
        reference=cmd.reference,
    )
    return [Fact(data, cmd.granted_on)]


def invest(
    cmd: Invest, investment_id: str, investor_id: str, on: date, approval_in_force: bool
) -> tuple[list[Fact], list[str]]:
    """R12 — an investment is lawful whether or not an approval is in force; the approval
    is a condition of its counting as a solidarity investment (C. trav. L3332-17-1), so
    without one it is recorded, flagged, and the caller is told."""
    warnings = (
        []
        if approval_in_force
        else [
            f"R12: no ESUS approval in force on {on}: recorded, but it does not count as "
            "a solidarity investment"
        ]
    )
    reference = cmd.subscription_id or cmd.title_issue_id
    data = EsusInvested(
        investment_id=investment_id,
        investor_id=investor_id,
        instrument=cmd.instrument,
        amount_cents=cmd.amount,
        reference_id=reference,
        loan=cmd.loan,
        solidarity=approval_in_force,
    )
    return [Fact(data, on)], warnings
