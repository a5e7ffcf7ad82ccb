"""R7 over HTTP: a departing member's called and unpaid amounts stay owed (C. com.
L231-6). While its reimbursement waits they are an overdue call like any other; at the
reimbursement they are set against what the cooperative owes it (C. civ. art. 1347), and
only what that leaves stays on 4562, in its name.

Figures: 50 € shares. Léa subscribes 4 shares (200 €) and pays the legal quarter, 50 €
(R7, L225-144); the other 150 € are called, due 2019-09-30, and never paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post


def _story(client: TestClient, floor: str) -> tuple[str, str]:
    coop = create_coop(client, statutory_floor=floor)
    c = f"/v1/coops/{coop}"
    staff = admit(client, coop, "Salariée", "salaries", on="2019-03-01")
    subscribe(client, coop, staff, 196, "9800.00", on="2019-03-01")  # 200 shares in all
    lea = admit(client, coop, "Léa Durand", "usagers", on="2019-03-01")
    sub = subscribe(client, coop, lea, 4, "50.00", on="2019-03-01")["id"]
    post(
        client,
        f"{c}/calls",
        {
            "subscription_id": sub,
            "amount": "150.00",
            "due_date": "2019-09-30",
            "effective_date": "2019-06-01",
        },
    )
    return c, lea


def _findings(client: TestClient, c: str, on: str, code: str) -> list[dict[str, Any]]:
    report = client.get(f"{c}/compliance", params={"as_of": on}).json()
    return [f["figures"] for f in report["findings"] if f["code"] == code]


def _lines(client: TestClient, c: str, on: str, member: str) -> dict[str, Decimal]:
    """Léa's reimbursement day: the net movement of each account it touches."""
    entries = client.get(f"{c}/journal", params={"from": on, "to": on}).json()["entries"]
    net: dict[str, Decimal] = {}
    for x in entries:
        for li in x["lines"]:
            move = Decimal(li["debit"]) - Decimal(li["credit"])
            net[li["account"]] = net.get(li["account"], Decimal(0)) + move
    return {a: v for a, v in net.items() if v}


def _owed_on_4562(client: TestClient, c: str, member: str) -> Decimal:
    entries = client.get(f"{c}/journal", params={"to": "2026-11-23"}).json()["entries"]
    return sum(
        (
            Decimal(li["debit"]) - Decimal(li["credit"])
            for x in entries
            for li in x["lines"]
            if li["account"] == "4562" and li.get("aux") == member
        ),
        Decimal(0),
    )


def test_the_call_stays_owed_while_the_reimbursement_waits(client: TestClient) -> None:
    # floor 9,900 €: 10,000 − 200 = 9,800 € would be below it, so the reimbursement waits
    c, lea = _story(client, floor="9900.00")
    out = post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    assert out["status"] == "pending"
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["called"], withdrawal["paid"]) == ("200.00", "50.00")
    assert withdrawal["still_owed"] == "150.00"  # 200 called − 50 paid
    (call,) = _findings(client, c, "2020-02-01", "call-overdue")
    assert (call["member_id"], call["overdue"]) == (lea, "150.00")
    assert _owed_on_4562(client, c, lea) == Decimal("150.00")


def test_without_losses_the_call_is_set_against_the_reimbursement(client: TestClient) -> None:
    c, lea = _story(client, floor="0.00")
    out = post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    assert out["status"] == "reimbursed"
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    # owed to Léa: 200 called − 0 loss = 200; owed by Léa: 150; set off: 150; paid: 50
    assert (withdrawal["loss_share"], withdrawal["amount"]) == ("0.00", "50.00")
    assert withdrawal["still_owed"] == "0.00"
    assert _lines(client, c, "2020-01-15", lea) == {
        "1013": Decimal("50.00"),
        "1012": Decimal("150.00"),
        "4562": Decimal("-150.00"),
        "512": Decimal("-50.00"),
    }  # 4567: +200 credit, −150 set off, −50 paid out = 0
    assert _owed_on_4562(client, c, lea) == 0
    assert _findings(client, c, "2020-02-01", "call-overdue") == []
    assert _findings(client, c, "2020-02-01", "owed-after-exit") == []


