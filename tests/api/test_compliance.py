"""Compliance findings (R2, R3, R5, R7, R10, R11, R12) are reported, not refused; each is
computed as at `as_of` from the timeline and names the date it starts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe


def by_code(report: dict) -> dict[str, dict]:
    return {f["code"]: f for f in report["findings"]}


def at(client: TestClient, coop: str, as_of: str) -> dict[str, dict]:
    response = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return by_code(response.json())


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_r2_missing_categories_are_warnings(client) -> None:
    coop = create_coop(client)
    usager = admit(client, coop, "Usager", "usagers")
    subscribe(client, coop, usager, 1, "50.00")
    findings = by_code(
        client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2020-01-01"}).json()
    )
    assert findings["fewer-than-three-categories"]["severity"] == "warning"
    assert findings["no-employees-or-producers"]["rule"] == "R2"
    assert "no-beneficiaries" not in findings


def test_r2_r3_r5_r7_on_a_going_cooperative(client) -> None:
    coop = create_coop(client)  # floor 5,000 €
    staff = admit(client, coop, "Salariée", "salaries")
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    sub = subscribe(client, coop, staff, 40, "500.00")["id"]  # 2,000 €, 1,500 unpaid
    subscribe(client, coop, user, 60, "3000.00")
    subscribe(client, coop, town, 90, "4500.00")  # 4,500 / 9,500 = 47.37 %
    call = client.post(
        f"/v1/coops/{coop}/calls",
        json={
            "subscription_id": sub,
            "amount": "500.00",
            "due_date": "2019-09-30",
            "effective_date": "2019-06-01",
        },
    )
    assert call.status_code == 201
    report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2019-12-31"}).json()
    findings = by_code(report)
    assert findings["categories"]["severity"] == "ok"
    assert findings["public-share"]["figures"]["share"] == "0.4737"
    assert findings["public-share"]["severity"] == "ok"
    assert findings["floor-headroom"]["figures"]["headroom"] == "4500.00"  # 9,500 − 5,000
    overdue = findings["call-overdue"]["figures"]  # the call, not the whole unpaid balance
    assert (overdue["called"], overdue["paid"], overdue["overdue"]) == ("500.00", "0.00", "500.00")
    assert overdue["from"] == "2019-10-01"
    # the user leaves: the town now holds 4,500 / 6,500 = 69 % — above the cap, reported.
    assert (
        client.post(
            f"/v1/coops/{coop}/withdrawals",
            json={"member_id": user, "effective_date": "2020-01-15"},
        ).status_code
        == 201
    )
    findings = by_code(
        client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2020-02-01"}).json()
    )
    assert findings["public-share"]["severity"] == "warning"
    assert findings["public-share"]["figures"]["share"] == "0.6923"


def test_lowering_the_floor_releases_waiting_reimbursements(client) -> None:
    coop = create_coop(client, statutory_floor="9000.00")
    staff = admit(client, coop, "Salariée", "salaries")
    user = admit(client, coop, "Usager", "usagers")
    subscribe(client, coop, staff, 100, "5000.00")
    subscribe(client, coop, user, 100, "5000.00")  # capital 10,000 €
    waiting = client.post(
        f"/v1/coops/{coop}/withdrawals", json={"member_id": user, "effective_date": "2020-01-15"}
    ).json()
    assert waiting["status"] == "pending"  # 10,000 − 5,000 < 9,000
    amended = client.post(
        f"/v1/coops/{coop}/statutes",
        json={
            "statutory_floor": "5000.00",
            "effective_date": "2020-06-30",
            "reason": "AG du 30 juin",
        },
    )
    assert amended.status_code == 201, amended.text
    assert len(amended.json()["event_ids"]) == 2  # the amendment and the reimbursement
    assert client.get(f"/v1/coops/{coop}/reimbursements").json()["pending"] == []
    member = client.get(f"/v1/coops/{coop}/members/{user}").json()
    assert member["withdrawals"][0]["reimbursed_on"] == "2020-06-30"


def test_r6_reimbursement_bears_the_members_share_of_recorded_losses(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")  # SAS: the statutes may say 0
    staff = admit(client, coop, "Salariée", "salaries")
    first = admit(client, coop, "Usager", "usagers")
    second = admit(client, coop, "Usagère", "usagers")
    subscribe(client, coop, staff, 200, "10000.00")
    subscribe(client, coop, first, 100, "5000.00")
    subscribe(client, coop, second, 100, "5000.00")  # 400 shares, 20,000 €
    losses = client.post(
        f"/v1/coops/{coop}/losses",
        json={"amount": "2000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    assert losses.status_code == 201, losses.text

    def leave(member: str, on: str) -> dict:
        out = client.post(
            f"/v1/coops/{coop}/withdrawals", json={"member_id": member, "effective_date": on}
        ).json()
        assert out["status"] == "reimbursed"
        (withdrawal,) = client.get(f"/v1/coops/{coop}/members/{member}").json()["withdrawals"]
        return withdrawal

    # 2,000 × 100 / 400 = 500 borne: 5,000 paid − 500 = 4,500 paid back
    first_out = leave(first, "2020-09-30")
    assert (first_out["loss_share"], first_out["amount"]) == ("500.00", "4500.00")
    # then 1,500 left on 300 shares: 1,500 × 100 / 300 = 500 again
    second_out = leave(second, "2020-10-30")
    assert (second_out["loss_share"], second_out["amount"]) == ("500.00", "4500.00")


def test_r2_findings_are_as_at_their_date_and_name_when_they_start(client) -> None:
    coop = create_coop(client)
    for name, category, on in (
        ("Usagère", "usagers", "2019-03-01"),
        ("Soutien", "soutiens", "2019-04-20"),
        ("Salarié", "salaries", "2019-06-15"),
    ):
        subscribe(client, coop, admit(client, coop, name, category, on=on), 1, "50.00", on=on)
    before = at(client, coop, "2019-06-14")
    assert before["no-employees-or-producers"]["figures"]["from"] == "2019-03-01"
    assert before["fewer-than-three-categories"]["figures"]["represented"] == [
        "soutiens",
        "usagers",
    ]
    after = at(client, coop, "2019-07-01")
    assert "no-employees-or-producers" not in after
    assert after["categories"]["figures"]["from"] == "2019-06-15"


def test_r2_counts_associates_only(client) -> None:
    """R2 (DOMAIN R4: an associate holds at least one share) — an employee admitted on
    2019-05-02 with no share yet represents no category until its first share
    (2019-09-16); a beneficiary whose only shares wait for their reimbursement (R5) stops
    representing its category from its withdrawal (2020-02-03)."""
    coop = create_coop(client, statutory_floor="150.00")
    c = f"/v1/coops/{coop}"
    usager = admit(client, coop, "Usagère", "usagers", on="2019-03-01")
    subscribe(client, coop, usager, 2, "100.00", on="2019-03-01")
    soutien = admit(client, coop, "Soutien", "soutiens", on="2019-03-01")
    subscribe(client, coop, soutien, 1, "50.00", on="2019-03-01")
    salarie = admit(client, coop, "Salarié", "salaries", on="2019-05-02")
    admitted = at(client, coop, "2019-06-01")
    assert admitted["no-employees-or-producers"]["figures"]["from"] == "2019-03-01"
    assert admitted["fewer-than-three-categories"]["figures"]["represented"] == [
        "soutiens",
        "usagers",
    ]
    subscribe(client, coop, salarie, 1, "50.00", on="2019-09-16")
    associate = at(client, coop, "2019-09-16")
    assert "no-employees-or-producers" not in associate
    assert associate["categories"]["figures"]["from"] == "2019-09-16"
    # 200 − 100 = 100 € would be below the 150 € floor: the reimbursement waits
    left = post(client, f"{c}/withdrawals", {"member_id": usager, "effective_date": "2020-02-03"})
    assert left["status"] == "pending"
    gone = at(client, coop, "2020-02-03")
    assert gone["no-beneficiaries"]["figures"]["from"] == "2020-02-03"
    assert gone["fewer-than-three-categories"]["figures"]["represented"] == [
        "salaries",
        "soutiens",
    ]


def test_r3_r5_findings_name_the_date_they_start(client) -> None:
    coop = create_coop(client, statutory_floor="1200.00")
    staff = admit(client, coop, "Salariée", "salaries")
    user = admit(client, coop, "Usager", "usagers")
    town = admit(client, coop, "Mairie", "collectivites", kind="organisation")
    subscribe(client, coop, staff, 30, "1500.00")
    subscribe(client, coop, user, 50, "2500.00")
    subscribe(client, coop, town, 44, "2200.00", on="2019-05-02")  # 2,200 / 6,200
    post(
        client, f"/v1/coops/{coop}/withdrawals", {"member_id": user, "effective_date": "2020-03-17"}
    )
    findings = at(client, coop, "2020-06-01")  # 2,200 / 3,700 = 59.46 %
    share = findings["public-share"]
    assert (share["severity"], share["figures"]["from"]) == ("warning", "2020-03-17")
    assert share["figures"]["share"] == "0.5946"
    assert findings["floor-headroom"]["figures"]["from"] == "2019-03-01"
    earlier = at(client, coop, "2020-03-16")
    assert earlier["public-share"]["severity"] == "ok"
    assert earlier["public-share"]["figures"]["from"] == "2019-03-01"


def test_r7_overdue_calls_one_by_one_as_at_the_date(client) -> None:
    coop = create_coop(client)
    member = admit(client, coop, "Usager", "usagers")
    sub = subscribe(client, coop, member, 30, "375.00")["id"]  # 1,500 €, a quarter paid
    calls = f"/v1/coops/{coop}/calls"
    first = post(
        client,
        calls,
        {
            "subscription_id": sub,
            "amount": "450.00",
            "due_date": "2020-04-30",
            "effective_date": "2020-02-01",
        },
    )["id"]
    second = post(
        client,
        calls,
        {
            "subscription_id": sub,
            "amount": "675.00",
            "due_date": "2020-10-31",
            "effective_date": "2020-06-01",
        },
    )["id"]
    pay = f"/v1/coops/{coop}/payments"
    post(client, pay, {"subscription_id": sub, "amount": "450.00", "effective_date": "2020-04-20"})
    post(client, pay, {"subscription_id": sub, "amount": "200.00", "effective_date": "2020-11-15"})

    def overdue(as_of: str) -> dict[str, dict]:
        report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": as_of}).json()
        return {
            f["figures"]["call_id"]: f["figures"]
            for f in report["findings"]
            if f["code"] == "call-overdue"
        }

    assert overdue("2020-10-31") == {}  # the first call was paid on time, the second is due today
    late = overdue("2020-11-10")
    assert list(late) == [second]
    assert (late[second]["called"], late[second]["paid"], late[second]["overdue"]) == (
        "675.00",
        "0.00",
        "675.00",
    )
    assert late[second]["due_date"] == "2020-10-31" and late[second]["from"] == "2020-11-01"
    later = overdue("2020-11-30")[second]
    assert (later["paid"], later["overdue"]) == ("200.00", "475.00")
    assert first not in overdue("2021-01-01")


def test_r7_a_payment_goes_to_the_call_due_first(client) -> None:
    """C. civ. art. 1342-10: without the member naming a call, a payment goes to what
    is due first, not to the call made first."""
    coop = create_coop(client)
    member = admit(client, coop, "Usagère", "usagers")
    sub = subscribe(client, coop, member, 40, "500.00")["id"]  # 2,000 €, a quarter paid
    calls, pay = f"/v1/coops/{coop}/calls", f"/v1/coops/{coop}/payments"

    def call(amount: str, due: str, on: str) -> str:
        body = {"subscription_id": sub, "amount": amount, "due_date": due, "effective_date": on}
        return post(client, calls, body)["id"]

    late_due = call("400.00", "2020-12-31", "2020-01-10")  # made first, due last
    soon_due = call("300.00", "2020-03-01", "2020-02-01")
    post(client, pay, {"subscription_id": sub, "amount": "300.00", "effective_date": "2020-03-15"})

    report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2021-06-01"}).json()
    overdue = {
        f["figures"]["call_id"]: f["figures"]["overdue"]
        for f in report["findings"]
        if f["code"] == "call-overdue"
    }
    assert overdue == {late_due: "400.00"}, overdue
    assert soon_due not in overdue


def close(client: TestClient, coop: str, year: int, result: str) -> None:
    post(client, f"/v1/coops/{coop}/fiscal-years/{year}/close", {"result": result})


def test_r10_periodic_review_due_date(client) -> None:
    coop = create_coop(client)
    review = at(client, coop, "2021-06-01")["cooperative-review"]
    assert (review["severity"], review["figures"]["due_on"]) == ("ok", "2024-03-01")
    assert review["figures"]["from"] == "2019-03-01"
    soon = at(client, coop, "2024-01-15")["cooperative-review"]
    assert soon["severity"] == "warning"  # within 90 days
    late = at(client, coop, "2027-03-02")["cooperative-review"]
    assert (late["severity"], late["figures"]["due_on"], late["figures"]["status"]) == (
        "warning",
        "2024-03-01",
        "overdue",
    )
    review = {"report_made_available_on": "2024-05-10", "reviewer": "URSCOP", "reference": "R-7"}
    assert client.post(f"/v1/coops/{coop}/reviews", json=review).status_code == 201
    done = at(client, coop, "2024-06-01")["cooperative-review"]
    assert (done["severity"], done["figures"]["due_on"], done["figures"]["from"]) == (
        "ok",
        "2029-05-10",
        "2024-05-10",
    )
    assert at(client, coop, "2024-05-09")["cooperative-review"]["figures"]["status"] == "overdue"


def test_r10_three_loss_making_years_call_for_a_review(client) -> None:
    coop = create_coop(client)
    subscribe(client, coop, admit(client, coop, "Salariée", "salaries"), 200, "10000.00")
    for year, result in ((2019, "-1250.00"), (2020, "-800.00"), (2021, "-310.00")):
        close(client, coop, year, result)
    assert "cooperative-review-triggered" not in at(client, coop, "2021-12-30")
    found = at(client, coop, "2022-03-01")["cooperative-review-triggered"]
    assert found["severity"] == "warning" and found["rule"] == "R10"
    figures = found["figures"]
    assert (figures["trigger"], figures["fiscal_year"]) == ("loss-making-years", 2021)
    assert figures["from"] == "2021-12-31" and figures["due_on"] == "2022-06-30"
    assert figures["status"] == "due"
    assert at(client, coop, "2024-06-01")["cooperative-review-triggered"]["figures"]["status"] == (
        "overdue"
    )


def test_r10_a_loss_of_half_the_highest_capital_calls_for_a_review(client) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    subscribe(client, coop, admit(client, coop, "Salariée", "salaries"), 150, "7500.00")
    close(client, coop, 2019, "-3749.99")  # under half of 7,500
    assert "cooperative-review-triggered" not in at(client, coop, "2020-06-01")
    close(client, coop, 2020, "-3750.00")
    found = at(client, coop, "2021-01-01")["cooperative-review-triggered"]["figures"]
    assert (found["trigger"], found["fiscal_year"], found["from"]) == (
        "loss-half-capital",
        2020,
        "2020-12-31",
    )
    assert (found["result"], found["highest_capital"]) == ("-3750.00", "7500.00")
