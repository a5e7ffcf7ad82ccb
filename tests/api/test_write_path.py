"""The fast write path gives the rows the plain one gives: a batch (appends deferred to one
INSERT per table, projections set-wise) equals the same commands one by one; the
set-wise capital projector equals its per-event form; a refused batch writes nothing,
even after a command that flushed; an import of a real ledger, resumed, builds the same
projections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger import schema
from ledger.bulk import import_jsonl
from scic.demo import seed_demo
from scic.projections.capital import CapitalProjector
from scic.projections.tables import CAPITAL_TABLES
from scic.service import Service, open_service
from tests.api.conftest import admit, create_coop, event_count, subscribe

DAY = "2026-01-05"


def _people(client: Any, coop: str) -> dict[str, str]:
    names = {
        "alice": "salaries",
        "bob": "usagers",
        "chloe": "usagers",
        "town": "collectivites",
        "dan": "soutiens",
    }
    ids = {
        n: admit(client, coop, n, c, kind="organisation" if n == "town" else "person")
        for n, c in names.items()
    }
    ids["sub_alice"] = subscribe(client, coop, ids["alice"], 10, "125.00")["id"]
    ids["sub_bob"] = subscribe(client, coop, ids["bob"], 20, "1000.00")["id"]
    ids["sub_dan"] = subscribe(client, coop, ids["dan"], 8, "100.00")["id"]
    return ids


def _commands(ids: dict[str, str], correct: str) -> list[dict[str, Any]]:
    """Subscriptions, payments, transfers, a category change, a withdrawal, a grant (a
    command that flushes mid-batch) and a correction of an earlier write."""

    def sub(member: str, shares: int, paid: str) -> dict[str, Any]:
        body = {"member_id": ids[member], "shares": shares, "paid": paid, "effective_date": DAY}
        return {"type": "subscriptions", "body": body}

    def pay(sub_id: str, amount: str) -> dict[str, Any]:
        body = {"subscription_id": ids[sub_id], "amount": amount, "effective_date": DAY}
        return {"type": "payments", "body": body}

    def transfer(giver: str, taker: str, shares: int) -> dict[str, Any]:
        body = {"from_member_id": ids[giver], "to_member_id": ids[taker], "shares": shares}
        return {"type": "transfers", "body": {**body, "effective_date": DAY}}

    grant = {
        "funder": {"name": "Région", "type": "region"},
        "purpose": "operating",
        "amount": "20000.00",
        "awarded_on": DAY,
        "justify_by": "2027-03-31",
        "agreement_ref": "CP-1",
    }
    return [
        sub("chloe", 4, "200.00"),
        pay("sub_alice", "100.00"),
        transfer("bob", "chloe", 3),
        sub("town", 6, "300.00"),
        {"type": "grants", "body": grant},
        pay("sub_alice", "50.00"),
        transfer("chloe", "alice", 2),
        {"type": "corrections", "body": {"reverses": correct, "reason": "typo"}},
        {
            "type": "category-changes",
            "body": {"member_id": ids["dan"], "category": "usagers", "effective_date": DAY},
        },
        sub("dan", 2, "100.00"),
        {
            "type": "withdrawals",
            "body": {"member_id": ids["bob"], "shares": 2, "effective_date": DAY},
        },
        pay("sub_dan", "100.00"),
        transfer("alice", "bob", 1),
    ]


def _figures(client: Any, coop: str) -> list[Any]:
    """What the views answer, by name (ids differ between cooperatives)."""
    out: list[Any] = []
    for group in ("member", "category", "college"):
        table = client.get(f"/v1/coops/{coop}/capital-table?group_by={group}").json()
        rows = sorted(
            (r["label"], {k: v for k, v in r.items() if k != "key"}) for r in table["rows"]
        )
        out.append((table["totals"], rows))
    mix = client.get(f"/v1/coops/{coop}/funding-mix").json()
    out.append({k: mix[k] for k in ("capital", "grants")})
    compliance = client.get(f"/v1/coops/{coop}/compliance").json()
    out.append(sorted((f["rule"], f["code"], f["severity"]) for f in compliance["findings"]))
    return out


def test_a_batch_equals_the_same_commands_one_by_one(client, service) -> None:
    # no floor: the withdrawal is reimbursed at once, and capital falls below its highest
    one, batched = (create_coop(client, statutory_floor="0.00") for _ in range(2))
    ids_one, ids_batched = _people(client, one), _people(client, batched)
    mistake = {
        c: subscribe(client, c, i["dan"], 2, "100.00")["id"]
        for c, i in ((one, ids_one), (batched, ids_batched))
    }
    for command in _commands(ids_one, mistake[one]):
        response = client.post(f"/v1/coops/{one}/{command['type']}", json=command["body"])
        assert response.status_code == 201, response.text
    before = event_count(service)
    response = client.post(
        f"/v1/coops/{batched}/batch", json={"commands": _commands(ids_batched, mistake[batched])}
    )
    assert response.status_code == 201, response.text
    results = response.json()["results"]
    assert event_count(service) - before == sum(len(r["event_ids"]) for r in results)
    assert _figures(client, batched) == _figures(client, one)
    with service.engine.connect() as conn:
        assert _tables(conn) == _per_event_tables(service)
    assert service.store.projection_drift() is None  # what a replay from zero gives
    assert service.store.verify().ok


def test_a_batch_refused_after_a_flush_writes_nothing(client, service) -> None:
    coop = create_coop(client)
    ids = _people(client, coop)
    figures, count = _figures(client, coop), event_count(service)
    commands = _commands(ids, ids["sub_dan"])[:6]  # up to a payment after the grant
    commands.append(
        {"type": "payments", "body": {"subscription_id": ids["sub_alice"], "amount": "9000.00"}}
    )
    response = client.post(f"/v1/coops/{coop}/batch", json={"commands": commands})
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/payment-exceeds-unpaid")
    assert response.json()["command_index"] == 6
    assert event_count(service) == count
    assert _figures(client, coop) == figures
    # the fold cached during the refused batch is not trusted: the same batch, lawful, lands
    response = client.post(f"/v1/coops/{coop}/batch", json={"commands": commands[:6]})
    assert response.status_code == 201, response.text
    assert service.store.projection_drift() is None


def _per_event_tables(service: Service) -> dict[str, list[dict[str, Any]]]:
    """The capital tables as the per-event handlers build them from zero (rolled back)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with service.engine.connect() as conn:
        transaction = conn.begin()
        try:
            for table in reversed(CAPITAL_TABLES):
                conn.execute(table.delete())
            events = list(service.store.iter_all(0, conn=conn))
            CapitalProjector().apply_one_by_one(conn, events)
            out = _tables(conn)
        finally:
            transaction.rollback()
    return out


