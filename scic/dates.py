"""Calendar arithmetic the rules need."""

from __future__ import annotations

from datetime import date


def add_years(day: date, years: int) -> date:
    """Same day `years` later (28 February for a 29 February that does not recur)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
