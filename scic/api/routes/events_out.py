"""Events out over HTTP: webhook subscriptions and their delivery log, the live SSE feed,
and the open obligations the scheduler reminds of."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ledger.chain import format_timestamp
from ledger.schema import MAX_POSITION
from scic.access import tokens
from scic.access.policy import EVENT_STREAM, READ, WEBHOOK_READ, WEBHOOKS, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.streaming import GRACE, SLOTS, BoundedStream
from scic.dates import Day
from scic.integrations import reminders, webhooks
from scic.integrations.dispatcher import DELIVERY_MARGIN, send_test
from scic.integrations.feed import sse_stream, subjects_of
from scic.integrations.targets import TargetPolicy
from scic.projections import views
from scic.projections.cache import coop_head
from scic.service import Service

router = APIRouter(tags=["events out"], responses=problems.WRITE_REFUSALS)

Manager = Annotated[Principal, requires(WEBHOOKS)]
AsOf = Annotated[Day | None, Query(description="business date (default: today)")]


class WebhookRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://portail.region.example/hooks/scic",
                    "event_types": ["GrantInstalmentReceived", "GrantJustified"],
                    "description": "Région: versements et justificatifs",
                }
            ]
        },
    )
    url: str = Field(max_length=2000, description="http(s) URL the events are POSTed to")
    event_types: list[str] = Field(
        min_length=1, max_length=200, description='event type names, or ["*"] for every type'
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="`whsec_<base64 of 24 to 64 bytes>` (default: generated)",
        json_schema_extra={"pattern": webhooks.SECRET_PATTERN},
    )
    description: str | None = Field(default=None, max_length=200)


class WebhookInfo(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    status: str = Field(description="active | disabled")
    disabled_reason: str | None
    disabled_at: str | None
    created_at: str
    delivered_through: int = Field(description="every event up to this position is delivered")
    failures: int = Field(description="failed attempts at the next event")
    next_attempt_at: str | None


class WebhookCreated(WebhookInfo):
    secret: str = Field(description="the signing secret: shown this once")


class WebhookList(BaseModel):
    webhooks: list[WebhookInfo]


class RotationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="`whsec_<base64 of 24 to 64 bytes>` (default: generated)",
        json_schema_extra={"pattern": webhooks.SECRET_PATTERN},
    )


class Rotated(BaseModel):
    id: str
    secret: str = Field(description="the new secret: shown this once")
    previous_secret_valid_until: str = Field(
        description="until then deliveries carry a signature by each secret"
    )


class Deleted(BaseModel):
    id: str
    deleted: bool


class Replayed(BaseModel):
    id: str
    status: str
    delivered_through: int


class TestDelivery(BaseModel):
    webhook_id: str = Field(description="the test message's webhook-id")
    delivered: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    response_bytes: int | None = Field(description="bytes of the answer read (at most 4096)")


class Delivery(BaseModel):
    id: int
    position: int | None
    event_id: str
    attempt: int
    attempted_at: str
    outcome: str = Field(description="delivered | failed | gone | test")
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None = Field(
        description="the start of the answer, only when the operator keeps them"
        " (SCIC_WEBHOOK_ECHO_RESPONSES)"
    )
    response_bytes: int | None = Field(
        description="bytes of the answer read (at most 4096 are read)"
    )
    next_attempt_at: str | None


class DeliveryLog(BaseModel):
    deliveries: list[Delivery]
    next_after: int


def _time(value: Any) -> str | None:
    return None if value is None else format_timestamp(value)


def _info(row: Any) -> dict[str, Any]:
    return {
        "id": row["subscription_id"],
        "url": row["url"],
        "event_types": row["event_types"],
        "description": row["description"],
        "status": row["status"],
        "disabled_reason": row["disabled_reason"],
        "disabled_at": _time(row["disabled_at"]),
        "created_at": format_timestamp(row["created_at"]),
        "delivered_through": row["cursor"],
        "failures": row["failures"],
        "next_attempt_at": _time(row["next_attempt_at"]),
    }


def _target_policy(request: Request, service: Service) -> TargetPolicy:
    base = request.base_url
    port = base.port or (443 if base.scheme == "https" else 80)
    return service.events_out.target_policy(frozenset({f"{(base.hostname or '').lower()}:{port}"}))


def _patience(service: Service) -> float:
    """How long a change waits for a delivery in flight: the delivery's own deadline."""
    return service.events_out.delivery_timeout + DELIVERY_MARGIN + 1.0


