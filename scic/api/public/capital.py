"""The capital table: who holds what, as at a date, as known at an instant."""

from __future__ import annotations

from typing import Literal

from scic.api.public.common import DayText, InstantText, Money, Public, Ratio


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
