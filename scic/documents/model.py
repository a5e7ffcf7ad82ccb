"""What every member or funder document is: an issuer, a title, blocks of labelled
figures, tables, and the mentions the law asks for. Values stay typed (cents, dates)
until the PDF or JSON writer formats them, so both formats carry the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scic.documents.lang import Lang
from scic.money import format_cents


@dataclass(frozen=True)
class Item:
    """One labelled value. `key` names it in JSON (stable across languages); `kind`
    says how it is typed: text, int, money (cents), date, rate, bool."""

    key: str
    label: str
    value: Any
    kind: str = "text"


@dataclass(frozen=True)
class Block:
    key: str
    title: str
    items: list[Item]


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    kind: str = "text"
    width: int = 14


@dataclass(frozen=True)
class Grid:
    key: str
    title: str
    columns: list[Col]
    rows: list[dict[str, Any]]
    empty: str = "—"


@dataclass(frozen=True)
class Mention:
    """A sentence the document must carry; `source` is the text that requires it."""

    key: str
    text: str
    source: str


@dataclass(frozen=True)
class Issuer:
    """The cooperative as its documents name it."""

    coop_id: str
    name: str
    legal_form: str
    siren: str | None
    registered_office: str | None
    purpose: str | None


@dataclass(frozen=True)
class Document:
    """Attributes:
    kind: certificate | subscription-form | annual-statement | tax-statement |
        grant-statement (the file name's stem).
    subject: the member, subscription or grant id the document is about.
    as_of: the date its figures are taken at.
    signature: the closing lines (place and date, who signs), when it is signed.
    """

    kind: str
    lang: Lang
    title: str
    issuer: Issuer
    subject: str
    as_of: date
    intro: str
    blocks: list[Block]
    grids: list[Grid] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    year: int | None = None

    def item(self, block: str, key: str) -> Any:
        found = next(b for b in self.blocks if b.key == block)
        return next(i.value for i in found.items if i.key == key)

    @property
    def filename_stem(self) -> str:
        period = str(self.year) if self.year is not None else self.as_of.isoformat()
        return f"{self.kind}_{self.subject}_{period}_{self.lang}"


def json_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "money":
        return format_cents(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "rate":
        return str(value)
    return value


def to_json(doc: Document) -> dict[str, Any]:
    """Machines read keys and typed values: money as decimal strings, ISO dates."""
    return {
        "document": doc.kind,
        "lang": doc.lang,
        "title": doc.title,
        "subject": doc.subject,
        "as_of": doc.as_of.isoformat(),
        "year": doc.year,
        "issuer": {
            "id": doc.issuer.coop_id,
            "name": doc.issuer.name,
            "legal_form": doc.issuer.legal_form,
            "siren": doc.issuer.siren,
            "registered_office": doc.issuer.registered_office,
            "purpose": doc.issuer.purpose,
        },
        **{
            b.key: {i.key: json_value(i.value, i.kind) for i in b.items}
            for b in doc.blocks
            if b.key != "issuer"  # given whole above
        },
        **{g.key: [_json_row(g, r) for r in g.rows] for g in doc.grids},
        "mentions": [{"key": m.key, "text": m.text, "source": m.source} for m in doc.mentions],
    }


def _json_row(grid: Grid, row: dict[str, Any]) -> dict[str, Any]:
    """The columns, typed; and the codes a row carries beside them (a movement's kind)."""
    shown = {c.key: json_value(row.get(c.key), c.kind) for c in grid.columns}
    codes = {str(k): v for k, v in row.items() if k not in shown and isinstance(v, str)}
    return {**shown, **codes}
