"""Text cells that a spreadsheet will not run (OWASP "CSV injection").

A member, funder or cooperative named `=HYPERLINK("http://…")` would become a live
formula in the register someone opens in Excel or LibreOffice. A text cell starting with
`=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading apostrophe, the
spreadsheet's own "this is text" mark; numbers (amounts, counts, rates) are written by
the writers as numbers and never pass through here, so a negative amount stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value: Any) -> str:
    """`value` as text a spreadsheet reads as text."""
    shown = str(value)
    return "'" + shown if shown.startswith(FORMULA_STARTS) else shown
