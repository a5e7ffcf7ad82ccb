"""Compliance findings: warnings to act on, each naming its rule and its figures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, Public


class Finding(Public):
    rule: str = Field(examples=["R3"])
    code: str = Field(examples=["public-share"])
    severity: Literal["ok", "warning"]
    message: str
    figures: dict[str, str | int | list[str] | None] = Field(
        description="the figures behind the finding: amounts and ratios as decimal strings, "
        "dates as YYYY-MM-DD; `from` is the date the finding starts (the first day its "
        "status holds); null: open-ended, e.g. a breach still running"
    )


class ComplianceReport(Public):
    as_of: DayText
    findings: list[Finding]
    warnings: int
