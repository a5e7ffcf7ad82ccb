"""Every path that appends a cooperative's events outside an HTTP command (the
scheduler's reminders, a fiscal year's closing, an erasure, the daily verification, the
accounting rules' rates, a register import) keeps the write model's cached timeline
current: after it, the cache is tagged with the cooperative's last event and equals a
timeline folded afresh from the ledger, and the next command neither reads the history
again nor refolds it (scic.write.store.noted, through scic.write.pipeline)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.schema import events
from scic import backup
from scic.domain import timeline
from scic.integrations.reminders import fire_reminders, verify_chain
from scic.service import Service
from scic.write import store
from tests.api.conftest import admit, create_coop, issue_token, subscribe
from tests.web.conftest import signed_in


def _head_of(service: Service, coop: str) -> tuple[int, str]:
    e = events.c
    with service.engine.connect() as conn:
        last = conn.execute(
            sa.select(e.position, e.hash)
            .where(e.tenant_id == coop)
            .order_by(e.position.desc())
            .limit(1)
        ).one()
    return last.position, last.hash


def _cached(service: Service, coop: str) -> store.Cached:
    return store._CACHE[service.engine][coop]


class Refolds:
    """Counts the reads of a history (`store._read`) and the folds of a whole one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        self.folds = 0
        read, fold = store._read, timeline.fold

        def counted_read(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            return read(*args, **kwargs)

        def counted_fold(*args: Any, **kwargs: Any) -> Any:
            self.folds += 1
            return fold(*args, **kwargs)

        monkeypatch.setattr(store, "_read", counted_read)
        monkeypatch.setattr(timeline, "fold", counted_fold)


@pytest.fixture
def coop(client: TestClient) -> Iterator[str]:
    """A cooperative incorporated in 2019 with a paid-up member, its timeline cached."""
    coop = create_coop(client)
    member = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, member, 4, "200.00")
    yield coop


