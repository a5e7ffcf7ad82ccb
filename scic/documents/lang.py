"""The language of a document or a mail, and how figures read in it: French by default
("1 250,50 €", "31/12/2025"), English on request ("€1,250.50", "31 December 2025")."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from scic.errors import refuse

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
DEFAULT: Lang = "fr"
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def choose(asked: str | None, accept_language: str | None) -> Lang:
    """`?lang=` when given (anything but fr or en: 422), else the first of fr or en the
    Accept-Language header prefers, else French."""
    if asked is not None:
        if asked not in LANGS:
            raise refuse("unsupported-language", f"lang is fr or en, not {asked!r}")
        return asked  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and weight > 0:
            ranked.append((-weight, index, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT  # type: ignore[return-value]


def _grouped(value: int, separator: str) -> str:
    return f"{value:,}".replace(",", separator)


def euros(cents: int, lang: Lang) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    if lang == "en":
        return f"{sign}€{_grouped(whole, ',')}.{part:02d}"
    return f"{sign}{_grouped(whole, ' ')},{part:02d} €"


def number(value: int, lang: Lang) -> str:
    return _grouped(value, "," if lang == "en" else " ")


def day(value: date, lang: Lang) -> str:
    if lang == "en":
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    return value.strftime("%d/%m/%Y")


def rate(value: Any, lang: Lang) -> str:
    text = f"{value * 100:.0f} %"
    return text.replace(" ", "") if lang == "en" else text


def text(value: Any, kind: str, lang: Lang) -> str:
    """A typed value as people read it (money in integer cents)."""
    if value is None:
        return "—"
    if kind == "money":
        return euros(int(value), lang)
    if kind == "int":
        return number(int(value), lang)
    if kind == "date":
        return day(value, lang)
    if kind == "rate":
        return rate(value, lang)
    if kind == "bool":
        return ("yes" if value else "no") if lang == "en" else ("oui" if value else "non")
    return str(value)
