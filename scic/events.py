"""The registry of every SCIC event type: each aggregate's home in scic/domain lists its
event types (`EVENTS`; a type's name is its class name), and this module gathers them."""

from __future__ import annotations

from pydantic import BaseModel

from ledger import EventRegistry
from scic.domain import (
    cooperative,
    corrections,
    esus,
    fiscal_years,
    funders,
    grants,
    losses,
    members,
    reminders,
    reviews,
    shares,
    surplus,
    titles,
)

HOMES = (
    cooperative,
    members,
    shares,
    corrections,
    funders,
    grants,
    titles,
    esus,
    fiscal_years,
    surplus,
    losses,
    reviews,
    reminders,
)
EVENT_TYPES: dict[str, type[BaseModel]] = {
    model.__name__: model for home in HOMES for model in home.EVENTS
}


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    for name, model in EVENT_TYPES.items():
        registry.register(name, model)
    return registry
