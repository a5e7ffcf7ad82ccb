"""Writes of the cooperative itself: its registration and its statutes (R1, R4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.store import WriteSession
from scic.dates import Day
from scic.domain import cooperative, members, shares
from scic.domain.facts import Fact
from scic.errors import refuse
from scic.jsontypes import Integer, NonNegativeInteger
from scic.money import Amount, AmountOrZero
from scic.projections.tables import coops
from scic.text_rules import Name
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided

# a day every year has (no 02-29), as the validator of CreateCoop checks
FISCAL_YEAR_END = (
    r"^((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$"
)


class CreateCoop(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(min_length=1, max_length=200)
    legal_form: cooperative.LegalForm
    share_nominal: Amount
    statutory_floor: AmountOrZero
    siren: str | None = None
    categories: list[cooperative.Category] = Field(min_length=1)
    # R4 — 3 to 10 colleges, or none; the schema states the range (refused with its rule).
    colleges: list[cooperative.College] = Field(
        default_factory=list,
        description="the voting colleges: none, or 3 to 10 (R4)",
        json_schema_extra={
            "minItems": cooperative.COLLEGES_MIN,
            "maxItems": cooperative.COLLEGES_MAX,
        },
    )
    incorporated_on: Day
    reimbursement_delay_years: Integer = Field(default=5, ge=0)
    fiscal_year_end: str = Field(default="12-31", pattern=FISCAL_YEAR_END)

    @field_validator("fiscal_year_end")
    @classmethod
    def _a_day_every_year_has(cls, value: str) -> str:
        month, day = (int(p) for p in value.split("-"))
        try:  # 2001 is not a leap year: a year ending on 02-29 would end 1 year in 4
            date(2001, month, day)
        except ValueError:
            raise ValueError(f"{value} is not a day every year has (e.g. 12-31, 02-28)") from None
        return value

    def statutes(self) -> cooperative.Statutes:
        return cooperative.Statutes(
            legal_form=self.legal_form,
            share_nominal_cents=self.share_nominal,
            statutory_floor_cents=self.statutory_floor,
            categories=self.categories,
            colleges=self.colleges,
            reimbursement_delay_years=self.reimbursement_delay_years,
            fiscal_year_end=self.fiscal_year_end,
        )


def _check_siren_free(session: WriteSession, siren: str | None) -> None:
    """A SIREN names one company: two cooperatives cannot have the same. Read under the
    append lock, so two registrations cannot both find it free."""
    if siren is None:
        return
    holder = session.conn.execute(
        sa.select(coops.c.coop_id).where(coops.c.siren == siren).limit(1)
    ).scalar()
    if holder is not None:
        raise refuse("siren-taken", f"SIREN {siren} is already cooperative {holder}'s")


def create_coop(session: WriteSession, ctx: Context, body: CreateCoop) -> Decided:
    cooperative.check_siren(body.siren)
    _check_siren_free(session, body.siren)
    statutes = body.statutes()
    cooperative.check_statutes(statutes, body.incorporated_on)
    coop_id = new_id("coop")
    data = cooperative.CoopRegistered(
        coop_id=coop_id,
        name=body.name,
        siren=body.siren,
        incorporated_on=body.incorporated_on,
        statutes=statutes,
    )
    return store.unjudged(session, coop_id, [Fact(data, body.incorporated_on)])


COOPS = Command("coops", create_coop, CreateCoop)


class AmendStatutes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share_nominal: Amount | None = None
    statutory_floor: AmountOrZero | None = None
    categories: list[cooperative.Category] | None = Field(default=None, min_length=1)
    colleges: list[cooperative.College] | None = None
    reimbursement_delay_years: NonNegativeInteger | None = None
    effective_date: Day | None = None
    reason: str | None = Field(default=None, max_length=1000)


def amend_statutes(session: WriteSession, ctx: Context, body: AmendStatutes) -> Decided:
    on = ctx.on(body)
    cached, _, state = store.as_at(session, ctx.cooperative(), on)
    members.check_date(state, on)
    current = state.statutes_at(on)
    changes: dict[str, Any] = {}
    if body.share_nominal is not None:
        changes["share_nominal_cents"] = body.share_nominal
    if body.statutory_floor is not None:
        changes["statutory_floor_cents"] = body.statutory_floor
    if body.categories is not None:
        changes["categories"] = body.categories
    if body.colleges is not None:
        changes["colleges"] = body.colleges
    if body.reimbursement_delay_years is not None:
        changes["reimbursement_delay_years"] = body.reimbursement_delay_years
    amended = cooperative.Statutes.model_validate({**current.model_dump(), **changes})
    cooperative.check_statutes(amended, on)
    cooperative.check_nominal_kept(current, amended, state.capital.shares, on)
    data = cooperative.StatutesAmended(coop_id=state.coop_id, statutes=amended, reason=body.reason)
    # R5 — a lower floor may let waiting reimbursements go at once.
    amended_state = replace(state, statutes_versions=[*state.statutes_versions, (on, amended)])
    released = shares.release_pending(amended_state, on, 0)
    return store.judged(session, cached, state.coop_id, [Fact(data, on), *released])


STATUTES = Command("statutes", amend_statutes, AmendStatutes)
