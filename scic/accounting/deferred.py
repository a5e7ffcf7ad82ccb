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


def take_back(waiting: dict[FiscalYear, int], cents: int) -> dict[FiscalYear, int]:
    """R14, R17 — a clawback of `cents` takes from the parts not yet released first
    (`waiting`: the later fiscal years' parts), the latest year first: the cut of each year
    (negative). What it takes beyond them is income of its own year given back (740)."""
    cut: dict[FiscalYear, int] = {}
    left = cents
    for fy in sorted(waiting, key=lambda y: y.start, reverse=True):
        take = min(left, max(0, waiting[fy]))
        if take:
            cut[fy] = -take
            left -= take
    return cut


class GrantIncome:
    """R14, R15, R9 — one operating grant's income by fiscal year, as the journal books it
    (scic.accounting.journal): an award and each amendment's change spread over the funded
    period, the later years' parts waiting (487); a clawback taking from those first, the
    rest from its own year; a clawback undone giving them back (the years opened since at
    once). Feed its flows in timeline order."""

    def __init__(
        self, start: date | None, end: date | None, incorporated_on: date, fiscal_year_end: str
    ) -> None:
        self.start, self.end = start, end
        self.incorporated_on, self.fiscal_year_end = incorporated_on, fiscal_year_end
        self.by_year: dict[FiscalYear, int] = {}
        self.waiting: dict[FiscalYear, int] = {}
        self.clawbacks: list[tuple[int, int, dict[FiscalYear, int]]] = []

    def _year(self, on: date) -> FiscalYear:
        years = years_until(
            self.incorporated_on, self.fiscal_year_end, max(on, self.incorporated_on)
        )
        return next((fy for fy in years if fy.start <= on <= fy.end), years[0])

    def _add(self, fy: FiscalYear, cents: int) -> None:
        self.by_year[fy] = self.by_year.get(fy, 0) + cents

    def awarded(self, cents: int, on: date) -> None:
        """An award, or an amendment's change of it (negative when lowered)."""
        now, later = split(
            cents, self.start, self.end, on, self.incorporated_on, self.fiscal_year_end
        )
        self._add(self._year(on), now)
        for fy, part in later.items():
            self._add(fy, part)
            self.waiting[fy] = self.waiting.get(fy, 0) + part

    def clawed_back(self, cents: int, on: date) -> None:
        cut = take_back({fy: c for fy, c in self.waiting.items() if fy.start > on}, cents)
        for fy, part in cut.items():
            self._add(fy, part)
            self.waiting[fy] += part
        taken = -sum(cut.values())
        self._add(self._year(on), -(cents - taken))
        self.clawbacks.append((cents, cents - taken, cut))

    def undone(self, cents: int, on: date) -> None:
        """The latest clawback of `cents` reversed on `on`."""
        found = next((c for c in reversed(self.clawbacks) if c[0] == cents), None)
        if found is None:
            return
        self.clawbacks.remove(found)
        _, from_income, cut = found
        passed = 0
        for fy, part in cut.items():
            if fy.start < on:
                passed -= part
            else:
                self._add(fy, -part)
                self.waiting[fy] -= part
        self._add(self._year(on), from_income + passed)
