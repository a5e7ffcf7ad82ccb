"""Request dependencies shared by the routers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from scic.service import Service


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]

NUL = "\x00"


async def refuse_nul(request: Request) -> None:
    """Application dependency: no text of a request may hold NUL (U+0000). PostgreSQL
    cannot store it (nor compare against it: a lookup by such an id fails), so it is
    refused with 422 wherever it comes, on every backend alike."""
    body = await request.body()
    parsed: Any = None
    if b"\\u0000" in body or b"\x00" in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body.decode("utf-8", "replace")  # FastAPI reports bad JSON itself
    places: list[tuple[tuple[Any, ...], Any]] = [
        *((("path", k), v) for k, v in request.path_params.items()),
        *((("query", k), v) for k, v in request.query_params.multi_items()),
        *((("header", k), v) for k, v in request.headers.items()),
        (("body",), parsed),
    ]
    for base, value in places:
        for loc in _nul_places(value, base):
            raise RequestValidationError(
                [
                    {
                        "loc": loc,
                        "type": "nul_character",
                        "msg": "text must not contain NUL (\\u0000) characters",
                    }
                ]
            )


def _nul_places(value: Any, loc: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield loc
            yield from _nul_places(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_places(item, (*loc, index))
