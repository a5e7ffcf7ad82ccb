"""The mail delivery log (managers) and a member's mail preferences (its language, and
whether it refuses mail other than legal notices)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict

from scic.access.policy import MAIL_LOG, MAIL_PREFERENCES, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.jsontypes import Boolean
from scic.mail import config, outbox, preferences
from scic.projections import views

router = APIRouter(tags=["mail"], responses=problems.READ_REFUSALS)


class MailAttempt(BaseModel):
    at: str
    outcome: str
    detail: str | None


class MailEntry(BaseModel):
    """One mail: `status` queued (waiting or retrying: see `last_error`, `next_attempt_at`),
    sent, or skipped (`skip_reason`: no-email, opted-out, erased, invalid-address,
    no-management-address)."""

    id: str
    kind: str
    recipient: str
    member_id: str | None
    status: str
    skip_reason: str | None
    sent_to: str | None
    subject: str | None
    legal: bool
    created_at: str
    sent_at: str | None
    next_attempt_at: str | None
    last_error: str | None
    attempts: list[MailAttempt]


class MailLog(BaseModel):
    smtp_configured: bool
    """Whether this server process has SCIC_SMTP_URL (without it nothing is sent)."""
    mails: list[MailEntry]


@router.get(
    "/v1/coops/{coop_id}/mail",
    operation_id="get_mail_log",
    response_model=MailLog,
    dependencies=[requires(MAIL_LOG)],
)
def mail_log(
    coop_id: str,
    service: ServiceDep,
    status: Annotated[Literal["queued", "sent", "skipped"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The newest mails of the cooperative with every delivery attempt."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        return {
            "smtp_configured": config.configured() is not None,
            "mails": outbox.log(conn, coop_id, status, limit),
        }


class MailPreferences(BaseModel):
    lang: Literal["fr", "en"]
    opted_out: bool


class MailPreferencesChange(BaseModel):
    """Absent or null fields stay as they were. `opted_out`: no mail but legal notices."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"lang": "en", "opted_out": False}]}
    )
    lang: Literal["fr", "en"] | None = None
    opted_out: Boolean | None = None


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/mail-preferences",
    operation_id="get_mail_preferences",
    response_model=MailPreferences,
    dependencies=[requires(MAIL_PREFERENCES)],
)
def get_preferences(coop_id: str, member_id: str, service: ServiceDep) -> dict[str, Any]:
    with service.engine.connect() as conn:
        return preferences.of_member(conn, coop_id, member_id)


@router.put(
    "/v1/coops/{coop_id}/members/{member_id}/mail-preferences",
    operation_id="put_mail_preferences",
    response_model=MailPreferences,
    responses=problems.WRITE_REFUSALS,
)
def put_preferences(
    coop_id: str,
    member_id: str,
    body: Annotated[MailPreferencesChange, Body()],
    service: ServiceDep,
    who: Annotated[Principal, requires(MAIL_PREFERENCES)],
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        preferences.set_member(
            conn,
            coop_id,
            member_id,
            body.model_dump(exclude_none=True),
            service.store.clock(),
            who.actor,
        )
        return preferences.of_member(conn, coop_id, member_id)
