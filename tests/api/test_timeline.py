"""Issue 10 over HTTP: every decision is judged on the ledger's own history at its
effective date, and every mistake can be corrected back to exactly the prior state."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, event_count, subscribe
from tests.api.test_refusals import refused


def post(client: TestClient, coop: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/v1/coops/{coop}/{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def capital(client: TestClient, coop: str, as_of: str, **params: str) -> dict[str, Any]:
    response = client.get(f"/v1/coops/{coop}/capital-table", params={"as_of": as_of, **params})
    assert response.status_code == 200, response.text
    return response.json()


def compliance(client: TestClient, coop: str, as_of: str) -> dict[str, dict[str, Any]]:
    report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": as_of}).json()
    return {f["code"]: f for f in report["findings"]}


def no_negative_holding(client: TestClient, coop: str, *dates: str) -> None:
    for on in dates:
        table = capital(client, coop, on)
        for row in table["rows"]:
            assert row["shares"] >= 0 and not row["subscribed"].startswith("-"), (on, row)
            assert not row["paid"].startswith("-") and not row["unpaid"].startswith("-"), row
        assert not table["totals"]["unpaid"].startswith("-"), (on, table["totals"])


# -- R3 at the command's date ------------------------------------------------------------


def test_back_dated_public_subscription_is_judged_on_the_capital_at_its_date(
    client, service
) -> None:
    coop = create_coop(client, incorporated_on="2012-01-10", legal_form="SARL")
    user = admit(client, coop, "Usager", "usagers", on="2012-01-10")
    town = admit(client, coop, "Mairie", "collectivites", on="2012-01-10", kind="organisation")
    subscribe(client, coop, user, 100, "5000.00", on="2016-01-01")  # recorded first
    path = f"/v1/coops/{coop}/subscriptions"
    body = {"member_id": town, "shares": 10, "paid": "500.00", "effective_date": "2015-01-01"}
    problem = refused(client, service, "POST", path, body, 409, "public-capital-cap", "R3")
    assert problem["detail"].startswith(
        "on 2015-01-01 local public bodies would hold 100.00 % (1.0000) of the capital, "
        "above the 50 % cap in force then"
    )
    problem = refused(
        client,
        service,
        "POST",
        path,
        {**body, "effective_date": "2012-06-01"},
        409,
        "public-capital-cap",
        "R3",
    )
    assert "on 2012-06-01" in problem["detail"] and "20 % cap" in problem["detail"]
    assert capital(client, coop, "2015-06-01")["rows"] == []


def test_r3_cap_is_20_percent_through_1_august_2014(client, service) -> None:
    coop = create_coop(client, incorporated_on="2012-01-10", legal_form="SARL")
    user = admit(client, coop, "Usager", "usagers", on="2012-01-10")
    town = admit(client, coop, "Mairie", "collectivites", on="2012-01-10", kind="organisation")
    subscribe(client, coop, user, 80, "4000.00", on="2012-02-01")
    body = {"member_id": town, "shares": 30, "paid": "1500.00", "effective_date": "2014-08-01"}
    path = f"/v1/coops/{coop}/subscriptions"
    refused(client, service, "POST", path, body, 409, "public-capital-cap", "R3")


def test_lawful_back_dated_public_subscription_is_accepted(client, service) -> None:
    """28.57 % at its date; today's capital (private members left since) would say 57 %:
    the later state is a compliance finding with its dates, not a refusal."""
    coop = create_coop(client, statutory_floor="0.00")
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    subscribe(client, coop, user, 100, "5000.00", on="2019-03-01")
    withdrawn = post(
        client,
        coop,
        "withdrawals",
        {"member_id": user, "shares": 70, "effective_date": "2020-01-01"},
    )
    assert withdrawn["status"] == "reimbursed"
    post(
        client,
        coop,
        "subscriptions",
        {"member_id": town, "shares": 40, "paid": "2000.00", "effective_date": "2019-06-01"},
    )
    at_date = capital(client, coop, "2019-06-01", group_by="category")
    rows = {r["key"]: r for r in at_date["rows"]}
    assert rows["collectivites"]["share_of_capital"] == "0.2857"
    findings = compliance(client, coop, "2021-01-01")
    breach = findings["public-cap-exceeded"]
    assert breach["rule"] == "R3" and breach["severity"] == "warning"
    assert breach["figures"]["from"] == "2020-01-01" and breach["figures"]["peak"] == "0.5714"
    assert "public-cap-exceeded" not in compliance(client, coop, "2019-12-31")


def test_future_capital_does_not_lift_todays_cap(client, service) -> None:
    coop = create_coop(client)
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    subscribe(client, coop, user, 100, "5000.00", on="2019-03-01")
    path = f"/v1/coops/{coop}/subscriptions"
    far = {"member_id": user, "shares": 100, "paid": "5000.00", "effective_date": "2199-01-01"}
    problem = refused(client, service, "POST", path, far, 422, "date-beyond-horizon")
    assert "2199-01-01" in problem["detail"]
    post(client, coop, "subscriptions", {**far, "effective_date": "2027-01-15"})
    today = {"member_id": town, "shares": 120, "paid": "6000.00", "effective_date": "2026-11-23"}
    problem = refused(client, service, "POST", path, today, 409, "public-capital-cap", "R3")
    assert "54.55 %" in problem["detail"]
    post(client, coop, "subscriptions", {**today, "shares": 100, "paid": "5000.00"})


def test_a_later_public_subscription_above_the_cap_refuses_the_back_dated_command(
    client, service
) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    subscribe(client, coop, user, 100, "5000.00", on="2019-03-01")
    subscribe(client, coop, town, 90, "4500.00", on="2021-01-01")  # 47.37 %
    body = {"member_id": user, "shares": 20, "effective_date": "2020-01-01"}
    path = f"/v1/coops/{coop}/withdrawals"
    problem = refused(client, service, "POST", path, body, 409, "public-capital-cap", "R3")
    assert "on 2021-01-01" in problem["detail"] and "already in the ledger" in problem["detail"]


# -- nothing before it exists; nothing beyond what is held -----------------------------


@pytest.fixture
def going(client: TestClient) -> dict[str, str]:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    sub = subscribe(client, coop, alice, 10, "125.00", on="2020-06-01")["id"]
    return {"coop": coop, "alice": alice, "bob": bob, "sub": sub}


def test_nothing_is_paid_called_transferred_or_withdrawn_before_it_exists(
    client, service, going
) -> None:
    coop, path = going["coop"], f"/v1/coops/{going['coop']}"
    refused(
        client,
        service,
        "POST",
        f"{path}/payments",
        {"subscription_id": going["sub"], "amount": "50.00", "effective_date": "2020-01-01"},
        422,
        "date-before-subscription",
        "R7",
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/calls",
        {
            "subscription_id": going["sub"],
            "amount": "50.00",
            "due_date": "2020-03-01",
            "effective_date": "2020-01-01",
        },
        422,
        "date-before-subscription",
        "R7",
    )
    subscribe(client, coop, going["bob"], 20, "1000.00", on="2021-01-01")
    refused(
        client,
        service,
        "POST",
        f"{path}/transfers",
        {
            "from_member_id": going["bob"],
            "to_member_id": going["alice"],
            "shares": 5,
            "effective_date": "2020-07-01",
        },
        409,
        "not-enough-shares",
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/withdrawals",
        {"member_id": going["bob"], "effective_date": "2020-07-01"},
        409,
        "no-shares-to-withdraw",
    )
    no_negative_holding(client, coop, "2020-01-01", "2020-07-01", "2021-06-01")


def test_back_dated_events_that_make_later_ones_unlawful_are_refused(
    client, service, going
) -> None:
    coop, path = going["coop"], f"/v1/coops/{going['coop']}"
    post(
        client,
        coop,
        "payments",
        {"subscription_id": going["sub"], "amount": "375.00", "effective_date": "2022-01-01"},
    )
    problem = refused(
        client,
        service,
        "POST",
        f"{path}/payments",
        {"subscription_id": going["sub"], "amount": "100.00", "effective_date": "2021-01-01"},
        409,
        "payment-exceeds-unpaid",
        "R7",
    )
    assert "on 2022-01-01" in problem["detail"]
    subscribe(client, coop, going["bob"], 20, "1000.00", on="2020-06-01")
    post(client, coop, "withdrawals", {"member_id": going["bob"], "effective_date": "2023-01-01"})
    problem = refused(
        client,
        service,
        "POST",
        f"{path}/transfers",
        {
            "from_member_id": going["bob"],
            "to_member_id": going["alice"],
            "shares": 10,
            "effective_date": "2021-01-01",
        },
        409,
        "not-enough-shares",
    )
    assert "on 2023-01-01" in problem["detail"]
    no_negative_holding(client, coop, "2021-01-01", "2022-01-01", "2024-01-01")


def test_a_back_dated_withdrawal_is_recorded_and_its_reimbursement_waits(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    subscribe(client, coop, alice, 80, "4000.00")
    subscribe(client, coop, bob, 20, "1000.00")
    later = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2021-01-01"})
    assert later["status"] == "reimbursed"  # 5,000 → 4,000 ≥ 1,250
    body = {"member_id": alice, "shares": 60, "effective_date": "2020-01-01"}
    earlier = post(client, coop, "withdrawals", body)
    assert earlier["status"] == "pending"
    member = client.get(f"/v1/coops/{coop}/members/{alice}").json()
    assert [(w["requested_on"], w["status"]) for w in member["withdrawals"]] == [
        ("2020-01-01", "pending")
    ]
    bob_left = client.get(f"/v1/coops/{coop}/members/{bob}").json()["withdrawals"]
    assert [(w["status"], w["reimbursed_on"]) for w in bob_left] == [("reimbursed", "2021-01-01")]
    carol = admit(client, coop, "Carol", "usagers", on="2022-01-01")
    subscribe(client, coop, carol, 40, "2000.00", on="2022-01-01")
    # 6,000 of capital, floor ¼ × 6,000 = 1,500: Alice's 3,000 can now go
    member = client.get(f"/v1/coops/{coop}/members/{alice}").json()
    assert [(w["status"], w["reimbursed_on"]) for w in member["withdrawals"]] == [
        ("reimbursed", "2022-01-01")
    ]


# -- R5 from the corrected history -----------------------------------------------------


def test_compliance_floor_is_as_at_its_date(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    subscribe(client, coop, alice, 80, "4000.00", on="2019-03-01")
    subscribe(client, coop, alice, 800, "40000.00", on="2025-01-01")
    floor = compliance(client, coop, "2020-01-01")["floor-headroom"]["figures"]
    assert floor["capital"] == "4000.00" and floor["floor"] == "1000.00"
    assert compliance(client, coop, "2025-06-01")["floor-headroom"]["figures"]["floor"] == (
        "11000.00"
    )


def test_highest_capital_leaves_out_a_reversed_mistake(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    subscribe(client, coop, alice, 200, "10000.00", on="2019-03-01")
    subscribe(client, coop, bob, 40, "2000.00", on="2019-03-01")
    mistake = subscribe(client, coop, alice, 800, "40000.00", on="2020-01-01")
    post(client, coop, "corrections", {"reverses": mistake["id"], "reason": "typed twice"})
    floor = compliance(client, coop, "2021-01-01")["floor-headroom"]["figures"]
    assert floor["floor"] == "3000.00" and floor["capital"] == "12000.00"
    left = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2021-01-01"})
    assert left["status"] == "reimbursed"


# -- corrections -----------------------------------------------------------------------


def _pending(client: TestClient, coop: str) -> Any:
    response = client.get(f"/v1/coops/{coop}/reimbursements")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("by", ["event", "write"])
def test_a_typo_is_reversible_back_to_exactly_the_prior_state(client, service, by) -> None:
    """By the event id, the reimbursements the typo let go are compensated (R5, saying
    why); by the id the write returned, they are reversed with it."""
    coop = create_coop(client, statutory_floor="8000.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    typist = admit(client, coop, "Dora", "soutiens", on="2020-03-01")
    subscribe(client, coop, alice, 60, "3000.00")
    subscribe(client, coop, bob, 40, "2000.00")
    subscribe(client, coop, town, 80, "4000.00")  # 44.44 %
    waits = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2020-01-01"})
    assert waits["status"] == "pending"
    body = {"member_id": alice, "shares": 20, "effective_date": "2020-02-01"}
    assert post(client, coop, "withdrawals", body)["status"] == "pending"
    before = (
        capital(client, coop, "2026-11-23"),
        _pending(client, coop),
        client.get(f"/v1/coops/{coop}/compliance").json(),
    )
    typo = subscribe(client, coop, typist, 10_000_000, "125000000.00", on="2020-03-01")
    assert len(typo["event_ids"]) == 3  # the subscription released both reimbursements
    assert _pending(client, coop) != before[1]
    target = typo["event_ids"][0] if by == "event" else typo["id"]
    corrected = post(client, coop, "corrections", {"reverses": target, "reason": "10, not 10M"})
    assert len(corrected["event_ids"]) == 3  # the typo and the two reimbursements it let go
    after = (
        capital(client, coop, "2026-11-23"),
        _pending(client, coop),
        client.get(f"/v1/coops/{coop}/compliance").json(),
    )
    assert after == before
    events = client.get(f"/v1/coops/{coop}/events").json()["events"]
    reasons = [e["data"]["reason"] for e in events if e["event_id"] in corrected["event_ids"]]
    assert reasons[0] == "10, not 10M"
    if by == "event":
        assert all("compensation for correction" in r and "R5 floor" in r for r in reasons[1:])
        assert "below the R5 floor of 8000.00" in reasons[1] and "out of" not in reasons[1]
    else:
        assert reasons[1:] == ["10, not 10M"] * 2
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/corrections",
        {"reverses": target, "reason": "again"},
        409,
        "already-reversed",
    )


def test_a_correction_that_breaches_r3_is_recorded_and_reported(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    subscribe(client, coop, user, 100, "5000.00", on="2019-03-01")
    mistake = subscribe(client, coop, user, 100, "5000.00", on="2020-01-01")
    subscribe(client, coop, town, 120, "6000.00", on="2021-01-01")  # 6,000 / 16,000
    post(client, coop, "corrections", {"reverses": mistake["id"], "reason": "never paid"})
    breach = compliance(client, coop, "2022-01-01")["public-cap-exceeded"]
    assert breach["figures"]["from"] == "2021-01-01" and breach["figures"]["to"] is None
    assert breach["figures"]["peak"] == "0.5455"


def test_corrections_by_the_id_a_write_returned(client, service, going) -> None:
    coop = going["coop"]
    paid = post(
        client,
        coop,
        "payments",
        {"subscription_id": going["sub"], "amount": "75.00", "effective_date": "2021-01-01"},
    )
    assert paid["id"].startswith("pay_")
    assert capital(client, coop, "2021-06-01")["totals"]["paid"] == "200.00"
    post(client, coop, "corrections", {"reverses": paid["id"], "reason": "bounced"})
    assert capital(client, coop, "2021-06-01")["totals"]["paid"] == "125.00"
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/corrections",
        {"reverses": "pay_0000000000000000", "reason": "nothing"},
        404,
        "event-not-found",
    )


def test_a_released_reimbursement_and_a_withdrawal_can_be_reversed(client, service) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    subscribe(client, coop, alice, 80, "4000.00")
    subscribe(client, coop, bob, 20, "1000.00")
    left = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2021-01-01"})
    assert left["status"] == "reimbursed"
    before = event_count(service)
    undone = post(client, coop, "corrections", {"reverses": left["id"], "reason": "stayed"})
    assert len(undone["event_ids"]) == 2 and event_count(service) == before + 2
    assert capital(client, coop, "2022-01-01")["totals"]["subscribed"] == "5000.00"
    member = client.get(f"/v1/coops/{coop}/members/{bob}").json()
    assert member["status"] == "active"
    post(client, coop, "subscriptions", {"member_id": bob, "shares": 1, "paid": "50.00"})


# -- R1: shares are never revalued -----------------------------------------------------


def test_the_nominal_cannot_change_while_shares_are_out(client, service) -> None:
    coop = create_coop(client, share_nominal="40.00", statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    subscribe(client, coop, alice, 100, "4000.00")
    subscribe(client, coop, bob, 5, "200.00")
    path = f"/v1/coops/{coop}/statutes"
    problem = refused(
        client,
        service,
        "POST",
        path,
        {"share_nominal": "50.00", "effective_date": "2021-01-01"},
        409,
        "nominal-change-with-shares-outstanding",
        "R1",
    )
    assert "never revalued" in problem["detail"]
    left = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2022-01-01"})
    assert left["status"] == "reimbursed"
    events = client.get(f"/v1/coops/{coop}/events").json()["events"]
    paid_back = next(e for e in events if e["type"] == "SharesReimbursed")
    assert paid_back["data"]["amount_cents"] == 20000  # 200.00 €, not 250.00 €


def test_a_back_dated_nominal_change_before_later_subscriptions_is_refused(client, service) -> None:
    coop = create_coop(client, share_nominal="40.00")
    alice = admit(client, coop, "Alice", "salaries")
    subscribe(client, coop, alice, 100, "4000.00", on="2021-01-01")
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/statutes",
        {"share_nominal": "50.00", "effective_date": "2020-01-01"},
        409,
        "nominal-change-with-shares-outstanding",
        "R1",
    )
    assert "on 2021-01-01" in problem["detail"]
    empty = create_coop(client, share_nominal="40.00")
    post(client, empty, "statutes", {"share_nominal": "50.00", "effective_date": "2020-01-01"})


def test_later_statutes_do_not_reclassify_earlier_capital(client, service) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    user = admit(client, coop, "Usager", "usagers")
    friend = admit(client, coop, "Soutien", "soutiens")
    subscribe(client, coop, user, 100, "5000.00", on="2019-03-01")
    categories = [
        {"code": "salaries", "name": "Salariés", "role": "employees"},
        {"code": "usagers", "name": "Usagers", "role": "beneficiaries"},
        {"code": "collectivites", "name": "Collectivités", "public_body": True},
        {"code": "soutiens", "name": "Soutiens", "public_body": True},
    ]
    post(client, coop, "statutes", {"categories": categories, "effective_date": "2027-06-01"})
    # 2020: soutiens are not public bodies yet, so 8,000 of 13,000 € is lawful then.
    subscribe(client, coop, friend, 160, "8000.00", on="2020-01-01")
    mix = client.get(f"/v1/coops/{coop}/funding-mix", params={"as_of": "2020-06-01"}).json()
    assert mix["capital"]["public_share"] == "0.0000"


def test_funding_corrections_by_write_id_and_their_refusal(client, service) -> None:
    coop = create_coop(client)
    award = post(
        client,
        coop,
        "grants",
        {
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "20000.00",
            "awarded_on": "2024-02-01",
            "agreement_ref": "CONV-1",
        },
    )
    base = f"grants/{award['id']}"
    paid = post(client, coop, f"{base}/instalments", {"amount": "5000.00"})
    post(client, coop, f"{base}/justifications", {"amount": "4000.00"})
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/corrections",
        {"reverses": paid["id"], "reason": "bank error"},
        409,
        "reverse-later-events-first",
    )
    assert problem["detail"].startswith("R14")
    second = post(client, coop, f"{base}/instalments", {"amount": "1000.00"})
    post(client, coop, "corrections", {"reverses": second["id"], "reason": "duplicate"})
    detail = client.get(f"/v1/coops/{coop}/{base}").json()
    assert detail["received"] == "5000.00"


def test_a_back_dated_call_or_payment_before_an_exit_is_refused(client, service, going) -> None:
    """An exit takes everything the member held then; money called or paid before it,
    recorded afterwards, would stay on an empty holding once reimbursed."""
    coop, path = going["coop"], f"/v1/coops/{going['coop']}"
    post(client, coop, "withdrawals", {"member_id": going["alice"], "effective_date": "2021-03-02"})
    before, table = event_count(service), capital(client, coop, "2021-03-03")
    for verb, body in [
        ("payments", {"subscription_id": going["sub"], "amount": "7.00"}),
        ("calls", {"subscription_id": going["sub"], "amount": "30.00", "due_date": "2021-05-01"}),
    ]:
        problem = refused(
            client,
            service,
            "POST",
            f"{path}/{verb}",
            {**body, "effective_date": "2021-03-01"},
            409,
            "exit-holding-changed",
            "R5",
        )
        assert "on 2021-03-02" in problem["detail"] and "125.00 € paid" in problem["detail"]
    assert event_count(service) == before
    assert capital(client, coop, "2021-03-03") == table
    no_negative_holding(client, coop, "2021-03-01", "2021-03-03")


def test_reversing_a_withdrawal_that_blocked_the_queue_releases_the_next_at_once(
    client, service
) -> None:
    """R5 — reimbursements go first in, first out: a mistaken withdrawal at the head of the
    queue holds back the ones behind it, which go as soon as it is reversed."""
    coop = create_coop(client, statutory_floor="0.00")
    alice, bob, carol = (admit(client, coop, n, "salaries") for n in ("Alice", "Bob", "Carol"))
    subscribe(client, coop, alice, 20, "1000.00")
    subscribe(client, coop, bob, 100, "5000.00")
    subscribe(client, coop, carol, 10, "500.00")
    # 6,500.00 € of capital, a floor of a quarter of it: Bob's 5,000.00 € cannot go.
    bobs = post(client, coop, "withdrawals", {"member_id": bob, "effective_date": "2021-01-04"})
    carols = post(client, coop, "withdrawals", {"member_id": carol, "effective_date": "2021-02-01"})
    assert (bobs["status"], carols["status"]) == ("pending", "pending")
    undone = post(client, coop, "corrections", {"reverses": bobs["id"], "reason": "Bob stayed"})
    pending = client.get(f"/v1/coops/{coop}/reimbursements").json()["pending"]
    assert pending == []
    assert len(undone["event_ids"]) == 2  # the reversal and Carol's reimbursement
    table = capital(client, coop, "2026-11-30")
    assert table["totals"]["subscribed"] == "6000.00"
    assert client.get(f"/v1/coops/{coop}/members/{carol}").json()["status"] == "withdrawn"


def test_a_call_dated_before_a_payment_that_called_the_shares_itself_is_refused(
    client, service, going
) -> None:
    """R7 — a payment beyond what was called calls the rest itself; the call it answered,
    recorded afterwards with an earlier date, would call the same shares twice."""
    coop, path = going["coop"], f"/v1/coops/{going['coop']}"
    post(
        client,
        coop,
        "payments",
        {"subscription_id": going["sub"], "amount": "40.00", "effective_date": "2021-03-10"},
    )
    before, table = event_count(service), capital(client, coop, "2021-06-01")
    assert table["totals"]["called"] == table["totals"]["paid"] == "165.00"
    problem = refused(
        client,
        service,
        "POST",
        f"{path}/calls",
        {
            "subscription_id": going["sub"],
            "amount": "40.00",
            "due_date": "2021-03-31",
            "effective_date": "2021-03-01",
        },
        409,
        "payment-already-called",
        "R7",
    )
    assert "on 2021-03-10" in problem["detail"]
    assert event_count(service) == before and capital(client, coop, "2021-06-01") == table
