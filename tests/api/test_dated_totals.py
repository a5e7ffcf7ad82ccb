"""The dated totals (scic.projections.dated) give the capital views as at any date the
figures the sum of every movement gives: checked at random dates after every write of a
random history with back-dated writes (category changes included) and corrections, and
after a rebuild."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.projections import dated, views
from scic.projections.tables import capital_dates
from scic.service import Service
from tests.api.conftest import admit, create_coop

START, END = date(2019, 3, 1), date(2024, 12, 31)
CATEGORIES = ("salaries", "usagers", "soutiens", "collectivites")


def exact_by_category(conn: sa.Connection, coop: str, on: date) -> dict[str, dict[str, int]]:
    """Every member's movements to `on` summed, by its category then."""
    held = views.holdings_by_member(conn, coop, on, None)
    categories = views.categories_at(conn, coop, on, None)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(dated.AMOUNTS, 0))
    for member_id, amounts in held.items():
        for k, v in amounts.items():
            totals[categories.get(member_id, dated.NO_CATEGORY)][k] += v
    return dict(totals)


def check(service: Service, coop: str, days: list[date]) -> None:
    with service.engine.connect() as conn:
        for on in days:
            assert dated.category_totals_at(conn, coop, on) == exact_by_category(conn, coop, on), on
            for group_by in views.GROUPS:
                inputs = views.capital_inputs(conn, coop, on, None)
                exact = views.render_capital_table(conn, coop, inputs, on, None, group_by)
                assert views.capital_table(conn, coop, on, None, group_by) == exact, on


def some_day(rng: random.Random, after: date = START) -> date:
    return after + timedelta(days=rng.randrange((END - after).days + 1))


def test_dated_totals_equal_the_sum_of_every_movement_at_random_dates(
    client: TestClient, service: Service
) -> None:
    rng = random.Random(29)
    coop = create_coop(client, statutory_floor="0.00")
    members = [admit(client, coop, f"M{i}", CATEGORIES[i % 4]) for i in range(5)]
    subscriptions: list[str] = []
    reversible: list[str] = []
    done: dict[str, int] = defaultdict(int)

    def post(kind: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        response = client.post(f"/v1/coops/{coop}/{path}", json=body)
        if response.status_code != 201:  # refused by a rule: nothing recorded
            return None
        done[kind] += 1
        return response.json()

    written: list[date] = []
    for _ in range(45):
        on = some_day(rng)
        choice = rng.randrange(6)
        if choice == 0 or not subscriptions:
            shares = rng.randint(2, 6)
            paid = f"{shares * 50 // rng.choice((1, 2))}.00"  # paid up, or half
            body = {"member_id": rng.choice(members), "shares": shares, "paid": paid}
            made = post("subscription", "subscriptions", body | {"effective_date": str(on)})
            if made:
                subscriptions.append(made["id"])
        elif choice == 1:
            body = {"subscription_id": rng.choice(subscriptions), "amount": "25.00"}
            made = post("payment", "payments", body | {"effective_date": str(on)})
            if made:
                reversible.append(made["id"])
        elif choice == 2:
            giver, taker = rng.sample(members, 2)
            body = {"from_member_id": giver, "to_member_id": taker, "shares": 1}
            made = post("transfer", "transfers", body | {"effective_date": str(on)})
            if made:
                reversible.append(made["id"])
        elif choice == 3:
            body = {"member_id": rng.choice(members), "category": rng.choice(CATEGORIES)}
            post("category change", "category-changes", body | {"effective_date": str(on)})
        elif choice == 4 and reversible:
            made = post(
                "correction",
                "corrections",
                {"reverses": reversible.pop(rng.randrange(len(reversible))), "reason": "error"},
            )
        else:
            body = {"member_id": rng.choice(members), "shares": 1}
            post("withdrawal", "withdrawals", body | {"effective_date": str(on)})
        written.append(on)
        if len(written) > 1 and on < max(written[:-1]):
            done["back-dated"] += 1
        check(service, coop, [on - timedelta(days=1), on, *(some_day(rng) for _ in range(4))])
    assert {"subscription", "payment", "transfer", "category change", "correction"} <= set(done)
    assert done["back-dated"] >= 10, done
    ends = [date(y, 12, 31) for y in range(2018, 2025)] + [date(2030, 1, 1)]
    check(service, coop, ends + sorted(written))
    with service.engine.connect() as conn:
        stored = conn.execute(sa.select(capital_dates).order_by(*capital_dates.primary_key)).all()
    service.store.rebuild()
    with service.engine.connect() as conn:
        rebuilt = conn.execute(sa.select(capital_dates).order_by(*capital_dates.primary_key)).all()
    assert rebuilt == stored and stored
    assert service.store.projection_drift() is None
    check(service, coop, sorted(written))


def test_before_its_projector_caught_up_the_views_sum_the_movements(
    client: TestClient, service: Service
) -> None:
    """After the migration that makes the table, and until the next write, it is empty:
    the views sum the movements instead."""
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    sub = {"member_id": alice, "shares": 2, "paid": "100.00", "effective_date": "2020-01-01"}
    assert client.post(f"/v1/coops/{coop}/subscriptions", json=sub).status_code == 201
    on = date(2020, 6, 1)
    with service.engine.begin() as conn:
        assert dated.category_totals_at(conn, coop, on)["salaries"]["paid_cents"] == 100_00
        conn.execute(capital_dates.delete())
        assert dated.category_totals_at(conn, coop, on) == {}
        table = views.capital_table(conn, coop, on, None, "category")
    assert {r.key: r.holding.paid_cents for r in table.rows}["salaries"] == 100_00
