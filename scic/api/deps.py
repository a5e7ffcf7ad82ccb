"""Request dependencies shared by the routers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from scic import text_rules
from scic.service import Service


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]

# What no stored text may hold, with the reason given back. NUL: PostgreSQL can neither
# store nor compare it. Lone surrogates: not Unicode at all (they cannot be encoded to
# UTF-8, so hashing or storing them fails). Controls, zero-width and bidirectional
# formatting characters: invisible, they make two names look alike or a name read
# backwards in a legal register. Tab, line feed and carriage return stay allowed.
FORBIDDEN_TEXT = (
    (re.compile("\x00"), "NUL (\\u0000) characters"),
    (re.compile("[\ud800-\udfff]"), "lone surrogates (invalid Unicode)"),
    (re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"), "control characters"),
    (re.compile("[\u200b-\u200d\u2060\ufeff]"), "zero-width characters"),
    (re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"), "bidirectional controls"),
    (text_rules.REFUSED, "invisible or formatting characters"),
)


def _suspect(body: bytes) -> bool:
    """Whether a JSON body may spell a refused character (an escape, or the character
    itself): only such a body is parsed a second time to find where."""
    if b"\\u" in body or b"\\b" in body or b"\\f" in body or b"\x00" in body:
        return True
    return text_rules.REFUSED.search(body.decode("utf-8", "replace")) is not None


async def refuse_unstorable_text(request: Request) -> None:
    """Application dependency: no text of a request (path, query, body; NUL in headers)
    may hold what FORBIDDEN_TEXT lists: 422 naming the place, on every backend alike."""
    parsed: Any = None
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # an upload: the route has read the form already (the stream is spent); its text
        # fields are checked, the files are the route's to read
        form = await request.form()
        body = b""
        parsed = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    else:
        body = await request.body()
    if _suspect(body):
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None  # FastAPI reports bad JSON itself
    places: list[tuple[tuple[Any, ...], Any, bool]] = [
        *((("path", k), v, True) for k, v in request.path_params.items()),
        *((("query", k), v, True) for k, v in request.query_params.multi_items()),
        *((("header", k), v, False) for k, v in request.headers.items()),
        (("body",), parsed, True),
    ]
    for base, value, strict in places:
        for loc, what in _forbidden_places(value, base, FORBIDDEN_TEXT if strict else NUL_ONLY):
            raise RequestValidationError(
                [
                    {
                        "loc": loc,
                        "type": "forbidden_character",
                        "msg": f"text must not contain {what}",
                    }
                ]
            )


NUL_ONLY = FORBIDDEN_TEXT[:1]


def _forbidden_places(
    value: Any, loc: tuple[Any, ...], forbidden: tuple[tuple[re.Pattern[str], str], ...]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        for pattern, what in forbidden:
            if pattern.search(value):
                yield loc, what
                return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _forbidden_places(key, loc, forbidden)
            yield from _forbidden_places(item, (*loc, key), forbidden)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _forbidden_places(item, (*loc, index), forbidden)
