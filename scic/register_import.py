"""Bring a member register kept in a spreadsheet (CSV or XLSX) into the ledger, as often as
the register changes.

One line per subscription: the first line naming a member (by its number, `n° d'associé`,
or by its name) admits it, each line with `parts` subscribes shares for it, `versement`
records a later payment on that subscription, and a line with a payment but no shares
pays an earlier subscription of the member (the one of its `date de souscription`, or the
one of the member's line above it). Headers may be English or French (see COLUMNS);
amounts take a decimal comma and spaces ("1 250,50 €"), dates dd/mm/yyyy or YYYY-MM-DD; a
category or college is named by its code, its name, or its name spelt without accents
or plural — anything else is reported with the nearest known names.

Each line is matched with what the ledger already holds (its corrected history):
members by number, then (for registers without numbers) by name and admission date;
subscriptions by member, date, shares and amount paid at subscription; payments by
subscription, date and amount. What is already recorded is skipped, so a register can be
imported again: only its new lines land. A line that says otherwise than the ledger (a
subscription of the same day with other shares, a payment of another amount, a
subscription or payment the file no longer has, another name for the same number) is a
contradiction: listed with what the ledger holds and what the file says, and nothing is
written — unless `apply_corrections`, which records each as a correction (the reversal of
what the ledger holds, with the file as its reason, then the file's line as a new event).
What no correction can change (an admission's date, kind or category: admissions are not
reversible) is refused either way.

Everything runs through the API's own commands in one write transaction (corrections,
then members, subscriptions and payments); any problem — in a cell, or a rule refusing a
command — is listed with its line and column, and the transaction rolls back: a register
lands whole or not at all. `dry_run` always rolls back."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from ledger.errors import LedgerError
from scic import contacts
from scic.domain.cooperative import Statutes
from scic.domain.members import NUMBER_PATTERN, MemberAdmitted, number_key
from scic.domain.shares import SharesPaid, SharesSubscribed
from scic.domain.timeline import corrected
from scic.errors import DomainError
from scic.events import build_registry
from scic.i18n import N_
from scic.money import format_cents
from scic.names import search_key
from scic.projections import views
from scic.projections.tables import parties
from scic.service import Service
from scic.write import store
from scic.write.commands import COMMANDS
from scic.write.pipeline import Context, execute
from scic.write.store import read_entries

Progress = Callable[[int], None]
SUFFIXES = (".csv", ".xlsx")

# Canonical field → the headers that name it, normalised (lower case, no accents, words).
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("ref", "reference", "n d associe", "numero d associe", "n associe",
               "member ref", "member number", "number", "numero", "n", "no",
               "n de societaire", "numero de societaire"),
    "name": ("name", "nom", "nom prenom", "prenom nom", "nom et prenom", "raison sociale",
             "nom ou raison sociale", "denomination", "associe", "membre", "societaire"),
    "kind": ("kind", "type", "nature", "type de personne", "personne"),
    "category": ("category", "categorie", "categorie d associe", "categorie d associes"),
    "college": ("college", "college de vote"),
    "admitted_on": ("admitted on", "admission", "date d admission", "date admission",
                    "admis le", "date d entree"),
    "email": ("email", "e mail", "courriel", "mail", "adresse email", "adresse e mail"),
    "address": ("address", "adresse", "adresse postale"),
    "shares": ("shares", "parts", "nombre de parts", "nb parts", "nb de parts",
               "parts souscrites", "nombre de parts souscrites"),
    "subscribed_on": ("subscribed on", "date de souscription", "date souscription",
                      "souscrit le"),
    "paid": ("paid", "montant verse", "verse", "montant libere", "libere",
             "verse a la souscription", "montant verse a la souscription"),
    "payment": ("payment", "versement", "versement complementaire", "paiement",
                "montant du versement"),
    "payment_date": ("payment date", "paid on", "date de versement", "date du versement",
                     "date versement", "date de paiement", "date du paiement"),
}  # fmt: skip
REQUIRED = ("name",)
_KINDS = {
    "person": "person", "personne": "person", "personne physique": "person",
    "physique": "person", "pp": "person",
    "organisation": "organisation", "organization": "organisation",
    "personne morale": "organisation", "morale": "organisation", "pm": "organisation",
}  # fmt: skip
# Which column a command's field came from, to point at it when a command refuses it.
_FIELD_COLUMNS = {
    "members": {"name": "name", "kind": "kind", "category": "category", "number": "number",
                "admitted_on": "admitted_on", "email": "email", "address": "address"},
    "subscriptions": {"shares": "shares", "paid": "paid", "effective_date": "subscribed_on"},
    "payments": {"amount": "payment", "effective_date": "payment_date"},
}  # fmt: skip
_WHAT = {
    "members": "admission",
    "subscriptions": "subscription",
    "payments": "payment",
    "corrections": "correction",
}


@dataclass(frozen=True)
class Finding:
    """One problem of the file: where it is and what is wrong."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


Words = list[tuple[str | None, dict[str, Any]]]
ADMISSION_NEVER_REVERSED = N_("une admission ne s'annule pas")
SAY_WHICH = N_("dites quelle souscription il paie, ou ajoutez la ligne de la souscription")


def _value(value: Any, *, dated: bool = False) -> Words:
    return [(None, {"on" if dated else "value": value})]


