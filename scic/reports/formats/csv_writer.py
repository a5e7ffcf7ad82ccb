"""CSV for French spreadsheets: UTF-8 with a BOM, `;` between fields, decimal commas
without thousands separators (so numbers stay numbers), ISO dates. Several tables follow
each other, each after a line holding its title."""

from __future__ import annotations

import csv
import io
from typing import Any

from scic.reports.document import Column, Report
from scic.reports.formats import cells


def _cell(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        cents = int(value)
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"
    if column.kind == "date":
        return str(value.isoformat())
    if column.kind == "bool":
        return "oui" if value else "non"
    if column.kind == "rate":
        return str(value).replace(".", ",")
    if isinstance(value, str):
        return cells.text(value)  # names and other text a user typed
    return str(value)


def write(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for index, table in enumerate(report.tables):
        if len(report.tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([cells.text(table.title)])
        writer.writerow([cells.text(c.label) for c in table.columns])
        for row in table.rows:
            writer.writerow([_cell(row.get(c.key), c) for c in table.columns])
        if table.totals is not None:
            writer.writerow([_cell(table.totals.get(c.key), c) for c in table.columns])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
