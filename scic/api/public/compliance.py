"""Compliance findings: warnings to act on, each naming its rule and its figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, Public
from scic.money import format_cents
from scic.projections import compliance


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

    @classmethod
    def of(cls, found: compliance.Finding) -> Finding:
        said = {k: getattr(found, k) for k in ("rule", "code", "severity", "message")}
        return cls.model_validate(said | {"figures": figures(found)})


class ComplianceReport(Public):
    as_of: DayText
    findings: list[Finding]
    warnings: int

    @classmethod
    def of(cls, report: compliance.Report) -> ComplianceReport:
        return cls(
            as_of=report.as_of.isoformat(),
            findings=[Finding.of(f) for f in report.findings],
            warnings=report.warnings,
        )


def figures(found: compliance.Finding) -> dict[str, str | int | list[str] | None]:
    """A finding's figures as the API writes them: amounts and ratios as decimal
    strings, dates as YYYY-MM-DD."""
    return {name: _text(value) for name, value in found.figures.items()}


def _text(value: compliance.Figure) -> str | int | list[str] | None:
    if isinstance(value, compliance.Cents):
        return format_cents(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
