"""Compliance findings (R2, R3, R5, R7) are reported, not refused."""

from __future__ import annotations

from tests.api.conftest import admit, create_coop, subscribe


def by_code(report: dict) -> dict[str, dict]:
    return {f["code"]: f for f in report["findings"]}


def test_r2_missing_categories_are_warnings(client) -> None:
    coop = create_coop(client)
    admit(client, coop, "Usager", "usagers")
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
