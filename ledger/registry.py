"""Registered event types: payload models, current schema versions and upcasters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ledger.errors import InvalidEvent, UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class EventType:
    name: str
    version: int
    adapter: TypeAdapter[Any] | None
    upcasters: dict[int, Upcaster] = field(default_factory=dict)


class EventRegistry:
    """Knows every event type the store accepts.

    A type's payload model validates new events; `upcaster(name, from_version)` registers
    a function lifting a stored payload from `from_version` to `from_version + 1`, applied
    on read so old events are seen in the current shape without rewriting history.
    """

    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}

    def register(self, name: str, model: type[BaseModel] | None = None, version: int = 1) -> None:
        adapter = TypeAdapter(model) if model is not None else None
        self._types[name] = EventType(name, version, adapter)

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        def decorate(fn: Upcaster) -> Upcaster:
            self._get(name).upcasters[from_version] = fn
            return fn

        return decorate

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def names(self) -> list[str]:
        return sorted(self._types)

    def version(self, name: str) -> int:
        return self._get(name).version

    def validate(self, name: str, data: Any) -> dict[str, Any]:
        """Return the payload in canonical JSON-able form, or raise InvalidEvent."""
        event_type = self._get(name)
        if not isinstance(data, dict):
            raise InvalidEvent(f"payload of {name} must be a JSON object", type=name)
        if event_type.adapter is None:
            return data
        try:
            model = event_type.adapter.validate_python(data)
        except ValidationError as exc:
            raise InvalidEvent(
                f"payload of {name} does not match its schema: {_summary(exc)}",
                type=name,
                errors=exc.errors(include_url=False, include_context=False),
            ) from None
        return event_type.adapter.dump_python(model, mode="json")

    def upcast(self, name: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        event_type = self._types.get(name)
        if event_type is None:
            return version, data
        while version < event_type.version:
            step = event_type.upcasters.get(version)
            if step is None:
                raise InvalidEvent(f"no upcaster for {name} from version {version}", type=name)
            data = step(dict(data))
            version += 1
        return version, data

    def _get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name!r}", type=name) from None


def _summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "payload"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
