"""The weighted result of a vote by colleges (R4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, DecimalText, Public


class CollegeTally(Public):
    code: str
    weight: DecimalText
    yes: int
    cast: int
    applied_weight: DecimalText = Field(
        description="the weight this vote gave the college, silent colleges' weight shared"
    )


class TallyResult(Public):
    as_of: DayText
    colleges: list[CollegeTally]
    result: DecimalText = Field(description="rounded for display only (4 decimals)")
    result_exact: str = Field(
        pattern=r"^\d+/\d+$", description="the exact fraction the majority is judged on"
    )
    adopted: bool
    redistribution: Literal["pro-rata-within-bounds", "pro-rata-bounds-unreachable"] | None = Field(
        description="how silent colleges' weight was shared; null: every college voted"
    )
