"""pain.001 transfers out: released reimbursements (R5) paid to the member's mandate IBAN,
files valid against the official XSDs in both versions, each payout produced once, and
the titres participatifs' remuneration listed as left out while its holder's IBAN is
unknown."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from lxml import etree  # type: ignore[import-untyped]

from scic.bank import pain
from scic.bank.tables import sepa_files
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_sepa_direct_debits import ALICE_IBAN, IBAN, ICS, file_count, mandate


def scene(client: TestClient, version: str) -> dict[str, Any]:
    """Alice withdrew on 2026-10-01 and is owed 500.00; titles remunerated 880.00."""
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    for name in ("Bob Leroy", "Chloé Petit", "Driss Amrani"):  # the capital stays above
        subscribe(client, coop, admit(client, coop, name, "usagers"), 40, "2000.00")
    out = client.post(
        f"/v1/coops/{coop}/withdrawals",
        json={"member_id": alice, "effective_date": "2026-10-01"},
    )
    assert out.status_code == 201 and out.json()["status"] == "reimbursed", out.text
    issue = client.post(
        f"/v1/coops/{coop}/participative-titles",
        json={
            "holder": {"name": "France Active Normandie", "type": "private"},
            "count": 20,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2020-06-01",
            "reference_figure": "100000.00",
        },
    )
    assert issue.status_code == 201, issue.text
    paid = client.post(
        f"/v1/coops/{coop}/participative-titles/{issue.json()['id']}/remunerations",
        json={"fiscal_year": 2025, "figure": "120000.00", "effective_date": "2026-06-30"},
    )
    assert paid.status_code == 201, paid.text
    account = client.post(
        f"/v1/coops/{coop}/bank-accounts",
        json={"label": "Courant", "iban": IBAN, "creditor_id": ICS, "sepa_version": version},
    )
    assert account.status_code == 201, account.text
    return {"coop": coop, "alice": alice, "withdrawal": out.json()["id"]}


def transfers(client: TestClient, coop: str, on: str = "2026-12-01") -> Any:
    return client.get(f"/v1/coops/{coop}/sepa/transfers", params={"on": on})


@pytest.mark.parametrize(
    ("version", "schema"), [("001.02", "pain.001.001.03"), ("001.08", "pain.001.001.09")]
)
def test_a_released_reimbursement_is_paid_by_a_valid_pain001(
    client: TestClient, service: Service, version: str, schema: str
) -> None:
    s = scene(client, version)
    coop = s["coop"]
    mandate(client, coop, s["alice"], bic="CCBPFRPPMTG")
    plan = client.get(f"/v1/coops/{coop}/sepa/transfers/plan", params={"on": "2026-12-01"})
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["schema_name"] == schema and body["total"] == "500.00"
    assert [(t["kind"], t["target_id"], t["iban"]) for t in body["transfers"]] == [
        ("reimbursement", s["withdrawal"], ALICE_IBAN)
    ]
    (titles,) = body["left_out"]
    assert (titles["kind"], titles["name"], titles["amount"], titles["reason"]) == (
        "remuneration",
        "France Active Normandie",
        "880.00",
        "sepa-payee-account-missing",
    )

    done = transfers(client, coop)
    assert done.status_code == 200, done.text
    assert done.headers["SEPA-Left-Out"] == "1"
    doc = etree.fromstring(pain.checked(schema, done.content))  # the official XSD
    assert doc.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{schema}}}Document"
    assert [e.text for e in doc.iter("{*}CtrlSum")][0] == "500.00"
    assert ALICE_IBAN.replace(" ", "") in [e.text for e in doc.iter("{*}IBAN")]
    assert "Alice Martin" in [e.text for e in doc.iter("{*}Nm")]

    # produced once: again, nothing left to pay, each reason named
    before = file_count(service)
    again = transfers(client, coop)
    assert again.status_code == 409, again.text
    assert again.json()["type"] == "/errors/sepa-payout-already-sent"
    assert "France Active Normandie: no IBAN known" in again.json()["detail"]
    assert file_count(service) == before


def test_erasing_the_payee_blanks_its_pain001(client: TestClient, service: Service) -> None:
    s = scene(client, "001.08")
    coop = s["coop"]
    mandate(client, coop, s["alice"])
    assert transfers(client, coop).status_code == 200
    party = client.get(f"/v1/coops/{coop}/members/{s['alice']}").json()["party_id"]
    erased = client.post(f"/v1/coops/{coop}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text
    with service.engine.connect() as conn:
        ((content, total),) = conn.execute(
            sa.select(sepa_files.c.content, sepa_files.c.total_cents)
        ).all()
    assert total == 50000 and "Alice Martin" not in content
    assert ALICE_IBAN.replace(" ", "") not in content


def test_nothing_owed_or_no_iban_is_refused(
    client: TestClient, client_for: Any, service: Service
) -> None:
    s = scene(client, "001.02")
    # the plan shows payees' IBANs: the manager's, not the accountant's
    accountant = client_for("accountant", s["coop"])
    plan = f"/v1/coops/{s['coop']}/sepa/transfers/plan"
    assert accountant.get(plan, params={"on": "2026-12-01"}).status_code == 403
    refused = transfers(client, s["coop"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/errors/sepa-payee-account-missing"
    assert file_count(service) == (0, 0)
    empty = create_coop(client)
    client.post(f"/v1/coops/{empty}/bank-accounts", json={"label": "x", "iban": IBAN})
    nothing = transfers(client, empty)
    assert nothing.status_code == 409
    assert nothing.json()["type"] == "/errors/sepa-nothing-to-pay"


def test_the_bank_page_and_the_cli_write_the_pain001(
    app: Any, client: TestClient, service: Service, database_url: str, tmp_path: Any
) -> None:
    from tests.api.conftest import issue_token
    from tests.test_cli import scic
    from tests.web.conftest import csrf_of, signed_in

    s = scene(client, "001.08")
    coop = s["coop"]
    mandate(client, coop, s["alice"])
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    page = manager.get("/dashboard/bank")
    assert "Télécharger le fichier de virements (pain.001)" in page.text
    assert "France Active Normandie" in page.text and "IBAN inconnu" in page.text
    english = manager.get("/dashboard/bank?lang=en").text
    assert "Download the transfer file (pain.001)" in english

    out = tmp_path / "virements.xml"
    args = ("bank", "transfers", "--coop", coop, "--on", "2026-12-01", "-o", str(out))
    done = scic(*args, url=database_url)
    assert done.returncode == 0, done.stderr
    assert "pain.001.001.09, 1 transfers, 500.00 EUR" in done.stdout
    pain.checked("pain.001.001.09", out.read_bytes())
    # the page now says it was produced: downloading again is refused on the page
    refused = manager.post(
        "/dashboard/bank/sepa/transfers", data={"csrf": csrf_of(page.text), "on": "2026-12-01"}
    )
    assert "Ces virements ont déjà été émis." in refused.text
