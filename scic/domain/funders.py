"""Funders: parties with a type. The same funder can give grants, hold titres
participatifs and invest; its name lives in `parties` like every other name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.text_rules import Name

FunderType = Literal[
    "state",
    "region",
    "department",
    "municipality",
    "intercommunality",
    "eu",
    "foundation",
    "private",
]
PUBLIC_FUNDER_TYPES = frozenset(
    {"state", "region", "department", "municipality", "intercommunality", "eu"}
)


class FunderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(min_length=1, max_length=200)
    type: FunderType


class FunderRegistered(BaseModel):
    model_config = ConfigDict(extra="forbid")
    funder_id: str
    party_id: str
    type: FunderType


EVENTS: tuple[type[BaseModel], ...] = (FunderRegistered,)
"""This aggregate's event types (scic/events.py registers them by class name)."""


def one_funder(field: str) -> dict[str, Any]:
    """JSON Schema of a command naming a funder: exactly one of `field` ({name, type}, a
    new or known funder) and `<field>_id` (an existing one), as the command checks."""
    return {
        "oneOf": [
            {"required": [field], "properties": {field: {"type": "object"}}},
            {"required": [f"{field}_id"], "properties": {f"{field}_id": {"type": "string"}}},
        ]
    }