@router.post(
    "/v1/coops/{coop_id}/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    operation_id="post_webhooks",
    summary="Subscribe a URL to the cooperative's events (the secret is shown once)",
)
def create_webhook(
    coop_id: str, body: WebhookRequest, request: Request, service: ServiceDep, who: Manager
) -> dict[str, Any]:
    """Events recorded from now on are delivered (replay to send earlier ones)."""
    url = webhooks.check_url(body.url, _target_policy(request, service))
    types = webhooks.check_event_types(body.event_types, service.store.registry.names())
    with service.engine.begin() as conn:
        views.coop_row(conn, coop_id)
        subscription_id, secret = webhooks.create(
            conn,
            coop_id=coop_id,
            url=url,
            event_types=types,
            secret=body.secret,
            description=body.description,
            now=service.store.clock(),
            head=service.store.head(),
            created_by=who.actor,
        )
        row = webhooks.get_row(conn, coop_id, subscription_id)
    return {**_info(row), "secret": secret}


@router.get(
    "/v1/coops/{coop_id}/webhooks",
    response_model=WebhookList,
    operation_id="get_webhooks",
    dependencies=[requires(WEBHOOK_READ)],
)
def list_webhooks(coop_id: str, service: ServiceDep) -> dict[str, Any]:
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        return {"webhooks": [_info(row) for row in webhooks.list_rows(conn, coop_id)]}


@router.get(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}",
    response_model=WebhookInfo,
    operation_id="get_webhook",
    dependencies=[requires(WEBHOOK_READ)],
)
def get_webhook(coop_id: str, webhook_id: str, service: ServiceDep) -> dict[str, Any]:
    with service.engine.connect() as conn:
        return _info(webhooks.get_row(conn, coop_id, webhook_id))


@router.delete(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}",
    response_model=Deleted,
    operation_id="delete_webhook",
    dependencies=[requires(WEBHOOKS)],
)
def delete_webhook(coop_id: str, webhook_id: str, service: ServiceDep) -> dict[str, Any]:
    """Waits for a delivery in flight to end (409 `webhook-busy` if it outlasts its own
    deadline): nothing is sent to the URL once this has answered."""
    webhooks.when_idle(
        service.engine,
        service.store.clock,
        coop_id,
        webhook_id,
        _patience(service),
        lambda conn: webhooks.delete(conn, coop_id, webhook_id),
    )
    return {"id": webhook_id, "deleted": True}


@router.post(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}/secret-rotation",
    response_model=Rotated,
    operation_id="post_webhook_secret_rotation",
    dependencies=[requires(WEBHOOKS)],
)
def rotate_secret(
    coop_id: str, webhook_id: str, service: ServiceDep, body: RotationRequest | None = None
) -> dict[str, Any]:
    """A new secret; the previous one keeps signing (a second signature) for 24 hours.
    Waits for a delivery in flight to end (it may carry the secret this drops)."""
    chosen = body.secret if body else None
    if chosen is not None:
        webhooks.secret_key(chosen)  # a malformed secret is refused before any wait
    now = service.store.clock
    secret, until = webhooks.when_idle(
        service.engine,
        now,
        coop_id,
        webhook_id,
        _patience(service),
        lambda conn: webhooks.rotate(conn, coop_id, webhook_id, chosen, now()),
    )
    return {"id": webhook_id, "secret": secret, "previous_secret_valid_until": _time(until)}


@router.post(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}/replay",
    response_model=Replayed,
    operation_id="post_webhook_replay",
    dependencies=[requires(WEBHOOKS)],
)
def replay(
    coop_id: str,
    webhook_id: str,
    service: ServiceDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="redeliver after this")] = 0,
) -> dict[str, Any]:
    """Deliver again every event after `after` (re-enables a disabled subscription)."""
    with service.engine.begin() as conn:
        webhooks.replay(conn, coop_id, webhook_id, after)
        row = webhooks.get_row(conn, coop_id, webhook_id)
    return {"id": webhook_id, "status": row["status"], "delivered_through": row["cursor"]}


@router.post(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}/test",
    response_model=TestDelivery,
    operation_id="post_webhook_test",
    dependencies=[requires(WEBHOOKS)],
)
def test_webhook(coop_id: str, webhook_id: str, service: ServiceDep) -> dict[str, Any]:
    """Send a signed `webhook.test` message now and answer how the receiver took it."""
    with service.engine.connect() as conn:
        row = webhooks.get_row(conn, coop_id, webhook_id)
    attempt, msg_id = send_test(service, row)
    return {
        "webhook_id": msg_id,
        "delivered": attempt.ok,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "response_bytes": attempt.received_bytes,
    }