@dataclass
class Contradiction:
    """A line that says otherwise than the ledger. `reverses`: the writes a correction
    reverses (payments before their subscription); `contact`: the contact fields a
    correction sets; neither, when no correction can change it."""

    line: int
    member: str
    what: str
    ledger: str
    file: str
    reverses: list[str] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)
    member_id: str | None = None
    why: str = "no correction can change it: an admission is never reversed"
    words: dict[str, Words] = field(default_factory=dict)
    """`what`, `ledger`, `file` and `why` for the pages, in the page's language: each a
    list of (French message, its values) shown one after the other; a message None shows
    its one value as it is (see scic/web/imports.py)."""

    @property
    def correctable(self) -> bool:
        return bool(self.reverses or self.contact)

    def __str__(self) -> str:
        text = f"line {self.line} ({self.member}): {self.what}: the ledger holds {self.ledger}"
        text += f"; the file says {self.file}"
        if not self.correctable:
            text += f" ({self.why})"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "member": self.member,
            "what": self.what,
            "ledger": self.ledger,
            "file": self.file,
            "correctable": self.correctable,
            "reverses": self.reverses,
            "contact": self.contact,
        }


class RegisterRefused(Exception):
    """The register has problems, or contradicts the ledger; nothing was written."""

    def __init__(self, findings: list[Finding], contradictions: list[Contradiction]) -> None:
        super().__init__(f"{len(findings)} problem(s), {len(contradictions)} contradiction(s)")
        self.findings = findings
        self.contradictions = contradictions

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [f.as_json() for f in self.findings],
            "contradictions": [c.as_json() for c in self.contradictions],
        }


@dataclass
class Counts:
    members: int = 0
    subscriptions: int = 0
    payments: int = 0

    def total(self) -> int:
        return self.members + self.subscriptions + self.payments

    def __str__(self) -> str:
        return ", ".join(
            f"{n} {word}{'s' * (n != 1)}"
            for n, word in (
                (self.members, "member"),
                (self.subscriptions, "subscription"),
                (self.payments, "payment"),
            )
        )


@dataclass
class RegisterReport:
    file: str = ""
    lines: int = 0
    dry_run: bool = False
    new: Counts = field(default_factory=Counts)
    recorded: Counts = field(default_factory=Counts)
    corrections: list[Contradiction] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return self.new.total() == 0 and not self.corrections

    def summary(self) -> str:
        """'18 members, 19 subscriptions, 4 payments already recorded; nothing to do'."""
        if self.nothing_to_do:
            return f"{self.recorded} already recorded; nothing to do"
        done = str(self.new)
        if self.corrections:
            n = len(self.corrections)
            done += f" and {n} correction{'s' * (n != 1)}"
        text = (
            f"dry run: {done} from {self.file} would be recorded"
            if self.dry_run
            else f"imported {done} from {self.file}"
        )
        if self.recorded.total():
            text += f" ({self.recorded} already recorded)"
        return text + ("; nothing written" if self.dry_run else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "lines": self.lines,
            "dry_run": self.dry_run,
            "nothing_to_do": self.nothing_to_do,
            "new": vars(self.new),
            "already_recorded": vars(self.recorded),
            "corrections": [c.as_json() for c in self.corrections],
            "ignored_columns": self.ignored_columns,
            "summary": self.summary(),
        }


# -- what the file says ----------------------------------------------------------------


@dataclass
class _Pay:
    line: int
    amount: str
    on: str


@dataclass
class _Sub:
    line: int
    member: str  # the member's key within the file
    shares: int
    paid: str
    on: str
    payments: list[_Pay] = field(default_factory=list)


@dataclass
class _Member:
    key: str
    line: int
    name: str
    body: dict[str, Any]  # the admission command, number included when the file gives one
    lines: list[int] = field(default_factory=list)


@dataclass
class _Orphan:
    """A payment line without shares, whose subscription is one the ledger holds."""

    pay: _Pay
    member: str
    subscribed_on: str | None


