"""A strict FEC checker, independent of scic.accounting: the checks of the DGFiP's Test
Compta Demat (structure of LPF A47 A-1 and its BOFiP comment) plus balance per entry and
gapless numbering. Returns findings as data: an empty list is a valid file."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]
MANDATORY = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
]
_AMOUNT = re.compile(r"^\d+(,\d{1,2})?$")
_FILE_NAME = re.compile(r"^(\d{9})FEC(\d{8})\.txt$")


@dataclass(frozen=True)
class Finding:
    line: int
    check: str
    detail: str


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, str]

    def cents(self, column: str) -> int:
        return int(Decimal(self.fields[column].replace(",", ".")) * 100)


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def parse(content: bytes, encoding: str = "iso-8859-15") -> tuple[list[Row], list[Finding]]:
    findings: list[Finding] = []
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        return [], [Finding(0, "encoding", str(exc))]
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if not lines:
        return [], [Finding(0, "empty", "no header")]
    separator = "\t" if "\t" in lines[0] else "|"
    header = lines[0].split(separator)
    if header != COLUMNS:
        findings.append(Finding(1, "header", f"columns {header} are not the 18 in order"))
        return [], findings
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(separator)
        if len(fields) != len(COLUMNS):
            findings.append(Finding(number, "field-count", f"{len(fields)} fields"))
            continue
        rows.append(Row(number, dict(zip(COLUMNS, fields, strict=True))))
    return rows, findings


def check(
    name: str,
    content: bytes,
    year_start: date,
    year_end: date,
    encoding: str = "iso-8859-15",
    validated: bool = True,
) -> list[Finding]:
    found: list[Finding] = []
    matched = _FILE_NAME.match(name)
    if not matched:
        found.append(Finding(0, "file-name", f"{name} is not SIRENFECYYYYMMDD.txt"))
    elif matched.group(2) != f"{year_end:%Y%m%d}":
        found.append(Finding(0, "file-name", f"{name} does not name the year end {year_end}"))
    rows, parsed = parse(content, encoding)
    found += parsed
    if not rows:
        return found + ([] if parsed else [Finding(0, "empty", "no entries")])
    for row in rows:
        found += _check_row(row, year_start, year_end, validated)
    found += _check_entries(rows)
    return found


def _check_row(row: Row, start: date, end: date, validated: bool) -> list[Finding]:
    f, out = row.fields, []
    for column in MANDATORY + (["ValidDate"] if validated else []):
        if not f[column].strip():
            out.append(Finding(row.line, "mandatory", f"{column} is empty"))
    for column in ("EcritureDate", "PieceDate") + (("ValidDate",) if validated else ()):
        if f[column] and _date(f[column]) is None:
            out.append(Finding(row.line, "date-format", f"{column}={f[column]!r}"))
    day = _date(f["EcritureDate"])
    if day is not None and not start <= day <= end:
        out.append(Finding(row.line, "date-in-year", f"EcritureDate {day} outside the year"))
    valid = _date(f["ValidDate"]) if f["ValidDate"] else None
    if valid is not None and day is not None and valid < day:
        out.append(Finding(row.line, "valid-date", "ValidDate before EcritureDate"))
    if not validated and f["ValidDate"]:
        out.append(Finding(row.line, "valid-date", "an open year's entry is validated"))
    if not re.match(r"^\d{3}", f["CompteNum"]):
        out.append(Finding(row.line, "account", f"CompteNum {f['CompteNum']!r}"))
    if bool(f["CompAuxNum"]) != bool(f["CompAuxLib"]):
        out.append(Finding(row.line, "aux", "CompAuxNum and CompAuxLib go together"))
    if (f["EcritureLet"] or f["DateLet"]) and not (f["EcritureLet"] and _date(f["DateLet"])):
        out.append(Finding(row.line, "lettering", "EcritureLet needs DateLet"))
    if (f["Montantdevise"] or f["Idevise"]) and not (f["Montantdevise"] and f["Idevise"]):
        out.append(Finding(row.line, "currency", "Montantdevise needs Idevise"))
    for column in ("Debit", "Credit"):
        if not _AMOUNT.match(f[column]):
            out.append(Finding(row.line, "amount-format", f"{column}={f[column]!r}"))
    if not out:
        debit, credit = row.cents("Debit"), row.cents("Credit")
        if (debit == 0) == (credit == 0):
            out.append(Finding(row.line, "debit-or-credit", "exactly one of Debit/Credit"))
    return out


def _check_entries(rows: list[Row]) -> list[Finding]:
    """An entry is (JournalCode, EcritureNum): one date, contiguous lines, balanced; the
    numbers of each journal are 1, 2, 3… in the file's order, with no gap (R17)."""
    out: list[Finding] = []
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    seen: dict[tuple[str, str], str] = {}
    order: dict[str, list[int]] = defaultdict(list)
    last: tuple[str, str] | None = None
    last_date: date | None = None
    for row in rows:
        f = row.fields
        journal, num = f["JournalCode"], f["EcritureNum"]
        if not num.isdigit():
            out.append(Finding(row.line, "entry-number", f"EcritureNum {num!r}"))
            continue
        key = (journal, num)
        if key not in seen:
            seen[key] = f["EcritureDate"]
            order[journal].append(int(num))
        elif seen[key] != f["EcritureDate"]:
            out.append(Finding(row.line, "entry-consistency", f"entry {journal} {num} mixes dates"))
        elif last != key:
            out.append(Finding(row.line, "entry-contiguous", f"entry {journal} {num} is split"))
        last = key
        day = _date(f["EcritureDate"])
        if day is not None and last_date is not None and day < last_date:
            out.append(Finding(row.line, "chronology", f"{day} after {last_date}"))
        last_date = day or last_date
        if not any(x.check in ("amount-format",) and x.line == row.line for x in out):
            try:
                totals[key][0] += row.cents("Debit")
                totals[key][1] += row.cents("Credit")
            except ArithmeticError:
                pass
    for journal, numbers in sorted(order.items()):
        if numbers != list(range(1, len(numbers) + 1)):
            out.append(
                Finding(0, "gapless", f"{journal}: EcritureNum is not 1..{len(numbers)} in order")
            )
    for (journal, num), (debit, credit) in totals.items():
        if debit != credit:
            out.append(
                Finding(0, "balance", f"entry {journal} {num}: debit {debit} ≠ credit {credit}")
            )
    return out


