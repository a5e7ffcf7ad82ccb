"""Bring a member register kept in a spreadsheet (CSV or XLSX) into the ledger.

One line per subscription: the first line naming a member (or giving its reference,
`n° d'associé`, which tells homonyms apart) admits it, each line with `parts`
subscribes shares for it, and `versement` records a later payment on that
subscription. Headers may be English or French (see COLUMNS); amounts take a decimal
comma and spaces ("1 250,50 €"), dates dd/mm/yyyy or YYYY-MM-DD.

Every line goes through the same commands as the API (members, then subscriptions, then
payments) in one write transaction. Every problem found — in a cell, or by a rule — is
listed with its line and column, and then the transaction rolls back: a register lands
whole or not at all. `dry_run` always rolls back.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ledger.errors import LedgerError
from scic.commands import COMMANDS, Context, execute
from scic.errors import DomainError
from scic.projections import views
from scic.service import Service

Progress = Callable[[int], None]
SUFFIXES = (".csv", ".xlsx")

# Canonical field → the headers that name it, normalised (lower case, no accents, words).
COLUMNS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "reference", "n d associe", "numero d associe", "n associe", "member ref"),
    "name": ("name", "nom", "nom prenom", "prenom nom", "nom et prenom", "raison sociale",
             "nom ou raison sociale", "denomination", "associe", "membre", "societaire"),
    "kind": ("kind", "type", "nature", "type de personne", "personne"),
    "category": ("category", "categorie", "categorie d associe", "categorie d associes"),
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
REQUIRED = ("name", "category", "admitted_on")
_KINDS = {
    "person": "person", "personne": "person", "personne physique": "person",
    "physique": "person", "pp": "person",
    "organisation": "organisation", "organization": "organisation",
    "personne morale": "organisation", "morale": "organisation", "pm": "organisation",
}  # fmt: skip
# Which column a command's field came from, to point at it when a command refuses it.
_FIELD_COLUMNS = {
    "members": {"name": "name", "kind": "kind", "category": "category",
                "admitted_on": "admitted_on", "email": "email", "address": "address"},
    "subscriptions": {"shares": "shares", "paid": "paid", "effective_date": "subscribed_on"},
    "payments": {"amount": "payment", "effective_date": "payment_date"},
}  # fmt: skip
_WHAT = {"members": "admission", "subscriptions": "subscription", "payments": "payment"}


@dataclass(frozen=True)
class Finding:
    """One problem of the file: where it is and what is wrong."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RegisterRefused(Exception):
    """The register has problems; nothing was written."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} problem(s)")
        self.findings = findings


@dataclass
class RegisterReport:
    lines: int = 0
    members: int = 0
    subscriptions: int = 0
    payments: int = 0
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class _Line:
    """A data line parsed into command bodies (member_id and subscription_id come later)."""

    line: int
    member: str  # the member's key within the file
    subscribe: dict[str, Any] | None = None
    pay: dict[str, Any] | None = None


@dataclass
class _Plan:
    admissions: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    lines: list[_Line] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → "D (parts)"
    ignored: list[str] = field(default_factory=list)

    def commands(self) -> int:
        return len(self.admissions) + sum(
            (line.subscribe is not None) + (line.pay is not None) for line in self.lines
        )


# -- reading ---------------------------------------------------------------------------


def read_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cell values) of the first sheet, header included; blank lines skipped."""
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    for line, values in rows:
        if any(v is not None and str(v).strip() for v in values):
            yield line, list(values)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    from zipfile import BadZipFile

    import openpyxl  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        InvalidFileException,
    )

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise RegisterRefused(
            [Finding(1, None, f"not a readable .xlsx workbook ({exc})")]
        ) from None
    try:
        sheet = book.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # what Excel writes on a French Windows
    first = text.split("\n", 1)[0]
    # A French Excel separates with ";" (the comma is the decimal separator).
    delimiter = max((";", ",", "\t"), key=first.count)
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def normalise(text: str) -> str:
    """'Date d’admission (JJ/MM/AAAA)' → 'date d admission jj mm aaaa'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


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
                if normal.startswith(a + " ")
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
            plan.findings.append(Finding(1, None, f"no {name} column (e.g. {accepted})"))
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


# -- planning --------------------------------------------------------------------------


def plan_register(path: Path, categories: dict[str, str]) -> _Plan:
    """Parse every line; `categories` maps a normalised code or name to the code."""
    plan = _Plan()
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        plan.findings.append(Finding(1, None, "the file is empty"))
        return plan
    columns = _header(header[1], plan)
    if plan.findings:
        return plan
    for line, values in rows:
        cells = {
            name: values[index]
            for name, index in columns.items()
            if index < len(values) and text(values[index]) is not None
        }
        _plan_line(plan, line, cells, categories)
    return plan


def _plan_line(plan: _Plan, line: int, cells: dict[str, Any], categories: dict[str, str]) -> None:
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
    # The same name (or reference, for homonyms) on a later line is the same member.
    ref = cell("ref", text)
    key = f"ref {normalise(ref)}" if ref is not None else normalise(name)
    member = {
        "name": name,
        "kind": cell("kind", kind),
        "category": cell("category", lambda v: categories.get(normalise(str(v)), text(v))),
        "admitted_on": cell("admitted_on", day),
        "email": cell("email", text),
        "address": cell("address", text),
    }
    admitted = plan.admissions.get(key)
    if admitted is None:
        for needed in ("category", "admitted_on"):
            if member[needed] is None and needed not in cells:
                plan.findings.append(Finding(line, plan.columns[needed], "empty"))
        body = {k: v for k, v in member.items() if v is not None}
        body.setdefault("kind", "person")
        if _valid(plan, line, "members", body) and len(plan.findings) == before:
            plan.admissions[key] = (line, body)
    else:
        first_line, first = admitted
        for k, v in member.items():
            if (
                k != "name"
                and v is not None
                and v != first.get(k, "person" if k == "kind" else None)
            ):
                plan.findings.append(
                    Finding(
                        line,
                        plan.columns[k],
                        f"differs from line {first_line}, which admits {name}",
                    )
                )
    _plan_shares(
        plan,
        line,
        key,
        cells,
        cell,
        member["admitted_on"] or (admitted or (0, {}))[1].get("admitted_on"),
    )


def _plan_shares(
    plan: _Plan,
    line: int,
    key: str,
    cells: dict[str, Any],
    cell: Callable[[str, Callable[[Any], Any]], Any],
    admitted_on: str | None,
) -> None:
    before = len(plan.findings)
    shares = cell("shares", whole)
    paid = cell("paid", money)
    on = cell("subscribed_on", day) or admitted_on
    payment = cell("payment", money)
    paid_on = cell("payment_date", day)
    entry = _Line(line, key)
    if "shares" not in cells:
        for orphan in ("paid", "subscribed_on", "payment", "payment_date"):
            if orphan in cells:
                plan.findings.append(
                    Finding(
                        line, plan.columns[orphan], "needs the number of shares (parts) on its line"
                    )
                )
        return
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
        entry.subscribe = subscribe
    if "payment" in cells or "payment_date" in cells:
        if "payment_date" not in cells or "payment" not in cells:
            missing = "payment_date" if "payment" in cells else "payment"
            plan.findings.append(
                Finding(
                    line,
                    plan.columns.get(missing),
                    f"a payment needs its {missing.replace('_', ' ')}",
                )
            )
        else:
            pay = {"subscription_id": "-", "amount": payment, "effective_date": paid_on}
            if _valid(plan, line, "payments", pay) and payment is not None and paid_on is not None:
                entry.pay = pay
    if entry.subscribe is not None:
        plan.lines.append(entry)


def _valid(plan: _Plan, line: int, name: str, body: dict[str, Any]) -> bool:
    """Check a body against the command's own model, as the API would."""
    if any(v is None for v in body.values()):
        return False  # a cell already reported
    try:
        COMMANDS[name].model.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            field_name = str(err["loc"][0]) if err["loc"] else ""
            column = plan.columns.get(_FIELD_COLUMNS[name].get(field_name, ""))
            plan.findings.append(Finding(line, column, f"{_WHAT[name]}: {err['msg']}"))
        return False
    return True


