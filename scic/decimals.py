"""Rates and weights at the API edge: decimal strings ("0.30"), never JSON numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from scic.jsontypes import text_of


def _text(pattern: str, example: str) -> BeforeValidator:
    """A Decimal given as text matching `pattern` (the schema states it, the server holds
    to it: a float would lose digits, and "1e-1" or " 0.3" are not how people write)."""
    return text_of(pattern, Decimal, f'expected a decimal string such as "{example}"')


def _schema(pattern: str, example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]})


RATE = r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$"
SHARE = r"^(0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])|1(\.0{1,4})?)$"

RateText = Annotated[Decimal, _text(RATE, "0.02"), _schema(RATE, "0.02")]
"""A rate from 0 to 1, at most 6 decimals."""
ShareText = Annotated[Decimal, _text(SHARE, "0.30"), _schema(SHARE, "0.30")]
"""A share of a whole above 0 and at most 1, at most 4 decimals (weights, bases)."""