@router.get(
    "/v1/coops/{coop_id}/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryLog,
    operation_id="get_webhook_deliveries",
    dependencies=[requires(WEBHOOK_READ)],
)
def delivery_log(
    coop_id: str,
    webhook_id: str,
    service: ServiceDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every attempt, oldest first: pass `next_after` back as `after` to continue."""
    with service.engine.connect() as conn:
        webhooks.get_row(conn, coop_id, webhook_id)
        rows = webhooks.deliveries(conn, webhook_id, after, limit)
    return {
        "deliveries": [
            {
                "id": r["delivery_id"],
                "position": r["position"],
                "event_id": r["event_id"],
                "attempt": r["attempt"],
                "attempted_at": format_timestamp(r["attempted_at"]),
                "outcome": r["outcome"],
                "status_code": r["status_code"],
                "latency_ms": r["latency_ms"],
                "error": r["error"],
                "response_excerpt": r["response_excerpt"],
                "response_bytes": r["response_bytes"],
                "next_attempt_at": _time(r["next_attempt_at"]),
            }
            for r in rows
        ],
        "next_after": rows[-1]["delivery_id"] if rows else after,
    }


@router.get(
    "/v1/coops/{coop_id}/events/stream",
    response_class=StreamingResponse,
    operation_id="get_events_stream",
    tags=["feed"],
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
def event_stream(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(EVENT_STREAM)],
    last_event_id: Annotated[
        int | None,
        Header(ge=0, le=MAX_POSITION, description="resume after this position (reconnects)"),
    ] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    timeout: Annotated[
        float | None,
        Query(ge=0, le=3600, description="close sooner than the server would (seconds)"),
    ] = None,
) -> StreamingResponse:
    """The cooperative's events as Server-Sent Events: `id:` the position, `data:` the
    feed's event object, keep-alive comments while nothing happens. Resumes after the
    `Last-Event-ID` header (else `after`). A funder or member token receives the events
    whose subject is its own (its member, its funder, grants and titles). The stream ends
    when its token is revoked or expires (an `event: revoked` line first), after its
    timeout whatever the client does, and a token holds a few streams at most (429)."""
    with service.engine.connect() as conn:
        coop_head(conn, coop_id)
    settings = service.events_out
    lasts = min(settings.stream_timeout, timeout if timeout is not None else 3600)

    def subjects() -> set[str] | None:
        with service.engine.connect() as conn:
            return subjects_of(conn, coop_id, who)

    def still_allowed() -> bool:
        with service.engine.connect() as conn:
            return tokens.still_valid(conn, who.token_id, service.store.clock())

    SLOTS.take(who.token_id, settings.streams_per_token)
    return BoundedStream(
        sse_stream(
            service.store,
            coop_id,
            last_event_id if last_event_id is not None else after,
            poll=settings.stream_poll,
            keepalive=settings.stream_keepalive,
            timeout=lasts,
            subjects=subjects,
            still_allowed=still_allowed,
            revoked_here=lambda: tokens.revoked_here(who),
        ),
        lifetime=lasts + GRACE,
        on_close=lambda: SLOTS.give_back(who.token_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class Reminder(BaseModel):
    job: str
    rule: str
    obligation_id: str
    due_on: str
    notice: str = Field(description="the latest notice reached as at the date")
    notice_on: str
    detail: str


class ReminderList(BaseModel):
    as_of: str
    reminders: list[Reminder]


@router.get(
    "/v1/coops/{coop_id}/reminders",
    response_model=ReminderList,
    operation_id="get_reminders",
    dependencies=[requires(READ)],
)
def reminder_list(coop_id: str, service: ServiceDep, as_of: AsOf = None) -> dict[str, Any]:
    """Open obligations as at a date (R7, R10-R14): what the scheduler announces."""
    on = as_of or service.today()
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        found = reminders.obligations(conn, coop_id, on)
    rows = []
    for o in found:
        reached = o.reached(on)
        assert reached is not None
        rows.append(
            {
                "job": o.job,
                "rule": o.rule,
                "obligation_id": o.obligation_id,
                "due_on": o.due_on.isoformat(),
                "notice": reached[0],
                "notice_on": reached[1].isoformat(),
                "detail": o.detail,
            }
        )
    return {"as_of": on.isoformat(), "reminders": rows}
