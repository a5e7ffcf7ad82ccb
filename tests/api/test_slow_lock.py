"""A write lock held longer than its bound (SCIC_SLOW_LOCK_MS) is logged with what held
it: the commands and their cooperative, the scheduler's notices, the duration. The bound
is set to 0 ms here, so every hold is "slow" and no test depends on a duration."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from scic import backup
from scic.integrations.reminders import fire_reminders
from scic.service import Service, open_service
from scic.settings import get_settings
from tests.api.conftest import admit, create_coop


@pytest.fixture
def held(service: Service, caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The slow-hold warnings logged from now on (every hold, at a 0 ms bound)."""
    service.store.slow_lock_ms = 0
    caplog.set_level(logging.WARNING, logger="ledger.lock")
    caplog.clear()
    return lambda: [r.getMessage() for r in caplog.records if r.name == "ledger.lock"]


def test_a_command_names_itself_its_cooperative_and_the_time(client, service, held) -> None:
    coop = create_coop(client)
    [created] = held()
    assert "write lock held" in created and "(over 0 ms)" in created
    assert "coops new cooperative" in created and "events appended: 1" in created
    admit(client, coop, "Alice Martin", "salaries")
    assert f"by members {coop};" in held()[-1]


def test_a_batch_counts_its_commands(client, service, held) -> None:
    coop = create_coop(client)
    people = [
        {"type": "members", "body": {"name": n, "kind": "person", "category": "usagers"}}
        for n in ("Anne", "Basile", "Chloé")
    ]
    answered = client.post(f"/v1/coops/{coop}/batch", json={"commands": people})
    assert answered.status_code == 201, answered.text
    assert f"by members {coop} ×3;" in held()[-1]
    assert "events appended: 3" in held()[-1]


def test_a_refused_command_is_named_too(client, service, held) -> None:
    coop = create_coop(client)
    refused = client.post(
        f"/v1/coops/{coop}/members",
        json={"name": "Zoé", "kind": "person", "category": "nobody", "admitted_on": "2020-01-01"},
    )
    assert refused.status_code == 422, refused.text
    last = held()[-1]
    assert f"by members {coop};" in last and "events appended: 0" in last


def test_the_scheduler_names_its_notices(client, service, held) -> None:
    coop = create_coop(client)  # R10 — a review due since 2024: notices to append
    assert fire_reminders(service.store, service.today()) > 0
    assert f"ReminderDue reminders-{coop}" in held()[-1]


def test_under_the_bound_nothing_is_logged(client, service, held) -> None:
    service.store.slow_lock_ms = 10**9
    admit(client, create_coop(client), "Alice Martin", "salaries")
    assert held() == []


def test_the_bound_is_read_from_the_environment(database_url, monkeypatch) -> None:
    assert get_settings().slow_lock_ms == 1_000  # the default
    monkeypatch.setenv("SCIC_SLOW_LOCK_MS", "25")
    get_settings.cache_clear()
    try:
        service = open_service(database_url)
        assert service.store.slow_lock_ms == 25
        service.close()
    finally:
        monkeypatch.delenv("SCIC_SLOW_LOCK_MS")
        get_settings.cache_clear()


def test_an_import_of_events_names_its_file_and_cooperative(
    client, service, held, tmp_path
) -> None:
    coop = create_coop(client)
    line = {
        "stream_id": f"notes-{coop}",
        "type": "ReminderDue",
        "data": {
            "job": "cooperative-review",
            "obligation_id": "review",
            "notice": "due",
            "due_on": "2024-03-01",
            "rule": "R10",
            "detail": "imported",
        },
        "effective_date": "2024-03-01",
        "tenant_id": coop,
    }
    path = tmp_path / "history.jsonl"
    path.write_text((json.dumps(line) + "\n") * 3)
    assert backup.import_events(service, path).appended == 3
    last = held()[-1]
    assert f"by import history.jsonl {coop} ×3;" in last and "events appended: 3" in last
    assert "no named cause" not in last


def test_a_restore_names_its_source_and_cooperative(client, service, held) -> None:
    coop = create_coop(client)
    record = {
        "event_id": "7d3c1c4e-0000-4000-8000-000000000001",
        "stream_id": f"notes-{coop}",
        "stream_version": 1,
        "type": "ReminderDue",
        "data": {
            "job": "cooperative-review",
            "obligation_id": "review",
            "notice": "due",
            "due_on": "2024-03-01",
            "rule": "R10",
            "detail": "restored",
        },
        "effective_date": "2024-03-01",
        "recorded_at": "2026-01-01T00:00:00+00:00",
        "tenant_id": coop,
    }
    backup.restore(service, [("line 1", record)], None, source="page.jsonl")
    assert f"by restore page.jsonl {coop};" in held()[-1]


def test_a_rebuild_names_itself(client, service, held) -> None:
    admit(client, create_coop(client), "Alice Martin", "salaries")
    service.store.rebuild()
    last = held()[-1]
    assert f"by rebuild of {len(service.store.projectors)} projections;" in last
    assert "no named cause" not in last
