"""PDF with fpdf2 (pure Python): A4, the cooperative's name and SIREN and the as-at date
on every page, page numbers, a bold totals row, French number format (1 250,00 €).
The core Helvetica font in Windows-1252 covers French text and €; the creation date is
fixed so the same report gives the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from fpdf import FPDF

from scic.reports.document import Column, Report, Table
from scic.reports.formats import french

FIXED = datetime(2000, 1, 1, tzinfo=UTC)
ROW_HEIGHT = 5.5
_NEAREST = str.maketrans({"\u2212": "-", "\u202f": " ", "\u00a0": " ", "\u2010": "-"})


class _Document(FPDF):
    def __init__(self, report: Report, landscape: bool) -> None:
        super().__init__(orientation="L" if landscape else "P", format="A4")
        self.report = report
        self.core_fonts_encoding = "windows-1252"
        self.set_creation_date(FIXED)
        self.set_title(f"{report.title} — {report.coop_name}")
        self.set_author(report.coop_name)
        self.set_creator("scic-ledger")
        self.set_producer("scic-ledger")
        self.set_auto_page_break(True, margin=15)
        self.alias_nb_pages()

    def normalize_text(self, text: str) -> str:
        """Text outside Windows-1252 (a minus sign, a name in another script) is shown
        as its nearest character or "?" rather than refused."""
        text = text.translate(_NEAREST).encode("cp1252", "replace").decode("cp1252")
        return str(super().normalize_text(text))

    def header(self) -> None:
        r = self.report
        self.set_font("helvetica", "B", 12)
        self.cell(0, 6, r.title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "", 9)
        period = f"du {french.day(r.start)} " if r.start else ""
        self.cell(
            0,
            5,
            f"{r.coop_name} — SIREN {r.siren or '—'} — {period}arrêté au {french.day(r.as_of)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")


def write(report: Report) -> bytes:
    widest = max((sum(c.width for c in t.columns) for t in report.tables), default=0)
    pdf = _Document(report, landscape=widest > 90)
    pdf.add_page()
    for key, value in report.summary.items():
        pdf.set_font("helvetica", "", 9)
        pdf.cell(0, 5, f"{key} : {_summary_text(value)}", new_x="LMARGIN", new_y="NEXT")
    for table in report.tables:
        _table(pdf, table)
    for note in report.notes:
        pdf.set_font("helvetica", "I", 8)
        pdf.multi_cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _summary_text(value: object) -> str:
    from datetime import date

    from scic.reports.document import Money

    if isinstance(value, Money):
        return french.euros(value.cents)
    if isinstance(value, date):
        return french.day(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_summary_text(v)}" for k, v in value.items())
    return str(value)


def _table(pdf: _Document, table: Table) -> None:
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
    scale = pdf.epw / sum(c.width for c in table.columns)
    widths = [c.width * scale for c in table.columns]
    size = 7 if len(table.columns) > 8 else 8

    def heading() -> None:
        """Labels wrap within their column (figures decide the widths, not headers)."""
        pdf.set_font("helvetica", "B", size)
        line = ROW_HEIGHT - 1.5
        lines: list[list[str]] = [
            cast(list[str], pdf.multi_cell(width, line, c.label, dry_run=True, output="LINES"))
            for c, width in zip(table.columns, widths, strict=True)
        ]
        height = line * max(len(ls) for ls in lines) + 1
        if pdf.will_page_break(height + ROW_HEIGHT):
            pdf.add_page()
        x, y = pdf.get_x(), pdf.get_y()
        for width, wrapped in zip(widths, lines, strict=True):
            pdf.rect(x, y, width, height)
            pdf.set_xy(x, y + 0.5)
            pdf.multi_cell(width, line, "\n".join(wrapped))
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    heading()
    rows = [*table.rows, *([table.totals] if table.totals is not None else [])]
    for row in rows:
        if pdf.will_page_break(ROW_HEIGHT):
            pdf.add_page()
            heading()
        pdf.set_font("helvetica", "B" if row is table.totals else "", size)
        for column, width in zip(table.columns, widths, strict=True):
            text = french.text(row.get(column.key), column.kind)
            pdf.cell(width, ROW_HEIGHT, _fit(pdf, text, width), border=1, align=_align(column))
        pdf.ln(ROW_HEIGHT)


def _align(column: Column) -> str:
    return "R" if column.kind in ("money", "int", "rate") else "L"


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten text to its cell (figures are never cut: their columns are wide enough)."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "…") > width - 2:
        text = text[:-1]
    return text + "…"
