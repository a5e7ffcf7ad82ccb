"""What every report is: a few typed tables about one cooperative as at one date.

Values stay typed (money in integer cents, dates as dates) until a writer formats them:
decimal strings for JSON, a € number format in XLSX, "1 250,00 €" in PDF, so one
report gives the same figures in every format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from scic.money import format_cents

Kind = Literal["text", "int", "money", "date", "bool", "rate"]


@dataclass(frozen=True)
class Column:
    """Attributes:
    key: the field name in JSON rows and CSV headers' machine form.
    label: the header people read (French, as the registers are kept in French).
    kind: how writers type the value (money: integer cents).
    width: a column width hint in characters for XLSX and PDF.
    """

    key: str
    label: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None


@dataclass(frozen=True)
class Report:
    """Attributes:
    name: the registry name (`member-register`…), also the file name's stem.
    as_of: the date the figures are taken at; `start` opens the period when there is one.
    year: the fiscal year asked for, if any.
    summary: report-specific figures (typed like table values) shown above the tables.
    notes: sentences for the reader (rules applied, what is not covered).
    """

    name: str
    title: str
    coop_id: str
    coop_name: str
    siren: str | None
    as_of: date
    tables: list[Table]
    start: date | None = None
    year: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def json_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind == "money":
        return format_cents(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "rate":
        return str(value)
    return value


def json_row(columns: tuple[Column, ...], row: dict[str, Any]) -> dict[str, Any]:
    return {c.key: json_value(row.get(c.key), c.kind) for c in columns}


def summary_json(summary: dict[str, Any]) -> dict[str, Any]:
    """Summary values: cents are marked by a `_cents`-free key holding an int tagged
    Money; everything else passes through (dates as ISO text)."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, Money):
            out[key] = format_cents(value.cents)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, dict):
            out[key] = summary_json(value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Money:
    """A summary amount (tables carry their kind in their columns; summaries do not)."""

    cents: int


def to_json(report: Report) -> dict[str, Any]:
    return {
        "report": report.name,
        "title": report.title,
        "coop": {"id": report.coop_id, "name": report.coop_name, "siren": report.siren},
        "as_of": report.as_of.isoformat(),
        "start": report.start.isoformat() if report.start else None,
        "year": report.year,
        "summary": summary_json(report.summary),
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns],
                "rows": [json_row(t.columns, r) for r in t.rows],
                "totals": json_row(t.columns, t.totals) if t.totals is not None else None,
            }
            for t in report.tables
        ],
        "notes": report.notes,
    }


def totals_of(columns: tuple[Column, ...], rows: list[dict[str, Any]], label_key: str) -> dict:
    """The totals row: sums of every money and int column, "Total" in `label_key`."""
    totals: dict[str, Any] = {label_key: "Total"}
    for c in columns:
        if c.kind in ("money", "int") and c.key != label_key:
            totals[c.key] = sum(int(r.get(c.key) or 0) for r in rows)
    return totals
