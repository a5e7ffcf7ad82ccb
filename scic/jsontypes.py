"""JSON values exactly as the contract types them, in request bodies: an integer is a JSON
integer (2014, or 2014.0 which JSON Schema counts as one; never true or "2014"), a boolean
is true or false (never 0 or "yes"). pydantic's lax mode would take all of those."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def _integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    return value  # pydantic then refuses 2014.5


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


Integer = Annotated[int, BeforeValidator(_integer)]
Boolean = Annotated[bool, BeforeValidator(_boolean)]
# An optional integer with bounds: the bounds go inside, before the check, or pydantic
# cannot state them in the JSON schema of the `X | None`.
PositiveInteger = Annotated[int, Field(gt=0), BeforeValidator(_integer)]
NonNegativeInteger = Annotated[int, Field(ge=0), BeforeValidator(_integer)]


def text_of(pattern: str, parsed: type, error: str) -> BeforeValidator:
    """A value that arrives as text in exactly the form `pattern` states (the schema says
    all the server takes), or already `parsed`; anything else fails with `error`."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, parsed):
            return value
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(error)
        return value

    return BeforeValidator(check)
