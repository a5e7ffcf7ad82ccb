"""The cooperative and its statutes (R1, R2, R4), versioned by effective date."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum.fr import siren as stdnum_siren  # type: ignore[import-untyped, unused-ignore]

from scic.decimals import ShareText
from scic.errors import refuse
from scic.jsontypes import Boolean
from scic.rules.dated import (
    COLLEGE_WEIGHT_MAX,
    COLLEGE_WEIGHT_MIN,
    COLLEGES_MAX,
    COLLEGES_MIN,
    LEGAL_MINIMUM_CAPITAL_CENTS,
    REIMBURSEMENT_DELAY_MAX_YEARS,
    SCIC_LEGAL_FORMS,
    entry_at,
    value_at,
)
from scic.text_rules import Name

LegalForm = Literal["SA", "SAS", "SARL"]
CategoryRole = Literal[
    "employees",
    "producers",
    "beneficiaries",
    "volunteers",
    "public_bodies",
    "supporters",
    "funders",
    "other",
]
Code = str


class Category(BaseModel):
    """A member category (R2). `public_body` marks local public bodies counted by R3;
    `role` says whether it is the employees/producers or beneficiaries category R2 requires."""

    model_config = ConfigDict(extra="forbid")
    code: Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: Name = Field(min_length=1, max_length=120)
    public_body: Boolean = False
    role: CategoryRole | None = None


class College(BaseModel):
    """A voting college (R4): its weight in every vote and the categories it gathers."""

    model_config = ConfigDict(extra="forbid")
    code: Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: Name = Field(min_length=1, max_length=120)
    weight: ShareText = Field(gt=0, le=1, decimal_places=4)
    categories: list[Code] = Field(min_length=1)

    @field_validator("weight", mode="before")
    @classmethod
    def _weight_is_text(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError('weights are decimal strings such as "0.30"')
        return value


class Statutes(BaseModel):
    """What the statuts fix. Amounts in cents."""

    model_config = ConfigDict(extra="forbid")
    legal_form: LegalForm
    share_nominal_cents: int = Field(gt=0)
    statutory_floor_cents: int = Field(ge=0)
    categories: list[Category] = Field(min_length=1)
    colleges: list[College] = Field(default_factory=list)
    reimbursement_delay_years: int = Field(default=5, ge=0)
    fiscal_year_end: str = Field(default="12-31", pattern=r"^\d{2}-\d{2}$")

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def college_of(self, category_code: str) -> College | None:
        return next((c for c in self.colleges if category_code in c.categories), None)


class CoopRegistered(BaseModel):
    model_config = ConfigDict(extra="forbid")
    coop_id: str
    name: str
    siren: str | None
    incorporated_on: date
    statutes: Statutes


class StatutesAmended(BaseModel):
    model_config = ConfigDict(extra="forbid")
    coop_id: str
    statutes: Statutes
    reason: str | None = None


EVENTS: tuple[type[BaseModel], ...] = (
    CoopRegistered,
    StatutesAmended,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


# -- decisions -------------------------------------------------------------------------

_SIREN = re.compile(r"[0-9]{9}")  # ASCII digits; fullmatch: no trailing newline


def check_siren(siren: str | None) -> None:
    """SIREN: 9 digits with a Luhn check digit (INSEE), checked by python-stdnum."""
    if siren is None:
        return
    if not _SIREN.fullmatch(siren) or not stdnum_siren.is_valid(siren):
        raise refuse("invalid-siren", f"SIREN {siren!r} is not 9 digits with a valid check digit")


def check_statutes(statutes: Statutes, on: date) -> None:
    """Refuse statutes outside the legal bounds (R1, R4, R6). R2 is a warning elsewhere."""
    # R1 — a SCIC takes a form the law opened to it by `on` (loi 2001-624; SAS from
    # loi 2014-856): dated rule data.
    forms = entry_at(SCIC_LEGAL_FORMS, on)
    if statutes.legal_form not in forms.value:
        named = " or ".join(sorted(forms.value)) or "no form: the SCIC did not exist yet"
        raise refuse(
            "legal-form-not-open",
            f"on {on} a SCIC could not take the {statutes.legal_form} form ({forms.source}): "
            f"{named}",
        )
    minimum = value_at(LEGAL_MINIMUM_CAPITAL_CENTS[statutes.legal_form], on)
    if statutes.statutory_floor_cents < minimum:
        raise refuse(
            "capital-below-legal-minimum",
            f"a SCIC in {statutes.legal_form} form needs a statutory capital floor of "
            f"at least {minimum // 100} €",
        )
    codes = [c.code for c in statutes.categories]
    if len(set(codes)) != len(codes):
        raise refuse("duplicate-category", "category codes must be unique")
    if statutes.reimbursement_delay_years > REIMBURSEMENT_DELAY_MAX_YEARS:
        raise refuse(
            "reimbursement-delay-too-long",
            f"the statutory reimbursement delay is at most {REIMBURSEMENT_DELAY_MAX_YEARS} years",
        )
    _check_colleges(statutes)


def check_subscribed_at_nominal(
    statutes: Statutes, subscription_id: str, shares: int, subscribed_cents: int, on: date
) -> None:
    """R1 — shares are subscribed at the nominal of the statutes in force at their date."""
    nominal = statutes.share_nominal_cents
    if subscribed_cents != shares * nominal:
        raise refuse(
            "nominal-change-with-shares-outstanding",
            f"on {on} shares of subscription {subscription_id} were subscribed at "
            f"{subscribed_cents // max(shares, 1) / 100:.2f} € but the statutes then say "
            f"{nominal / 100:.2f} €",
        )


def check_nominal_kept(current: Statutes, amended: Statutes, outstanding: int, on: date) -> None:
    """R1/R6 — shares are never revalued: each keeps the nominal it was subscribed at, so
    the nominal changes only when no share is outstanding (pending ones included)."""
    old, new = current.share_nominal_cents, amended.share_nominal_cents
    if new != old and outstanding > 0:
        raise refuse(
            "nominal-change-with-shares-outstanding",
            f"on {on} {outstanding} shares of {old / 100:.2f} € are outstanding; the "
            f"nominal cannot become {new / 100:.2f} € (shares are never revalued: reduce "
            "or raise the capital by an AG decision on each share instead)",
        )


def _check_colleges(statutes: Statutes) -> None:
    colleges = statutes.colleges
    if not colleges:
        return
    if not COLLEGES_MIN <= len(colleges) <= COLLEGES_MAX:
        raise refuse(
            "college-count",
            f"statutes define {len(colleges)} colleges; a SCIC "
            f"has between {COLLEGES_MIN} and {COLLEGES_MAX}",
        )
    for college in colleges:
        if not COLLEGE_WEIGHT_MIN <= college.weight <= COLLEGE_WEIGHT_MAX:
            raise refuse(
                "college-weight-out-of-bounds",
                f"college {college.code} weighs {college.weight}; each college weighs "
                f"between {COLLEGE_WEIGHT_MIN} and {COLLEGE_WEIGHT_MAX}",
            )
    total = sum((c.weight for c in colleges), Decimal(0))
    if total != 1:
        raise refuse("college-weights-sum", f"college weights sum to {total}, not 1")
    known = {c.code for c in statutes.categories}
    gathered: list[str] = [code for c in colleges for code in c.categories]
    unknown = sorted(set(gathered) - known)
    if unknown:
        raise refuse(
            "college-unknown-category", f"colleges name unknown categories: {', '.join(unknown)}"
        )
    if len(set(gathered)) != len(gathered):
        raise refuse("category-in-two-colleges", "a category belongs to at most one college")
    orphans = sorted(known - set(gathered))
    if orphans:
        raise refuse("category-without-college", f"categories in no college: {', '.join(orphans)}")
