"""Response shapes shared by several routers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.api.public.common import Money


class ChainHead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: int
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class WriteResult(BaseModel):
    """Every write answers with the id of what it created and the events it recorded;
    some writes add what the client needs next (the funder a grant created…)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"id": "sub_3f2a9c1d4b5e6f70", "event_ids": ["5b8e…"]}],
        },
    )
    id: str
    event_ids: list[str]
    party_id: str | None = Field(default=None, description="members: the member's party")
    status: Literal["pending", "reimbursed"] | None = Field(
        default=None, description="withdrawals: pending until reimbursed"
    )
    funder_id: str | None = Field(default=None, description="grants: the funder")
    warnings: list[str] | None = Field(
        default=None,
        description="grants and amendments: de minimis near the ceiling (R14); titles: a "
        "legal form C. com. L228-36 does not name (R11); ESUS investments: no approval in "
        "force, so not a solidarity investment (R12)",
    )
    holder_id: str | None = Field(default=None, description="participative titles: holder")
    investor_id: str | None = Field(default=None, description="ESUS investments: investor")
    fixed: Money | None = Field(default=None, description="remunerations: fixed part")
    variable: Money | None = Field(default=None, description="remunerations: variable part")
    head: ChainHead | None = Field(
        default=None, description="fiscal-year closings: the ledger head the closing records"
    )


class BatchResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    results: list[WriteResult]


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(examples=["ok"])
