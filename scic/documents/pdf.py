"""Documents as PDF (fpdf2): A4, the cooperative on every page, the title, labelled
blocks, tables, the mentions with the text each comes from, and a place to sign.
Creation date and metadata are fixed, so the same document gives the same bytes."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from scic.documents.lang import text
from scic.documents.model import Document, Grid
from scic.documents.texts import COMMON, words
from scic.reports.formats.pdf_writer import FIXED

LINE = 5.0
_NEAREST = str.maketrans({"\u2212": "-", "\u202f": " ", "\u00a0": " ", "\u2010": "-"})


class _Pdf(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="P", format="A4")
        self.doc = doc
        self.core_fonts_encoding = "windows-1252"
        self.set_creation_date(FIXED)
        self.set_title(f"{doc.title} — {doc.issuer.name}")
        self.set_author(doc.issuer.name)
        self.set_subject(doc.subject)
        self.set_creator("scic-ledger")
        self.set_producer("scic-ledger")
        self.set_lang(doc.lang)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def normalize_text(self, txt: str) -> str:
        """Characters outside Windows-1252 print as their nearest one, or "?"."""
        txt = txt.translate(_NEAREST).encode("cp1252", "replace").decode("cp1252")
        return str(super().normalize_text(txt))

    def header(self) -> None:
        who = self.doc.issuer
        self.set_font("helvetica", "", 8)
        parts = [who.name, f"SIREN {who.siren}" if who.siren else None, who.registered_office]
        self.cell(0, 4, " — ".join(p for p in parts if p), new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        page = words(COMMON, self.doc.lang)("page", n=self.page_no(), total="{nb}")
        self.cell(0, 5, page, align="C")


def write(doc: Document) -> bytes:
    pdf = _Pdf(doc)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.multi_cell(0, 7, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(0, LINE, doc.intro, new_x="LMARGIN", new_y="NEXT")
    for block in doc.blocks:
        _heading(pdf, block.title)
        for item in block.items:
            _item(pdf, item.label, text(item.value, item.kind, doc.lang))
    for grid in doc.grids:
        _grid(pdf, grid, doc)
    if doc.mentions:
        pdf.ln(3)
        for mention in doc.mentions:
            pdf.set_font("helvetica", "", 8.5)
            pdf.multi_cell(0, 4, mention.text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("helvetica", "I", 7)
            pdf.multi_cell(0, 3.5, mention.source, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    if doc.signature:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.ln(4)
        pdf.set_font("helvetica", "", 10)
        for line in doc.signature:
            pdf.multi_cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(18)
    return bytes(pdf.output())


def _heading(pdf: FPDF, title: str) -> None:
    if pdf.will_page_break(14):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")


def _item(pdf: FPDF, label: str, value: str) -> None:
    width = pdf.epw * 0.42
    pdf.set_font("helvetica", "", 9.5)
    y = pdf.get_y()
    pdf.multi_cell(width, LINE, label, new_x="RIGHT", new_y="TOP")
    pdf.set_font("helvetica", "B", 9.5)
    pdf.multi_cell(0, LINE, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), y + LINE))


def _grid(pdf: FPDF, grid: Grid, doc: Document) -> None:
    _heading(pdf, grid.title)
    scale = pdf.epw / sum(c.width for c in grid.columns)
    widths = [c.width * scale for c in grid.columns]
    if not grid.rows:
        pdf.set_font("helvetica", "I", 9)
        pdf.cell(0, LINE, grid.empty, new_x="LMARGIN", new_y="NEXT")
        return

    def head() -> None:
        pdf.set_font("helvetica", "B", 8)
        for column, width in zip(grid.columns, widths, strict=True):
            pdf.cell(width, LINE + 1, _fit(pdf, column.label, width), border=1, align="C")
        pdf.ln(LINE + 1)

    head()
    for row in grid.rows:
        if pdf.will_page_break(LINE + 1):
            pdf.add_page()
            head()
        pdf.set_font("helvetica", "", 8)
        for column, width in zip(grid.columns, widths, strict=True):
            cell = text(row.get(column.key), column.kind, doc.lang)
            align = "R" if column.kind in ("money", "int", "rate") else "L"
            pdf.cell(width, LINE + 1, _fit(pdf, cell, width), border=1, align=align)
        pdf.ln(LINE + 1)


def _fit(pdf: FPDF, value: Any, width: float) -> str:
    txt = str(value)
    if pdf.get_string_width(txt) <= width - 2:
        return txt
    while txt and pdf.get_string_width(txt + "…") > width - 2:
        txt = txt[:-1]
    return txt + "…"