@dataclass
class _Plan:
    members: dict[str, _Member] = field(default_factory=dict)
    subs: list[_Sub] = field(default_factory=list)
    orphans: list[_Orphan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → "D (parts)"
    ignored: list[str] = field(default_factory=list)
    lines: int = 0
    by_name: dict[str, list[str]] = field(default_factory=dict)  # name key → member keys


# -- reading ---------------------------------------------------------------------------


def read_rows(name: str, data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cell values) of the first sheet, header included; blank lines
    skipped. What the file is, is read from its bytes, whatever its name says."""
    if not data.strip():
        raise RegisterRefused([Finding(1, None, "the file is empty")], [])
    if data[:4] == b"PK\x03\x04":
        rows: Iterator[tuple[int, Any]] = _xlsx_rows(data)
    elif b"\x00" in data[:4096] or name.lower().endswith((".xlsx", ".xls", ".ods")):
        raise RegisterRefused(
            [
                Finding(
                    1,
                    None,
                    "neither a CSV text file nor an .xlsx workbook (an .xls or .ods sheet: "
                    "save it as .xlsx or .csv first)",
                )
            ],
            [],
        )
    else:
        rows = _csv_rows(data)
    for line, values in rows:
        if any(v is not None and str(v).strip() for v in values):
            yield line, list(values)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    import openpyxl  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        InvalidFileException,
    )

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RegisterRefused(
            [Finding(1, None, f"not a readable .xlsx workbook ({exc})")], []
        ) from None
    try:
        sheet = book.worksheets[0]
        _refuse_merged_and_formulas(sheet)
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _refuse_merged_and_formulas(sheet: Any) -> None:
    """A merged cell holds its value on one line only, a formula a value the file does
    not keep reliably: either would be read wrong, so the sheet is refused as it is."""
    merged = [str(r) for r in sheet.merged_cells.ranges]
    if merged:
        raise RegisterRefused(
            [
                Finding(
                    1,
                    None,
                    f"the sheet has merged cells ({', '.join(merged[:5])}): unmerge them and "
                    "write the value on every line",
                )
            ],
            [],
        )
    formulas = [
        f"{cell.coordinate} ({cell.value if isinstance(cell.value, str) else 'formula'})"
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    if formulas:
        raise RegisterRefused(
            [
                Finding(
                    1,
                    None,
                    f"the sheet has formulas ({', '.join(formulas[:5])}): copy the sheet "
                    "and paste values only",
                )
            ],
            [],
        )


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")  # what Excel writes on a French Windows
    first = text.split("\n", 1)[0]
    # A French Excel separates with ";" (the comma is the decimal separator).
    delimiter = max((";", ",", "\t"), key=first.count)
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def normalise(text: str) -> str:
    """'Date d’admission (JJ/MM/AAAA)' → 'date d admission jj mm aaaa'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


def _singular(text: str) -> str:
    """'salaries' → 'salarie', 'collectivites territoriales' → 'collectivite territoriale'."""
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in text.split())


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header(values: list[Any], plan: _Plan) -> dict[str, int]:
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        title = "" if value is None else str(value).strip()
        if not title:
            continue
        normal = normalise(title)
        # "Montant versé (€)", "Parts (nombre)": a known name followed by a unit.
        name = aliases.get(normal) or next(
            (
                aliases[a]
                for a in sorted(aliases, key=len, reverse=True)
                if len(a) > 2 and normal.startswith(a + " ")
            ),
            None,
        )
        label = f"{column_letter(index)} ({title})"
        if name is None:
            plan.ignored.append(label)
        elif name in found:
            plan.findings.append(Finding(1, label, f"a second column for {name}"))
        else:
            found[name] = index
            plan.columns[name] = label
    for name in REQUIRED:
        if name not in found:
            accepted = ", ".join(repr(a) for a in COLUMNS[name][:4])
            plan.findings.append(
                Finding(1, None, f"no {name} column in the header line (e.g. {accepted})")
            )
    return found


# -- cells -----------------------------------------------------------------------------


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = str(value).strip()
    return cleaned or None


def whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", str(value))
    if not cleaned.isdigit():
        raise ValueError(f"{value!r} is not a whole number of shares")
    return int(cleaned)


def money(value: Any) -> str:
    """A decimal string for the API's amount fields: 1250.5, '1 250,50 €' → '1250.50'."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int | float):
        amount = Decimal(repr(value))
    else:
        cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", str(value), flags=re.IGNORECASE)
        if "," in cleaned and "." in cleaned:  # the last separator is the decimal one
            thousands = "." if cleaned.rfind(",") > cleaned.rfind(".") else ","
            cleaned = cleaned.replace(thousands, "")
        cleaned = cleaned.replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
            raise ValueError(f"{value!r} is not an amount (e.g. 1 250,50)")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount (e.g. 1 250,50)") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} has more than 2 decimals")
    return f"{amount:.2f}"


def day(value: Any) -> str:
    """An ISO date for the API: a spreadsheet date, 'dd/mm/yyyy' or 'YYYY-MM-DD'."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    cleaned = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            return date.fromisoformat(cleaned).isoformat()
        found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", cleaned)
        if found:
            d, m, y = (int(part) for part in found.groups())
            return date(y, m, d).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date (dd/mm/yyyy or YYYY-MM-DD)")


def kind(value: Any) -> str:
    found = _KINDS.get(normalise(str(value)))
    if found is None:
        raise ValueError(f"{value!r} is not a kind of member (personne or organisation)")
    return found


def number(value: Any) -> str:
    found = text(value) or ""
    if not re.fullmatch(NUMBER_PATTERN, found):
        raise ValueError(f"{value!r} is not a member number (letters, digits, . / _ -)")
    return found


class Names:
    """Codes of the statutes' categories (or colleges), found by code, name, or the name
    without accents, case or plural; an unknown one gets the nearest known names."""

    def __init__(self, what: str, entries: list[tuple[str, str]]) -> None:
        self.what = what
        self.entries = entries  # (code, name)
        self.exact: dict[str, str] = {}
        for code, name in entries:
            for spelling in (code, name):
                self.exact.setdefault(normalise(spelling), code)
                self.exact.setdefault(_singular(normalise(spelling)), code)

    def __call__(self, value: Any) -> str:
        given = normalise(str(value))
        found = self.exact.get(given) or self.exact.get(_singular(given))
        if found is not None:
            return found
        raise ValueError(f"unknown {self.what} {str(value)!r}{self._nearest(str(value))}")

    def name_of(self, code: str) -> str:
        return next((n for c, n in self.entries if c == code), code)

    def _nearest(self, value: str) -> str:
        from rapidfuzz import fuzz, process, utils

        choices = {f"{name} ({code})": normalise(name) for code, name in self.entries}
        best = process.extract(
            normalise(value),
            choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=3,
            score_cutoff=50,
        )
        if best:
            return "; did you mean " + " or ".join(repr(label) for _, _, label in best) + "?"
        known = ", ".join(f"{name} ({code})" for code, name in self.entries)
        return f"; known: {known}"


# -- planning --------------------------------------------------------------------------


