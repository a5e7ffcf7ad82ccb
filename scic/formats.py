"""Figures and dates as people read them, in the current language (scic.i18n), with
Babel: money `1 250,50 €`, percentages with as many decimals as the figure has (up to
4: `2,5 %`), dates `31/12/2025`. Pages, PDF, XLSX and CSV writers format through here.

Views hand out money in integer cents (`cents`) or as decimal strings in euros
("1250.00": `money`) and shares as ratios ("0.025"); nothing here goes through a float."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from scic.i18n import Lang, babel_locale
from scic.money import euros
from scic.service import PARIS

DASH = "—"
MAX_PERCENT_PLACES = 4


def _decimal(value: str | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: str | int | Decimal | None, lang: Lang | None = None) -> str:
    """'1250.5' → '1 250,50 €' (en: '€1,250.50'); None → '—'."""
    if value is None:
        return DASH
    return format_currency(_decimal(value), "EUR", locale=babel_locale(lang))


def cents(value: int | None, lang: Lang | None = None) -> str:
    """Integer cents: 125050 → '1 250,50 €'; None → '—'."""
    return money(None if value is None else euros(value), lang)


def number(value: str | int | Decimal, places: int = 0, lang: Lang | None = None) -> str:
    """A figure with exactly `places` decimals: '1234.5', 2 → '1 234,50'."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(
        _decimal(value), format=pattern, locale=babel_locale(lang), decimal_quantization=True
    )


def places_of(value: Decimal, most: int) -> int:
    """How many decimals a figure has (trailing zeros aside), at most `most`."""
    exponent = value.normalize().as_tuple().exponent
    return min(most, max(0, -exponent)) if isinstance(exponent, int) else 0


def percent(ratio: str | Decimal | None, lang: Lang | None = None) -> str:
    """A ratio as a percentage with the decimals it has, up to 4: '0.025' → '2,5 %',
    '0.3817' → '38,17 %', '0.5' → '50 %'; None → '—'."""
    if ratio is None:
        return DASH
    hundredths = _decimal(ratio) * 100
    places = places_of(hundredths, MAX_PERCENT_PLACES)
    figure = number(hundredths, places, lang)
    return figure + ("\u00a0%" if (lang or _lang()) == "fr" else "%")


def _lang() -> Lang:
    from scic.i18n import current

    return current()


def as_day(value: str | date) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def day(value: str | date | None, lang: Lang | None = None) -> str:
    """'2025-12-31' → '31/12/2025'; None → '—'."""
    if value is None:
        return DASH
    return format_date(as_day(value), "dd/MM/yyyy", locale=babel_locale(lang))


def instant(value: str | datetime | None, lang: Lang | None = None) -> str:
    """An instant in French time: '31/12/2025 14:05'."""
    if value is None:
        return DASH
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return format_datetime(moment.astimezone(PARIS), "dd/MM/yyyy HH:mm", locale=babel_locale(lang))


def month(value: str, lang: Lang | None = None, short: bool = False) -> str:
    """'2026-03' → 'mars 2026' ('mars 26' short)."""
    year, number_ = value.split("-")
    on = date(int(year), int(number_), 1)
    return format_date(on, "MMM yy" if short else "MMMM y", locale=babel_locale(lang))
