"""The FEC (fichier des écritures comptables, LPF A47 A-1, R17): the journal of one fiscal
year as the 18 tab-separated columns the tax administration reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from scic.accounting.journal import ACCOUNTS, JOURNALS, MEMBER_ACCOUNTS, Entry, sort_key
from scic.accounting.opening import JOURNAL as OPENING

COLUMNS = (
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
)
Encoding = Literal["iso-8859-15", "utf-8"]


@dataclass(frozen=True)
class FecFile:
    name: str
    content: bytes
    lines: int
    validated: bool


def file_name(siren: str, year_end: date) -> str:
    return f"{siren}FEC{year_end:%Y%m%d}.txt"


def _day(day: date) -> str:
    return f"{day:%Y%m%d}"


def _amount(cents: int) -> str:
    """Decimal comma, no thousands separator: 1234,50."""
    whole, part = divmod(cents, 100)
    return f"{whole},{part:02d}"


def _aux_label(account: str, aux: str) -> str:
    if account in MEMBER_ACCOUNTS or account == "457":
        return f"Associé {aux}"
    if account in ("4411", "4417"):
        return f"Financeur {aux}"
    if account == "1671":
        return f"Porteur de titres {aux}"
    return f"Prêteur {aux}"


def _clean(text: str) -> str:
    """No tab, pipe or line break inside a field."""
    return " ".join(text.replace("|", "/").split())


def render(
    entries: Sequence[Entry],
    siren: str,
    year_end: date,
    valid_on: date | None,
    encoding: Encoding = "iso-8859-15",
) -> FecFile:
    """`valid_on`: the closing date (ValidDate); None for an open year, whose entries are
    exported not validated (ValidDate empty)."""
    rows = ["\t".join(COLUMNS)]
    numbers: dict[str, int] = {}
    # R17 — the à-nouveaux first, then the year in timeline order
    for entry in sorted(entries, key=lambda x: (x.journal != OPENING, sort_key(x))):
        # R17 — EcritureNum is gapless within each journal (1, 2, 3… per JournalCode)
        number = numbers[entry.journal] = numbers.get(entry.journal, 0) + 1
        for line in entry.lines:
            aux = line.aux or ""
            rows.append(
                "\t".join(
                    (
                        entry.journal,
                        JOURNALS[entry.journal],
                        str(number),
                        _day(entry.on),
                        line.account.ljust(3, "0"),
                        ACCOUNTS[line.account],
                        aux,
                        _aux_label(line.account, aux) if aux else "",
                        _clean(entry.piece_ref),
                        _day(entry.on),
                        _clean(entry.label),
                        _amount(line.debit_cents),
                        _amount(line.credit_cents),
                        "",
                        "",
                        _day(valid_on) if valid_on else "",
                        "",
                        "",
                    )
                )
            )
    text = "\r\n".join(rows) + "\r\n"
    return FecFile(
        file_name(siren, year_end),
        text.encode(encoding, errors="replace"),
        len(rows) - 1,
        valid_on is not None,
    )