def plan_register(name: str, data: bytes, statutes: Statutes | None) -> _Plan:
    """Parse every line into the members, subscriptions and payments the file states."""
    plan = _Plan()
    categories = Names(
        "category", [(c.code, c.name) for c in (statutes.categories if statutes else [])]
    )
    colleges = Names("college", [(c.code, c.name) for c in (statutes.colleges if statutes else [])])
    try:
        rows = read_rows(name, data)
        header = next(rows, None)
        if header is None:
            plan.findings.append(Finding(1, None, "the file is empty"))
            return plan
        columns = _header(header[1], plan)
        if plan.findings:
            return plan
        for line, values in rows:
            plan.lines += 1
            cells = {
                field_name: values[index]
                for field_name, index in columns.items()
                if index < len(values) and text(values[index]) is not None
            }
            _plan_line(plan, line, cells, categories, colleges, statutes)
    except RegisterRefused as refused:
        plan.findings.extend(refused.findings)
    if not plan.findings and not plan.members:
        plan.findings.append(Finding(1, None, "the file has a header but no member line"))
    return plan


def _plan_line(
    plan: _Plan,
    line: int,
    cells: dict[str, Any],
    categories: Names,
    colleges: Names,
    statutes: Statutes | None,
) -> None:
    before = len(plan.findings)

    def cell(name: str, parse: Callable[[Any], Any]) -> Any:
        if name not in cells:
            return None
        try:
            return parse(cells[name])
        except ValueError as exc:
            plan.findings.append(Finding(line, plan.columns[name], str(exc)))
            return None

    name = cell("name", text)
    if name is None:
        plan.findings.append(Finding(line, plan.columns["name"], "the member's name is empty"))
        return
    given_number = cell("number", number)
    category = cell("category", categories)
    college = cell("college", colleges)
    if category is not None and college is not None and statutes is not None:
        actual = statutes.college_of(category)
        if actual is None or actual.code != college:
            plan.findings.append(
                Finding(
                    line,
                    plan.columns["college"],
                    f"category {categories.name_of(category)!r} votes in "
                    + (f"college {actual.name!r}" if actual else "no college")
                    + f", not {colleges.name_of(college)!r}",
                )
            )
    member = {
        "name": name,
        "kind": cell("kind", kind),
        "category": category,
        "admitted_on": cell("admitted_on", day),
        "email": cell("email", text),
        "address": cell("address", text),
    }
    key = _member_key(plan, line, name, given_number)
    if key is None:
        return
    known = plan.members.get(key)
    if known is None:
        for needed in ("category", "admitted_on"):
            if member[needed] is None and needed not in cells:
                plan.findings.append(
                    Finding(
                        line,
                        plan.columns.get(needed),
                        f"the line admitting {name} needs its {needed.replace('_', ' ')}",
                    )
                )
        body = {k: v for k, v in member.items() if v is not None}
        body.setdefault("kind", "person")
        if given_number is not None:
            body["number"] = given_number
        if _valid(plan, line, "members", body) and len(plan.findings) == before:
            plan.members[key] = _Member(key, line, name, body, [line])
            plan.by_name.setdefault(search_key(name) or "", []).append(key)
    else:
        known.lines.append(line)
        for k, v in member.items():
            if k != "name" and v is not None and v != known.body.get(k):
                plan.findings.append(
                    Finding(
                        line,
                        plan.columns[k],
                        f"differs from line {known.line}, which admits {name} with "
                        f"{known.body.get(k)} (this line: {v})",
                    )
                )
    # the shares are read even when the member is refused, to report every cell at once
    admitted_on = member["admitted_on"] or (known.body.get("admitted_on") if known else None)
    _plan_shares(plan, line, key, cells, cell, admitted_on)


def _member_key(plan: _Plan, line: int, name: str, given: str | None) -> str | None:
    """The member a line speaks of: its number; or, without one, the member of that name
    the file already has (numbered or not)."""
    if given is not None:
        key = f"number {number_key(given)}"
        known = plan.members.get(key)
        if known is not None and search_key(known.name) != search_key(name):
            plan.findings.append(
                Finding(
                    line,
                    plan.columns["number"],
                    f"number {given} is given to {name} here and to {known.name} on line "
                    f"{known.line}: one number, one member",
                )
            )
            return None
        return key
    same_name = plan.by_name.get(search_key(name) or "", [])
    if len(same_name) > 1:
        plan.findings.append(
            Finding(
                line,
                plan.columns.get("number"),
                f"{len(same_name)} members are named {name}: give the line their number",
            )
        )
        return None
    return same_name[0] if same_name else f"name {search_key(name)}"


def _plan_shares(
    plan: _Plan,
    line: int,
    key: str,
    cells: dict[str, Any],
    cell: Callable[[str, Callable[[Any], Any]], Any],
    admitted_on: str | None,
) -> None:
    before = len(plan.findings)
    payment = cell("payment", money)
    paid_on = cell("payment_date", day)
    if ("payment" in cells) != ("payment_date" in cells):
        missing = "payment_date" if "payment" in cells else "payment"
        plan.findings.append(
            Finding(
                line,
                plan.columns.get(missing) or plan.columns.get("payment"),
                f"a payment needs its {missing.replace('_', ' ')}",
            )
        )
    pay = None
    if payment is not None and paid_on is not None:
        body = {"subscription_id": "-", "amount": payment, "effective_date": paid_on}
        if _valid(plan, line, "payments", body):
            pay = _Pay(line, payment, paid_on)
    if "shares" not in cells:
        if "paid" in cells:
            plan.findings.append(
                Finding(
                    line,
                    plan.columns["paid"],
                    "needs the number of shares (parts) on its line, as any amount paid at "
                    "subscription does",
                )
            )
        if pay is not None and len(plan.findings) == before:
            _pay_earlier(plan, key, pay, cell("subscribed_on", day))
        return
    shares = cell("shares", whole)
    paid = cell("paid", money)
    on = cell("subscribed_on", day) or admitted_on
    if "paid" not in cells:
        plan.findings.append(
            Finding(
                line,
                plan.columns.get("paid"),
                "shares need the amount paid at subscription (at least ¼, R7)",
            )
        )
    subscribe = {"member_id": "-", "shares": shares, "paid": paid, "effective_date": on}
    if len(plan.findings) == before and _valid(plan, line, "subscriptions", subscribe):
        assert on is not None
        plan.subs.append(_Sub(line, key, shares, paid, on, [pay] if pay else []))


