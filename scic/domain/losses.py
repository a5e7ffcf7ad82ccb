"""Carried-forward losses (account 119) and the reserves that absorb them (R6, R9).

A loss the AG carries forward stays on 119 until a later result clears it (the
allocation of that result, R9: C. com. L232-10, L232-11) or an AG charges it to the
reserves (this module's event). While it is carried, R6 shares over the shares only the
part the reserves do not absorb."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day
from scic.money import Amount

Reserve = Literal["legal", "statutory", "other"]

RESERVE_ACCOUNTS: dict[str, str] = {"legal": "1061", "statutory": "1063", "other": "1068"}
# the CapitalState field (scic/domain/state.py) of each reserve
RESERVE_FIELDS: dict[str, str] = {
    "legal": "legal_reserve_cents",
    "statutory": "statutory_reserve_cents",
    "other": "other_reserves_cents",
}


class CarriedLossCharged(BaseModel):
    """An AG charges (part of) the carried loss to a reserve: 119 is cleared by that much,
    the reserve falls by as much."""

    model_config = ConfigDict(extra="forbid")
    charge_id: str
    amount_cents: int = Field(gt=0)
    reserve: Reserve
    decided_on: date


EVENTS: tuple[type[BaseModel], ...] = (CarriedLossCharged,)
"""This aggregate's event types (scic/events.py registers them by class name)."""


class ChargeCarriedLoss(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"amount": "400.00", "reserve": "other", "decided_on": "2024-06-20"}]
        },
    )
    amount: Amount
    reserve: Reserve = Field(
        default="other",
        description="the reserve charged: legal (1061), statutory (1063) or other (1068)",
    )
    decided_on: Day
