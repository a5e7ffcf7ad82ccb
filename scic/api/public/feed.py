"""The events feed and the audit trail, paged by global position."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from scic.api.public.common import DayText, InstantText, Public


class FeedEvent(Public):
    position: int
    event_id: str
    type: str = Field(examples=["SharesSubscribed"])
    stream_id: str
    stream_version: int
    effective_date: DayText
    recorded_at: InstantText
    actor: str | None
    reverses: str | None = Field(description="event_id this event compensates")
    data: dict[str, Any] = Field(description="the event's payload, whose shape its type fixes")


class Feed(Public):
    events: list[FeedEvent]
    next_after: int = Field(description="pass back as `after` to continue")


class AuditEntry(Public):
    position: int
    event_id: str
    type: str
    actor: str | None
    recorded_at: InstantText


class Audit(Public):
    entries: list[AuditEntry]
    next_after: int