def test_a_loss_share_above_what_was_paid_stays_owed(client: TestClient) -> None:
    c, lea = _story(client, floor="0.00")
    post(
        client,
        f"{c}/losses",
        {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    out = post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-09-30"})
    assert out["status"] == "reimbursed"
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    # R6: 6,000 € over 200 shares = 30 €/share; Léa's 4 bear 120 €, within the 200 called.
    # Owed to Léa: 200 − 120 = 80; owed by Léa: 150; set off 80; nothing paid out;
    # 150 − 80 = 70 € still owed (= 120 loss − 50 paid).
    assert (withdrawal["loss_share"], withdrawal["amount"]) == ("120.00", "0.00")
    assert withdrawal["still_owed"] == "70.00"
    assert _lines(client, c, "2020-09-30", lea) == {
        "1013": Decimal("50.00"),
        "1012": Decimal("150.00"),
        "119": Decimal("-120.00"),
        "4562": Decimal("-80.00"),
    }
    assert _owed_on_4562(client, c, lea) == Decimal("70.00")
    (owed,) = _findings(client, c, "2020-10-01", "owed-after-exit")
    assert (owed["member_id"], owed["owed"], owed["from"]) == (lea, "70.00", "2020-09-30")
    assert _findings(client, c, "2020-10-01", "call-overdue") == []


def _subscription(client: TestClient, c: str, member: str) -> str:
    (sub,) = client.get(f"{c}/members/{member}").json()["subscriptions"]
    return str(sub["id"])


def _register_owed(client: TestClient, c: str, on: str, member: str) -> str:
    report = client.get(f"{c}/reports/member-register", params={"as_of": on}).json()
    (row,) = [r for r in report["tables"][0]["rows"] if r["member_id"] == member]
    return str(row["still_owed"])


def test_a_former_member_pays_what_it_still_owes_and_no_more(client: TestClient) -> None:
    c, lea = _story(client, floor="0.00")
    sub = _subscription(client, c, lea)
    post(
        client,
        f"{c}/losses",
        {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-09-30"})
    # 70 € still owed (the case above): 70.01 is refused, naming R7, and nothing is written
    refused = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "70.01", "effective_date": "2020-11-02"},
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert (body["type"], body["rule"]) == ("/errors/payment-exceeds-owed", "R7")
    assert "70.00" in body["detail"]
    assert _owed_on_4562(client, c, lea) == Decimal("70.00")

    paid = post(
        client,
        f"{c}/payments",
        {
            "subscription_id": sub,
            "amount": "30.00",
            "effective_date": "2020-11-02",
            "bank_reference": "VIR-LEA-1",
        },
    )
    # booked against the receivable, no capital moves: 512 debit, 4562 credit in her name
    assert _lines(client, c, "2020-11-02", lea) == {
        "512": Decimal("30.00"),
        "4562": Decimal("-30.00"),
    }
    assert _owed_on_4562(client, c, lea) == Decimal("40.00")
    member = client.get(f"{c}/members/{lea}").json()
    (withdrawal,) = member["withdrawals"]
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("30.00", "40.00")
    assert member["owed_payments"] == [
        {"id": paid["id"], "paid_on": "2020-11-02", "amount": "30.00"}
    ]
    assert member["holding"]["paid"] == "0.00"  # her shares are gone: nothing is capital
    (owed,) = _findings(client, c, "2020-12-01", "owed-after-exit")
    assert (owed["owed"], owed["from"]) == ("40.00", "2020-09-30")
    # the register as at each date
    assert _register_owed(client, c, "2020-10-31", lea) == "70.00"
    assert _register_owed(client, c, "2020-12-31", lea) == "40.00"
    assert _register_owed(client, c, "2020-09-29", lea) == "0.00"

    # the rest, then one cent more
    post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "40.00", "effective_date": "2020-12-15"},
    )
    problem = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "0.01", "effective_date": "2021-01-04"},
    )
    assert problem.status_code == 409
    assert problem.json()["type"] == "/errors/payment-exceeds-owed"
    assert _owed_on_4562(client, c, lea) == 0
    assert _findings(client, c, "2021-01-05", "owed-after-exit") == []
    assert _register_owed(client, c, "2020-12-31", lea) == "0.00"
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("70.00", "0.00")


def test_a_payment_back_dated_before_the_reimbursement_is_refused(client: TestClient) -> None:
    c, lea = _story(client, floor="0.00")
    sub = _subscription(client, c, lea)
    post(
        client,
        f"{c}/losses",
        {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-09-30"})
    # before she left she was a member paying her call: her exit took all she held then
    problem = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "10.00", "effective_date": "2020-09-01"},
    )
    assert problem.status_code == 409
    assert problem.json()["type"] == "/errors/exit-holding-changed"


