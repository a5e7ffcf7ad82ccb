"""Money: integer cents inside, decimal strings ("1250.00") at the edges. Never floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from scic.errors import refuse

_AMOUNT = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")
MAX_CENTS = 10**15 - 1
"""The largest amount the API takes ("9999999999999.99"). An amount the ledger computes
from several inputs (titles: count × nominal; a remuneration) is held to it too: far below
what the BIGINT amount columns hold, which a product of two inputs could exceed."""


def parse_cents(value: Any) -> int:
    """'1250.5' or '1250.50' → 125050. Refuses numbers (a JSON 1250 or 1250.5: amounts
    are decimal strings, so a client never sends a float by accident), more than 2
    decimals, and junk."""
    if isinstance(value, bool | int | float):
        raise ValueError('amounts are decimal strings such as "1250.00", not numbers')
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        raise ValueError('amount must be a decimal string with at most 2 decimals, e.g. "1250.00"')
    return int((Decimal(value.strip()) * 100).to_integral_exact())


def within_max(cents: int, what: str) -> int:
    """`cents`, or a 422 when it is beyond MAX_CENTS."""
    if cents > MAX_CENTS:
        raise refuse(
            "amount-too-large",
            f"{what} would be {format_cents(cents)}, beyond the largest amount the "
            f"ledger records ({format_cents(MAX_CENTS)})",
        )
    return cents


def euros(cents: int) -> Decimal:
    """125050 → Decimal("1250.50"): an amount to compute or draw with, not to show."""
    return Decimal(cents).scaleb(-2)


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def ratio(numerator: int, denominator: int, places: int = 4) -> Decimal:
    """A share of a whole to `places` decimals (Decimal("0.1234")); 0 when the
    denominator is 0."""
    quantum = Decimal(1).scaleb(-places)
    if denominator == 0:
        return Decimal(0).quantize(quantum)
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, ROUND_HALF_EVEN)


def format_ratio(numerator: int, denominator: int, places: int = 4) -> str:
    """A share as a decimal string ("0.1234"); 0 when the denominator is 0."""
    return str(ratio(numerator, denominator, places))


# What the API takes, exactly: the schema states it and the server holds to it (no sign,
# no leading zeros, no spaces, at most 13 digits and 2 decimals; ASCII digits only).
POSITIVE_AMOUNT = r"^([1-9][0-9]{0,12}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"
AMOUNT_OR_ZERO = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"


def _edge(pattern: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> int:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            if isinstance(value, str) and re.fullmatch(AMOUNT_OR_ZERO, value):
                raise ValueError("amount must be greater than 0")
            raise ValueError(
                'amount must be a decimal string with at most 2 decimals, e.g. "1250.00"'
            )
        return parse_cents(value)

    return check


_as_string = PlainSerializer(format_cents, return_type=str)


def _schema(pattern: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["1250.00"]})


Amount = Annotated[
    int, BeforeValidator(_edge(POSITIVE_AMOUNT)), _as_string, _schema(POSITIVE_AMOUNT)
]
"""A strictly positive amount given as a decimal string; held as cents."""

AmountOrZero = Annotated[
    int, BeforeValidator(_edge(AMOUNT_OR_ZERO)), _as_string, _schema(AMOUNT_OR_ZERO)
]
