"""POST routes for every command in scic.commands, and the atomic batch endpoint.

(No `from __future__ import annotations` here: the routes are built in a loop and
FastAPI must see each body model as a real class.)"""

import inspect
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from fastapi import APIRouter, Body, Header, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from ledger.errors import LedgerError
from scic.access.errors import AccessError
from scic.access.policy import ADMIN_ONLY, RECORD, allow, command_rule, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.examples import BATCH, BODIES, openapi_examples
from scic.api.problems import InBatch
from scic.api.schemas import BatchResult, WriteResult
from scic.commands import (
    COMMANDS,
    Context,
    CreateCoop,
    Outcome,
    batch_fingerprint,
    execute,
    scoped_key,
    stream_of,
)
from scic.errors import DomainError
from scic.service import Service

router = APIRouter(tags=["commands"], responses=problems.WRITE_REFUSALS)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=120)]
IF_MATCH = r'^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$'
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="stream version the client read (ETag); 409 if it moved",
        pattern=IF_MATCH,
        examples=['"12"'],
    ),
]


def run(
    service: Service,
    response: Response,
    coop_id: str | None,
    name: str,
    body: BaseModel,
    key: str | None,
    if_match: str | None,
    who: Principal,
) -> dict[str, Any]:
    outcome, etag = record(service, coop_id, name, body, key, _version(if_match), who.actor)
    response.status_code = 200 if outcome.replayed else 201
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    return outcome.body()


def record(
    service: Service,
    coop_id: str | None,
    name: str,
    command: BaseModel,
    key: str | None,
    expected_version: int | None,
    actor: str,
) -> tuple[Outcome, int | None]:
    """Execute one command in its own write transaction: the single write path of the
    API's routes and of the dashboard's forms (scic/web/forms), so both refuse alike.
    Returns the outcome and the stream's version after it (the ETag)."""
    ctx = Context(coop_id, actor=actor, today=service.today())
    with service.store.write() as session:
        outcome = execute(
            session,
            ctx,
            name,
            command,
            scoped_key(ctx, name, key),
            expected_version=expected_version,
        )
        etag = session.stream_version(stream_of(coop_id or outcome.id))
    return outcome, etag


def command_of(name: str, body: BaseModel, path: dict[str, str]) -> BaseModel:
    """The command a single-write route hands `record`: its body, with the fields its
    path carries (`grants/{grant_id}/…`) merged in."""
    if not path:
        return body
    merged = {**body.model_dump(mode="json", exclude_unset=True), **path}
    return COMMANDS[name].model.model_validate(merged)


def _version(if_match: str | None) -> int | None:
    """The version an `If-Match` names (its form is checked with the header: IF_MATCH)."""
    if if_match is None:
        return None
    return int(if_match.removeprefix("W/").strip('"'))


def _add_command_route(name: str) -> None:
    spec = COMMANDS[name]

    def endpoint(
        coop_id: str,
        body: BaseModel,
        service: Service,
        response: Response,
        who: Principal,
        idempotency_key: str | None = None,
        if_match: str | None = None,
        **path: str,
    ) -> dict[str, Any]:
        command = command_of(name, body, path)
        return run(service, response, coop_id, name, command, idempotency_key, if_match, who)

    # FastAPI reads the signature: give it the real path parameters and body model.
    P = inspect.Parameter
    signature = inspect.Signature(
        [
            P("coop_id", P.POSITIONAL_OR_KEYWORD, annotation=str),
            *(P(f, P.KEYWORD_ONLY, annotation=str) for f in spec.path_fields),
            P(
                "body",
                P.KEYWORD_ONLY,
                annotation=Annotated[
                    spec.body_model, Body(openapi_examples=openapi_examples(BODIES[name]))
                ],
            ),
            P("service", P.KEYWORD_ONLY, annotation=ServiceDep),
            P("response", P.KEYWORD_ONLY, annotation=Response),
            P(
                "who",
                P.KEYWORD_ONLY,
                annotation=Annotated[Principal, requires(command_rule(spec.route))],
            ),
            P("idempotency_key", P.KEYWORD_ONLY, annotation=IdempotencyKey, default=None),
            P("if_match", P.KEYWORD_ONLY, annotation=IfMatch, default=None),
        ]
    )
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    router.post(
        f"/v1/coops/{{coop_id}}/{spec.route}",
        status_code=201,
        response_model=WriteResult,
        response_model_exclude_unset=True,
        operation_id=f"post_{name.replace('-', '_')}",
        summary=spec.summary,
        responses={200: {"model": WriteResult, "description": "idempotent replay"}},
    )(endpoint)


