"""Bank statements read in: ISO 20022 camt.053 (pycamt), OFX (ofxtools) and CSV exports
with a column mapping, all turned into one shape (Statement, Line)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from scic.errors import refuse

CAMT_VERSIONS = ("camt.053.001.02", "camt.053.001.08")
# Bank transaction codes (ISO 20022 external code list) of a returned direct debit.
RETURN_CODES = frozenset({"UPDD", "RRTN", "RPCR"})


@dataclass(frozen=True)
class Line:
    """One movement as the bank booked it. Attributes: amount_cents > 0 for a credit,
    < 0 for a debit; reference the bank's own entry reference (AcctSvcrRef, FITID) when
    it gives one; returned: an R-transaction (a direct debit sent back)."""

    booking_date: date
    amount_cents: int
    text: str
    value_date: date | None = None
    counterparty: str | None = None
    reference: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    returned: bool = False


@dataclass(frozen=True)
class Statement:
    """Attributes: iban (camt) or account_number (OFX) to check the account against;
    opening/closing balances in cents when the file gives them."""

    format: str
    lines: list[Line]
    iban: str | None = None
    account_number: str | None = None
    opening_cents: int | None = None
    closing_cents: int | None = None
    closing_date: date | None = None

    @property
    def first_day(self) -> date | None:
        return min((x.booking_date for x in self.lines), default=self.closing_date)

    @property
    def last_day(self) -> date | None:
        return max((x.booking_date for x in self.lines), default=self.closing_date)


def line_keys(statement: Statement, account_id: str) -> list[str]:
    """Each line's identity: the bank's entry reference, else account, booking date,
    amount and text — with its rank among identical lines of the statement, so two equal
    payments on one day stay two lines and an overlapping statement finds both again."""
    seen: Counter[str] = Counter()
    keys = []
    for line in statement.lines:
        if line.reference:
            base = f"ref:{line.reference}"
        else:
            described = f"{account_id}|{line.booking_date}|{line.amount_cents}|{line.text}"
            base = "sum:" + hashlib.sha256(described.encode()).hexdigest()[:40]
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


def read(content: bytes, mapping: dict[str, str] | None = None) -> Statement:
    """The statement a file holds, whatever of the three formats it is in."""
    head = content[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<Document"):
        if b"OFX" in head[:400] and b"camt" not in head:
            return read_ofx(content)
        return read_camt(content)
    if b"OFXHEADER" in head or head.upper().startswith(b"<OFX"):
        return read_ofx(content)
    return read_csv(content, mapping)


def _unknown(why: str) -> Exception:
    return refuse(
        "unknown-statement-format",
        f"not a statement this ledger reads (camt.053 001.02 or 001.08, OFX, CSV): {why}",
    )


def _cents(text: str | Decimal | None, what: str) -> int:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise _unknown(f"{what} {text!r} is not an amount") from None
    return int((value * 100).to_integral_value())


def _day(text: str | None, what: str) -> date:
    if not text:
        raise _unknown(f"{what} missing")
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    raise _unknown(f"{what} {text!r} is not a date")


# -- camt.053 ---------------------------------------------------------------------------


def read_camt(content: bytes) -> Statement:
    from lxml import etree  # type: ignore[import-untyped]
    from pycamt.parser import Camt053Parser  # type: ignore[import-untyped]

    try:
        parser = Camt053Parser(content)
        info = parser.get_statement_info()
        transactions = parser.get_transactions()
    except (etree.XMLSyntaxError, ValueError, AttributeError) as exc:
        raise _unknown(f"unreadable XML ({exc})") from None
    except Exception as exc:  # pycamt's Camt053ParseError: no statement in the document
        raise _unknown(f"no camt.053 statement in it ({type(exc).__name__})") from None
    if parser.version not in CAMT_VERSIONS:
        raise _unknown(f"camt version {parser.version!r} (read: {', '.join(CAMT_VERSIONS)})")
    ibans = {s["IBAN"] for s in info}
    if len(info) != 1 or len(ibans) != 1:
        raise _unknown("one statement of one account per file")
    stmt = info[0]
    lines = [_camt_line(t, rank) for rank, t in enumerate(transactions)]
    return Statement(
        format=parser.version,
        lines=lines,
        iban=stmt["IBAN"],
        opening_cents=None
        if stmt["OpeningBalance"] is None
        else _cents(stmt["OpeningBalance"], "opening balance"),
        closing_cents=None
        if stmt["ClosingBalance"] is None
        else _cents(stmt["ClosingBalance"], "closing balance"),
        closing_date=_day(stmt["ClosingBalanceDate"], "closing balance date")
        if stmt["ClosingBalanceDate"]
        else None,
    )


def _camt_line(t: dict[str, Any], rank: int) -> Line:
    cents = _cents(t.get("Amount"), "entry amount")
    if t.get("CreditDebitIndicator") == "DBIT":
        cents = -cents
    text = " ".join(
        p
        for p in (
            t.get("RemittanceInformationFull") or t.get("RemittanceInformation"),
            t.get("AdditionalEntryInformation"),
        )
        if p
    )
    counterparty = t.get("DebtorName") if cents > 0 else t.get("CreditorName")
    returned = (t.get("ReversalIndicator") or "").lower() == "true" or (
        t.get("TransactionSubFamilyCode") in RETURN_CODES
    )
    reference = t.get("TransactionID")
    e2e = t.get("EndToEndId")
    if reference and e2e and e2e != "NOTPROVIDED":
        reference = f"{reference}/{e2e}"  # one entry may batch several transactions
    return Line(
        booking_date=_day(t.get("BookingDate"), "booking date"),
        value_date=_day(t["ValueDate"], "value date") if t.get("ValueDate") else None,
        amount_cents=cents,
        text=(text or counterparty or "")[:500],
        counterparty=counterparty,
        reference=reference,
        end_to_end_id=None if e2e == "NOTPROVIDED" else e2e,
        mandate_id=t.get("MandateId"),
        returned=returned,
    )


# -- OFX --------------------------------------------------------------------------------


def read_ofx(content: bytes) -> Statement:
    from ofxtools.Parser import OFXTree  # type: ignore[import-untyped]

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
        ofx = tree.convert()
        statements = list(ofx.statements)
    except Exception as exc:  # ofxtools raises its own ParseError, ValueError, KeyError…
        raise _unknown(f"unreadable OFX ({type(exc).__name__}: {exc})") from None
    if len(statements) != 1:
        raise _unknown("one OFX bank statement per file")
    stmt = statements[0]
    lines = []
    for t in stmt.banktranlist or []:
        text = " ".join(p for p in (t.name, t.memo) if p)
        lines.append(
            Line(
                booking_date=t.dtposted.date(),
                value_date=t.dtuser.date() if getattr(t, "dtuser", None) else None,
                amount_cents=_cents(t.trnamt, "TRNAMT"),
                text=text[:500],
                counterparty=t.name,
                reference=t.fitid,
            )
        )
    closing = stmt.ledgerbal
    closing_cents = _cents(closing.balamt, "LEDGERBAL") if closing is not None else None
    opening = None if closing_cents is None else closing_cents - sum(x.amount_cents for x in lines)
    return Statement(
        format="ofx",
        lines=lines,
        account_number=stmt.account.acctid,
        opening_cents=opening,
        closing_cents=closing_cents,
        closing_date=closing.dtasof.date() if closing is not None else None,
    )


# -- CSV --------------------------------------------------------------------------------

# Column names French banks' exports use, by the field they hold (compared without case,
# accents or spaces); a mapping names the columns of any other export.
CSV_COLUMNS = {
    "date": ("date", "dateoperation", "datecomptable", "datedecomptabilisation", "bookingdate"),
    "value_date": ("datevaleur", "datedevaleur", "valuedate"),
    "text": ("libelle", "libelleoperation", "libellesimplifie", "description", "label", "text"),
    "debit": ("debit", "montantdebit", "debiteur"),
    "credit": ("credit", "montantcredit", "crediteur"),
    "amount": ("montant", "amount", "montanteur", "montanteuros"),
    "reference": ("reference", "referenceoperation", "ref"),
    "counterparty": ("tiers", "beneficiaire", "emetteur", "counterparty"),
}
MAPPING_FIELDS = frozenset(CSV_COLUMNS)


def parse_mapping(text: str | None) -> dict[str, str] | None:
    """A mapping given as JSON: {"date": "<column>", "text": …, "debit": …, "credit": …}
    or {"amount": …} instead of debit and credit."""
    if not text:
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        raise refuse("invalid-column-mapping", "mapping is not JSON") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise refuse("invalid-column-mapping", 'mapping: {"date": "<column>", …}')
    unknown = set(mapping) - MAPPING_FIELDS
    if unknown:
        raise refuse(
            "invalid-column-mapping",
            f"unknown mapping fields {sorted(unknown)} (known: {sorted(MAPPING_FIELDS)})",
        )
    return mapping


def _plain(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # older French bank exports


def read_csv(content: bytes, mapping: dict[str, str] | None) -> Statement:
    text = _decode(content)
    if "\x00" in text:
        raise _unknown("a binary file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        raise _unknown("neither XML, OFX nor a CSV with a header row") from None
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 1:
        raise _unknown("an empty file")
    columns = _columns(rows[0], mapping)
    lines = [_csv_line(row, columns, n) for n, row in enumerate(rows[1:], start=2)]
    return Statement(format="csv", lines=lines)


def _columns(header: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    plain = [_plain(h) for h in header]
    found: dict[str, int] = {}
    if mapping:
        for field, column in mapping.items():
            if _plain(column) not in plain:
                raise refuse(
                    "invalid-column-mapping",
                    f"mapping names column {column!r} for {field}, but the header is {header}",
                )
            found[field] = plain.index(_plain(column))
    for field, names in CSV_COLUMNS.items():
        if field not in found:
            for i, p in enumerate(plain):
                if p in names:
                    found[field] = i
                    break
    money = "amount" in found or ("debit" in found and "credit" in found)
    if "date" not in found or "text" not in found or not money:
        raise _unknown(
            "a CSV needs columns for the date, the label (libellé) and either debit and "
            f"credit or one amount; its header is {header} (give a mapping)"
        )
    return found


def _french_cents(text: str, what: str) -> int:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return _cents(cleaned or "0", what)


def _csv_line(row: list[str], columns: dict[str, int], n: int) -> Line:
    def cell(field: str) -> str:
        i = columns.get(field)
        return row[i].strip() if i is not None and i < len(row) else ""

    if "amount" in columns and cell("amount"):
        cents = _french_cents(cell("amount"), f"line {n}: amount")
    else:
        cents = abs(_french_cents(cell("credit"), f"line {n}: credit")) - abs(
            _french_cents(cell("debit"), f"line {n}: debit")
        )
    return Line(
        booking_date=_day(cell("date"), f"line {n}: date"),
        value_date=_day(cell("value_date"), f"line {n}: value date")
        if cell("value_date")
        else None,
        amount_cents=cents,
        text=cell("text")[:500],
        counterparty=cell("counterparty") or None,
        reference=cell("reference") or None,
    )
