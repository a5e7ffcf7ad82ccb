"""PostgreSQL: the owner migrates, `scic serve` runs as a role granted only what it
needs (`scic db grant ROLE`): it writes the ledger, and cannot turn the append-only
guard off, edit an event or change the schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from scic import database
from scic.api.app import create_app
from scic.service import open_service
from tests.api.conftest import bearer, create_coop, issue_token
from tests.test_cli import scic


@pytest.fixture
def serve_url(database_url: str, backend: str) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("roles are a PostgreSQL matter")
    role = f"scic_app_{uuid.uuid4().hex[:8]}"
    owner = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    done = scic("db", "grant", role, url=database_url)
    assert done.returncode == 0, done.stderr
    assert 'GRANT SELECT, INSERT ON TABLE "events"' in done.stdout
    yield make_url(database_url).set(username=role).render_as_string(hide_password=False)
    with owner.connect() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,)
        )
        conn.exec_driver_sql(f"DROP ROLE {role}")
    owner.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "ALTER TABLE events DISABLE TRIGGER USER",
        "UPDATE events SET actor = 'x'",
        "DELETE FROM events",
        "TRUNCATE events",
        "CREATE TABLE shadow (id int)",
        "DROP TABLE members",
        "DELETE FROM head_receipts",
    ],
)
def test_the_serving_role_cannot_undo_the_ledger(serve_url: str, statement: str) -> None:
    engine = sa.create_engine(serve_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as refused:
        conn.exec_driver_sql(statement)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    engine.dispose()


def test_the_serving_role_runs_the_ledger(serve_url: str) -> None:
    database.upgrade(serve_url)  # what `scic serve` does first: a no-op at head
    service = open_service(serve_url)
    try:
        admin = issue_token(service, "admin")
        with TestClient(create_app(service), headers=bearer(admin.secret)) as client:
            coop = create_coop(client)
            member = client.post(
                f"/v1/coops/{coop}/members",
                json={"name": "Élodie Martin", "kind": "person", "category": "usagers"},
            )
            assert member.status_code == 201, member.text
            hook = client.post(
                f"/v1/coops/{coop}/webhooks",
                json={"url": "https://hooks.example.org/scic", "event_types": ["*"]},
            )
            assert hook.status_code == 201, hook.text
    finally:
        service.close()
    verified = scic("verify", url=serve_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
