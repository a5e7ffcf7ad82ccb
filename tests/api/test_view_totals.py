"""The running totals (scic.projections.mix) give the capital views the figures the sum of
every movement gives, after mixed histories with back-dated events and corrections."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.api.public.capital import CapitalTable
from scic.api.public.common import Public
from scic.api.public.funding import FundingMix
from scic.projections import funding_views, mix, views
from scic.projections.tables import mix_categories
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe

LATER = date(2030, 1, 1)


def post(client: TestClient, coop: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/v1/coops/{coop}/{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def mixed_history(client: TestClient) -> str:
    coop = create_coop(client, statutory_floor="0.00")
    alice = admit(client, coop, "Alice", "salaries")
    bob = admit(client, coop, "Bob", "usagers")
    ville = admit(client, coop, "Ville", "collectivites", kind="organisation")
    admit(client, coop, "Dora", "soutiens")  # never subscribes
    sub = subscribe(client, coop, alice, 10, "125.00", on="2020-06-01")["id"]
    subscribe(client, coop, bob, 20, "1000.00", on="2020-07-01")
    subscribe(client, coop, ville, 4, "200.00", on="2020-08-01")
    post(client, coop, "payments", {"subscription_id": sub, "amount": "250.00"} | DAY("2021-01-05"))
    paid = post(client, coop, "payments", {"subscription_id": sub, "amount": "50.00"})
    post(client, coop, "corrections", {"reverses": paid["id"], "reason": "bounced"})
    post(
        client,
        coop,
        "transfers",
        {"from_member_id": bob, "to_member_id": alice, "shares": 3} | DAY("2021-03-01"),
    )
    # back-dated: before the transfer, and a change dated before an earlier-recorded one
    post(
        client,
        coop,
        "category-changes",
        {"member_id": bob, "category": "soutiens"} | DAY("2022-01-01"),
    )
    post(
        client,
        coop,
        "category-changes",
        {"member_id": bob, "category": "salaries"} | DAY("2021-02-01"),
    )
    left = post(client, coop, "withdrawals", {"member_id": bob, "shares": 5} | DAY("2022-06-01"))
    assert left["status"] == "reimbursed"
    post(client, coop, "corrections", {"reverses": left["id"], "reason": "stayed"})
    post(client, coop, "withdrawals", {"member_id": bob, "shares": 2} | DAY("2022-07-01"))
    return coop


def DAY(on: str) -> dict[str, str]:  # noqa: N802 — reads like a keyword in the bodies
    return {"effective_date": on}


def exact(conn: sa.Connection, coop: str, on: date, group_by: views.GroupBy) -> views.CapitalTable:
    inputs = views.capital_inputs(conn, coop, on, None)
    return views.render_capital_table(conn, coop, inputs, on, None, group_by)


def test_the_totals_equal_the_sum_of_every_movement(client: TestClient, service: Service) -> None:
    coop = mixed_history(client)
    with service.engine.connect() as conn:
        assert mix.usable(conn, coop, LATER, None)
        for group_by in views.GROUPS:
            assert views.capital_table(conn, coop, LATER, None, group_by) == exact(
                conn, coop, LATER, group_by
            )
        by_category = exact(conn, coop, LATER, "category").rows
        assert {r.key: r.holding.subscribed_cents for r in by_category} == {
            "salaries": 650_00,  # Alice: 10 shares and 3 from Bob
            "usagers": 0,
            "collectivites": 200_00,
            "soutiens": 750_00,  # Bob: 20 − 3 − 5 + 5 (corrected) − 2, latest dated change
        }
        fast = views.category_inputs(conn, coop, LATER, None)
        assert fast.categories == {k: k for k in fast.held}  # read from the totals
        assert fast.public_subscribed_cents == 20_000


def test_the_funding_mix_reads_the_totals_and_the_same_figures(
    client: TestClient, service: Service
) -> None:
    coop = mixed_history(client)
    mixed = client.get(f"/v1/coops/{coop}/funding-mix", params={"as_of": LATER.isoformat()})
    assert mixed.status_code == 200
    with service.engine.connect() as conn:
        by_category = CapitalTable.of(exact(conn, coop, LATER, "category"))
        by_college = CapitalTable.of(exact(conn, coop, LATER, "college"))
    capital = mixed.json()["capital"]
    assert capital["subscribed"] == by_category.totals.subscribed == "1600.00"
    slim = {"key", "label", "subscribed", "paid", "share_of_capital"}
    assert capital["by_category"] == [r.model_dump(include=slim) for r in by_category.rows]
    assert capital["by_college"] == [r.model_dump(include=slim) for r in by_college.rows]
    assert capital["public_share"] == "0.1250"


def test_earlier_dates_and_known_at_are_computed_from_the_movements(
    client: TestClient, service: Service
) -> None:
    coop = mixed_history(client)
    with service.engine.connect() as conn:
        for on in (date(2020, 12, 31), date(2021, 2, 15), date(2022, 6, 30)):
            assert not mix.usable(conn, coop, on, None)
            for group_by in views.GROUPS:
                assert views.capital_table(conn, coop, on, None, group_by) == exact(
                    conn, coop, on, group_by
                )
    early = client.get(
        f"/v1/coops/{coop}/capital-table",
        params={"as_of": LATER.isoformat(), "known_at": "2000-01-01T00:00:00+00:00"},
    )
    assert early.status_code == 200, early.text
    assert early.json()["rows"] == []


def test_a_rebuild_and_the_projection_check_cover_the_totals(
    client: TestClient, service: Service
) -> None:
    coop = mixed_history(client)
    with service.engine.connect() as conn:
        before = views.capital_table(conn, coop, LATER, None, "college")
    service.store.rebuild()
    with service.engine.connect() as conn:
        assert views.capital_table(conn, coop, LATER, None, "college") == before
    assert service.store.projection_drift() is None
    with service.engine.begin() as conn:
        c = mix_categories.c
        conn.execute(
            mix_categories.update()
            .where(c.coop_id == coop, c.category == "salaries")
            .values(shares=c.shares + 1)
        )
    drift = service.store.projection_drift()
    assert drift is not None and drift.table == "mix_categories"


def test_the_cached_views_write_the_bytes_json_dumps_wrote(
    client: TestClient, service: Service
) -> None:
    """The cached views are their response models serialised once by pydantic: the bytes
    json.dumps wrote (compact, UTF-8), non-ASCII names included."""
    coop = mixed_history(client)
    client.post(
        f"/v1/coops/{coop}/members",
        json={
            "name": "Zoë Ñandú ✓",
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2019-03-01",
        },
    )
    with service.engine.connect() as conn:
        built: list[Public] = [
            CapitalTable.of(views.capital_table(conn, coop, on, None, group_by))
            for on in (LATER, date(2021, 2, 15))
            for group_by in views.GROUPS
        ]
        built.append(FundingMix.of(funding_views.funding_mix(conn, coop, LATER, None)))
    for view in built:
        plain = view.model_dump(mode="json", by_alias=True)
        dumped = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
        assert view.model_dump_json(by_alias=True).encode() == dumped
    response = client.get(f"/v1/coops/{coop}/capital-table", params={"as_of": "2030-01-01"})
    assert response.content == built[0].model_dump_json(by_alias=True).encode()
    mixed = client.get(f"/v1/coops/{coop}/funding-mix", params={"as_of": "2030-01-01"})
    assert mixed.content == built[-1].model_dump_json(by_alias=True).encode()
