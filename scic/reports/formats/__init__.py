"""File formats shared by every report: one writer per format, chosen by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from scic.reports.document import Report, to_json
from scic.reports.formats import csv_writer, pdf_writer, xlsx_writer


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    write: Callable[[Report], bytes]


def _json(report: Report) -> bytes:
    return json.dumps(to_json(report), ensure_ascii=False, indent=2).encode() + b"\n"


FORMATS: dict[str, Format] = {
    "json": Format("application/json", "json", _json),
    "csv": Format("text/csv; charset=utf-8", "csv", csv_writer.write),
    "xlsx": Format(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        xlsx_writer.write,
    ),
    "pdf": Format("application/pdf", "pdf", pdf_writer.write),
}


def file_name(report: Report, extension: str) -> str:
    """`member-register_852916345_2025-12-31.xlsx`: report, SIREN (or id), date."""
    period = str(report.year) if report.year is not None else report.as_of.isoformat()
    return f"{report.name}_{report.siren or report.coop_id}_{period}.{extension}"
