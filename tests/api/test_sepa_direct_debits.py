"""pain.008 direct debits of the calls due: files valid against the official XSDs in both
versions, FRST then RCUR per mandate, every debit produced once, and each reason a call
is left out — listed when others are collected, refused when nobody can be."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from lxml import etree  # type: ignore[import-untyped]

from scic.bank import pain
from scic.bank.tables import sepa_files, sepa_mandates, sepa_transactions
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe

IBAN = "FR76 3000 6000 0112 3456 7890 189"
ICS = "FR72ZZZ123456"
ALICE_IBAN = "FR76 1010 7001 0112 3456 7890 129"
BOB_IBAN = "FR14 2004 1010 0505 0001 3M02 606"


def scene(client: TestClient, version: str = "001.02") -> dict[str, Any]:
    """Alice and Bob each owe 100.00 called on 2026-11-15 and 100.00 on 2026-12-15."""
    coop = create_coop(client)
    found: dict[str, Any] = {"coop": coop}
    for who, category in (("Alice Martin", "salaries"), ("Bob Leroy", "usagers")):
        member = admit(client, coop, who, category)
        sub = subscribe(client, coop, member, 10, "125.00", on="2026-03-01")["id"]
        for due in ("2026-11-15", "2026-12-15"):
            called = client.post(
                f"/v1/coops/{coop}/calls",
                json={
                    "subscription_id": sub,
                    "amount": "100.00",
                    "due_date": due,
                    "effective_date": "2026-10-01",
                },
            )
            assert called.status_code == 201, called.text
        found[who.split()[0].lower()] = member
    account = client.post(
        f"/v1/coops/{coop}/bank-accounts",
        json={"label": "Courant", "iban": IBAN, "creditor_id": ICS, "sepa_version": version},
    )
    assert account.status_code == 201, account.text
    return found


def mandate(client: TestClient, coop: str, member: str, **fields: Any) -> dict[str, Any]:
    made = client.post(
        f"/v1/coops/{coop}/members/{member}/sepa-mandates",
        json={"signed_on": "2026-09-20", "debtor_name": "Alice Martin", "iban": ALICE_IBAN}
        | fields,
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def debits(client: TestClient, coop: str, due: str) -> Any:
    return client.get(f"/v1/coops/{coop}/sepa/direct-debits", params={"due": due})


def read(content: bytes, schema: str) -> Any:
    """The file checked against the official XSD, then parsed."""
    pain.checked(schema, content)
    return etree.fromstring(content)


def texts(doc: Any, tag: str) -> list[str]:
    return [e.text for e in doc.iter("{*}" + tag)]


def file_count(service: Service) -> tuple[int, int]:
    with service.engine.connect() as conn:
        return (
            conn.execute(sa.select(sa.func.count()).select_from(sepa_files)).scalar_one(),
            conn.execute(sa.select(sa.func.count()).select_from(sepa_transactions)).scalar_one(),
        )


@pytest.mark.parametrize(
    ("version", "schema"), [("001.02", "pain.008.001.02"), ("001.08", "pain.008.001.08")]
)
def test_the_pain008_validates_and_says_first_then_recurring(
    client: TestClient, version: str, schema: str
) -> None:
    s = scene(client, version)
    coop = s["coop"]
    made = mandate(client, coop, s["alice"], reference="RUM-ALICE-1", bic="CCBPFRPPMTG")
    mandate(client, coop, s["bob"], reference="RUM-BOB-1", debtor_name="Bob Leroy", iban=BOB_IBAN)

    first = debits(client, coop, "2026-11-30")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/xml")
    assert first.headers["SEPA-Left-Out"] == "0"
    doc = read(first.content, schema)
    assert doc.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{schema}}}Document"
    assert texts(doc, "NbOfTxs")[0] == "2" and texts(doc, "CtrlSum")[0] == "200.00"
    assert texts(doc, "SeqTp") == ["FRST"]  # one batch: both mandates' first collection
    assert sorted(texts(doc, "MndtId")) == ["RUM-ALICE-1", "RUM-BOB-1"]
    assert texts(doc, "DtOfSgntr") == ["2026-09-20", "2026-09-20"]
    assert texts(doc, "ReqdColltnDt") == ["2026-11-30"]
    assert ICS in texts(doc, "Id")
    assert sorted(texts(doc, "IBAN")) == sorted(
        [IBAN.replace(" ", ""), ALICE_IBAN.replace(" ", ""), BOB_IBAN.replace(" ", "")]
    )
    assert "CCBPFRPPMTG" in texts(doc, "BICFI" if version == "001.08" else "BIC")
    assert made["id"]

    # the second call: the same mandates, now recurring; the first call is not debited
    # again (listed as left out, and counted in the header)
    plan = client.get(f"/v1/coops/{coop}/sepa/direct-debits/plan", params={"due": "2026-12-31"})
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["schema_name"] == schema and body["total"] == "200.00"
    assert {(d["name"], d["sequence"], d["due_date"]) for d in body["debits"]} == {
        ("Alice Martin", "RCUR", "2026-12-15"),
        ("Bob Leroy", "RCUR", "2026-12-15"),
    }
    assert {(x["name"], x["reason"]) for x in body["left_out"]} == {
        ("Alice Martin", "sepa-call-already-collected"),
        ("Bob Leroy", "sepa-call-already-collected"),
    }
    second = debits(client, coop, "2026-12-31")
    assert second.status_code == 200, second.text
    assert second.headers["SEPA-Left-Out"] == "2"
    doc = read(second.content, schema)
    assert texts(doc, "SeqTp") == ["RCUR"] and texts(doc, "CtrlSum")[0] == "200.00"


def test_two_calls_of_one_mandate_in_one_file_are_first_then_recurring(
    client: TestClient,
) -> None:
    s = scene(client)
    coop = s["coop"]
    mandate(client, coop, s["alice"], reference="RUM-ALICE-1")
    both = debits(client, coop, "2026-12-31")  # Alice's two calls at once
    assert both.status_code == 200, both.text
    doc = read(both.content, "pain.008.001.02")
    batches = [
        (texts(batch, "SeqTp"), texts(batch, "MndtId"), texts(batch, "InstdAmt"))
        for batch in doc.iter("{*}PmtInf")
    ]
    assert batches == [
        (["FRST"], ["RUM-ALICE-1"], ["100.00"]),
        (["RCUR"], ["RUM-ALICE-1"], ["100.00"]),
    ]


def test_a_member_without_a_mandate_is_listed_as_left_out(
    client: TestClient, service: Service
) -> None:
    s = scene(client)
    coop = s["coop"]
    mandate(client, coop, s["alice"])
    plan = client.get(f"/v1/coops/{coop}/sepa/direct-debits/plan", params={"due": "2026-11-30"})
    done = debits(client, coop, "2026-11-30")
    assert done.status_code == 200, done.text
    assert done.headers["SEPA-Left-Out"] == "1"
    assert texts(read(done.content, "pain.008.001.02"), "Nm").count("Bob Leroy") == 0
    (left,) = plan.json()["left_out"]
    assert (left["name"], left["reason"], left["amount"]) == (
        "Bob Leroy",
        "sepa-mandate-missing",
        "100.00",
    )
    assert file_count(service) == (1, 1)


def test_a_member_who_left_is_listed_not_debited(client: TestClient, service: Service) -> None:
    s = scene(client)
    coop = s["coop"]
    mandate(client, coop, s["alice"])
    mandate(client, coop, s["bob"], debtor_name="Bob Leroy", iban=BOB_IBAN)
    left = client.post(  # R5: Alice withdraws, her reimbursement waits
        f"/v1/coops/{coop}/withdrawals",
        json={"member_id": s["alice"], "effective_date": "2026-10-15"},
    )
    assert left.status_code == 201, left.text

    plan = client.get(f"/v1/coops/{coop}/sepa/direct-debits/plan", params={"due": "2026-11-30"})
    assert plan.status_code == 200, plan.text
    assert [d["name"] for d in plan.json()["debits"]] == ["Bob Leroy"]
    assert [(x["name"], x["reason"]) for x in plan.json()["left_out"]] == [
        ("Alice Martin", "sepa-member-left")
    ]
    made = debits(client, coop, "2026-11-30")
    assert made.status_code == 200, made.text
    assert made.headers["SEPA-Left-Out"] == "1"
    assert ALICE_IBAN.replace(" ", "") not in made.text
    detail = _refused(client, service, coop, "2026-11-30", "sepa-member-left")
    assert "Alice Martin: left the cooperative on 2026-10-15" in detail


def test_erasing_a_party_blanks_the_files_that_name_it(
    client: TestClient, service: Service
) -> None:
    s = scene(client)
    coop = s["coop"]
    mandate(client, coop, s["bob"], debtor_name="Bob Leroy", iban=BOB_IBAN)
    assert debits(client, coop, "2026-11-30").status_code == 200  # Bob's file
    mandate(client, coop, s["alice"])
    assert debits(client, coop, "2026-11-30").status_code == 200  # Alice's file
    party = client.get(f"/v1/coops/{coop}/members/{s['alice']}").json()["party_id"]
    erased = client.post(f"/v1/coops/{coop}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text

    f, t = sepa_files.c, sepa_transactions.c
    with service.engine.connect() as conn:
        stored = {
            r.member_id: (r.content, r.erased_at, r.total_cents)
            for r in conn.execute(
                sa.select(f.content, f.erased_at, f.total_cents, t.member_id).join(
                    sepa_transactions, t.file_id == f.file_id
                )
            )
        }
    bob_file, bob_erased, _ = stored[s["bob"]]
    alice_file, alice_erased, cents = stored[s["alice"]]
    assert "Bob Leroy" in bob_file and bob_erased is None  # a file not naming her stays
    assert alice_erased is not None and cents == 10000  # its figures stay, not its content
    for personal in ("Alice Martin", ALICE_IBAN.replace(" ", "")):
        assert personal not in alice_file and personal not in bob_file


def _refused(
    client: TestClient, service: Service, coop: str, due: str, slug: str, status: int = 409
) -> str:
    before = file_count(service)
    response = debits(client, coop, due)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/errors/{slug}"
    assert file_count(service) == before  # nothing recorded
    return str(response.json()["detail"])


def test_each_reason_refuses_when_nobody_can_be_collected(
    client: TestClient, service: Service
) -> None:
    s = scene(client)
    coop = s["coop"]
    bob = s["bob"]
    # Alice has left: only Bob owes anything
    out = client.post(f"/v1/coops/{coop}/members/{s['alice']}/sepa-mandates", json={})
    assert out.status_code == 422
    with service.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM share_calls WHERE member_id = :m"), {"m": s["alice"]})
        conn.execute(
            sa.text("UPDATE subscriptions SET called_cents = paid_cents WHERE member_id = :m"),
            {"m": s["alice"]},
        )

    detail = _refused(client, service, coop, "2026-11-30", "sepa-mandate-missing")
    assert "Bob Leroy: no SEPA mandate in force" in detail

    unsigned = mandate(client, coop, bob, debtor_name="Bob Leroy", iban=BOB_IBAN, signed_on=None)
    detail = _refused(client, service, coop, "2026-11-30", "sepa-mandate-unsigned")
    assert unsigned["reference"] in detail

    # an IBAN stored before it was checked (the API refuses a bad one: test_sepa_mandates)
    with service.engine.begin() as conn:
        conn.execute(
            sepa_mandates.update()
            .where(sepa_mandates.c.mandate_id == unsigned["id"])
            .values(signed_on=sa.func.date("2026-09-20"), iban="FR1420041010050500013M02607")
        )
    _refused(client, service, coop, "2026-11-30", "invalid-iban", 422)
    with service.engine.begin() as conn:
        conn.execute(
            sepa_mandates.update()
            .where(sepa_mandates.c.mandate_id == unsigned["id"])
            .values(iban=BOB_IBAN.replace(" ", ""))
        )

    assert debits(client, coop, "2026-11-30").status_code == 200
    detail = _refused(client, service, coop, "2026-11-30", "sepa-call-already-collected")
    assert "already collected" in detail
    _refused(client, service, coop, "2026-11-01", "sepa-nothing-due")


def test_an_account_without_creditor_identifier_makes_no_debit(
    client: TestClient, service: Service
) -> None:
    coop = create_coop(client)
    account = client.post(f"/v1/coops/{coop}/bank-accounts", json={"label": "x", "iban": IBAN})
    assert account.status_code == 201
    _refused(client, service, coop, "2026-11-30", "sepa-creditor-id-required")
    assert client.get(f"/v1/coops/{coop}/sepa/direct-debits").status_code == 422  # no due date


def test_a_pain008_001_02_needs_the_account_s_bic(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    account = client.post(  # a bank code no registry knows: no BIC found for it
        f"/v1/coops/{coop}/bank-accounts",
        json={"label": "x", "iban": "FR76 9999 9000 0101 2345 6789 012", "creditor_id": ICS},
    )
    assert account.status_code == 201, account.text
    assert account.json()["bic"] is None and account.json()["sepa_version"] == "001.02"
    detail = _refused(client, service, coop, "2026-11-30", "sepa-bic-required")
    assert "has no BIC" in detail


# -- the statement shows the collection, then its return -------------------------------

ENTRY = """
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>{side}</CdtDbtInd>{reversal}
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>{code}</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>{e2e}</EndToEndId><MndtId>{mandate}</MndtId></Refs>
            <Amt Ccy="EUR">{amount}</Amt>
            <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>"""


def camt(entries: list[dict[str, str]]) -> bytes:
    """A camt.053.001.08 of the test account holding `entries` (no balances given)."""
    body = "".join(
        ENTRY.format(
            **{"reversal": "", "code": "ESDD", "side": "CRDT", **e},
        )
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>RETURNS-1</MsgId><CreDtTm>2026-12-08T21:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>2026-12-08-1</Id>
      <CreDtTm>2026-12-08T21:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{IBAN.replace(" ", "")}</IBAN></Id><Ccy>EUR</Ccy></Acct>{body}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


def test_a_collection_is_matched_and_a_returned_debit_reverses_its_payment(
    client: TestClient, service: Service
) -> None:
    s = scene(client, "001.08")
    coop = s["coop"]
    made = mandate(client, coop, s["alice"], reference="RUM-ALICE-1")
    mandate(client, coop, s["bob"], reference="RUM-BOB-1", debtor_name="Bob Leroy", iban=BOB_IBAN)
    doc = read(debits(client, coop, "2026-11-30").content, "pain.008.001.08")
    e2e = {
        tx.find("{*}DrctDbtTx/{*}MndtRltdInf/{*}MndtId").text: tx.find(
            "{*}PmtId/{*}EndToEndId"
        ).text
        for tx in doc.iter("{*}DrctDbtTxInf")
    }
    alice, bob = e2e["RUM-ALICE-1"], e2e["RUM-BOB-1"]
    collected = [
        {
            "amount": "100.00",
            "day": "2026-11-30",
            "ref": f"C-{k}",
            "e2e": v,
            "mandate": k,
            "text": "PRLV SEPA",
        }
        for k, v in e2e.items()
    ]
    body = client.post(
        f"/v1/coops/{coop}/bank-statements", files={"file": ("c.xml", camt(collected))}
    ).json()
    for line in body["new"]:
        best = line["proposals"][0]
        assert (best["kind"], best["score"]) == ("payment", 100), line
    done = client.post(f"/v1/coops/{coop}/bank-lines/confirmations", json={"min_score": 100})
    assert len(done.json()["confirmed"]) == 2, done.text
    assert client.get(f"/v1/coops/{coop}/members/{s['alice']}").json()["holding"]["paid"] == (
        "225.00"
    )

    # Alice's bank sends her debit back
    returned = {
        "amount": "100.00",
        "day": "2026-12-04",
        "ref": "R-1",
        "e2e": alice,
        "mandate": "RUM-ALICE-1",
        "text": "RETOUR PRLV AM04",
        "side": "DBIT",
        "reversal": "\n        <RvslInd>true</RvslInd>",
        "code": "UPDD",
    }
    body = client.post(
        f"/v1/coops/{coop}/bank-statements", files={"file": ("r.xml", camt([returned]))}
    ).json()
    (line,) = body["new"]
    assert line["returned"] and line["end_to_end_id"] == alice
    best = line["proposals"][0]
    assert (best["kind"], best["target_id"], best["name"]) == ("return", alice, "Alice Martin")
    rec = client.get(f"/v1/coops/{coop}/reconciliation").json()
    (reported,) = rec["returned_debits"]
    assert (reported["name"], reported["mandate_reference"], reported["status"]) == (
        "Alice Martin",
        made["reference"],
        "open",
    )
    confirmed = client.post(
        f"/v1/coops/{coop}/bank-lines/{line['id']}/confirmation",
        json={"kind": "return", "target_id": alice},
    )
    assert confirmed.status_code == 201, confirmed.text
    # the payment is reversed by a correction; Bob's stands
    feed = client.get(f"/v1/coops/{coop}/events?limit=500").json()["events"]
    (reversal,) = [e for e in feed if e["type"] == "EventReversed"]
    assert reversal["data"]["reversed_type"] == "SharesPaid"
    assert alice in reversal["data"]["reason"]
    assert client.get(f"/v1/coops/{coop}/members/{s['alice']}").json()["holding"]["paid"] == (
        "125.00"
    )
    assert client.get(f"/v1/coops/{coop}/members/{s['bob']}").json()["holding"]["paid"] == (
        "225.00"
    )
    rec = client.get(f"/v1/coops/{coop}/reconciliation").json()
    (reported,) = rec["returned_debits"]
    assert reported["status"] == "matched"
    assert reported["correction_id"] == confirmed.json()["id"]
    assert rec["lines_without_movement"] == []
    # returned, the call may be collected again: FRST again for a mandate whose only
    # collection came back
    plan = client.get(f"/v1/coops/{coop}/sepa/direct-debits/plan", params={"due": "2026-11-30"})
    assert [(d["name"], d["sequence"]) for d in plan.json()["debits"]] == [("Alice Martin", "FRST")]
    # the return cannot be confirmed twice
    again = client.post(
        f"/v1/coops/{coop}/bank-lines/{line['id']}/confirmation",
        json={"kind": "return", "target_id": alice},
    )
    assert again.status_code == 409
    assert bob


def test_scic_bank_direct_debits_writes_the_file(
    client: TestClient, database_url: str, tmp_path: Any
) -> None:
    from tests.test_cli import scic

    s = scene(client, "001.08")
    coop = s["coop"]
    mandate(client, coop, s["alice"], reference="RUM-ALICE-1")
    out = tmp_path / "prelevements.xml"
    args = ("bank", "direct-debits", "--coop", coop, "--due", "2026-11-30", "-o", str(out))
    done = scic(*args, url=database_url)
    assert done.returncode == 0, done.stderr
    assert "pain.008.001.08, 1 debits, 100.00 EUR" in done.stdout
    assert "left out: Bob Leroy: no SEPA mandate in force" in done.stdout
    pain.checked("pain.008.001.08", out.read_bytes())
