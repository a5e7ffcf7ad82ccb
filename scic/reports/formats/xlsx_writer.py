"""XLSX with openpyxl: one sheet per table, typed cells (amounts as numbers in €, dates
as dates), a frozen header row, column widths and a bold totals row. Document properties
and zip entry times are fixed so the same report gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from scic.reports.document import Report, Table
from scic.reports.formats import cells

EURO = '#,##0.00\\ "€";-#,##0.00\\ "€"'
DATE = "DD/MM/YYYY"
FIXED = datetime(2000, 1, 1)
HEADER_ROW = 5  # rows 1–3: cooperative, SIREN, as-at date


def write(report: Report) -> bytes:
    book = Workbook()
    book.properties.creator = "scic-ledger"
    book.properties.created = book.properties.modified = FIXED
    book.remove(book.active)
    for table in report.tables:
        _sheet(book, report, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return fixed_zip_times(buffer.getvalue())


def _sheet(book: Workbook, report: Report, table: Table) -> None:
    sheet = book.create_sheet(title=table.title[:31])
    _text(sheet["A1"], f"{report.coop_name} — {report.title}")
    sheet["A1"].font = Font(bold=True)
    _text(sheet["A2"], f"SIREN {report.siren or '—'}")
    sheet["A3"] = "Arrêté au"
    sheet["B3"] = report.as_of
    sheet["B3"].number_format = DATE
    if report.start is not None:
        sheet["C3"], sheet["D3"] = "depuis le", report.start
        sheet["D3"].number_format = DATE
    bold = Font(bold=True)
    for col, column in enumerate(table.columns, start=1):
        cell = _text(sheet.cell(HEADER_ROW, col), column.label)
        cell.font = bold
        sheet.column_dimensions[get_column_letter(col)].width = column.width + 2
    rows = [*table.rows, *([table.totals] if table.totals is not None else [])]
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for col, column in enumerate(table.columns, start=1):
            value = row.get(column.key)
            if value is None:
                continue
            if column.kind == "money":
                cell = sheet.cell(r, col, int(value) / 100)  # a display copy of exact cents
                cell.number_format = EURO
            elif column.kind == "date":
                cell = sheet.cell(r, col, value)
                cell.number_format = DATE
            elif column.kind == "rate":
                cell = sheet.cell(r, col, float(value))
                cell.number_format = "0%"
            elif column.kind == "bool":
                cell = sheet.cell(r, col, "oui" if value else "non")
            elif isinstance(value, str):
                cell = _text(sheet.cell(r, col), value)
            else:
                cell = sheet.cell(r, col, value)
            if row is table.totals:
                cell.font = bold
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)


def _text(cell: Cell, value: object) -> Cell:
    """A text cell: typed as a string (openpyxl would make `=…` a formula) and marked as
    text for whoever edits it later (scic.reports.formats.cells)."""
    cell.value = cells.text(value)
    cell.data_type = "s"
    return cell


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def fixed_zip_times(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01 and the workbook's "modified"
    property (openpyxl stamps the time of saving) fixed: byte-identical re-exports."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            target.writestr(entry, body)
    return out.getvalue()
