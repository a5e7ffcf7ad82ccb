"""RFC 9457 problem+json for every refusal: the only place errors become responses."""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import (
    IdempotencyConflict,
    InvalidEvent,
    LedgerError,
    UnknownEventType,
    WrongExpectedVersion,
)
from scic.access.errors import AccessError
from scic.errors import DomainError, Kind

MEDIA_TYPE = "application/problem+json"

# The one place a refusal's kind becomes a status: 409 when the ledger's state refused it
# (retrying on another history could succeed), 422 when the request is wrong in itself.
KIND_STATUS: dict[Kind, int] = {"conflict": 409, "invalid": 422, "not-found": 404}

_LEDGER_STATUS: dict[type[LedgerError], int] = {
    UnknownEventType: 422,
    InvalidEvent: 422,
    WrongExpectedVersion: 409,
    IdempotencyConflict: 409,
}


def problem(
    status: int,
    slug: str,
    detail: str,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/errors/{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
    }
    if rule is not None:
        body["rule"] = rule
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class InBatch(Exception):
    """The refusal of one command of a batch, located: its problem says `commands[i]: `
    before the detail and carries `command_index`, so a client knows which one to fix."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(f"commands[{index}]: {error}")
        self.index = index
        self.error = error


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(KIND_STATUS[exc.kind], exc.slug, exc.detail, exc.rule)

    @app.exception_handler(AccessError)
    async def _access(request: Request, exc: AccessError) -> JSONResponse:
        return problem(exc.status, exc.slug, exc.detail, headers=exc.headers)

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, exc: LedgerError) -> JSONResponse:
        status = _LEDGER_STATUS.get(type(exc), 409)
        return problem(status, exc.slug, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        loc = first["loc"][1:] if first["loc"][:1] == ["body"] else first["loc"]
        where = ".".join(str(p) for p in loc) or "request"
        return problem(422, "invalid-request", f"{where}: {first['msg']}", errors=errors)

    @app.exception_handler(InBatch)
    async def _in_batch(request: Request, exc: InBatch) -> JSONResponse:
        # The command's own problem (by the handler of its error type), then located.
        handler = next(
            app.exception_handlers[cls]
            for cls in type(exc.error).__mro__
            if cls in app.exception_handlers
        )
        answer = handler(request, exc.error)
        if inspect.isawaitable(answer):
            answer = await answer
        body = json.loads(bytes(answer.body))
        body["detail"] = f"commands[{exc.index}]: {body['detail']}"
        body["command_index"] = exc.index
        headers = {
            k: v for k, v in answer.headers.items() if k not in ("content-length", "content-type")
        }
        return JSONResponse(body, answer.status_code, headers, media_type=MEDIA_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the only 400 FastAPI raises: a body it could not parse
            detail = "the body is not valid JSON (or is nested too deeply)"
            return problem(422, "invalid-request", detail)
        slug = {
            401: "unauthorized",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
        }.get(exc.status_code, "http-error")
        return problem(exc.status_code, slug, str(exc.detail))