def _booked(client: TestClient, c: str, ref: str) -> dict[str, Decimal]:
    """The net movement of each account in the entries of one piece (a withdrawal's
    reimbursement, set-off and payout are booked under its id)."""
    entries = client.get(f"{c}/journal", params={"to": "2026-11-23"}).json()["entries"]
    net: dict[str, Decimal] = {}
    for x in entries:
        if x["piece_ref"] != ref:
            continue
        for li in x["lines"]:
            move = Decimal(li["debit"]) - Decimal(li["credit"])
            net[li["account"]] = net.get(li["account"], Decimal(0)) + move
    return {a: v for a, v in net.items() if v}


def _release(client: TestClient, c: str, on: str) -> None:
    """A newcomer subscribes 2 shares (100 €): 10,100 − 200 = 9,900 € is the floor, so
    the waiting reimbursement is released that day."""
    newcomer = admit(client, c.rsplit("/", 1)[1], "Nouvel associé", "usagers", on=on)
    subscribe(client, c.rsplit("/", 1)[1], newcomer, 2, "100.00", on=on)


def test_while_the_reimbursement_waits_a_former_member_pays_its_call(
    client: TestClient,
) -> None:
    # R7 (C. com. L231-6) — Léa left on 2020-01-15; her reimbursement waits (R5 floor
    # 9,900 €). She owes her 150 € call: she may pay it now, and no more than it.
    c, lea = _story(client, floor="9900.00")
    sub = _subscription(client, c, lea)
    out = post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    (wid,) = [w["id"] for w in client.get(f"{c}/members/{lea}").json()["withdrawals"]]
    assert out["status"] == "pending"
    refused = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "150.01", "effective_date": "2020-02-01"},
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["type"], body["rule"]) == ("/errors/payment-exceeds-owed", "R7")
    assert "owes 150.00" in body["detail"] and "waits" in body["detail"]
    assert _owed_on_4562(client, c, lea) == Decimal("150.00")

    paid = post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "100.00", "effective_date": "2020-02-01"},
    )
    # no capital moves (she is no longer an associate): the bank against her receivable
    assert _lines(client, c, "2020-02-01", lea) == {
        "512": Decimal("100.00"),
        "4562": Decimal("-100.00"),
    }
    assert _owed_on_4562(client, c, lea) == Decimal("50.00")
    member = client.get(f"{c}/members/{lea}").json()
    (withdrawal,) = member["withdrawals"]
    assert withdrawal["status"] == "pending"
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("100.00", "50.00")
    assert member["owed_payments"] == [
        {"id": paid["id"], "paid_on": "2020-02-01", "amount": "100.00"}
    ]
    assert member["holding"]["paid"] == "50.00"  # her shares wait, as paid when she left
    (call,) = _findings(client, c, "2020-02-02", "call-overdue")
    assert (call["paid"], call["overdue"]) == ("100.00", "50.00")
    assert _register_owed(client, c, "2020-01-31", lea) == "150.00"
    assert _register_owed(client, c, "2020-02-01", lea) == "50.00"
    # what she owes now is 50 €: one cent more is refused
    over = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "50.01", "effective_date": "2020-02-10"},
    )
    assert over.status_code == 409
    assert "owes 50.00" in over.json()["detail"]

    # R5 — released on 2020-03-02: owed to Léa 200 (called, no loss); owed by her
    # 150 − 100 = 50, set off; paid back 200 − 50 = 150 (her 50 + the 100 she paid)
    _release(client, c, "2020-03-02")
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["status"], withdrawal["reimbursed_on"]) == ("reimbursed", "2020-03-02")
    assert (withdrawal["loss_share"], withdrawal["amount"]) == ("0.00", "150.00")
    assert withdrawal["still_owed"] == "0.00"
    assert _booked(client, c, wid) == {
        "1013": Decimal("50.00"),
        "1012": Decimal("150.00"),
        "4562": Decimal("-50.00"),
        "512": Decimal("-150.00"),
    }  # 4567: +200 credit, −50 set off, −150 paid out = 0
    assert _owed_on_4562(client, c, lea) == 0
    assert _findings(client, c, "2020-03-03", "call-overdue") == []
    assert _findings(client, c, "2020-03-03", "owed-after-exit") == []
    assert _register_owed(client, c, "2020-03-02", lea) == "0.00"
    nothing = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "0.01", "effective_date": "2020-03-03"},
    )
    assert nothing.status_code == 409
    assert nothing.json()["type"] == "/errors/payment-exceeds-owed"


