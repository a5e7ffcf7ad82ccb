"""The language people read: French by default, English on request, from the message
catalogues in scic/locale/<lang>/LC_MESSAGES/messages.po (read at start, no compile step).

Which language: on pages, the `scic_lang` cookie the FR/EN switch sets (`page_locale`); in
the API, the request's `Accept-Language` (`api_locale`: English when it asks for neither,
as the API always answered). The chosen language is held for the request in a context
variable (`activate`); `gettext` and the templates' `_()` read it.

Messages are written in French in the code and the templates (French is the source
language; the `fr` catalogue only keeps the list, the `en` one has the translations).
To add one:
  - in a template: `{{ _("Enregistrer") }}`, with values `{{ _("Bonjour %(name)s", name=n) }}`;
  - in Python: `from scic.i18n import gettext as _` then `_("Enregistrer")`, with values
    `_("Bonjour %(name)s") % {"name": n}`; a module-level constant is marked `N_("…")`
    (extracted, translated where it is shown: `_(CONSTANT)`);
  - then extract and update the catalogues, and write the English in `en/…/messages.po`:
      pybabel extract -F babel.cfg -k N_ -o scic/locale/messages.pot .
      pybabel update -i scic/locale/messages.pot -d scic/locale -N
  (tests/test_i18n.py fails while a message of the code has no English translation).
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Literal

from babel.core import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
DEFAULT: Lang = "fr"
COOKIE = "scic_lang"  # what the FR/EN switch of every page sets
# Babel's locale for formats: French of France, British English (day/month/year dates)
TERRITORIES: dict[Lang, str] = {"fr": "fr_FR", "en": "en_GB"}

_current: ContextVar[Lang] = ContextVar("scic_lang", default=DEFAULT)


@cache
def translations(lang: Lang) -> Translations:
    """The catalogue of `lang`, read from its .po file (fuzzy entries left out)."""
    po = resources.files("scic").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def activate(lang: Lang) -> None:
    """Speak `lang` for the rest of this request (its context)."""
    _current.set(lang)


def current() -> Lang:
    return _current.get()


def babel_locale(lang: Lang | None = None) -> str:
    return TERRITORIES[lang or current()]


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 — the gettext convention
    """Mark a constant for extraction; translate it where it is shown."""
    return message


def page_locale(request: Request) -> Lang:
    """A page's language: `?lang=` if the link asks, else the `scic_lang` cookie, else
    French."""
    chosen = request.query_params.get("lang") or request.cookies.get(COOKIE) or DEFAULT
    return chosen if chosen in LANGS else DEFAULT  # type: ignore[return-value]


def api_locale(request: Request) -> Lang:
    """The API's language for problem titles and details: the best of Accept-Language
    among French and English (English when it names neither)."""
    header = request.headers.get("accept-language", "")
    wanted = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((quality, tag.strip()))
    for _, tag in sorted(wanted, key=lambda w: -w[0]):
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGS:
            return language  # type: ignore[return-value]
    return "en"
