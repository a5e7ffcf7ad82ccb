"""A cooperative and its statutes in force."""

from __future__ import annotations

from typing import cast

from pydantic import Field

from scic.api.public.common import DayText, DecimalText, Public
from scic.domain.cooperative import CategoryRole, LegalForm
from scic.projections import views


class CategoryPublic(Public):
    code: str
    name: str
    public_body: bool = Field(description="local public body, counted by R3")
    role: CategoryRole | None


class CollegePublic(Public):
    code: str
    name: str
    weight: DecimalText
    categories: list[str]


class StatutesPublic(Public):
    """The statutes in force on `statutes_as_of` (amounts in cents, as recorded)."""

    legal_form: LegalForm
    share_nominal_cents: int
    statutory_floor_cents: int
    categories: list[CategoryPublic]
    colleges: list[CollegePublic]
    reimbursement_delay_years: int
    fiscal_year_end: str = Field(pattern=r"^\d{2}-\d{2}$", examples=["12-31"])


class CoopPublic(Public):
    id: str
    name: str
    siren: str | None
    legal_form: LegalForm
    incorporated_on: DayText
    statutes_as_of: DayText
    statutes: StatutesPublic | None

    @classmethod
    def of(cls, view: views.Coop) -> CoopPublic:
        statutes = view.statutes.model_dump(mode="json") if view.statutes else None
        return cls(
            id=view.coop_id,
            name=view.name,
            siren=view.siren,
            legal_form=cast(LegalForm, view.legal_form),
            incorporated_on=view.incorporated_on.isoformat(),
            statutes_as_of=view.statutes_as_of.isoformat(),
            statutes=StatutesPublic.model_validate(statutes) if statutes else None,
        )
