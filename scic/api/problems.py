"""RFC 9457 problem+json for every refusal: the only place errors become responses."""

from __future__ import annotations

import inspect
import json
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ledger.errors import (
    IdempotencyConflict,
    InvalidEvent,
    LedgerError,
    UnknownEventType,
    WrongExpectedVersion,
)
from scic import i18n, refusals
from scic.access.errors import AccessError
from scic.access.policy import routes_of
from scic.api import contract
from scic.errors import DomainError, Kind

MEDIA_TYPE = "application/problem+json"

# The one place a refusal's kind becomes a status: 409 when the ledger's state refused it
# (retrying on another history could succeed), 422 when the request is wrong in itself.
KIND_STATUS: dict[Kind, int] = {"conflict": 409, "invalid": 422, "not-found": 404}


class InvalidField(BaseModel):
    """One field a 422 `invalid-request` refused."""

    loc: list[str | int] = Field(description="where: body, query, path or header, then the field")
    msg: str
    type: str | None


class Problem(BaseModel):
    """RFC 9457 problem details: every refusal of the API has this shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/errors/public-capital-cap",
                    "title": "Public capital cap",
                    "status": 409,
                    "detail": "public bodies would hold 52.00 % of the capital (at most 50 %)",
                    "rule": "R3",
                }
            ]
        }
    )
    type: str = Field(pattern=r"^/errors/[a-z0-9-]+$", description="stable: one per refusal")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    rule: str | None = Field(
        default=None, description="the DOMAIN.md rule that refused it, e.g. R3"
    )
    rule_text: str | None = Field(
        default=None,
        description="the rule named, in the language asked for (Accept-Language: fr)",
    )
    instance: str | None = None
    errors: list[InvalidField] | None = Field(
        default=None, description="422 invalid-request: every field refused"
    )


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

_DESCRIPTIONS = {
    401: "no usable token (missing, unknown, expired or revoked)",
    403: "the token's role may not do this",
    404: "no such cooperative or resource (or not this token's)",
    409: "refused by a rule that depends on the ledger's state, or a version conflict",
    422: "malformed request (including text holding NUL, lone surrogates, control, "
    "zero-width or bidirectional formatting characters: `forbidden_character`), or refused "
    "by a rule whatever the state",
    429: "too many failed authentications from this client (or, on event streams, too many"
    " streams open with this token)",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: its refusals, each problem+json (one place for all)."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}},
        }
        for status in statuses
    }


READ_REFUSALS = responses(401, 403, 404, 422, 429)
"""A view of a cooperative: who may not read it, what is not there, a bad query."""
WRITE_REFUSALS = responses(401, 403, 404, 409, 422, 429)
"""A write: the same, and the refusals of the rules that depend on state."""


def _document(app: FastAPI) -> None:
    """The routes' refusals refer to the Problem schema: add it to the OpenAPI components.
    And an optional parameter is one a client leaves out: its schema does not offer
    `null`, which in a header or a query would travel as the text "null"."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default_openapi()  # also caches it in app.openapi_schema
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            defs = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(defs.pop("$defs", {}))
            components["Problem"] = defs
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for parameter in operation.get("parameters", ()):
                        parameter["schema"] = _not_null(parameter["schema"])
            contract.standardise(schema)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


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
    _document(app)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        lang = i18n.api_locale(request)
        if lang == "en":  # the API's own words, as it always answered
            return problem(KIND_STATUS[exc.kind], exc.slug, exc.detail, exc.rule)
        i18n.activate(lang)  # Accept-Language: fr — the catalogue's title and detail
        answer = problem(KIND_STATUS[exc.kind], exc.slug, refusals.detail(exc), exc.rule)
        body = json.loads(bytes(answer.body))
        body["title"] = refusals.title(exc.slug)
        rule = refusals.rule_text(exc.rule)
        if rule is not None:
            body["rule_text"] = rule
        return JSONResponse(
            body,
            answer.status_code,
            {"Content-Language": lang, "Vary": "Accept-Language"},
            media_type=MEDIA_TYPE,
        )

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
            {"loc": _loc(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        loc = first["loc"][1:] if first["loc"][:1] == ["body"] else first["loc"]
        where = ".".join(str(p) for p in loc) or "request"
        detail = f"{where}: {first['msg']}"
        if loc[:1] == ["commands"] and len(loc) > 1 and isinstance(loc[1], int):
            # A batch item the request schema refused: located like InBatch does.
            index = loc[1]
            detail = f"commands[{index}]: {detail}"
            return problem(422, "invalid-request", detail, errors=errors, command_index=index)
        return problem(422, "invalid-request", detail, errors=errors)

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

    @app.exception_handler(sa.exc.DBAPIError)
    async def _database(request: Request, exc: sa.exc.DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:
            raise exc  # a fault of ours: the 500 it is, logged with its trace
        # The session ended under the request (the server restarted, an administrator or
        # a failover terminated it): not the client's fault, and worth trying again.
        return problem(
            503,
            "database-unavailable",
            "the connection to the database was lost while answering; try again (a "
            "write with the same Idempotency-Key lands once, whether or not this one did)",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the only 400 FastAPI raises: a body it cannot read
            # (not JSON, nested too deeply to parse, not UTF-8): malformed input
            detail = f"body: {exc.detail} (not valid JSON, nested too deeply, or not UTF-8)"
            return problem(422, "invalid-request", detail, errors=[])
        slug = {
            401: "unauthorized",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
        }.get(exc.status_code, "http-error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem(exc.status_code, slug, str(exc.detail), headers=headers or None)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in schema.get("anyOf", ()) if o != {"type": "null"}]
    if "anyOf" not in schema or len(options) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest} if len(options) == 1 else {**rest, "anyOf": options}


def _loc(loc: Any) -> list[Any]:
    """Where a field is, as the client wrote it: a batch item is typed by its `type`, and
    pydantic puts that tag in the path (commands.3.payments.body.amount); drop it."""
    parts = list(loc)
    if parts[:2] == ["body", "commands"] and len(parts) > 4 and parts[4] in ("body", "type"):
        del parts[3]
    return parts


def allowed_methods(request: Request) -> list[str]:
    """Every method of the path: Starlette's 405 names only the first route that matched
    it, while a path's GET and POST may live in different routers."""
    methods: set[str] = set()
    for route in routes_of(request.app.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
