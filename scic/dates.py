"""Calendar arithmetic the rules need, and the range of business dates the API accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field

from scic.jsontypes import text_of

FIRST_DAY = date(1900, 1, 1)  # the oldest rule values start here (scic/rules/dated.py)
LAST_DAY = date(2200, 12, 31)  # far enough; keeps date arithmetic (+ years) in range

_YEAR = r"(19[0-9]{2}|2[01][0-9]{2}|2200)"
DAY_PATTERN = rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
INSTANT_PATTERN = (
    rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]{{1,6}})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _text(pattern: str, what: str) -> BeforeValidator:
    """Dates arrive as text in exactly the form the contract states (no timestamps, no
    other layouts pydantic would also read), so the schema says all the server takes."""
    return text_of(pattern, date, f"{what} from year 1900 to 2200")


Day = Annotated[
    date,
    _text(DAY_PATTERN, "a date YYYY-MM-DD"),
    Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": DAY_PATTERN}),
]
"""A business date given to the API: 1900-01-01 to 2200-12-31. Outside that range no rule
is known (a 1899 date has no R1/R3 value in force) and date arithmetic may overflow; such
dates are refused with 422 like any invalid field."""

Instant = Annotated[
    AwareDatetime,
    _text(INSTANT_PATTERN, "an instant YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or an offset,"),
    Field(
        ge=datetime.combine(FIRST_DAY, time(), UTC),
        le=datetime.combine(LAST_DAY, time.max, UTC),
        json_schema_extra={"pattern": INSTANT_PATTERN},
    ),
]
"""An instant given to the API (ISO 8601 with offset), in the same range: converting
9999-12-31T23:00-05:00 to UTC would overflow."""


def add_months(day: date, months: int) -> date:
    """Same day `months` later (earlier when negative), or the month's last day when it
    has no such day (31 March + 1 month = 30 April)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_years(day: date, years: int) -> date:
    """Same day `years` later (28 February for a 29 February that does not recur)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