def test_a_payment_while_waiting_and_a_loss_share_at_the_release(client: TestClient) -> None:
    # Léa pays 40 € of her 150 € call while her reimbursement waits; a loss of 6,000 €
    # is carried (no reserve absorbs it) before the release: R6 gives her 4 shares of the
    # 200 a loss share of 6,000 × 4 / 200 = 120 €.
    c, lea = _story(client, floor="9900.00")
    sub = _subscription(client, c, lea)
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    (wid,) = [w["id"] for w in client.get(f"{c}/members/{lea}").json()["withdrawals"]]
    post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "40.00", "effective_date": "2020-02-01"},
    )
    post(
        client,
        f"{c}/losses",
        {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    _release(client, c, "2020-06-02")
    # owed to Léa: 200 − 120 = 80; owed by her: 150 − 40 = 110; set off 80, nothing paid
    # back; 110 − 80 = 30 still owed (= 120 loss − 50 − 40 paid)
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["loss_share"], withdrawal["amount"]) == ("120.00", "0.00")
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("40.00", "30.00")
    assert _booked(client, c, wid) == {
        "1013": Decimal("50.00"),
        "1012": Decimal("150.00"),
        "119": Decimal("-120.00"),
        "4562": Decimal("-80.00"),
    }
    assert _owed_on_4562(client, c, lea) == Decimal("30.00")
    (owed,) = _findings(client, c, "2020-06-03", "owed-after-exit")
    assert (owed["owed"], owed["from"]) == ("30.00", "2020-06-02")
    assert _register_owed(client, c, "2020-06-02", lea) == "30.00"
    # after the release she owes what the set-off left: 30 €, not a cent more
    over = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "30.01", "effective_date": "2020-07-01"},
    )
    assert over.status_code == 409 and "owes 30.00" in over.json()["detail"]
    post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "30.00", "effective_date": "2020-07-01"},
    )
    assert _owed_on_4562(client, c, lea) == 0
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("70.00", "0.00")
    assert _findings(client, c, "2020-07-02", "owed-after-exit") == []


def test_a_payment_dated_before_a_recorded_release_is_refused(client: TestClient) -> None:
    # The release of 2020-03-02 set 150 € against Léa's claim: a payment dated between
    # her exit and that release would have changed the set-off already booked.
    c, lea = _story(client, floor="9900.00")
    sub = _subscription(client, c, lea)
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    _release(client, c, "2020-03-02")
    before = client.get(f"{c}/journal").json()["entries"]
    problem = client.post(
        f"{c}/payments",
        json={"subscription_id": sub, "amount": "100.00", "effective_date": "2020-02-01"},
    )
    assert problem.status_code == 409, problem.text
    body = problem.json()
    assert (body["type"], body["rule"]) == ("/errors/reimbursement-set-off-changed", "R7")
    assert "after 2020-03-02" in body["detail"]
    assert client.get(f"{c}/journal").json()["entries"] == before  # nothing written
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["amount"], withdrawal["still_owed"]) == ("50.00", "0.00")


def test_a_payment_while_waiting_can_be_corrected_before_the_release(
    client: TestClient,
) -> None:
    c, lea = _story(client, floor="9900.00")
    sub = _subscription(client, c, lea)
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-01-15"})
    paid = post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "100.00", "effective_date": "2020-02-01"},
    )
    post(client, f"{c}/corrections", {"reverses": paid["id"], "reason": "chèque rejeté"})
    assert _owed_on_4562(client, c, lea) == Decimal("150.00")
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["paid_after_exit"], withdrawal["still_owed"]) == ("0.00", "150.00")
    _release(client, c, "2020-03-02")
    (withdrawal,) = client.get(f"{c}/members/{lea}").json()["withdrawals"]
    assert (withdrawal["amount"], withdrawal["still_owed"]) == ("50.00", "0.00")
    assert _owed_on_4562(client, c, lea) == 0


def test_a_former_members_payment_can_be_corrected(client: TestClient) -> None:
    c, lea = _story(client, floor="0.00")
    sub = _subscription(client, c, lea)
    post(
        client,
        f"{c}/losses",
        {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"},
    )
    post(client, f"{c}/withdrawals", {"member_id": lea, "effective_date": "2020-09-30"})
    paid = post(
        client,
        f"{c}/payments",
        {"subscription_id": sub, "amount": "70.00", "effective_date": "2020-11-02"},
    )
    assert _owed_on_4562(client, c, lea) == 0
    post(client, f"{c}/corrections", {"reverses": paid["id"], "reason": "chèque rejeté"})
    assert _owed_on_4562(client, c, lea) == Decimal("70.00")
    member = client.get(f"{c}/members/{lea}").json()
    assert member["owed_payments"] == []
    assert member["withdrawals"][0]["still_owed"] == "70.00"
    (owed,) = _findings(client, c, "2021-01-01", "owed-after-exit")
    assert owed["owed"] == "70.00"