def _current_after(
    client: TestClient, service: Service, coop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is the ledger's, as a fresh fold gives it, and a command dated today
    then reads and refolds nothing."""
    cached = _cached(service, coop)
    assert cached.tag == _head_of(service, coop)
    with service.engine.connect() as conn:
        fresh = timeline.Timeline.of(store.read_entries(conn, service.store.registry, coop))
    assert [e.event_id for e in cached.timeline.entries] == [e.event_id for e in fresh.entries]
    assert cached.timeline.state == fresh.state
    assert cached.timeline.baseline == fresh.baseline
    refolds = Refolds(monkeypatch)
    admit(client, coop, "Bruno Petit", "usagers", on=service.today().isoformat())
    assert (refolds.reads, refolds.folds) == (0, 0)
    assert _cached(service, coop).tag == _head_of(service, coop)


def test_the_schedulers_back_dated_reminder(client, service, coop, monkeypatch) -> None:
    before = _head_of(service, coop)
    # R10 — incorporated 2019-03-01: the review was due 2024-03-01, overdue since the day
    # after; the notices are dated when they fell due, long before today.
    assert fire_reminders(service.store, service.today()) > 0
    with service.engine.connect() as conn:
        dated = conn.execute(
            sa.select(events.c.effective_date).where(
                events.c.type == "ReminderDue", events.c.tenant_id == coop
            )
        ).scalars()
        assert min(dated) < date(2025, 1, 1)
    assert _head_of(service, coop) != before
    _current_after(client, service, coop, monkeypatch)


def test_a_fiscal_year_closing(client, service, coop, monkeypatch) -> None:
    closed = client.post(f"/v1/coops/{coop}/fiscal-years/2019/close", json={})
    assert closed.status_code == 201, closed.text
    _current_after(client, service, coop, monkeypatch)
    later = client.post(
        f"/v1/coops/{coop}/members",
        json={
            "name": "Chloé",
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2019-06-01",
        },
    )
    assert later.status_code == 409  # R16 — the closing is known to the cached timeline
    assert later.json()["type"] == "/errors/closed-period"


def test_an_erasure(client, service, coop, monkeypatch) -> None:
    member = admit(client, coop, "Denise Roy", "usagers")
    party = client.get(f"/v1/coops/{coop}/members/{member}").json()["party_id"]
    erased = client.post(f"/v1/coops/{coop}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text
    _current_after(client, service, coop, monkeypatch)


def test_the_daily_verification_and_a_rate(client, service, coop, monkeypatch) -> None:
    assert verify_chain(service.store, service.today()) is not None
    rate = {"year": 2024, "rate": "0.0330", "source": "avis JO"}
    assert client.post("/v1/rules/tmo", json=rate).status_code == 201
    _current_after(client, service, coop, monkeypatch)


def test_a_register_import(client, service, coop, monkeypatch) -> None:
    register = (
        "Nom;Type;Catégorie;Date d'admission;Parts;Montant versé (€)\r\n"
        "Émile Durand;personne;usagers;01/06/2020;2;100,00\r\n"
    ).encode()
    imported = client.post(
        f"/v1/coops/{coop}/imports", files={"file": ("registre.csv", register, "text/csv")}
    )
    assert imported.status_code == 201, imported.text
    _current_after(client, service, coop, monkeypatch)


def _notice(coop: str, day: str) -> dict[str, Any]:
    """A scheduler's notice, dated long ago, as a line of events to append."""
    data = {
        "job": "cooperative-review",
        "obligation_id": f"review-{coop}-{day}",
        "notice": "due",
        "due_on": day,
        "rule": "R10",
        "detail": "imported",
    }
    return {
        "stream_id": f"reminders-{coop}",
        "type": "ReminderDue",
        "data": data,
        "effective_date": day,
        "tenant_id": coop,
    }


def test_an_import_of_events(client, service, coop, monkeypatch, tmp_path) -> None:
    lines = [_notice(coop, day) for day in ("2020-03-01", "2021-03-01", "2022-03-01")]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = backup.import_events(service, path, batch_size=2)  # two transactions
    assert done.appended == 3
    _current_after(client, service, coop, monkeypatch)


def test_a_restore(client, service, coop, monkeypatch) -> None:
    with service.engine.connect() as conn:
        version = conn.execute(
            sa.select(sa.func.count()).where(events.c.stream_id == f"reminders-{coop}")
        ).scalar_one()
    records = [
        (
            f"line {n}",
            {
                **_notice(coop, day),
                "event_id": str(uuid.uuid4()),
                "stream_version": version + n,
                "recorded_at": "2026-01-01T00:00:00+00:00",
            },
        )
        for n, day in enumerate(("2020-03-01", "2021-03-01"), start=1)
    ]
    done = backup.restore(service, records, None)
    assert done.events.rechained == 2
    _current_after(client, service, coop, monkeypatch)


# -- dry runs: rolled back on purpose ----------------------------------------------------
# A dry run decides into the cached timeline, then rolls back: the cache is folded again
# from the ledger outside the write lock (store.refold), so it holds nothing of the dry
# run and the next command neither reads the history nor refolds it under the lock.


def test_a_register_import_dry_run(client, service, coop, monkeypatch) -> None:
    register = (
        "Nom;Type;Catégorie;Date d'admission;Parts;Montant versé (€)\r\n"
        "Émile Durand;personne;usagers;01/06/2020;2;100,00\r\n"
    ).encode()
    before, members = _head_of(service, coop), len(_members(service, coop))
    dry = client.post(
        f"/v1/coops/{coop}/imports",
        files={"file": ("registre.csv", register, "text/csv")},
        data={"dry_run": "true"},
    )
    assert dry.status_code == 200, dry.text
    assert _head_of(service, coop) == before
    assert len(_members(service, coop)) == members  # Émile is not in the cache
    _current_after(client, service, coop, monkeypatch)


def test_a_correction_previewed(app, client, service, coop, monkeypatch) -> None:
    member = admit(client, coop, "Bruno Petit", "usagers")
    written = subscribe(client, coop, member, 4, "200.00", on="2024-03-01")
    event = written["event_ids"][0]
    web = signed_in(app, issue_token(service, "manager", coop).secret)
    form = web.get(f"/dashboard/corrections/new?reverses={event}")
    csrf = re.search(r'name="csrf" value="([^"]*)"', form.text)
    key = re.search(r'name="idempotency_key" value="([^"]*)"', form.text)
    assert csrf and key
    values = {"reverses": event, "reason": "saisie en double"}
    shown = web.post(
        "/dashboard/corrections/new",
        data={"csrf": csrf[1], "idempotency_key": key[1], **values},
        follow_redirects=False,
    )
    assert shown.status_code == 200 and 'id="preview-reverses"' in shown.text
    reversed_ = store._CACHE[service.engine][coop].timeline.reversed_ids
    assert event not in reversed_  # the dry run's reversal is not in the cache
    _current_after(client, service, coop, monkeypatch)
    # the correction itself, decided on that cache, is accepted once
    done = client.post(f"/v1/coops/{coop}/corrections", json=values)
    assert done.status_code == 201, done.text


def _members(service: Service, coop: str) -> list[Any]:
    return list(_cached(service, coop).timeline.state.members.values())