def _tables(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    return {
        t.name: sorted((dict(r) for r in conn.execute(sa.select(t)).mappings()), key=str)
        for t in CAPITAL_TABLES
    }


def test_the_set_wise_capital_projector_equals_the_per_event_one(service) -> None:
    seed_demo(service)  # seven years: corrections, withdrawals, reimbursements, statutes
    expected = _per_event_tables(service)
    with service.engine.connect() as conn:
        assert _tables(conn) == expected  # incremental: runs of a command's events
    service.store.rebuild()  # runs of thousands of events
    with service.engine.connect() as conn:
        assert _tables(conn) == expected


def _export(service: Service, path: Path) -> int:
    with service.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.events).order_by(schema.events.c.position)).mappings()
        lines = [
            json.dumps(
                {
                    "stream_id": r["stream_id"],
                    "type": r["type"],
                    "data": r["data"],
                    "effective_date": r["effective_date"].isoformat(),
                    "tenant_id": r["tenant_id"],
                    "subject_id": r["subject_id"],
                    "amount_cents": r["amount_cents"],
                    "idempotency_key": f"copy:{r['position']}",
                }
            )
            for r in rows
        ]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def test_an_import_resumed_builds_the_projections_of_the_ledger(
    client, service, databases, tmp_path
) -> None:
    coop = create_coop(client)
    ids = _people(client, coop)
    response = client.post(f"/v1/coops/{coop}/batch", json={"commands": _commands(ids, "none")[:7]})
    assert response.status_code == 201, response.text
    exported = tmp_path / "ledger.jsonl"
    count = _export(service, exported)
    lines = exported.read_text().splitlines(keepends=True)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(lines[: count // 2]))
    url = databases.fresh()
    target = open_service(url)
    try:
        first = import_jsonl(target.store, half, batch_size=7)
        assert first.appended == count // 2
        again = import_jsonl(target.store, exported, batch_size=7)  # resumed
        assert (again.skipped, again.appended) == (count // 2, count - count // 2)
        assert target.store.projection_drift() is None
        assert target.store.verify().ok
        with target.engine.connect() as conn, service.engine.connect() as source:
            assert _capital(conn) == _capital(source)
    finally:
        target.close()
        databases.drop(url)


def _capital(conn: sa.Connection) -> list[Any]:
    """coop_capital and the members' sums (their ids are in the payloads: the same)."""
    return [
        sorted(map(tuple, conn.execute(sa.text(q)).all()), key=str)
        for q in (
            "SELECT coop_id, shares, subscribed_cents, called_cents, paid_cents,"
            " public_subscribed_cents, highest_subscribed_cents FROM coop_capital",
            "SELECT member_id, category, shares, subscribed_cents, called_cents, paid_cents,"
            " pending_shares FROM members",
        )
    ]
