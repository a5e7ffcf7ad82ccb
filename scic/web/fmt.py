"""The templates' filters: figures and dates as people read them, in the page's
language — all of it formatted by scic.formats (Babel), the one place for pages and
documents. Dates also carry their ISO form for machines (<time datetime>)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from scic import formats
from scic.money import format_cents

THIN = "\u202f"  # narrow no-break space: the French thousands separator
NBSP = "\u00a0"  # no-break space: before a unit


def number(value: int | str | Decimal, places: int = 0) -> str:
    """'-1234.5', 2 → '-1 234,50'."""
    return formats.number(value, places)


def euros(value: str | int | Decimal | None) -> str:
    """'1250.00' → '1 250,00 €'; None → '—'."""
    return formats.money(value)


def cents(value: int | None) -> str:
    """125050 (cents) → '1 250,50 €'; None → '—'."""
    return formats.cents(value)


def percent(ratio: str | Decimal | None, places: int | None = None) -> str:
    """'0.025' → '2,5 %' (the decimals the figure has, up to 4); None → '—'. `places`
    is accepted for older callers and ignored: a figure is shown as precise as it is."""
    return formats.percent(ratio)


def day(value: str | date | None) -> str:
    """'2025-12-31' → '31/12/2025'."""
    return formats.day(value)


def time_tag(value: str | date | None) -> Markup:
    """A date for people, with the ISO date for machines: <time datetime="2025-12-31">."""
    if value is None:
        return Markup("—")
    iso = formats.as_day(value).isoformat()
    return Markup('<time datetime="{}">{}</time>').format(iso, formats.day(value))


def instant_tag(value: str | datetime | None) -> Markup:
    """An instant in French time, with its ISO form in the datetime attribute."""
    if value is None:
        return Markup("—")
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), formats.instant(moment)
    )


def month(value: str) -> str:
    """'2026-03' → 'mars 2026'."""
    return formats.month(value)


def short_month(value: str) -> str:
    """'2026-03' → 'mars 26' (a chart's axis)."""
    return formats.month(value, short=True)


def filters() -> dict[str, Any]:
    return {
        "euros": euros,
        "cents": cents,
        "amount": format_cents,  # the machine form of cents, for data-amount attributes
        "percent": percent,
        "number": number,
        "day": day,
        "time_tag": time_tag,
        "instant_tag": instant_tag,
        "instant": formats.instant,
        "month": month,
        "e": escape,
    }