for _name in COMMANDS:
    if _name != "coops":
        _add_command_route(_name)


@router.post(
    "/v1/coops",
    status_code=201,
    response_model=WriteResult,
    response_model_exclude_unset=True,
    operation_id="post_coops",
    responses={200: {"model": WriteResult, "description": "idempotent replay"}},
    summary=COMMANDS["coops"].summary,
    tags=["cooperatives"],
)
def create_coop(
    body: Annotated[CreateCoop, Body(openapi_examples=openapi_examples(BODIES["coops"]))],
    service: ServiceDep,
    response: Response,
    who: Annotated[Principal, requires(ADMIN_ONLY)],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    return run(service, response, None, "coops", body, idempotency_key, None, who)


def _batch_item(name: str) -> type[BaseModel]:
    """`{type: name, body: …}`: the body typed by the command it names."""
    title = "Batch" + "".join(part.capitalize() for part in re.split(r"[-_/{}]+", name))
    tag: Any = Literal[name]  # type: ignore[valid-type]
    return create_model(
        title,
        __config__=ConfigDict(extra="forbid"),
        type=(tag, ...),
        body=(COMMANDS[name].model, ...),
    )


if TYPE_CHECKING:

    class BatchCommand(BaseModel):
        type: str
        body: BaseModel

else:
    # one item schema per command, told apart by `type` (a oneOf in the contract)
    _items = tuple(_batch_item(n) for n in COMMANDS if n != "coops")
    BatchCommand = Annotated[Union[_items], Field(discriminator="type")]  # noqa: UP007


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commands: list[BatchCommand] = Field(min_length=1, max_length=1000)


@router.post(
    "/v1/coops/{coop_id}/batch",
    status_code=201,
    response_model=BatchResult,
    response_model_exclude_unset=True,
    operation_id="post_batch",
    responses={200: {"model": BatchResult, "description": "idempotent replay"}},
    summary="Append many commands atomically (all or none)",
)
def batch(
    coop_id: str,
    body: Annotated[BatchRequest, Body(openapi_examples=openapi_examples(BATCH))],
    service: ServiceDep,
    response: Response,
    who: Annotated[Principal, requires(RECORD)],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    parsed = []
    for index, item in enumerate(body.commands):
        try:
            allow(command_rule(COMMANDS[item.type].route), who)  # each command's own rule
        except AccessError as exc:
            raise InBatch(index, exc) from None
        parsed.append((item.type, item.body))
    ctx = Context(coop_id, actor=who.actor, today=service.today())
    results, replayed = [], True
    whole = batch_fingerprint(parsed) if idempotency_key else None
    with service.store.write() as session, session.deferred():  # one INSERT per table
        for index, (name, command_body) in enumerate(parsed):
            key = (
                scoped_key(ctx, "batch", f"{idempotency_key}#{index}") if idempotency_key else None
            )
            try:
                outcome = execute(session, ctx, name, command_body, key, fingerprint=whole)
            except (DomainError, LedgerError) as exc:  # the write rolls back: nothing lands
                raise InBatch(index, exc) from exc
            replayed = replayed and outcome.replayed
            results.append(outcome.body())
    response.status_code = 200 if replayed else 201
    return {"results": results}