def _pay_earlier(plan: _Plan, key: str, pay: _Pay, subscribed_on: str | None) -> None:
    """A payment line without shares: the member's subscription of that date, or the one
    of its last line above (else one the ledger holds, matched later)."""
    mine = [s for s in plan.subs if s.member == key]
    if subscribed_on is not None:
        mine = [s for s in mine if s.on == subscribed_on]
    if mine:
        mine[-1].payments.append(pay)
    else:
        plan.orphans.append(_Orphan(pay, key, subscribed_on))


def _valid(plan: _Plan, line: int, name: str, body: dict[str, Any]) -> bool:
    """Check a body against the command's own model, as the API would."""
    if any(v is None for v in body.values()):
        return False  # a cell already reported
    try:
        COMMANDS[name].model.model_validate(body)
    except ValidationError as exc:
        reported = {f.column for f in plan.findings if f.line == line}
        for err in exc.errors(include_url=False):
            field_name = str(err["loc"][0]) if err["loc"] else ""
            column = plan.columns.get(_FIELD_COLUMNS[name].get(field_name, ""))
            if err["type"] == "missing" and column in reported:
                continue  # its cell is already reported: one message a cell
            plan.findings.append(Finding(line, column, f"{_WHAT[name]}: {err['msg']}"))
        return False
    return True


# -- what the ledger holds -------------------------------------------------------------


@dataclass
class _Recorded:
    member_id: str
    party_id: str
    number: str | None
    name: str | None
    kind: str
    category: str
    admitted_on: str
    email: str | None
    address: str | None


@dataclass
class _RecordedPay:
    write_id: str
    on: str
    amount_cents: int


@dataclass
class _RecordedSub:
    write_id: str
    member_id: str
    on: str
    shares: int
    paid_cents: int
    payments: list[_RecordedPay] = field(default_factory=list)


@dataclass
class _Ledger:
    members: dict[str, _Recorded] = field(default_factory=dict)
    subs: dict[str, _RecordedSub] = field(default_factory=dict)  # by subscription id

    def subs_of(self, member_id: str) -> list[_RecordedSub]:
        return [s for s in self.subs.values() if s.member_id == member_id]


def _ledger(conn: sa.Connection, coop_id: str) -> _Ledger:
    """The cooperative's members, subscriptions and payments as its corrected history
    holds them (reversed mistakes left out)."""
    ledger = _Ledger()
    p = parties.c
    people = {
        row.party_id: row
        for row in conn.execute(
            sa.select(p.party_id, p.name, p.email, p.address).where(p.coop_id == coop_id)
        )
    }
    for entry in corrected(read_entries(conn, build_registry(), coop_id)):
        e = entry.event
        if isinstance(e, MemberAdmitted):
            person = people.get(e.party_id)
            ledger.members[e.member_id] = _Recorded(
                e.member_id,
                e.party_id,
                e.number,
                person.name if person else None,
                e.kind,
                e.category,
                entry.on.isoformat(),
                person.email if person else None,
                person.address if person else None,
            )
        elif isinstance(e, SharesSubscribed):
            ledger.subs[e.subscription_id] = _RecordedSub(
                e.subscription_id, e.member_id, entry.on.isoformat(), e.shares, e.paid_cents
            )
        elif isinstance(e, SharesPaid) and e.subscription_id in ledger.subs:
            ledger.subs[e.subscription_id].payments.append(
                _RecordedPay(e.payment_id, entry.on.isoformat(), e.amount_cents)
            )
    return ledger


# -- matching --------------------------------------------------------------------------


@dataclass
class _Work:
    """What importing the file does: corrections, then new members, subscriptions and
    payments (a subscription or payment names its member or subscription by the file's
    key or by the ledger's id)."""

    contradictions: list[Contradiction] = field(default_factory=list)
    admit: list[_Member] = field(default_factory=list)
    member_ids: dict[str, str] = field(default_factory=dict)  # file key → ledger member id
    subscribe: list[_Sub] = field(default_factory=list)
    pay: list[tuple[_Pay, _Sub | str]] = field(default_factory=list)
    recorded: Counts = field(default_factory=Counts)


def _cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def _shown(member: _Member) -> str:
    number_given = member.body.get("number")
    return f"{member.name}, n° {number_given}" if number_given else member.name


