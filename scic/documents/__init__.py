"""Documents for members and funders — share certificate, subscription form, annual
statement, IR-PME individual statement, grant statement — in PDF or JSON, French by
default and English on request, built from the ledger's views as at a date: the same
request gives the same bytes."""

from __future__ import annotations

import orjson

from scic.documents import pdf
from scic.documents.model import Document, to_json
from scic.reports import File, chosen_format

FORMATS = ("pdf", "json")


def check_format(fmt: str | None) -> str:
    return chosen_format(fmt, FORMATS, "pdf", "documents come as")


def render(doc: Document, fmt: str) -> File:
    if fmt == "json":
        body = orjson.dumps(to_json(doc), option=orjson.OPT_INDENT_2)
        return File(body, "application/json", f"{doc.filename_stem}.json")
    return File(pdf.write(doc), "application/pdf", f"{doc.filename_stem}.pdf")