def account_totals(content: bytes, encoding: str = "iso-8859-15") -> dict[str, int]:
    """Net debit (> 0) or credit (< 0) per CompteNum, in cents."""
    rows, _ = parse(content, encoding)
    net: dict[str, int] = defaultdict(int)
    for row in rows:
        net[row.fields["CompteNum"]] += row.cents("Debit") - row.cents("Credit")
    return dict(net)


OPENING_JOURNALS = ("AN", "OUV")
"""The à-nouveaux journal's codes (R17)."""


def _nets(
    content: bytes, opening_only: bool = False, encoding: str = "iso-8859-15"
) -> dict[tuple[str, str], int]:
    """Net debit (> 0) or credit (< 0) per (CompteNum, CompAuxNum), in cents."""
    rows, _ = parse(content, encoding)
    net: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if not opening_only or row.fields["JournalCode"] in OPENING_JOURNALS:
            key = (row.fields["CompteNum"], row.fields["CompAuxNum"])
            net[key] += row.cents("Debit") - row.cents("Credit")
    return {k: v for k, v in net.items() if v}


def carried_forward(
    previous: bytes, following: bytes, following_start: date, encoding: str = "iso-8859-15"
) -> list[Finding]:
    """Balances across years (R17): the à-nouveaux of year N+1, dated its first day,
    carry the closing balance of year N (its à-nouveaux plus its entries) of every
    balance-sheet account (classes 1–5) and sub-ledger; the result accounts (12x) carry
    their closing balance plus the year's income less expenses (classes 7 and 6)."""
    out: list[Finding] = []
    closing = _nets(previous, encoding=encoding)
    opened = _nets(following, opening_only=True, encoding=encoding)
    rows, _ = parse(following, encoding)
    for row in rows:
        first_day = _date(row.fields["EcritureDate"]) == following_start
        if row.fields["JournalCode"] in OPENING_JOURNALS and not first_day:
            out.append(Finding(row.line, "opening-date", "à-nouveaux not on the first day"))
    balance_sheet = {k for k in closing | opened if k[0][0] in "12345" and k[0][:2] != "12"}
    for key in sorted(balance_sheet):
        if closing.get(key, 0) != opened.get(key, 0):
            out.append(
                Finding(
                    0,
                    "carried-forward",
                    f"{key}: closing {closing.get(key, 0)} ≠ à-nouveau {opened.get(key, 0)}",
                )
            )
    result = sum(v for k, v in closing.items() if k[0][0] in "67" or k[0][:2] == "12")
    opened_result = sum(v for k, v in opened.items() if k[0][:2] == "12")
    if result != opened_result:
        out.append(
            Finding(0, "carried-result", f"12x + classes 6–7: {result} ≠ à-nouveau {opened_result}")
        )
    if any(k[0][0] in "67" for k in opened):
        out.append(Finding(0, "carried-income", "income or expense accounts in the à-nouveaux"))
    return out