def _match(plan: _Plan, ledger: _Ledger) -> _Work:
    work = _Work()
    for member in plan.members.values():
        found = _match_member(member, ledger, work)
        if found is None:
            work.admit.append(member)
        else:
            work.member_ids[member.key] = found.member_id
            work.recorded.members += 1
    by_member: dict[str, list[_Sub]] = {}
    for sub in plan.subs:
        by_member.setdefault(sub.member, []).append(sub)
    for member in plan.members.values():
        subs = by_member.get(member.key, [])
        member_id = work.member_ids.get(member.key)
        orphans = [o for o in plan.orphans if o.member == member.key]
        if member_id is None:
            work.subscribe += subs
            work.pay += [(p, s) for s in subs for p in s.payments]
            for orphan in orphans:
                work.contradictions.append(
                    Contradiction(
                        orphan.pay.line,
                        _shown(member),
                        "payment",
                        "no subscription of this member",
                        f"a payment of {format_cents(_cents(orphan.pay.amount))} €"
                        " on a subscription neither the file nor the ledger has",
                        why="say which subscription it pays, or add the subscription's line",
                        words={
                            "what": [(N_("versement"), {})],
                            "ledger": [(N_("aucune souscription de cet associé"), {})],
                            "file": [
                                (
                                    N_(
                                        "un versement de %(amount_cents)s sur une souscription "
                                        "que ni le fichier ni le registre ne contient"
                                    ),
                                    {"amount_cents": _cents(orphan.pay.amount)},
                                )
                            ],
                            "why": [(SAY_WHICH, {})],
                        },
                    )
                )
            continue
        _match_subscriptions(member, subs, orphans, ledger.subs_of(member_id), work)
    return work


def _match_member(member: _Member, ledger: _Ledger, work: _Work) -> _Recorded | None:
    """By number; else by name and admission date. A recorded member that matches on one
    but not the other is a contradiction (listed once, against the admitting line)."""
    body = member.body
    given = body.get("number")
    name_key = search_key(member.name)
    found: _Recorded | None = None
    if given is not None:
        found = next(
            (
                m
                for m in ledger.members.values()
                if m.number is not None and number_key(m.number) == number_key(given)
            ),
            None,
        )
    if found is None:
        same_name = [m for m in ledger.members.values() if search_key(m.name) == name_key]
        found = next((m for m in same_name if m.admitted_on == body["admitted_on"]), None)
        if found is not None and given is not None and found.number is not None:
            # the same name and day under another number: never admit it twice
            work.contradictions.append(
                Contradiction(
                    member.line,
                    _shown(member),
                    "member number",
                    found.number,
                    given,
                    words={
                        "what": [(N_("n° d'associé"), {})],
                        "ledger": _value(found.number),
                        "file": _value(given),
                    },
                )
            )
            return found
        if found is None and same_name and given is None:
            other = same_name[0]
            work.contradictions.append(
                Contradiction(
                    member.line,
                    _shown(member),
                    "admission date",
                    f"{other.name} admitted on {other.admitted_on}",
                    f"admitted on {body['admitted_on']} (give the register's numbers to "
                    "tell homonyms apart)",
                    words={
                        "what": [(N_("date d'admission"), {})],
                        "ledger": [
                            (
                                N_("%(name)s, admis le %(on)s"),
                                {"name": other.name, "on": other.admitted_on},
                            )
                        ],
                        "file": [
                            (
                                N_(
                                    "admis le %(on)s (donnez les n° d'associé du registre pour "
                                    "distinguer les homonymes)"
                                ),
                                {"on": body["admitted_on"]},
                            )
                        ],
                    },
                )
            )
            return other
        if found is None:
            return None
    shown = _shown(member)
    for what, named, recorded, said in (
        ("admission date", N_("date d'admission"), found.admitted_on, body["admitted_on"]),
        ("kind", N_("nature"), found.kind, body.get("kind", "person")),
        ("category at admission", N_("catégorie à l'admission"), found.category, body["category"]),
    ):
        if recorded != said:
            work.contradictions.append(
                Contradiction(
                    member.line,
                    shown,
                    what,
                    str(recorded),
                    str(said),
                    words={
                        "what": [(named, {})],
                        "ledger": _value(recorded, dated=what == "admission date"),
                        "file": _value(said, dated=what == "admission date"),
                    },
                )
            )
    if found.name is None:
        return found  # erased: nothing personal to compare
    changes = {
        f: body[f]
        for f in ("name", "email", "address")
        if body.get(f) is not None and body[f] != getattr(found, f)
    }
    for f, value in changes.items():
        work.contradictions.append(
            Contradiction(
                member.line,
                shown,
                f"contact ({f})",
                repr(getattr(found, f)),
                repr(value),
                contact={f: value},
                member_id=found.member_id,
                words={
                    "what": [(N_("coordonnées (%(field)s)"), {"field": f})],
                    "ledger": _value(getattr(found, f)),
                    "file": _value(value),
                },
            )
        )
    return found


def _sub_text(shares: int, paid_cents: int, on: str) -> str:
    return f"{shares} share{'s' * (shares != 1)} on {on}, {format_cents(paid_cents)} € paid then"


def _sub_words(shares: int, paid_cents: int, on: str, payments: list[_RecordedPay]) -> Words:
    said: Words = [
        (
            N_("%(shares)s part(s) le %(on)s, %(paid_cents)s versés alors"),
            {"shares": shares, "on": on, "paid_cents": paid_cents},
        )
    ]
    said += [
        (N_(", puis %(amount_cents)s le %(on)s"), {"amount_cents": p.amount_cents, "on": p.on})
        for p in payments
    ]
    return said


def _sub_what(on: str) -> Words:
    return [(N_("souscription du %(on)s"), {"on": on})]


