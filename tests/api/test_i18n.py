"""French by default, English on request: the message catalogues cover every message
of the code and templates, figures and dates are formatted by Babel, and the API's
refusals follow Accept-Language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from scic import formats, i18n

ROOT = Path(__file__).resolve().parents[2]
NBSP, THIN = "\u00a0", "\u202f"


def extracted() -> set[str]:
    """Every message of the code and the templates, as `pybabel extract -F babel.cfg`
    finds them."""
    method_map = [("scic/**.py", "python"), ("scic/**/templates/**.html", "jinja2")]
    options = {"scic/**/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str) -> dict[str, str]:
    path = ROOT / "scic" / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else (m.string or ("",))[0]
            )
            for m in read_po(source)
            if m.id and not m.fuzzy
        }


def test_every_message_has_its_english_translation() -> None:
    messages = extracted()
    assert len(messages) > 200
    english, french = catalogue("en"), catalogue("fr")
    assert sorted(messages - set(french)) == [], "run pybabel extract and update (README)"
    assert sorted(m for m in messages if not english.get(m)) == []
    for message, translation in english.items():  # placeholders survive translation
        if message in messages:
            assert sorted(_placeholders(message)) == sorted(_placeholders(translation)), message


def test_french_counts_zero_and_one_in_the_singular() -> None:
    """French plurals are spelt out in the French catalogue (left empty, gettext would
    fall back to the English rule and write "0 associés")."""
    path = ROOT / "scic" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        plurals = [m for m in read_po(source) if m.pluralizable and not m.fuzzy]
    assert plurals and [m.id for m in plurals if not all(m.string or ())] == []
    i18n.activate("fr")
    said = {n: i18n.ngettext("%(num)s associé", "%(num)s associés", n) for n in (0, 1, 2)}
    assert said == {0: "%(num)s associé", 1: "%(num)s associé", 2: "%(num)s associés"}


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)


def test_money_percentages_and_dates_as_people_write_them() -> None:
    i18n.activate("fr")
    assert formats.money("1250.5") == f"1{THIN}250,50{NBSP}€"
    assert formats.money("-0.50") == f"-0,50{NBSP}€"
    assert formats.percent("0.025") == f"2,5{NBSP}%"  # not "2 %"
    assert formats.percent("0.3817") == f"38,17{NBSP}%"
    assert formats.percent("0.5") == f"50{NBSP}%"
    assert formats.percent("0.12345678") == f"12,3457{NBSP}%"  # at most 4 decimals
    assert formats.day(date(2025, 12, 31)) == "31/12/2025"
    assert formats.month("2026-03") == "mars 2026"
    i18n.activate("en")
    try:
        assert formats.money("1250.5") == "€1,250.50"
        assert formats.percent("0.025") == "2.5%"
        assert formats.day("2025-12-31") == "31/12/2025"
    finally:
        i18n.activate("fr")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE, fr;q=0.5", "fr"),
        ("fr;q=0, en", "en"),
        ("*", "en"),
    ],
)
def test_the_api_speaks_what_accept_language_asks(header: str, lang: str) -> None:
    from starlette.requests import Request

    scope = {"type": "http", "headers": [(b"accept-language", header.encode())]}
    assert i18n.api_locale(Request(scope)) == lang


def test_api_refusals_in_french_on_request(client: TestClient) -> None:
    coop = client.post("/v1/coops", json={}).json()  # refused: malformed, not a DomainError
    assert coop["status"] == 422
    made = client.post("/v1/tokens", json={"role": "member", "coop_id": "coop_missing"})
    english = made.json()
    french = client.post(
        "/v1/tokens",
        json={"role": "member", "coop_id": "coop_missing"},
        headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    assert french.status_code == made.status_code
    assert french.headers["content-language"] == "fr"
    assert french.json()["type"] == english["type"]
    assert french.json()["title"] != english["title"]
