"""The registry of every SCIC event type: each aggregate's home in scic/domain lists its
event types (`EVENTS`; a type's name is its class name), and this module gathers them."""

from __future__ import annotations

from pydantic import BaseModel

from ledger import EventRegistry, RecordedEvent
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


def typed(
    event: RecordedEvent, only: tuple[type[BaseModel], ...] = (BaseModel,)
) -> BaseModel | None:
    """A recorded event's payload as its type's model: what projectors dispatch on,
    reading each event's meaning from its home. None for a type not registered here or
    not one of `only` (a projector parses only the events it acts on)."""
    model = EVENT_TYPES.get(event.type)
    if model is None or not issubclass(model, only):
        return None
    # Parsed once per recorded event: the projectors of one append or rebuild page read
    # the same envelopes in turn (`extra` is the envelope's room for derived values).
    found = event.extra.get("typed")
    if found is None:
        found = event.extra["typed"] = model.model_validate(event.data)
    return found
