"""Field types every public schema uses: money, ratios, dates and instants as text."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from scic.money import format_cents
from scic.projections import views

Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["1250.00"], description="euros")]
Ratio = Annotated[
    str,
    Field(pattern=r"^-?\d+\.\d{4}$", examples=["0.1234"], description="a share of a whole"),
]
DecimalText = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", examples=["0.30"])]
DayText = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2026-03-31"])]
InstantText = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-03-31T14:05:00Z"])
]


class Public(BaseModel):
    """A response body: exactly these fields, no others."""

    model_config = ConfigDict(extra="forbid")


def holding(h: views.Holding) -> dict[str, int | str]:
    """A holding's fields as every public schema writes them: shares, then the amounts."""
    return {
        "shares": h.shares,
        "subscribed": format_cents(h.subscribed_cents),
        "called": format_cents(h.called_cents),
        "paid": format_cents(h.paid_cents),
        "unpaid": format_cents(h.unpaid_cents),
    }


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
