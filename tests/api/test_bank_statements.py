"""Statements read in (camt.053 001.02 and 001.08, OFX, CSV), proposals, confirmation at
the booking date with the bank's reference, re-import, unmatched lists, 512 balance."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.bank_scenario import IBAN, set_up, statement, upload
from tests.api.conftest import event_count

# file, what its closing balance leaves to explain (the bank fees set aside)
FILES = {
    "camt053_001_02.xml": "-12.50",
    "camt053_001_08.xml": "0.00",
    "statement.ofx": "0.00",
    "statement.csv": None,  # a CSV export carries no balance
}


@pytest.fixture
def scene(client: TestClient) -> dict[str, Any]:
    return set_up(client)


def bank_rows(service: Service) -> tuple[int, int]:
    with service.engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT count(*) FROM bank_statements")).scalar_one(),
            conn.execute(sa.text("SELECT count(*) FROM bank_lines")).scalar_one(),
        )


def best(line: dict[str, Any]) -> dict[str, Any]:
    assert line["proposals"], line
    return line["proposals"][0]


@pytest.mark.parametrize("name", list(FILES))
def test_each_credit_line_gets_the_right_proposal(client, scene, name) -> None:
    response = upload(client, scene["coop"], statement(name, scene), name)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account_id"] == scene["account"]
    assert body["format"] == {"xml": body["format"], "ofx": "ofx", "csv": "csv"}[name[-3:]]
    credits = {x["amount"]: x for x in body["new"] if not x["amount"].startswith("-")}
    assert sorted(credits) == ["10000.00", "375.00", "500.00"]
    by_ref = best(credits["375.00"])
    assert (by_ref["kind"], by_ref["target_id"], by_ref["score"]) == (
        "payment",
        scene["sub_alice"],
        100,
    )
    by_name = best(credits["500.00"])
    assert (by_name["kind"], by_name["target_id"], by_name["name"]) == (
        "payment",
        scene["sub_bob"],
        "Bob Leroy",
    )
    assert by_name["score"] >= 90
    grant = best(credits["10000.00"])
    assert (grant["kind"], grant["target_id"], grant["name"]) == (
        "instalment",
        scene["grant"],
        "Région Normandie",
    )
    for line in body["new"]:
        if line["amount"].startswith("-"):
            assert line["proposals"] == []  # bank fees: nothing in the ledger


@pytest.mark.parametrize("name", list(FILES))
def test_confirmed_lines_are_recorded_at_the_booking_date_with_the_reference(
    client, service, scene, name
) -> None:
    coop = scene["coop"]
    body = upload(client, coop, statement(name, scene), name).json()
    done = client.post(f"/v1/coops/{coop}/bank-lines/confirmations", json={"min_score": 90})
    assert done.status_code == 200, done.text
    assert len(done.json()["confirmed"]) == 3 and done.json()["refused"] == []

    feed = client.get(f"/v1/coops/{coop}/events?limit=500").json()["events"]
    paid = [e for e in feed if e["type"] == "SharesPaid"]
    received = [e for e in feed if e["type"] == "GrantInstalmentReceived"]
    lines = {x["amount"]: x for x in body["new"]}
    assert {(e["data"]["subscription_id"], e["effective_date"]) for e in paid} == {
        (scene["sub_alice"], "2026-11-03"),
        (scene["sub_bob"], "2026-11-04"),
    }
    references = {e["data"]["amount_cents"]: e["data"]["bank_reference"] for e in paid}
    assert references[37500] == (lines["375.00"]["reference"] or lines["375.00"]["id"])
    assert [(e["effective_date"], e["data"]["amount_cents"]) for e in received] == [
        ("2026-11-05", 1000000)
    ]
    assert received[0]["data"]["bank_reference"]

    # the member's holdings show the payment
    alice = client.get(f"/v1/coops/{coop}/members/{scene['alice']}").json()
    assert alice["holding"]["paid"] == "500.00"

    fees = [x for x in body["new"] if x["amount"].startswith("-")]
    for fee in fees:
        aside = client.post(
            f"/v1/coops/{coop}/bank-lines/{fee['id']}/set-aside", json={"note": "frais bancaires"}
        )
        assert aside.status_code == 200, aside.text

    rec = client.get(f"/v1/coops/{coop}/reconciliation").json()
    assert rec["lines_without_movement"] == []
    assert rec["movements_without_line"] == []
    expected = FILES[name]
    if expected is None:
        assert rec["balances"] == []
    else:
        (check,) = rec["balances"]
        assert check["journal_balance"] == "11500.00"
        assert check["difference"] == expected == check["set_aside"]
        assert check["open"] == "0.00"
        if expected == "0.00":  # the journal's 512 is the statement's closing balance
            assert check["closing_balance"] == check["journal_balance"]

    before = event_count(service), client.get(f"/v1/coops/{coop}/bank-lines").json()
    again = upload(client, coop, statement(name, scene), name)
    assert again.status_code == 201, again.text
    assert again.json()["new_lines"] == 0
    assert again.json()["already_known"] == body["lines"]
    assert (event_count(service), client.get(f"/v1/coops/{coop}/bank-lines").json()) == before


def test_an_overlapping_statement_adds_only_its_new_lines(client, scene) -> None:
    coop = scene["coop"]
    upload(client, coop, statement("statement.csv", scene), "a.csv")
    longer = statement("statement.csv", scene) + b"06/11/2026;FRAIS;12,50;\r\n"
    body = upload(client, coop, longer, "b.csv").json()
    assert (body["lines"], body["new_lines"], body["already_known"]) == (4, 1, 3)
    assert body["new"][0]["amount"] == "-12.50"


def test_two_equal_lines_of_one_day_stay_two(client, scene) -> None:
    coop = scene["coop"]
    twice = "Date;Libellé;Débit;Crédit\r\n" + "04/11/2026;VIR LEROY BOB;;50,00\r\n" * 2
    body = upload(client, coop, twice.encode(), "x.csv").json()
    assert body["new_lines"] == 2
    assert upload(client, coop, twice.encode(), "x.csv").json()["new_lines"] == 0


def test_a_payment_made_meanwhile_refuses_the_confirmation_and_the_line_stays(
    client, service, scene
) -> None:
    coop = scene["coop"]
    body = upload(client, coop, statement("camt053_001_08.xml", scene)).json()
    line = next(x for x in body["new"] if x["amount"] == "375.00")
    paid = client.post(
        f"/v1/coops/{coop}/payments",
        json={
            "subscription_id": scene["sub_alice"],
            "amount": "375.00",
            "effective_date": "2026-11-10",
        },
    )
    assert paid.status_code == 201
    typed = client.get(f"/v1/coops/{coop}/events?limit=500").json()["events"][-1]
    assert "bank_reference" not in typed["data"]  # a payment without one: payload unchanged
    before = event_count(service)
    refused = client.post(
        f"/v1/coops/{coop}/bank-lines/{line['id']}/confirmation",
        json={"kind": "payment", "target_id": scene["sub_alice"]},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/errors/payment-exceeds-unpaid"
    assert refused.json()["rule"] == "R7"
    assert event_count(service) == before
    rec = client.get(f"/v1/coops/{coop}/reconciliation").json()
    open_line = next(x for x in rec["lines_without_movement"] if x["id"] == line["id"])
    assert open_line["status"] == "open"
    # the payment typed by hand has no bank line; the line now proposes to be tied to it
    assert [m["event_id"] for m in rec["movements_without_line"]] == paid.json()["event_ids"]
    link = open_line["proposals"][0]
    assert (link["kind"], link["target_id"]) == ("link", paid.json()["event_ids"][0])
    tied = client.post(
        f"/v1/coops/{coop}/bank-lines/{line['id']}/confirmation",
        json={"kind": "link", "target_id": link["target_id"]},
    )
    assert tied.status_code == 201, tied.text
    assert event_count(service) == before  # tying records nothing new
    rec = client.get(f"/v1/coops/{coop}/reconciliation").json()
    assert rec["movements_without_line"] == []
    assert line["id"] not in [x["id"] for x in rec["lines_without_movement"]]


def test_a_settled_line_cannot_be_settled_again(client, scene) -> None:
    coop = scene["coop"]
    body = upload(client, coop, statement("camt053_001_02.xml", scene)).json()
    fee = next(x for x in body["new"] if x["amount"] == "-12.50")
    assert (
        client.post(f"/v1/coops/{coop}/bank-lines/{fee['id']}/set-aside", json={}).status_code
        == 200
    )
    again = client.post(f"/v1/coops/{coop}/bank-lines/{fee['id']}/set-aside", json={})
    assert again.status_code == 409 and again.json()["type"] == "/errors/bank-line-settled"
    debit = client.post(
        f"/v1/coops/{coop}/bank-lines/{body['new'][0]['id']}/confirmation",
        json={"kind": "payment", "target_id": "sub_0000000000000000"},
    )
    assert debit.status_code in (404, 409, 422)
    missing = client.post(
        f"/v1/coops/{coop}/bank-lines/bln_nope/confirmation",
        json={"kind": "payment", "target_id": scene["sub_bob"]},
    )
    assert missing.status_code == 404


# -- refusals: nothing recorded --------------------------------------------------------


def _refused(client, service, coop, content, status, slug, name="f.xml", **form) -> dict:
    before = bank_rows(service), event_count(service)
    response = upload(client, coop, content, name, **form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/errors/{slug}"
    assert (bank_rows(service), event_count(service)) == before
    return response.json()


def test_a_file_of_no_known_format_is_refused(client, service, scene) -> None:
    coop = scene["coop"]
    for content in (b"%PDF-1.7 binary\x00\x01", b"hello\nworld\n", b"<Document><x/></Document>"):
        problem = _refused(client, service, coop, content, 422, "unknown-statement-format")
        assert "camt.053" in problem["detail"]
    other = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02">'
        b"<BkToCstmrAcctRpt/></Document>"
    )
    _refused(client, service, coop, other, 422, "unknown-statement-format")


def test_a_camt_of_another_account_is_refused(client, service, scene) -> None:
    content = statement(
        "camt053_001_08.xml", scene, {"FR7630006000011234567890189": "FR1420041010050500013M02606"}
    )
    problem = _refused(client, service, scene["coop"], content, 422, "statement-of-another-account")
    assert "FR14 2004 1010 0505 0001 3M02 606" in problem["detail"]


def test_an_opening_balance_that_does_not_follow_is_refused(client, service, scene) -> None:
    coop = scene["coop"]
    assert upload(client, coop, statement("camt053_001_02.xml", scene)).status_code == 201
    next_week = statement(
        "camt053_001_08.xml",
        scene,
        {
            "2026-11-0": "2026-11-1",  # the same lines a week later…
            "20261": "20262",  # …with their own references
            ">625.00<": ">600.00<",  # …opening at 600.00 where 11487.50 was left
            ">11500.00<": ">11475.00<",
        },
    )
    problem = _refused(client, service, coop, next_week, 409, "statement-balance-break")
    assert "11487.50" in problem["detail"] and "600.00" in problem["detail"]


def test_a_statement_that_does_not_add_up_is_refused(client, service, scene) -> None:
    content = statement("camt053_001_08.xml", scene, {">11500.00<": ">11400.00<"})
    _refused(client, service, scene["coop"], content, 422, "statement-does-not-add-up")


def test_a_csv_needs_its_columns(client, service, scene) -> None:
    coop = scene["coop"]
    odd = b"Jour;Quoi;Combien\r\n03/11/2026;VIR;375,00\r\n"
    _refused(client, service, coop, odd, 422, "unknown-statement-format", "x.csv")
    mapped = upload(
        client,
        coop,
        odd,
        "x.csv",
        mapping='{"date": "Jour", "text": "Quoi", "amount": "Combien"}',
    )
    assert mapped.status_code == 201, mapped.text
    assert mapped.json()["new"][0]["amount"] == "375.00"
    bad = '{"date": "Nope", "text": "Quoi", "amount": "Combien"}'
    odd2 = odd.replace(b"375,00", b"376,00")
    _refused(client, service, coop, odd2, 422, "invalid-column-mapping", "x.csv", mapping=bad)
    _refused(client, service, coop, odd2, 422, "invalid-column-mapping", "x.csv", mapping="{")


def test_bank_accounts_are_checked(client, service, scene) -> None:
    coop = scene["coop"]
    listed = client.get(f"/v1/coops/{coop}/bank-accounts").json()["bank_accounts"]
    assert [(a["iban"], a["bic"], a["journal_account"], a["creditor_id"]) for a in listed] == [
        (IBAN, "AGRIFRPPXXX", "512", "FR72ZZZ123456")
    ]
    cases = [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "invalid-iban"),
        ({"iban": "FR14 2004 1010 0505 0001 3M02 606", "bic": "PSSTZZPP"}, "invalid-bic"),
        (
            {"iban": "FR14 2004 1010 0505 0001 3M02 606", "creditor_id": "FR73ZZZ123456"},
            "invalid-creditor-id",
        ),
        (
            {"iban": "FR14 2004 1010 0505 0001 3M02 606", "journal_account": "401"},
            "invalid-journal-account",
        ),
        ({"iban": IBAN}, "bank-account-exists"),
    ]
    for fields, slug in cases:
        response = client.post(f"/v1/coops/{coop}/bank-accounts", json={"label": "x", **fields})
        assert response.json()["type"] == f"/errors/{slug}", (fields, response.text)
        assert response.status_code == (409 if slug == "bank-account-exists" else 422)
    assert len(client.get(f"/v1/coops/{coop}/bank-accounts").json()["bank_accounts"]) == 1


def test_a_csv_needs_an_account_when_there_are_several(client, service, scene) -> None:
    coop = scene["coop"]
    second = client.post(
        f"/v1/coops/{coop}/bank-accounts",
        json={
            "label": "Livret",
            "iban": "FR14 2004 1010 0505 0001 3M02 606",
            "journal_account": "5121",
        },
    )
    assert second.status_code == 201, second.text
    csv = statement("statement.csv", scene)
    _refused(client, service, coop, csv, 422, "bank-account-required", "s.csv")
    ok = upload(client, coop, csv, "s.csv", account_id=second.json()["id"])
    assert ok.status_code == 201 and ok.json()["account_id"] == second.json()["id"]


def test_only_the_cooperatives_manager_reads_statements_in(client_for, scene) -> None:
    coop = scene["coop"]
    accountant = client_for("accountant", coop)
    refused = upload(accountant, coop, b"x")
    assert refused.status_code == 403
    assert accountant.get(f"/v1/coops/{coop}/reconciliation").status_code == 200
    manager = client_for("manager", coop)
    assert (
        upload(
            manager, coop, statement("statement.csv", {"sub_alice": "sub_x"}), "s.csv"
        ).status_code
        == 201
    )


def test_scic_bank_import_reads_a_statement_from_the_command_line(
    client, service, scene, database_url, tmp_path
) -> None:
    from tests.test_cli import scic

    path = tmp_path / "releve.ofx"
    path.write_bytes(statement("statement.ofx", scene))
    done = scic("bank", "import", str(path), "--coop", scene["coop"], url=database_url)
    assert done.returncode == 0, done.stderr
    assert "ofx, 3 lines, 3 new, 0 already read" in done.stdout
    assert f"payment {scene['sub_alice']} (Alice Martin, score 100)" in done.stdout
    again = scic("bank", "import", str(path), "--coop", scene["coop"], url=database_url)
    assert "3 lines, 0 new, 3 already read" in again.stdout
    bad = tmp_path / "x.txt"
    bad.write_text("nothing\n")
    refused = scic("bank", "import", str(bad), "--coop", scene["coop"], url=database_url)
    assert refused.returncode == 1
    assert "not a statement this ledger reads" in refused.stderr


def test_a_member_number_in_the_remittance_proposes_that_members_subscription(
    client, scene
) -> None:
    coop = scene["coop"]
    listed = client.get(f"/v1/coops/{coop}/members").json()["members"]
    number = next(m["number"] for m in listed if m["id"] == scene["bob"])
    line = f"04/11/2026;VIR SCI LES TILLEULS ADHERENT N° {number};;100,00"
    csv = f"Date;Libellé;Débit;Crédit\r\n{line}\r\n"
    body = upload(client, coop, csv.encode(), "n.csv").json()
    proposal = best(body["new"][0])
    assert (proposal["kind"], proposal["target_id"], proposal["score"]) == (
        "payment",
        scene["sub_bob"],
        95,
    )
