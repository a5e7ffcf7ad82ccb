"""Reminders on a stepped clock: the open obligations of a cooperative (R7, R10-R14), each
notice fired once as a ledger event whatever the number of runs, and the scheduler lock
held by one process at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.schema import events
from scic.integrations.scheduler import Scheduler, leadership_for
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe
from tests.conftest import SteppingClock
from tests.integrations.conftest import feed


class Always:
    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def obligations(client: TestClient) -> dict[str, str]:
    """A cooperative incorporated 2019-03-01 with one obligation of each kind."""
    coop = create_coop(client)
    alice = admit(client, coop, "Alice", "salaries")
    held = subscribe(client, coop, alice, 4, "200.00", on="2021-12-20")  # paid up
    partly = subscribe(client, coop, alice, 4, "50.00", on="2022-01-10")  # ¼ paid
    call = post(
        client,
        f"/v1/coops/{coop}/calls",
        {
            "subscription_id": partly["id"],
            "amount": "50.00",
            "due_date": "2026-12-15",
            "effective_date": "2026-11-15",
        },
    )
    grant = post(
        client,
        f"/v1/coops/{coop}/grants",
        {
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
            "justify_by": "2027-01-31",
        },
    )
    esus = post(
        client,
        f"/v1/coops/{coop}/esus-approvals",
        {
            "granted_on": "2022-06-01",
            "expires_on": "2027-05-31",
            "authority": "Préfecture de la Manche",
            "reference": "ESUS-50-2022-01",
        },
    )
    titles = post(
        client,
        f"/v1/coops/{coop}/participative-titles",
        {
            "holder": {"name": "France Active", "type": "private"},
            "count": 10,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2025-12-01",
        },
    )
    return {
        "coop": coop,
        "held": held["id"],
        "partly": partly["id"],
        "call": call["id"],
        "grant": grant["id"],
        "esus": esus["id"],
        "titles": titles["id"],
    }


def listed(client: TestClient, coop: str, as_of: str) -> dict[tuple[str, str], str]:
    response = client.get(f"/v1/coops/{coop}/reminders", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return {(r["job"], r["obligation_id"]): r["notice"] for r in response.json()["reminders"]}


def test_open_obligations_as_at_a_date(client: TestClient, obligations: dict[str, str]) -> None:
    o = obligations
    assert listed(client, o["coop"], "2026-11-23") == {
        ("cooperative-review", o["coop"]): "overdue",  # 2024-03-01, five years in
    }
    assert listed(client, o["coop"], "2027-01-05") == {
        ("cooperative-review", o["coop"]): "overdue",
        ("share-call", o["call"]): "overdue",  # due 2026-12-15, not paid
        ("share-payment", o["partly"]): "30-days",  # ¾ unpaid, due by 2027-01-10
        ("esus-expiry", o["esus"]): "6-months",  # expires 2027-05-31
        ("grant-justification", o["grant"]): "30-days",  # by 2027-01-31
        ("titles-remuneration", o["titles"]): "due",  # 2026-12-01, for 2025
        ("ir-pme-holding", o["held"]): "ended",  # subscribed 2021-12-20: 2026-12-31
    }
    paid = client.post(
        f"/v1/coops/{o['coop']}/payments",
        json={"subscription_id": o["partly"], "amount": "150.00", "effective_date": "2026-11-23"},
    )
    assert paid.status_code == 201, paid.text
    after_payment = listed(client, o["coop"], "2027-01-05")
    assert ("share-call", o["call"]) not in after_payment
    assert ("share-payment", o["partly"]) not in after_payment


def reminders(service: Service) -> list[dict[str, Any]]:
    with service.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(events.c.data)
                .where(events.c.type == "ReminderDue")
                .order_by(events.c.position)
            ).scalars()
        )


def test_each_reminder_fires_once_on_an_advancing_clock(
    client: TestClient, obligations: dict[str, str], service: Service, clock: SteppingClock
) -> None:
    o = obligations
    scheduler = Scheduler(service, Always())
    assert scheduler.run_reminders() == 1  # the review
    assert scheduler.run_reminders() == 0  # a restart, another run: nothing twice
    clock.now = datetime(2027, 1, 5, 9, tzinfo=UTC)
    assert scheduler.run_reminders() == 6  # 5 new obligations, a holding ended
    assert Scheduler(service, Always()).run_reminders() == 0  # another process
    clock.now = datetime(2027, 1, 25, 9, tzinfo=UTC)
    # the grant's 7 days, the unpaid share capital overdue
    assert scheduler.run_reminders() == 2
    for _ in range(3):
        clock.advance(days=1)
        scheduler.run_reminders()
    fired = [(r["job"], r["obligation_id"], r["notice"]) for r in reminders(service)]
    assert len(fired) == len(set(fired))
    grant = [notice for job, ident, notice in fired if ident == o["grant"]]
    assert grant == ["30-days", "7-days"]
    clock.now = datetime(2027, 2, 1, 9, tzinfo=UTC)
    scheduler.run_reminders()
    grant = [r["notice"] for r in reminders(service) if r["obligation_id"] == o["grant"]]
    assert grant == ["30-days", "7-days", "overdue"]
    in_feed = [e for e in feed(client, o["coop"]) if e["type"] == "ReminderDue"]
    assert [e["data"] for e in in_feed] == reminders(service)
    assert {e["actor"] for e in in_feed} == {"scheduler"}


def test_the_chain_is_verified_once_a_night(service: Service, client: TestClient) -> None:
    create_coop(client)
    scheduler = Scheduler(service, Always())
    outcome = scheduler.run_verification()
    assert outcome is not None and outcome["ok"] and outcome["checked"] >= 1
    assert scheduler.run_verification() is None  # already done today


def test_one_scheduler_holds_the_lock_until_it_lets_go(service: Service) -> None:
    first = Scheduler(service, leadership_for(service.engine))
    second = Scheduler(service, leadership_for(service.engine))
    try:
        assert first.is_leader()
        assert not second.is_leader() and second.run_reminders() is None
        assert first.is_leader()  # keeps it
        first.shutdown()  # what dying does: the lock is free
        assert second.is_leader()
        assert not first.is_leader()
    finally:
        first.shutdown()
        second.shutdown()


def test_r10_results_calling_for_a_review_are_reminded(client: TestClient) -> None:
    coop = create_coop(client)
    subscribe(client, coop, admit(client, coop, "Alice", "salaries"), 120, "6000.00")
    results = ["410.00", "95.00", "1020.00", "60.00", "-725.00", "-1310.00", "-48.00"]
    for year, result in zip(range(2019, 2026), results, strict=True):
        post(client, f"/v1/coops/{coop}/fiscal-years/{year}/close", {"result": result})
    before = listed(client, coop, "2025-12-30")
    assert (("cooperative-review", f"{coop}-fy2025")) not in before
    response = client.get(f"/v1/coops/{coop}/reminders", params={"as_of": "2026-11-23"})
    (trigger,) = [r for r in response.json()["reminders"] if r["obligation_id"] == f"{coop}-fy2025"]
    assert (trigger["job"], trigger["notice"], trigger["due_on"]) == (
        "cooperative-review",
        "overdue",
        "2026-06-30",
    )
    assert "3 loss-making fiscal years since the incorporation" in trigger["detail"]
    assert listed(client, coop, "2026-03-01")[("cooperative-review", f"{coop}-fy2025")] == "due"
    assert ("cooperative-review", f"{coop}-fy2025") in listed(client, coop, "2029-03-02")
    review = {"report_made_available_on": "2026-03-15", "reviewer": "URSCOP", "reference": "R-1"}
    post(client, f"/v1/coops/{coop}/reviews", review)
    after = listed(client, coop, "2029-03-02")
    assert ("cooperative-review", f"{coop}-fy2025") not in after
    assert ("cooperative-review", coop) not in after  # next periodic review: 2031-03-15
    assert listed(client, coop, "2031-03-16")[("cooperative-review", coop)] == "overdue"
