"""Calendar arithmetic the rules need, and the range of business dates the API accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AwareDatetime, Field

FIRST_DAY = date(1900, 1, 1)  # the oldest rule values start here (scic/rules/dated.py)
LAST_DAY = date(2200, 12, 31)  # far enough; keeps date arithmetic (+ years) in range

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A business date given to the API: 1900-01-01 to 2200-12-31. Outside that range no rule
is known (a 1899 date has no R1/R3 value in force) and date arithmetic may overflow; such
dates are refused with 422 like any invalid field."""

Instant = Annotated[
    AwareDatetime,
    Field(
        ge=datetime.combine(FIRST_DAY, time(), UTC), le=datetime.combine(LAST_DAY, time.max, UTC)
    ),
]
"""An instant given to the API (ISO 8601 with offset), in the same range: converting
9999-12-31T23:00-05:00 to UTC would overflow."""


def add_years(day: date, years: int) -> date:
    """Same day `years` later (28 February for a 29 February that does not recur)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
