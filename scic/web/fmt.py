"""French formatting for people: "1 250,00 €", "31/12/2025", "12,34 %".

Views hand out money as decimal strings in euros ("1250.00") and shares as "0.1234";
this module only changes how they read, never the figure (no floats on the way)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from scic.service import PARIS

THIN = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"  # no-break space: before € and %

MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def group(digits: str) -> str:
    """'1250' → '1 250' (narrow no-break spaces)."""
    head = len(digits) % 3 or 3
    parts = [digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))]
    return THIN.join(parts)


def number(value: int | str | Decimal, places: int = 0) -> str:
    """An integer or decimal string in French: '-1234.5' → '-1 234,50' (places=2)."""
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places)) if places else None
    text = format(amount, "f") if amount is not None else str(int(Decimal(str(value))))
    sign = "-" if text.startswith("-") else ""
    whole, _, part = text.lstrip("-").partition(".")
    return sign + group(whole) + ("," + part if part else "")


def euros(value: str | int | Decimal | None) -> str:
    """'1250.00' → '1 250,00 €'; None → '—'."""
    if value is None:
        return "—"
    return number(value, 2) + NBSP + "€"


def percent(ratio: str | Decimal | None, places: int = 2) -> str:
    """'0.1234' → '12,34 %'; None → '—'."""
    if ratio is None:
        return "—"
    return number(Decimal(str(ratio)) * 100, places) + NBSP + "%"


def as_day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def day(value: str | date | None) -> str:
    """'2025-12-31' → '31/12/2025'."""
    if value is None:
        return "—"
    return as_day(value).strftime("%d/%m/%Y")


def time_tag(value: str | date | None) -> Markup:
    """A date for people, with the ISO date for machines: <time datetime="2025-12-31">."""
    if value is None:
        return Markup("—")
    iso = as_day(value).isoformat()
    return Markup('<time datetime="{}">{}</time>').format(iso, day(value))


def instant_tag(value: str | datetime | None) -> Markup:
    """An instant in French time, with its ISO form in the datetime attribute."""
    if value is None:
        return Markup("—")
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    local = moment.astimezone(PARIS)
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), local.strftime("%d/%m/%Y %H:%M")
    )


def month(value: str) -> str:
    """'2026-03' → 'mars 2026'."""
    year, number_ = value.split("-")
    return f"{MONTHS[int(number_) - 1]} {year}"


def short_month(value: str) -> str:
    """'2026-03' → 'mars 26' (a chart's axis)."""
    year, number_ = value.split("-")
    return f"{MONTHS[int(number_) - 1]} {year[2:]}"


def filters() -> dict[str, Any]:
    return {
        "euros": euros,
        "percent": percent,
        "number": number,
        "day": day,
        "time_tag": time_tag,
        "instant_tag": instant_tag,
        "month": month,
        "e": escape,
    }
