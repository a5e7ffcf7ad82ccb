"""The weighted result of a vote by colleges (R4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, DecimalText, Public
from scic.domain import votes


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

    @classmethod
    def of(cls, on: date, tally: votes.Tally) -> TallyResult:
        return cls.model_validate(
            {
                "as_of": on.isoformat(),
                "colleges": [
                    {
                        "code": c.code,
                        "weight": str(c.weight),
                        "yes": c.yes,
                        "cast": c.cast,
                        "applied_weight": _decimal_text(votes.display(c.applied)),
                    }
                    for c in tally.colleges
                ],
                "result": _decimal_text(tally.rounded),
                "result_exact": f"{tally.result.numerator}/{tally.result.denominator}",
                "adopted": tally.adopted,
                "redistribution": tally.redistribution,
            }
        )


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"
