"""French number and date formatting for documents people read: 1 250,00 €, 31/12/2025."""

from __future__ import annotations

from datetime import date
from typing import Any

from scic.reports.document import Kind


def euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{part:02d} €"


def number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def text(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "money":
        return euros(int(value))
    if kind == "int":
        return number(int(value))
    if kind == "date":
        return day(value)
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "rate":
        return f"{value * 100:.0f} %".replace(".", ",")
    return str(value)
