"""`scic user …` as an operator runs it (a subprocess on the test database), and the
demo accounts `scic serve --demo` prints."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_token_cli import scic
from tests.web.conftest import password_signed_in


@pytest.fixture
def coop(client: TestClient) -> dict[str, str]:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    return {"coop": coop, "alice": alice}


def test_the_first_account_signs_in_and_is_listed_and_revoked(
    database_url: str, anonymous: TestClient, coop: dict[str, str]
) -> None:
    made = scic(
        database_url,
        *("user", "create", "--email", "claire@example.org", "--name", "Claire Roux"),
        *("--coop", coop["coop"], "--role", "manager"),
    )
    assert made.returncode == 0, made.stderr
    password = made.stdout.split()[-1]  # made for her, shown once
    assert len(password) >= 12
    web = password_signed_in(anonymous.app, "claire@example.org", password)
    assert "Claire Roux" in web.get("/dashboard/capital").text

    member = scic(
        database_url,
        *("user", "create", "--email", "alice@example.org", "--password-stdin"),
        *("--coop", coop["coop"], "--role", "member", "--member", coop["alice"]),
    )
    assert member.returncode == 2 and "12 characters" in member.stderr  # no stdin given
    listed = scic(database_url, "user", "list")
    assert "claire@example.org" in listed.stdout and "manager of" in listed.stdout
    assert "alice@example.org" not in listed.stdout  # nothing half-written
    user_id = made.stdout.split()[1]
    closed = scic(database_url, "user", "revoke", user_id)
    assert closed.returncode == 0, closed.stderr
    assert web.get("/dashboard/capital", follow_redirects=False).status_code == 401
    assert "[closed]" in scic(database_url, "user", "list").stdout
    assert scic(database_url, "user", "revoke", "usr_nobody").returncode == 1


def test_user_create_refuses_what_a_token_would_be_refused(
    database_url: str, coop: dict[str, str]
) -> None:
    for args, says in (
        (("--coop", coop["coop"], "--role", "member"), "speaks for one member"),
        (("--coop", "coop_unknown", "--role", "manager"), "no cooperative"),
        (("--role", "manager"), "--coop and --role go together"),
    ):
        refused = scic(database_url, "user", "create", "--email", "x@example.org", *args)
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
    bad = scic(database_url, "user", "create", "--email", "not-an-address")
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr


def _serve_demo_accounts(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> dict[str, tuple[str, str]]:
    """`scic serve --demo` in this process, uvicorn left out: the accounts it printed."""
    import uvicorn

    from scic import cli
    from scic.settings import get_settings

    monkeypatch.setenv("SCIC_DATABASE_URL", database_url)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    get_settings.cache_clear()
    try:
        assert cli.main(["serve", "--demo", "--port", "8765"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "Demo accounts" in out
    return {
        words[0]: (words[1], words[2])
        for words in (line.split() for line in out.splitlines() if line.startswith("  "))
        if len(words) == 3 and words[1].endswith("@demo.scic.example")
    }


def test_demo_prints_one_account_per_role_the_same_at_every_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any, anonymous: TestClient
) -> None:
    first = _serve_demo_accounts(database_url, monkeypatch, capsys)
    assert set(first) == {"admin", "manager", "accountant", "funder", "member"}
    assert _serve_demo_accounts(database_url, monkeypatch, capsys) == first
    for role in ("manager", "accountant", "funder", "member"):
        email, password = first[role]
        page = password_signed_in(anonymous.app, email, password).get("/dashboard")
        assert page.status_code == 200, (role, page.text[:300])
    admin = password_signed_in(anonymous.app, *first["admin"])  # the only cooperative
    assert "administrateur" in admin.get("/dashboard/capital").text
