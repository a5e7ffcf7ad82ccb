"""Head receipts recorded on their own: at a fiscal-year closing, after a batch of webhook
deliveries, by the daily verification. Each is then what `scic verify --receipts` holds
the chain against, when its owner truncates it or rewrites it back to the receipt (and
hides the deletion from the checkpoints, and empties `head_receipts`: a copy kept
elsewhere still tells)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.db import create_engine
from ledger.receipts import Receipt
from scic.cli import main
from scic.integrations.scheduler import Scheduler
from scic.service import Service
from scic.settings import get_settings
from tests.api.conftest import admit, subscribe
from tests.conftest import SteppingClock
from tests.integrations.conftest import Receiver
from tests.integrations.test_reminders import Always
from tests.integrations.test_webhooks import dispatcher, drain, subscribe_hook
from tests.ledger.test_store import tamper
from tests.ledger.test_tamper_evidence import rewrite_from

KEY = "a key that lives outside the database"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """The CLI run in this process reads this test's database."""
    monkeypatch.setenv("SCIC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch, settings_env: None) -> Iterator[None]:
    monkeypatch.setenv("SCIC_RECEIPT_KEY", KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def scic_verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def stored(service: Service) -> list[Receipt]:
    return service.store.stored_receipts()


def copy_receipts(capsys: pytest.CaptureFixture[str], path: Path) -> Path:
    """`scic head --receipts > FILE`: the copy kept outside the database."""
    capsys.readouterr()
    assert main(["head", "--receipts"]) == 0
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def truncate_hidden(engine: sa.Engine, position: int) -> None:
    """Delete every event after `position` and wind back what remembers them (checkpoints,
    idempotency keys): the chain then agrees with itself."""
    tamper(engine, f"DELETE FROM events WHERE position > {position}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE projection_checkpoints SET position = :p"), {"p": position})
        conn.execute(
            sa.text("DELETE FROM idempotency_keys WHERE last_position > :p"), {"p": position}
        )


def attack_is_seen(
    how: str,
    receipt: Receipt,
    engine: sa.Engine,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Tamper back to `receipt` and check that verify tells, first from the stored
    receipt, then (the receipts table emptied too) from the copy kept elsewhere."""
    kept = copy_receipts(capsys, tmp_path / "receipts.jsonl")
    assert scic_verify(capsys, "--receipts")[0] == 0
    if how == "truncated":
        truncate_hidden(engine, receipt.position - 1)
    else:
        rewrite_from(engine, receipt.position, cents=1)
    expected = f"broken at position {receipt.position}: {how}"
    code, out = scic_verify(capsys, "--receipts")
    assert code == 1 and expected in out, out
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM head_receipts"))
    code, out = scic_verify(capsys)
    assert code == 0 and "held against no receipt" in out, "alone, the chain looks fine"
    code, out = scic_verify(capsys, "--receipts", str(kept))
    assert code == 1 and expected in out, out


ATTACKS = ["truncated", "rewritten"]


# -- at each fiscal-year closing --------------------------------------------------------


def close_2019(client: TestClient, coop: str) -> dict[str, Any]:
    alice = admit(client, coop, "Alice", "salaries")
    subscribe(client, coop, alice, 10, "250.00")
    response = client.post(f"/v1/coops/{coop}/fiscal-years/2019/close", json={})
    assert response.status_code == 201, response.text
    subscribe(client, coop, alice, 4, "50.00", "2020-02-01")  # later events
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("how", ATTACKS)
def test_a_closing_records_the_receipt_of_its_head(
    how: str,
    keyed: None,
    client: TestClient,
    coop: str,
    service: Service,
    engine: sa.Engine,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    closed = close_2019(client, coop)
    [receipt] = stored(service)
    assert receipt.reason == f"fiscal-year-closed:{coop}:2019"
    assert {"position": receipt.position, "hash": receipt.hash} == closed["head"]
    attack_is_seen(how, receipt, engine, capsys, tmp_path)


def test_a_closing_that_fails_leaves_no_receipt(
    keyed: None, client: TestClient, coop: str, service: Service
) -> None:
    admit(client, coop, "Alice", "salaries")
    late = {
        "member_id": "mbr_unknown",
        "shares": 1,
        "paid": "25.00",
        "effective_date": "2020-02-01",
    }
    batch = {
        "commands": [  # the closing is decided (and signed), then the next command refused
            {"type": "fiscal-year-close", "body": {"year": "2019"}},
            {"type": "subscriptions", "body": late},
        ]
    }
    refused = client.post(f"/v1/coops/{coop}/batch", json=batch)
    assert refused.status_code in (404, 409), refused.text
    assert refused.json()["command_index"] == 1, refused.text
    assert stored(service) == [], "the receipt went with the closing's transaction"


def test_without_a_key_nothing_is_signed_and_verify_says_so(
    settings_env: None,
    client: TestClient,
    coop: str,
    service: Service,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="scic.receipts"):
        close_2019(client, coop)
    assert stored(service) == []
    assert "no head receipt for fiscal-year-closed" in caplog.text
    assert "SCIC_RECEIPT_KEY is not set" in caplog.text
    code, out = scic_verify(capsys, "--receipts")
    assert code == 0
    assert "held against no receipt" in out and "SCIC_RECEIPT_KEY unset" in out


# -- at each batch of webhook deliveries ------------------------------------------------


@pytest.mark.parametrize("how", ATTACKS)
def test_a_delivery_batch_records_the_receipt_of_what_it_delivered(
    how: str,
    keyed: None,
    client: TestClient,
    coop: str,
    service: Service,
    receiver: Receiver,
    engine: sa.Engine,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    subscribe_hook(client, coop, receiver.url)
    admit(client, coop, "Alice", "salaries")
    admit(client, coop, "Bob", "usagers")
    drain(dispatcher(service))
    head = service.store.head_of_chain()
    assert len(receiver.delivered) == 2, "the events recorded since the subscription"
    [receipt] = stored(service)
    assert (receipt.position, receipt.hash) == head
    assert receipt.reason == f"webhooks-delivered:{head[0]}"
    drain(dispatcher(service))
    assert len(stored(service)) == 1, "nothing new delivered, no new receipt"
    admit(client, coop, "Chloé", "usagers")
    attack_is_seen(how, receipt, engine, capsys, tmp_path)


# -- by the daily verification ----------------------------------------------------------


@pytest.mark.parametrize("how", ATTACKS)
def test_the_daily_verification_signs_an_intact_chain(
    how: str,
    keyed: None,
    client: TestClient,
    coop: str,
    service: Service,
    engine: sa.Engine,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    admit(client, coop, "Alice", "salaries")
    head = service.store.head_of_chain()
    outcome = Scheduler(service, Always()).run_verification()
    assert outcome is not None and outcome["ok"]
    [receipt] = stored(service)
    assert (receipt.position, receipt.hash) == head
    assert receipt.reason == f"daily-verification:{service.today()}"
    admit(client, coop, "Bob", "usagers")
    attack_is_seen(how, receipt, engine, capsys, tmp_path)


def test_the_daily_verification_refuses_to_sign_a_tampered_chain(
    keyed: None,
    client: TestClient,
    coop: str,
    service: Service,
    clock: SteppingClock,
    engine: sa.Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = Scheduler(service, Always())
    admit(client, coop, "Alice", "salaries")
    assert scheduler.run_verification() is not None
    [yesterday] = stored(service)
    admit(client, coop, "Bob", "usagers")

    clock.advance(days=1)  # an edited row: the chain itself is broken
    tamper(engine, "UPDATE events SET amount_cents = 999 WHERE position = 2")
    with caplog.at_level(logging.ERROR, logger="scic.scheduler"):
        outcome = scheduler.run_verification()
    assert outcome is not None and not outcome["ok"]
    assert outcome["first_broken_position"] == 2
    assert "ALARM: hash chain broken at position 2" in caplog.text
    assert stored(service) == [yesterday], "no receipt for a broken chain"

    clock.advance(days=1)  # the row put back, then a hidden truncation below the receipt
    tamper(engine, "UPDATE events SET amount_cents = NULL WHERE position = 2")
    assert service.store.verify().ok
    truncate_hidden(engine, yesterday.position - 1)
    outcome = scheduler.run_verification()
    assert outcome is not None and not outcome["ok"]
    assert "receipt" in outcome["reason"]
    assert stored(service) == [yesterday]


# -- receipts edited in the table ------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "v1,é"])
def test_a_stored_receipt_edited_to_fit_a_rewrite_is_forged(
    signature: str,
    keyed: None,
    client: TestClient,
    coop: str,
    service: Service,
    engine: sa.Engine,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An owner who rewrites the chain and puts the new hash in the receipt, with its
    signature emptied or garbled, gets `forged`, never `intact` and never a crash."""
    close_2019(client, coop)
    [receipt] = stored(service)
    rewrite_from(engine, receipt.position, cents=1)
    with engine.connect() as conn:
        new_hash = conn.execute(
            sa.text("SELECT hash FROM events WHERE position = :p"), {"p": receipt.position}
        ).scalar_one()
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE head_receipts SET hash = :h, signature = :s"),
            {"h": new_hash, "s": signature},
        )
    code, out = scic_verify(capsys, "--receipts")
    assert code == 1 and "is forged" in out, out
    assert service.store.verify(key=KEY.encode()).ok is False


def test_the_daily_verification_without_the_key_says_it_could_not_check_signatures(
    keyed: None,
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    coop: str,
    service: Service,
    clock: SteppingClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admit(client, coop, "Alice", "salaries")
    scheduler = Scheduler(service, Always())
    first = scheduler.run_verification()
    assert first is not None and first["reason"] is None
    monkeypatch.delenv("SCIC_RECEIPT_KEY")
    get_settings.cache_clear()
    clock.advance(days=1)
    with caplog.at_level(logging.ERROR, logger="scic.scheduler"):
        outcome = scheduler.run_verification()
    assert outcome is not None and outcome["reason"].startswith("receipt signatures not checked")
    assert "ALARM" in caplog.text and len(stored(service)) == 1  # nothing signed without it