def _match_subscriptions(
    member: _Member,
    subs: list[_Sub],
    orphans: list[_Orphan],
    recorded: list[_RecordedSub],
    work: _Work,
) -> None:
    shown = _shown(member)
    free = list(recorded)
    pairs: list[tuple[_Sub, _RecordedSub]] = []
    replaced: list[tuple[_Sub, _RecordedSub]] = []
    for sub in subs:
        same_day = [r for r in free if r.on == sub.on]
        exact = next(
            (r for r in same_day if r.shares == sub.shares and r.paid_cents == _cents(sub.paid)),
            None,
        )
        if exact is not None:
            free.remove(exact)
            pairs.append((sub, exact))
        elif same_day:
            free.remove(same_day[0])
            replaced.append((sub, same_day[0]))
        else:
            work.subscribe.append(sub)
            work.pay += [(p, sub) for p in sub.payments]
    for sub, old in replaced:
        work.contradictions.append(
            Contradiction(
                sub.line,
                shown,
                f"subscription of {sub.on}",
                _sub_text(old.shares, old.paid_cents, old.on)
                + "".join(
                    f", then {format_cents(p.amount_cents)} € on {p.on}" for p in old.payments
                ),
                _sub_text(sub.shares, _cents(sub.paid), sub.on),
                reverses=[*(p.write_id for p in old.payments), old.write_id],
                words={
                    "what": _sub_what(sub.on),
                    "ledger": _sub_words(old.shares, old.paid_cents, old.on, old.payments),
                    "file": _sub_words(sub.shares, _cents(sub.paid), sub.on, []),
                },
            )
        )
        work.subscribe.append(sub)
        work.pay += [(p, sub) for p in sub.payments]
    matched = {old.write_id: sub for sub, old in pairs}
    for old in free:
        referenced = [o for o in orphans if _orphan_fits(o, old, recorded)]
        if referenced:
            pairs.append((_Sub(referenced[0].pay.line, member.key, old.shares, "0", old.on), old))
            matched[old.write_id] = pairs[-1][0]
            continue
        work.contradictions.append(
            Contradiction(
                member.line,
                shown,
                f"subscription of {old.on}",
                _sub_text(old.shares, old.paid_cents, old.on),
                "no such subscription",
                reverses=[*(p.write_id for p in old.payments), old.write_id],
                words={
                    "what": _sub_what(old.on),
                    "ledger": _sub_words(old.shares, old.paid_cents, old.on, []),
                    "file": [(N_("aucune souscription ce jour-là"), {})],
                },
            )
        )
    for orphan in orphans:
        target = next((o for o in recorded if _orphan_fits(orphan, o, recorded)), None)
        if target is None:
            which = f" of {orphan.subscribed_on}" if orphan.subscribed_on else ""
            work.contradictions.append(
                Contradiction(
                    orphan.pay.line,
                    shown,
                    "payment",
                    f"{len(recorded)} subscription{'s' * (len(recorded) != 1)} of this member"
                    + (" (say which: give its date in the subscription date column)"
                       if len(recorded) > 1 and not orphan.subscribed_on else ""),
                    f"a payment of {format_cents(_cents(orphan.pay.amount))} € on a "
                    f"subscription{which} the ledger does not hold",
                    why="say which subscription it pays, or add the subscription's line",
                    words={
                        "what": [(N_("versement"), {})],
                        "ledger": [
                            (N_("%(count)s souscription(s) de cet associé"),
                             {"count": len(recorded)}),
                            *([(N_(" (précisez laquelle : sa date dans la colonne date de "
                                   "souscription)"), {})]
                              if len(recorded) > 1 and not orphan.subscribed_on else []),
                        ],
                        "file": [
                            (N_("un versement de %(amount_cents)s sur la souscription du "
                                "%(on)s, que le registre ne contient pas"),
                             {"amount_cents": _cents(orphan.pay.amount),
                              "on": orphan.subscribed_on})
                            if orphan.subscribed_on else
                            (N_("un versement de %(amount_cents)s sur une souscription que le "
                                "registre ne contient pas"),
                             {"amount_cents": _cents(orphan.pay.amount)})
                        ],
                        "why": [(SAY_WHICH, {})],
                    },
                )
            )  # fmt: skip
    for sub, old in pairs:
        given = [*sub.payments]
        given += [o.pay for o in orphans if _orphan_fits(o, old, recorded) and o.pay not in given]
        _match_payments(shown, sub, old, given, work)
    work.recorded.subscriptions += sum(1 for sub, _ in pairs if sub.paid != "0")


def _pay_what(on: str, subscribed_on: str) -> Words:
    return [
        (
            N_("versement du %(on)s sur la souscription du %(subscribed_on)s"),
            {"on": on, "subscribed_on": subscribed_on},
        )
    ]


def _orphan_fits(orphan: _Orphan, sub: _RecordedSub, recorded: list[_RecordedSub]) -> bool:
    if orphan.subscribed_on is not None:
        return sub.on == orphan.subscribed_on
    return len(recorded) == 1


def _match_payments(
    shown: str, sub: _Sub, old: _RecordedSub, given: list[_Pay], work: _Work
) -> None:
    free = list(old.payments)
    for pay in given:
        exact = next(
            (p for p in free if p.on == pay.on and p.amount_cents == _cents(pay.amount)), None
        )
        if exact is not None:
            free.remove(exact)
            work.recorded.payments += 1
            continue
        same_day = next((p for p in free if p.on == pay.on), None)
        if same_day is not None:
            free.remove(same_day)
            work.contradictions.append(
                Contradiction(
                    pay.line,
                    shown,
                    f"payment of {pay.on} on the subscription of {old.on}",
                    f"{format_cents(same_day.amount_cents)} €",
                    f"{format_cents(_cents(pay.amount))} €",
                    reverses=[same_day.write_id],
                    words={
                        "what": _pay_what(pay.on, old.on),
                        "ledger": [(None, {"amount_cents": same_day.amount_cents})],
                        "file": [(None, {"amount_cents": _cents(pay.amount)})],
                    },
                )
            )
        work.pay.append((pay, old.write_id))
    for left in free:
        work.contradictions.append(
            Contradiction(
                sub.line,
                shown,
                f"payment of {left.on} on the subscription of {old.on}",
                f"{format_cents(left.amount_cents)} €",
                "no such payment",
                reverses=[left.write_id],
                words={
                    "what": _pay_what(left.on, old.on),
                    "ledger": [(None, {"amount_cents": left.amount_cents})],
                    "file": [(N_("aucun versement ce jour-là"), {})],
                },
            )
        )


