"""Field types every public schema uses: money, ratios, dates and instants as text."""

from __future__ import annotations

from collections.abc import Callable
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


def holding(h: views.Holding, money: Callable[[int], str] = format_cents) -> dict[str, int | str]:
    """A holding's fields as every public schema writes them: shares, then the amounts."""
    return {
        "shares": h.shares,
        "subscribed": money(h.subscribed_cents),
        "called": money(h.called_cents),
        "paid": money(h.paid_cents),
        "unpaid": money(h.unpaid_cents),
    }


class MoneyText:
    """format_cents with each distinct amount formatted once: a capital table of 10k
    holdings repeats a few hundred amounts."""

    def __init__(self) -> None:
        self._seen: dict[int, str] = {}

    def __call__(self, cents: int) -> str:
        found = self._seen.get(cents)
        if found is None:
            found = self._seen[cents] = format_cents(cents)
        return found