# -- running ---------------------------------------------------------------------------


class _RollBack(Exception):
    pass


def import_register(
    service: Service,
    path: Path,
    coop_id: str,
    *,
    dry_run: bool = False,
    actor: str = "cli:import",
    progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> RegisterReport:
    """Import `path` into `coop_id`, or raise RegisterRefused listing every problem."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)  # NotFound before reading anything
        statutes = views.statutes_at(conn, coop_id, service.today(), None)
    categories: dict[str, str] = {}
    for category in statutes.categories if statutes else []:
        categories[normalise(category.name)] = category.code
        categories[normalise(category.code)] = category.code
    plan = plan_register(path, categories)
    if on_plan is not None:
        on_plan(plan.commands())
    report = RegisterReport(
        lines=len(plan.lines), ignored_columns=plan.ignored, members=len(plan.admissions)
    )
    try:
        with service.store.write() as session:
            ctx = Context(coop_id, actor=actor, today=service.today())

            def run(line: int, name: str, body: dict[str, Any]) -> str | None:
                try:
                    model: BaseModel = COMMANDS[name].model.model_validate(body)
                    # A refused command raises before it writes anything, so the register
                    # can go on to find the problems of the following lines.
                    return execute(session, ctx, name, model).id
                except (DomainError, LedgerError) as exc:
                    rule = getattr(exc, "rule", None)
                    rule = f"{rule} " if rule else ""
                    plan.findings.append(
                        Finding(line, None, f"{_WHAT[name]} refused: {rule}{exc.detail}")
                    )
                    return None
                finally:
                    if progress is not None:
                        progress(1)

            member_ids = {
                key: run(line, "members", body) for key, (line, body) in plan.admissions.items()
            }
            paid_later: list[tuple[_Line, str]] = []
            for entry in plan.lines:
                member_id = member_ids.get(entry.member)
                if member_id is None or entry.subscribe is None:
                    continue  # its member was refused: reported on the admitting line
                sub = run(entry.line, "subscriptions", {**entry.subscribe, "member_id": member_id})
                report.subscriptions += sub is not None
                if sub is not None and entry.pay is not None:
                    paid_later.append((entry, sub))
            for entry, sub in paid_later:
                assert entry.pay is not None
                paid = run(entry.line, "payments", {**entry.pay, "subscription_id": sub})
                report.payments += paid is not None
            if plan.findings or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    if plan.findings:
        raise RegisterRefused(sorted(plan.findings, key=lambda f: f.line))
    return report
