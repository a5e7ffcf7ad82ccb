"""The weighted result of a vote by colleges (R4)."""

from __future__ import annotations

from scic.api.public.common import DayText, DecimalText, Public


class CollegeTally(Public):
    code: str
    weight: DecimalText
    yes: int
    cast: int


class TallyResult(Public):
    as_of: DayText
    colleges: list[CollegeTally]
    result: DecimalText
    adopted: bool
