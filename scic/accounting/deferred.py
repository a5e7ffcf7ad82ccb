"""R14, R17 — a multi-year operating grant is income of the fiscal years it funds: the part
for later years is deferred (produits constatés d'avance, account 487; PCG, ANC regulation
2014-03, art. 944-48 on the accrual accounts — verify the article) and released on the
first day of each year it funds."""

from __future__ import annotations

from datetime import date

from scic.domain.fiscal_years import FiscalYear, years_until


def income_by_year(
    amount_cents: int,
    start: date,
    end: date,
    incorporated_on: date,
    fiscal_year_end: str,
) -> dict[FiscalYear, int]:
    """The grant's amount spread over the fiscal years its funded period touches, pro rata
    of the period's days in each (the last year takes the cents the rounding leaves)."""
    days = (end - start).days + 1
    years = [fy for fy in years_until(incorporated_on, fiscal_year_end, end) if fy.end >= start]
    out: dict[FiscalYear, int] = {}
    given = covered = 0
    for fy in years:
        covered += (min(end, fy.end) - max(start, fy.start)).days + 1
        share = amount_cents * covered // days - given
        out[fy] = share
        given += share
    return out


def split(
    amount_cents: int,
    start: date | None,
    end: date | None,
    awarded_on: date,
    incorporated_on: date,
    fiscal_year_end: str,
) -> tuple[int, dict[FiscalYear, int]]:
    """(income of the award's year — its own part and any earlier years' —, the parts of
    the later fiscal years, deferred on 487). No funded period, or one that ends in the
    award's fiscal year: all income at once."""
    if start is None or end is None or end < start:
        return amount_cents, {}
    parts = income_by_year(amount_cents, start, end, incorporated_on, fiscal_year_end)
    later = {fy: cents for fy, cents in parts.items() if fy.start > awarded_on and cents}
    return amount_cents - sum(later.values()), later
