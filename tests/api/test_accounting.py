"""The accountant's year over HTTP: fiscal years and their closing, the closed period,
prior-period adjustments, the journal and trial balance, the FEC (strict checker and
reconciliations), byte-identical re-exports.

The story (TIERS_LIEU, incorporated 2019-03-01, years end 12-31, shares of 50.00 €):
  2019  Alice subscribes 100 shares (5,000.00), pays 2,000.00; Bob 40 shares paid 2,000.00;
        the Commune 20 shares paid 1,000.00; Region operating grant 12,000.00, 8,000.00
        received; France Active 10 titres participatifs of 1,000.00.
  2020  a call of 1,000.00 on Alice, paid; Bob withdraws 10 shares (reimbursed at once,
        capital above the floor); 5 shares transferred Bob → Alice; an investment grant
        of 6,000.00 (State, depreciation over 3 years from 2020-01-01) received; 500.00
        of the operating grant clawed back; an ESUS loan of 10,000.00; titles paid their
        2020 remuneration.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.accounting import fec as fec_module
from scic.accounting.tables import fiscal_year_files
from scic.service import Service
from tests.api import fec_checker
from tests.api.conftest import admit, create_coop, subscribe
from tests.conftest import SteppingClock


def post(client: TestClient, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def problem(client: TestClient, path: str, body: dict[str, Any], status: int, slug: str) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"/errors/{slug}", response.text
    return response.json()


@pytest.fixture
def story(client: TestClient) -> dict[str, Any]:
    coop = create_coop(client, statutory_floor="1000.00")
    c = f"/v1/coops/{coop}"
    alice = admit(client, coop, "Alice Élise", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    commune = admit(client, coop, "Commune", "collectivites", kind="organisation")
    alice_sub = subscribe(client, coop, alice, 100, "2000.00", "2019-03-01")
    subscribe(client, coop, bob, 40, "2000.00", "2019-04-01")
    subscribe(client, coop, commune, 20, "1000.00", "2019-05-01")
    region = post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "12000.00",
            "awarded_on": "2019-06-01",
            "agreement_ref": "CONV-R-1",
        },
    )
    post(
        client,
        f"{c}/grants/{region['id']}/instalments",
        {"amount": "8000.00", "effective_date": "2019-07-01"},
    )
    titles = post(
        client,
        f"{c}/participative-titles",
        {
            "holder": {"name": "France Active", "type": "private"},
            "count": 10,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0",
            "issued_on": "2019-09-01",
        },
    )
    # 2020
    call = post(
        client,
        f"{c}/calls",
        {
            "subscription_id": alice_sub["id"],
            "amount": "1000.00",
            "due_date": "2020-03-01",
            "effective_date": "2020-01-15",
        },
    )
    post(
        client,
        f"{c}/payments",
        {"subscription_id": alice_sub["id"], "amount": "1000.00", "effective_date": "2020-02-01"},
    )
    post(
        client, f"{c}/withdrawals", {"member_id": bob, "shares": 10, "effective_date": "2020-03-01"}
    )
    post(
        client,
        f"{c}/transfers",
        {"from_member_id": bob, "to_member_id": alice, "shares": 5, "effective_date": "2020-04-01"},
    )
    state = post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "État", "type": "state"},
            "purpose": "investment",
            "amount": "6000.00",
            "awarded_on": "2020-01-10",
            "depreciation": {"start": "2020-01-01", "years": 3},
        },
    )
    post(
        client,
        f"{c}/grants/{state['id']}/instalments",
        {"amount": "6000.00", "effective_date": "2020-02-10"},
    )
    post(
        client,
        f"{c}/grants/{region['id']}/clawbacks",
        {"amount": "500.00", "effective_date": "2020-05-01", "reason": "unspent"},
    )
    post(
        client,
        f"{c}/esus-approvals",
        {
            "granted_on": "2020-01-01",
            "expires_on": "2022-01-01",
            "authority": "Préfecture",
            "reference": "E-1",
        },
    )
    post(
        client,
        f"{c}/esus-investments",
        {
            "investor": {"name": "Fonds solidaire", "type": "private"},
            "instrument": "loan",
            "amount": "10000.00",
            "effective_date": "2020-06-01",
            "loan": {"rate": "0.02", "term_months": 60},
        },
    )
    post(
        client,
        f"{c}/participative-titles/{titles['id']}/remunerations",
        {"fiscal_year": 2020, "figure": "1.00", "effective_date": "2020-12-15"},
    )
    return {"coop": coop, "c": c, "alice": alice, "bob": bob, "call": call, "region": region}


def close(client: TestClient, c: str, year: int, **body: Any) -> Any:
    return post(client, f"{c}/fiscal-years/{year}/close", body)


def fec(client: TestClient, c: str, year: int, **params: Any) -> Any:
    response = client.get(f"{c}/reports/fec", params={"year": year, **params})
    assert response.status_code == 200, response.text
    return response


def filename(response: Any) -> str:
    return response.headers["content-disposition"].split('filename="')[1].rstrip('"')


def test_fiscal_years_close_in_order_and_list(client: TestClient, story: dict[str, Any]) -> None:
    c = story["c"]
    years = client.get(f"{c}/fiscal-years").json()["fiscal_years"]
    assert [(y["year"], y["start"], y["end"], y["status"]) for y in years[:2]] == [
        (2019, "2019-03-01", "2019-12-31", "open"),
        (2020, "2020-01-01", "2020-12-31", "open"),
    ]
    assert years[-1]["year"] == 2026
    problem(client, f"{c}/fiscal-years/2020/close", {}, 409, "earlier-year-open")
    problem(client, f"{c}/fiscal-years/2018/close", {}, 404, "fiscal-year-not-found")
    # year 0000 has no calendar date: not found, not a 500 (the fuzz test found it)
    allocation = {"decided_on": "2026-06-20"}
    problem(
        client,
        f"{c}/fiscal-years/0000/surplus-allocation",
        allocation,
        404,
        "fiscal-year-not-found",
    )
    assert client.get(f"{c}/fiscal-years/0000/surplus-allocation").status_code == 404
    problem(client, f"{c}/fiscal-years/2026/close", {}, 409, "fiscal-year-not-ended")
    closed = close(client, c, 2019, result="10000.00", own_revenue="40000.00")
    assert closed["head"]["position"] > 0
    problem(client, f"{c}/fiscal-years/2019/close", {}, 409, "fiscal-year-closed")
    listed = client.get(f"{c}/fiscal-years").json()["fiscal_years"][0]
    assert listed["status"] == "closed" and listed["result"] == "10000.00"
    assert listed["head"] == closed["head"]
    assert listed["own_revenue"] == "40000.00"


def test_a_write_into_a_closed_year_is_refused(client: TestClient, story: dict[str, Any]) -> None:
    c = story["c"]
    close(client, c, 2019)
    before = client.get(f"{c}/events", params={"limit": 1000}).json()["events"]
    body = {"member_id": story["bob"], "shares": 1, "paid": "50.00", "effective_date": "2019-12-31"}
    refused = problem(client, f"{c}/subscriptions", body, 409, "closed-period")
    assert refused["rule"] == "R16"
    batch = {
        "commands": [
            {"type": "subscriptions", "body": {**body, "effective_date": "2020-01-02"}},
            {"type": "subscriptions", "body": body},
        ]
    }
    problem(client, f"{c}/batch", batch, 409, "closed-period")
    assert client.get(f"{c}/events", params={"limit": 1000}).json()["events"] == before
    post(client, f"{c}/subscriptions", {**body, "effective_date": "2020-01-02"})


def test_a_batch_that_closes_a_year_then_writes_into_it_lands_nothing(
    client: TestClient, story: dict[str, Any]
) -> None:
    c = story["c"]
    before = client.get(f"{c}/events", params={"limit": 1000}).json()["events"]
    write = {
        "member_id": story["bob"],
        "shares": 1,
        "paid": "50.00",
        "effective_date": "2019-12-01",
    }
    batch = {
        "commands": [
            {"type": "fiscal-year-close", "body": {"year": "2019"}},
            {"type": "subscriptions", "body": write},
        ]
    }
    problem(client, f"{c}/batch", batch, 409, "closed-period")
    assert client.get(f"{c}/events", params={"limit": 1000}).json()["events"] == before
    assert client.get(f"{c}/fiscal-years").json()["fiscal_years"][0]["status"] == "open"


def test_fec_of_closed_years_passes_the_strict_checker_and_reconciles(
    client: TestClient, story: dict[str, Any]
) -> None:
    c = story["c"]
    close(client, c, 2019, result="10000.00")
    close(client, c, 2020, result="-1500.00")
    for year in (2019, 2020):
        response = fec(client, c, year)
        name = filename(response)
        assert name == f"732829320FEC{year}1231.txt"
        start = date(2019, 3, 1) if year == 2019 else date(2020, 1, 1)
        findings = fec_checker.check(name, response.content, start, date(year, 12, 31))
        assert findings == []
        cap = client.get(f"{c}/capital-table", params={"as_of": f"{year}-12-31"}).json()
        totals = fec_checker.account_totals(response.content)
        # R17 — the year's à-nouveaux and movements: the 101x net credit is the
        # subscribed capital at the year end
        capital = -sum(v for k, v in totals.items() if k.startswith("101"))
        assert capital == _cents(cap["totals"]["subscribed"])
    y2019 = fec_checker.account_totals(fec(client, c, 2019).content)
    y2020 = fec_checker.account_totals(fec(client, c, 2020).content)
    assert -y2019["740"] == 1_200_000  # operating grants of 2019
    assert -y2020["740"] == -50_000  # the 2020 clawback (income is not carried forward)
    assert -y2019["1671"] == 1_000_000  # titles outstanding
    assert -y2020["1671"] == 1_000_000  # still outstanding: carried by the à-nouveaux
    assert (
        fec_checker.carried_forward(
            fec(client, c, 2019).content, fec(client, c, 2020).content, date(2020, 1, 1)
        )
        == []
    )
    # investment grant released over 3 years from 2020-01-01: 12 months of 36 in 2020
    assert y2020["139"] == 2000_00
    assert "777" in {k for k in y2020}


def test_fec_text_format(client: TestClient, story: dict[str, Any]) -> None:
    c = story["c"]
    close(client, c, 2019)
    response = fec(client, c, 2019)
    assert response.headers["content-type"] == "text/plain; charset=iso-8859-15"
    text = response.content.decode("iso-8859-15")
    header, first = text.split("\r\n")[:2]
    assert header.split("\t")[:3] == ["JournalCode", "JournalLib", "EcritureNum"]
    fields = first.split("\t")
    assert fields[:5] == ["CAP", "Capital social", "1", "20190301", "4561"]
    assert fields[11:13] == ["5000,00", "0,00"]
    assert fields[15] == "20261123"  # ValidDate: the closing day
    utf8 = fec(client, c, 2019, encoding="utf-8").content
    assert utf8.decode("utf-8") == text


def test_open_year_exports_only_on_request_not_validated(
    client: TestClient, story: dict[str, Any]
) -> None:
    c = story["c"]
    response = client.get(f"{c}/reports/fec", params={"year": 2019})
    assert response.status_code == 409
    assert response.json()["type"] == "/errors/fiscal-year-open"
    opened = fec(client, c, 2019, include_open="true")
    findings = fec_checker.check(
        filename(opened), opened.content, date(2019, 3, 1), date(2019, 12, 31), validated=False
    )
    assert findings == []
    missing = client.get(f"{c}/reports/fec", params={"year": 2017})
    assert missing.status_code == 404


def archive_rows(service: Service) -> list[Any]:
    f = fiscal_year_files.c
    with service.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(f.coop_id, f.year, f.kind, f.filename, f.encoding, f.content, f.sha256)
            )
        )


def new_journal_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later version of the software whose FEC differs (a journal label renamed)."""
    render = fec_module.render

    def renamed(*args: Any, **kwargs: Any) -> fec_module.FecFile:
        made = render(*args, **kwargs)
        content = made.content.replace(b"Capital social", b"Capital souscrit")
        return dataclasses.replace(made, content=content)

    monkeypatch.setattr(fec_module, "render", renamed)


