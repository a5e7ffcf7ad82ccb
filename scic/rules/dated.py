"""Rule values with validity intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Dated(Generic[T]):
    valid_from: date
    value: T
    source: str


def value_at(table: list[Dated[T]], on: date) -> T:
    """The value in force on `on` (tables are sorted by valid_from)."""
    current = None
    for entry in table:
        if entry.valid_from <= on:
            current = entry
    if current is None:
        raise LookupError(f"no rule value in force on {on}")
    return current.value


# R3 — local public bodies hold at most this share of the capital.
PUBLIC_CAPITAL_CAP: list[Dated[Decimal]] = [
    Dated(date(1900, 1, 1), Decimal("0.20"), "loi 47-1775 art. 19 septies, before loi ESS"),
    Dated(date(2014, 8, 1), Decimal("0.50"),
          "loi 47-1775 art. 19 septies (now 19 octodecies) as amended by loi 2014-856"),
]

# R1 — legal minimum capital by legal form, in cents.
LEGAL_MINIMUM_CAPITAL_CENTS: dict[str, list[Dated[int]]] = {
    "SA": [Dated(date(1900, 1, 1), 1_850_000,
                 "DOMAIN.md R1: SCIC in SA form, 18,500 € (verify the article)")],
    "SAS": [Dated(date(1900, 1, 1), 0, "C. com. L227-1: statutes choose")],
    "SARL": [Dated(date(1900, 1, 1), 0, "C. com. L223-2: statutes choose")],
}

# R7 — share of the subscribed amount paid at once, and the delay to pay the rest.
FIRST_PAYMENT_MIN = Decimal("0.25")  # C. com. L225-144 (SA); statutes for SAS/SARL
PAY_UP_YEARS = 5

# R4 — voting colleges.
COLLEGES_MIN, COLLEGES_MAX = 3, 10
COLLEGE_WEIGHT_MIN, COLLEGE_WEIGHT_MAX = Decimal("0.10"), Decimal("0.50")

# R6 — statutory reimbursement delay at most 5 years.
REIMBURSEMENT_DELAY_MAX_YEARS = 5
