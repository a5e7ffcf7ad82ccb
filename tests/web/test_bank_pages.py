"""The bank page in process: the direct debits of a due date shown with who is left out,
the pain.008 downloaded (or the refusal said on the page), in French and in English."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import issue_token
from tests.api.test_sepa_direct_debits import mandate, scene
from tests.web.conftest import csrf_of, signed_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_manager_sees_the_debits_due_and_downloads_the_pain008(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    s = scene(client)
    coop = s["coop"]
    mandate(client, coop, s["alice"], reference="RUM-ALICE-1")
    manager = signed_in(app, issue_token(service, "manager", coop).secret)

    page = manager.get("/dashboard/bank", params={"due": "2026-11-30"})
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "Alice Martin" in text and "RUM-ALICE-1" in text and "premier" in text
    assert "Bob Leroy" in text and "pas de mandat en vigueur" in text  # left out, listed
    english = _text(manager.get("/dashboard/bank?due=2026-11-30&lang=en").text)
    assert "Lines to match" in english and "no mandate in force" in english
    assert "Opérations à rapprocher" not in english

    csrf = csrf_of(page.text)
    action = "/dashboard/bank/sepa/direct-debits"
    done = manager.post(action, data={"csrf": csrf, "due": "2026-11-30"})
    assert done.status_code == 200, done.text
    assert done.headers["content-type"].startswith("application/xml")
    assert b"<MndtId>RUM-ALICE-1</MndtId>" in done.content
    # again: already collected, said on the page in the reader's language
    again = manager.post(action, data={"csrf": csrf, "due": "2026-11-30"})
    assert "Ces appels ont déjà été prélevés" in _text(again.text)
    assert "nothing to collect" not in _text(again.text)  # the API's English stays there
    manager.cookies.set("scic_lang", "en")
    again = manager.post(action, data={"csrf": csrf, "due": "2026-11-30"})
    assert "These calls were already collected" in _text(again.text)


def test_a_sepa_file_form_without_its_date_or_with_nothing_owed_says_so(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    s = scene(client)
    manager = signed_in(app, issue_token(service, "manager", s["coop"]).secret)
    csrf = csrf_of(manager.get("/dashboard/bank").text)
    debits = manager.post("/dashboard/bank/sepa/direct-debits", data={"csrf": csrf, "due": ""})
    assert "Choisissez la date d'échéance des appels à prélever." in _text(debits.text)
    transfers = "/dashboard/bank/sepa/transfers"
    undated = manager.post(transfers, data={"csrf": csrf, "on": "pas une date"})
    assert "Choisissez la date d'exécution des virements." in _text(undated.text)
    nothing = manager.post(transfers, data={"csrf": csrf, "on": "2026-12-01"})
    assert nothing.status_code == 200, nothing.text
    assert not nothing.headers["content-type"].startswith("application/xml")
    assert "Aucun remboursement ni aucune rémunération à verser." in _text(nothing.text)
