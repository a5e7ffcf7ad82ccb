"""The registry of every SCIC event type and its payload model."""

from __future__ import annotations

from ledger import EventRegistry


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    return registry
