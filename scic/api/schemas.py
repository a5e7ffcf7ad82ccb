"""Response shapes shared by several routers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WriteResult(BaseModel):
    """Every write answers with the id of what it created and the events it recorded."""

    model_config = ConfigDict(extra="allow")
    id: str
    event_ids: list[str]


class BatchResult(BaseModel):
    results: list[WriteResult]