# -- running ---------------------------------------------------------------------------


class _RollBack(Exception):
    pass


def import_register(
    service: Service,
    path: Path,
    coop_id: str,
    *,
    dry_run: bool = False,
    apply_corrections: bool = False,
    actor: str = "cli:import",
    progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> RegisterReport:
    """Import the register at `path` (see import_bytes)."""
    return import_bytes(
        service,
        path.name,
        path.read_bytes(),
        coop_id,
        dry_run=dry_run,
        apply_corrections=apply_corrections,
        actor=actor,
        progress=progress,
        on_plan=on_plan,
    )


def import_bytes(
    service: Service,
    name: str,
    data: bytes,
    coop_id: str,
    *,
    dry_run: bool = False,
    apply_corrections: bool = False,
    actor: str = "cli:import",
    progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> RegisterReport:
    """Import a register into `coop_id`; return what it recorded (or, dry, would record),
    or raise RegisterRefused listing every problem and contradiction."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)  # NotFound before reading anything
        statutes = views.statutes_at(conn, coop_id, service.today(), None)
    plan = plan_register(name, data, statutes)
    findings: list[Finding] = list(plan.findings)
    if not plan.members:  # the file itself (its header, its kind) is wrong
        raise RegisterRefused(findings, [])
    report = RegisterReport(
        file=name, lines=plan.lines, dry_run=dry_run, ignored_columns=plan.ignored
    )
    try:
        with service.store.write() as session:
            work = _match(plan, _ledger(session.conn, coop_id))
            report.recorded = work.recorded
            contradictions = sorted(work.contradictions, key=lambda c: (c.line, c.what))
            if any(not c.correctable or not apply_corrections for c in contradictions):
                raise RegisterRefused(sorted(findings, key=lambda f: f.line), contradictions)
            report.corrections = contradictions
            # the valid lines still run (then roll back): every refusal is listed at once
            if on_plan is not None:
                on_plan(
                    sum(len(c.reverses) for c in report.corrections)
                    + len(work.admit)
                    + len(work.subscribe)
                    + len(work.pay)
                )
            _run(session, coop_id, name, work, report, findings, actor, service, progress)
            if findings or dry_run:
                raise _RollBack
    except _RollBack:
        # the cached timeline holds what was rolled back: folded again off the lock
        store.refold(service.engine, service.store.registry, coop_id)
    if findings:  # the corrections it would have made are listed with the problems
        raise RegisterRefused(sorted(findings, key=lambda f: f.line), report.corrections)
    return report


def _run(
    session: Any,
    coop_id: str,
    name: str,
    work: _Work,
    report: RegisterReport,
    findings: list[Finding],
    actor: str,
    service: Service,
    progress: Progress | None,
) -> None:
    ctx = Context(coop_id, actor=actor, today=service.today())

    def run(line: int, command: str, body: dict[str, Any]) -> str | None:
        try:
            model: BaseModel = COMMANDS[command].model.model_validate(body)
            # A refused command raises before it writes anything, so the register can
            # go on to find the problems of the following lines.
            return execute(session, ctx, COMMANDS[command], model).id
        except (DomainError, LedgerError) as exc:
            rule = getattr(exc, "rule", None)
            rule = f"{rule} " if rule else ""
            findings.append(Finding(line, None, f"{_WHAT[command]} refused: {rule}{exc.detail}"))
            return None
        finally:
            if progress is not None:
                progress(1)

    for fix in report.corrections:
        reason = f"register {name}, line {fix.line}: {fix.what}: {fix.file}"[:1000]
        if fix.contact and fix.member_id is not None:
            update = contacts.ContactUpdate.model_validate(fix.contact)
            contacts.change_contact(
                session.conn, coop_id, fix.member_id, update, actor, session.store.clock()
            )
        for write_id in fix.reverses:
            run(fix.line, "corrections", {"reverses": write_id, "reason": reason})
    for member in work.admit:
        made = run(member.line, "members", member.body)
        if made is not None:
            work.member_ids[member.key] = made
            report.new.members += 1
    sub_ids: dict[int, str] = {}
    for sub in work.subscribe:
        member_id = work.member_ids.get(sub.member)
        if member_id is None:
            continue  # its member was refused: reported on the admitting line
        body = {
            "member_id": member_id,
            "shares": sub.shares,
            "paid": sub.paid,
            "effective_date": sub.on,
        }
        made = run(sub.line, "subscriptions", body)
        if made is not None:
            sub_ids[id(sub)] = made
            report.new.subscriptions += 1
    for pay, target in work.pay:
        sub_id = target if isinstance(target, str) else sub_ids.get(id(target))
        if sub_id is None:
            continue  # its subscription was refused: reported on its line
        body = {"subscription_id": sub_id, "amount": pay.amount, "effective_date": pay.on}
        if run(pay.line, "payments", body) is not None:
            report.new.payments += 1
