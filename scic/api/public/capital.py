"""The capital table: who holds what, as at a date, as known at an instant."""

from __future__ import annotations

from typing import Literal

from scic.api.public.common import (
    DayText,
    InstantText,
    Money,
    MoneyText,
    Public,
    Ratio,
    holding,
)
from scic.projections import views


class CapitalTotals(Public):
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money


class CapitalRow(Public):
    key: str
    label: str
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money
    share_of_capital: Ratio


class CapitalTable(Public):
    as_of: DayText
    known_at: InstantText | None
    group_by: Literal["member", "category", "college"]
    totals: CapitalTotals
    rows: list[CapitalRow]

    @classmethod
    def of(cls, table: views.CapitalTable) -> CapitalTable:
        """The view with its amounts as decimal strings (validated once, as a whole: a
        table may hold 10k rows)."""
        money = MoneyText()
        return cls.model_validate(
            {
                "as_of": table.as_of.isoformat(),
                "known_at": table.known_at.isoformat() if table.known_at else None,
                "group_by": table.group_by,
                "totals": holding(table.totals),
                "rows": [
                    {
                        "key": r.key,
                        "label": r.label,
                        **holding(r.holding, money),
                        "share_of_capital": str(r.share_of_capital),
                    }
                    for r in table.rows
                ],
            }
        )