def test_a_closed_years_fec_is_archived_at_its_first_export_and_never_changes(
    client: TestClient, story: dict[str, Any], service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = story["c"]
    close(client, c, 2019)
    assert archive_rows(service) == []  # closing archives nothing: the first export does
    first = fec(client, c, 2019)
    again = fec(client, c, 2019)
    assert again.content == first.content
    assert again.headers["content-disposition"] == first.headers["content-disposition"]
    assert again.headers["content-type"] == first.headers["content-type"]
    ((row),) = archive_rows(service)
    assert (row.coop_id, row.year, row.kind, row.filename, row.encoding) == (
        story["coop"],
        2019,
        "fec",
        "732829320FEC20191231.txt",
        "iso-8859-15",
    )
    assert row.content == first.content
    assert row.sha256 == hashlib.sha256(first.content).hexdigest()
    # R16 — the journal's rules change after the archive: the open year shows the new
    # rules, the closed year is served as archived (same bytes, same file name)
    new_journal_rules(monkeypatch)
    assert b"Capital souscrit" in fec(client, c, 2020, include_open="true").content
    later = fec(client, c, 2019)
    assert later.content == first.content
    assert filename(later) == filename(first)
    assert fec(client, c, 2019, encoding="utf-8").content.decode("utf-8") == (
        first.content.decode("iso-8859-15")
    )
    # not a projection: a rebuild and a verify leave the archive alone
    service.store.rebuild()
    assert service.store.projection_drift() is None
    assert len(archive_rows(service)) == 1
    assert fec(client, c, 2019).content == first.content
    # a year closed after the change is archived with the rules of its first export
    close(client, c, 2020)
    assert b"Capital souscrit" in fec(client, c, 2020).content
    monkeypatch.undo()
    assert b"Capital souscrit" in fec(client, c, 2020).content
    assert len(archive_rows(service)) == 2


def test_an_altered_archive_is_refused_not_served(
    client: TestClient, story: dict[str, Any], service: Service
) -> None:
    """R16: the archived FEC is served only while its bytes match the SHA-256 taken at
    archiving; changed in the database, it is refused (409, naming R16), in either
    encoding, and not produced again in its place."""
    c = story["c"]
    close(client, c, 2019)
    first = fec(client, c, 2019)
    f = fiscal_year_files.c
    altered = first.content.replace(b"Capital social", b"Capital modifie")
    assert altered != first.content
    with service.engine.begin() as conn:
        conn.execute(fiscal_year_files.update().where(f.year == 2019).values(content=altered))
    for encoding in ("iso-8859-15", "utf-8"):
        refused = client.get(f"{c}/reports/fec", params={"year": 2019, "encoding": encoding})
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        body = refused.json()
        assert (body["type"], body["rule"]) == ("/errors/archived-file-altered", "R16")
        assert "SHA-256" in body["detail"]
    ((row),) = archive_rows(service)
    assert row.content == altered  # left as found, for whoever investigates
    # put back as archived, it is served again, byte for byte
    with service.engine.begin() as conn:
        conn.execute(fiscal_year_files.update().where(f.year == 2019).values(content=first.content))
    assert fec(client, c, 2019).content == first.content


def test_an_open_years_export_is_not_archived(
    client: TestClient, story: dict[str, Any], service: Service
) -> None:
    c = story["c"]
    opened = fec(client, c, 2019, include_open="true")
    fec(client, c, 2019, include_open="true", encoding="utf-8")
    assert archive_rows(service) == []
    close(client, c, 2019)
    closed = fec(client, c, 2019, include_open="true")  # a closed year is archived anyway
    assert closed.content != opened.content  # validated now: ValidDate is the closing day
    assert [r.content for r in archive_rows(service)] == [closed.content]
    assert fec(client, c, 2019).content == closed.content


def test_a_correction_of_a_closed_year_is_a_prior_period_adjustment(
    client: TestClient, story: dict[str, Any], clock: SteppingClock
) -> None:
    c = story["c"]
    close(client, c, 2019)
    before = fec(client, c, 2019).content
    events = client.get(f"{c}/events", params={"limit": 1000}).json()["events"]
    instalment = next(  # the Commune's subscription: nothing rests on it
        e
        for e in events
        if e["type"] == "SharesSubscribed" and e["data"]["subscribed_cents"] == 100_000
    )
    correction = post(
        client, f"{c}/corrections", {"reverses": instalment["event_id"], "reason": "bank error"}
    )
    reversal = client.get(f"{c}/events", params={"limit": 1000}).json()["events"][-1]
    assert reversal["event_id"] == correction["event_ids"][0]
    assert reversal["reverses"] == instalment["event_id"]
    # booked in the year the error is found (today: 2026-11-23), never in the closed one
    assert reversal["effective_date"] == "2026-11-23"
    assert reversal["data"]["prior_period_year"] == 2019
    assert fec(client, c, 2019).content == before  # byte-identical
    journal = client.get(f"{c}/journal", params={"from": "2026-11-23", "to": "2026-11-23"}).json()
    adjustment = [x for x in journal["entries"] if x["adjusts"] == instalment["event_id"]]
    assert adjustment and adjustment[0]["label"].startswith("Régularisation exercice 2019")
    close(client, c, 2020)
    y2020 = fec(client, c, 2020)
    assert (
        fec_checker.check(filename(y2020), y2020.content, date(2020, 1, 1), date(2020, 12, 31))
        == []
    )


def test_the_trial_balance_balances_at_every_date(
    client: TestClient, story: dict[str, Any]
) -> None:
    c = story["c"]
    journal = client.get(f"{c}/journal", params={"to": "2026-11-23"}).json()["entries"]
    for on in sorted({x["date"] for x in journal} | {"2019-02-28", "2026-11-23"}):
        tb = client.get(f"{c}/trial-balance", params={"as_of": on}).json()
        assert tb["balanced"] and tb["total_debit"] == tb["total_credit"], (on, tb)
    tb = client.get(f"{c}/trial-balance", params={"as_of": "2020-12-31"}).json()
    by = {a["account"]: a["balance"] for a in tb["accounts"]}
    # subscribed capital 8,000 - reimbursed 500 = 7,500 across 1011/1012/1013
    assert sum(_cents(by.get(a, "0")) for a in ("1011", "1012", "1013")) == -750_000
    assert by["4567"] == "0.00"  # reimbursement paid at once
    assert by["1671"] == "-10000.00" and by["1681"] == "-10000.00"


def test_journal_entries_balance_and_name_their_events(
    client: TestClient, story: dict[str, Any]
) -> None:
    c = story["c"]
    entries = client.get(f"{c}/journal", params={"to": "2020-12-31"}).json()["entries"]
    assert entries
    for x in entries:
        debit = sum(_cents(li["debit"]) for li in x["lines"])
        credit = sum(_cents(li["credit"]) for li in x["lines"])
        assert debit == credit, x
    reimbursement = [x for x in entries if x["label"].startswith("Remboursement de 10 parts")]
    lines = {(li["account"], li["debit"], li["credit"]) for li in reimbursement[0]["lines"]}
    assert ("1013", "500.00", "0.00") in lines and ("4567", "0.00", "500.00") in lines


def test_accountant_closes_funder_and_member_cannot(
    client: TestClient, client_for: Any, story: dict[str, Any]
) -> None:
    c, coop = story["c"], story["coop"]
    accountant = client_for("accountant", coop)
    manager = client_for("manager", coop)
    member = client_for("member", coop, member_id=story["alice"])
    funder = client_for("funder", coop, funder_id=story["region"]["funder_id"])
    for who in (member, funder):
        assert who.post(f"{c}/fiscal-years/2019/close", json={}).status_code == 403
    assert accountant.post(f"{c}/fiscal-years/2019/close", json={}).status_code == 201
    assert manager.post(f"{c}/fiscal-years/2020/close", json={}).status_code == 201
    assert accountant.get(f"{c}/reports/fec", params={"year": 2019}).status_code == 200


def _cents(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, _, part = text.lstrip("-").partition(".")
    return sign * (int(whole) * 100 + int((part + "00")[:2]))


def test_every_event_type_in_a_closed_year_passes_the_checker(
    client: TestClient, story: dict[str, Any]
) -> None:
    """2021 adds what the story lacks: a statutes amendment, a category change, a grant
    amendment, justification and closure, titles redeemed, a correction in the open year,
    the AG allocation of 2020's loss (R6: the reserves absorb it), a member
    leaving with unpaid shares, an erasure — then 2021 is closed and checked, and the
    erasure changes no closed year's file."""
    c, alice, bob, region = story["c"], story["alice"], story["bob"], story["region"]
    close(client, c, 2019, result="1000.00")
    close(client, c, 2020, result="-800.00")
    post(
        client,
        f"{c}/fiscal-years/2019/surplus-allocation",
        {
            "decided_on": "2021-01-20",
            "legal_reserve": "150.00",
            "statutory_reserve": "425.00",
            "other_reserves": "425.00",
        },
    )
    post(client, f"{c}/fiscal-years/2020/surplus-allocation", {"decided_on": "2021-05-20"})
    post(client, f"{c}/statutes", {"reimbursement_delay_years": 3, "effective_date": "2021-01-10"})
    carol = admit(client, story["coop"], "Carol", "usagers", on="2021-02-01")
    subscribe(client, story["coop"], carol, 4, "50.00", "2021-02-01")
    post(
        client,
        f"{c}/category-changes",
        {"member_id": carol, "category": "soutiens", "effective_date": "2021-03-01"},
    )
    post(
        client,
        f"{c}/grants/{region['id']}/amendments",
        {"amount": "13000.00", "reason": "avenant n°1", "effective_date": "2021-02-15"},
    )
    post(
        client,
        f"{c}/grants/{region['id']}/justifications",
        {"amount": "7000.00", "effective_date": "2021-03-15"},
    )
    post(client, f"{c}/grants/{region['id']}/closure", {"effective_date": "2021-04-01"})
    issue = client.get(f"{c}/participative-titles").json()["issues"][0]["id"]
    post(
        client,
        f"{c}/participative-titles/{issue}/redemptions",
        {"count": 2, "effective_date": "2021-06-01", "at_liquidation": True},
    )
    wrong = post(
        client,
        f"{c}/payments",
        {
            "subscription_id": client.get(f"{c}/members/{carol}").json()["history"][0][
                "subscription_id"
            ],
            "amount": "10.00",
            "effective_date": "2021-06-10",
        },
    )
    post(
        client,
        f"{c}/corrections",
        {"reverses": wrong["event_ids"][0], "reason": "saisie en double"},
    )
    left = post(client, f"{c}/withdrawals", {"member_id": carol, "effective_date": "2021-07-01"})
    assert left["status"] == "reimbursed"
    del alice, bob
    close(client, c, 2021)
    files = {y: fec(client, c, y).content for y in (2019, 2020, 2021)}
    y2021 = fec(client, c, 2021)
    assert (
        fec_checker.check(filename(y2021), y2021.content, date(2021, 1, 1), date(2021, 12, 31))
        == []
    )
    text = y2021.content.decode("iso-8859-15")
    assert "Affectation du résultat 2020 (AG)" in text and "Annulation: Versement" in text
    reimbursed = [
        line.split("\t") for line in text.split("\r\n") if "Remboursement de 4 parts" in line
    ]
    by_account = {f[4]: (f[11], f[12]) for f in reimbursed}
    # Carol paid 50.00 of 200.00: the uncalled 150.00 leave 109/1011; the 800.00 loss
    # carried forward is absorbed by the 1,000.00 of reserves, so she bears none of it
    assert by_account["1011"] == ("150,00", "0,00") and by_account["109"] == ("0,00", "150,00")
    assert "119" not in by_account and by_account["4567"] == ("0,00", "50,00")
    party = client.get(f"{c}/members/{carol}").json()["party_id"]
    post(client, f"{c}/parties/{party}/erasure", {"reason": "RGPD art. 17"})
    assert {y: fec(client, c, y).content for y in files} == files
