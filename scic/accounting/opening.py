"""The à-nouveaux (R17): a fiscal year opens with the balance-sheet accounts' closing
balances of the years before it, one entry in a journal of its own dated the year's first
day, so that a year's FEC alone gives every account's balance (LPF art. A47 A-1; BOFiP
BOI-CF-IOR-60-40-20: the FEC holds the entries carrying the previous year's balances).

Balance-sheet accounts are classes 1 to 5 of the plan comptable général (ANC regulation
2014-03, title IX, the chart of accounts); each keeps its sub-ledger (CompAuxNum). The
income and expense accounts (classes 6 and 7) are not carried: their net is the result of
the years before, carried on 120 (profit) or 129 (loss) until the general assembly
allocates it (R9)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from scic.accounting.journal import Entry, Line
from scic.domain.fiscal_years import FiscalYear

JOURNAL = "AN"
BALANCE_SHEET_CLASSES = ("1", "2", "3", "4", "5")


def balances(entries: Iterable[Entry]) -> dict[tuple[str, str | None], int]:
    """Net debit (> 0) or credit (< 0) in cents by (account, sub-ledger)."""
    net: dict[tuple[str, str | None], int] = defaultdict(int)
    for entry in entries:
        for line in entry.lines:
            net[(line.account, line.aux)] += line.debit_cents - line.credit_cents
    return net


def opening(before: Iterable[Entry], fy: FiscalYear, years: Sequence[FiscalYear]) -> Entry | None:
    """R17 — the à-nouveaux of `fy` from every entry dated before it (None when there is
    nothing to carry: the first year, or balances all nil). `years`: the fiscal years
    before `fy`."""
    before = list(before)
    net = balances(before)
    carried = {k: c for k, c in net.items() if k[0][0] in BALANCE_SHEET_CLASSES}
    # Each earlier year's result goes on 120 (profit) or 129 (loss) by its own sign, as
    # its closing put it there; the assembly's allocation entries, already in `net`, then
    # take it off (R9). Netting the years first would put a loss allocated since on 129
    # as a credit, and a later profit on 120 short by that loss.
    for result in _results_by_year(before, years).values():
        if result:
            key = ("120" if result > 0 else "129", None)
            carried[key] = carried.get(key, 0) - result
    lines = tuple(
        Line(account, debit_cents=max(c, 0), credit_cents=max(-c, 0), aux=aux)
        for (account, aux), c in sorted(carried.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        if c
    )
    if not lines:
        return None
    label = f"À-nouveaux de l'exercice {fy.year}"
    return Entry(JOURNAL, fy.start, f"AN{fy.year}", label, lines)


def _results_by_year(entries: list[Entry], years: Sequence[FiscalYear]) -> dict[int, int]:
    """The result (income less expenses, classes 6 and 7) of each fiscal year, in cents."""
    results: dict[int, int] = defaultdict(int)
    for entry in entries:
        year = next((y.year for y in years if y.contains(entry.on)), entry.on.year)
        for line in entry.lines:
            if line.account[0] not in BALANCE_SHEET_CLASSES:
                results[year] += line.credit_cents - line.debit_cents
    return results
