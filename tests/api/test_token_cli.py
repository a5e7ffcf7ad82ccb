"""`scic token …` as an operator runs it (a subprocess on the test database), and the
tokens `scic serve --demo` prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.access.tables import api_tokens
from scic.access.tokens import demo_tokens
from scic.service import Service
from tests.api.conftest import admit, bearer, create_coop, subscribe


def scic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCIC_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "scic.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def coop(client: TestClient) -> dict[str, str]:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    return {"coop": coop, "alice": alice, "party": party}


def test_token_create_prints_a_working_token_last(
    database_url: str, anonymous: TestClient, coop: dict[str, str]
) -> None:
    made = scic(database_url, "token", "create", "--coop", coop["coop"], "--role", "manager")
    assert made.returncode == 0, made.stderr
    token = made.stdout.split()[-1]
    assert token.startswith("scic_")
    manager = TestClient(anonymous.app, headers=bearer(token))
    assert manager.get(f"/v1/coops/{coop['coop']}/events").status_code == 200
    assert manager.get("/v1/tokens").status_code == 403

    made = scic(database_url, "token", "create", "--role", "admin", "--label", "ops")
    admin = TestClient(anonymous.app, headers=bearer(made.stdout.split()[-1]))
    assert admin.get("/v1/tokens").status_code == 200

    made = scic(
        database_url,
        "token",
        "create",
        "--coop",
        coop["coop"],
        "--role",
        "member",
        "--party",
        coop["party"],
        "--expires",
        "2099-12-31",
    )
    member = TestClient(anonymous.app, headers=bearer(made.stdout.split()[-1]))
    assert member.get(f"/v1/coops/{coop['coop']}/members/{coop['alice']}").status_code == 200
    assert member.get(f"/v1/coops/{coop['coop']}/events").status_code == 403


def test_token_create_takes_the_member_and_funder_ids_people_have(
    database_url: str, anonymous: TestClient, coop: dict[str, str], client: TestClient
) -> None:
    base = f"/v1/coops/{coop['coop']}"
    grant = client.post(
        f"{base}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
        },
    ).json()
    for flag, ident in (("--member", coop["alice"]), ("--party", coop["alice"])):
        made = scic(
            database_url, "token", "create", "--coop", coop["coop"], "--role", "member", flag, ident
        )
        assert made.returncode == 0, made.stderr
        assert f"party {coop['party']}" in made.stdout
        member = TestClient(anonymous.app, headers=bearer(made.stdout.split()[-1]))
        assert member.get(f"{base}/members/{coop['alice']}").status_code == 200
    for flag in ("--funder", "--party"):
        made = scic(
            database_url,
            "token",
            "create",
            *("--coop", coop["coop"], "--role", "funder", flag, grant["funder_id"]),
        )
        assert made.returncode == 0, made.stderr
        funder = TestClient(anonymous.app, headers=bearer(made.stdout.split()[-1]))
        assert funder.get(f"{base}/grants/{grant['id']}").status_code == 200
        assert funder.get(f"{base}/funders/{grant['funder_id']}").status_code == 200


def test_token_list_and_revoke(
    database_url: str, anonymous: TestClient, coop: dict[str, str]
) -> None:
    made = scic(database_url, "token", "create", "--coop", coop["coop"], "--role", "accountant")
    token = made.stdout.split()[-1]
    token_id = token.split("_")[1]
    listed = scic(database_url, "token", "list", "--coop", coop["coop"])
    assert token_id in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    revoked = scic(database_url, "token", "revoke", token_id)
    assert revoked.returncode == 0 and token_id in revoked.stdout
    response = TestClient(anonymous.app, headers=bearer(token)).get(
        f"/v1/coops/{coop['coop']}/events"
    )
    assert response.status_code == 401 and response.json()["detail"] == "token revoked"
    assert token_id not in scic(database_url, "token", "list", "--active").stdout
    assert scic(database_url, "token", "revoke", "0123456789abcdef").returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "admin", "--coop", "COOP"), "belongs to no cooperative"),
        (("--role", "manager"), "needs a cooperative"),
        (("--role", "manager", "--coop", "coop_missing"), "no cooperative 'coop_missing'"),
        (
            ("--role", "member", "--coop", "COOP", "--member", "ALICE", "--expires", "2020-01-01"),
            "already past",
        ),
        (("--role", "member", "--coop", "COOP", "--expires", "soon"), "soon"),
        (("--role", "member", "--coop", "COOP"), "speaks for one member: give its id"),
        (("--role", "funder", "--coop", "COOP"), "--funder fnd_"),
        (("--role", "member", "--coop", "COOP", "--member", "mbr_nope"), "no member 'mbr_nope'"),
        (("--role", "funder", "--coop", "COOP", "--party", "fnd_nope"), "no funder 'fnd_nope'"),
        (("--role", "funder", "--coop", "COOP", "--member", "ALICE"), "not for member"),
        (("--role", "funder", "--coop", "COOP", "--party", "PARTY"), "is not a funder"),
        (("--role", "manager", "--coop", "COOP", "--member", "ALICE"), "whole cooperative"),
        (
            ("--role", "member", "--coop", "COOP", "--member", "ALICE", "--party", "PARTY"),
            "one of party, member",
        ),
    ],
)
def test_token_create_refusals(
    database_url: str, coop: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    values = {"COOP": coop["coop"], "ALICE": coop["alice"], "PARTY": coop["party"]}
    made = scic(database_url, "token", "create", *(values.get(a, a) for a in args))
    assert made.returncode == 2 and message in made.stderr and not made.stdout


def test_demo_tokens_one_per_role(
    service: Service, anonymous: TestClient, coop: dict[str, str], client: TestClient
) -> None:
    create_coop(client, name="Second")  # the first registered cooperative gets the tokens
    with service.engine.begin() as conn:
        text = demo_tokens(conn, service.store.clock())
    assert coop["coop"] in text.splitlines()[0]
    tokens = {line.split()[0]: line.split()[1] for line in text.splitlines()[1:]}
    assert set(tokens) == {"admin", "manager", "accountant", "member", "funder"}
    assert "no funder" in text  # this cooperative has no funder yet: skipped, with a note
    base = f"/v1/coops/{coop['coop']}"
    expected = {
        "admin": (200, 200),
        "manager": (200, 200),
        "accountant": (200, 200),
        "member": (200, 403),
    }
    for role, (holdings, feed) in expected.items():
        holder = TestClient(anonymous.app, headers=bearer(tokens[role]))
        assert holder.get(f"{base}/members/{coop['alice']}").status_code == holdings, role
        assert holder.get(f"{base}/events").status_code == feed, role


def test_demo_tokens_include_a_funder_when_there_is_one(
    service: Service, anonymous: TestClient, coop: dict[str, str], client: TestClient
) -> None:
    grant = client.post(
        f"/v1/coops/{coop['coop']}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
        },
    ).json()
    with service.engine.begin() as conn:
        text = demo_tokens(conn, service.store.clock())
    line = next(line for line in text.splitlines() if line.split()[0] == "funder")
    funder = TestClient(anonymous.app, headers=bearer(line.split()[1]))
    base = f"/v1/coops/{coop['coop']}"
    assert funder.get(f"{base}/grants/{grant['id']}").status_code == 200
    assert funder.get(f"{base}/funders/{grant['funder_id']}").status_code == 200
    assert funder.get(f"{base}/events").status_code == 403


def _serve_demo(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> dict[str, str]:
    """`scic serve --demo` in this process, uvicorn left out: the tokens it printed."""
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
    assert "demo tokens kept in" in out
    return {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if line.startswith("  ") and len(line.split()) > 1 and line.split()[1].startswith("scic_")
    }


def test_demo_restarts_print_the_same_working_tokens(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    anonymous: TestClient,
    service: Service,
) -> None:
    first = _serve_demo(database_url, monkeypatch, capsys)
    assert set(first) == {"admin", "manager", "accountant", "member", "funder"}
    assert _serve_demo(database_url, monkeypatch, capsys) == first
    with service.engine.connect() as conn:
        demo = conn.execute(
            sa.select(sa.func.count()).where(api_tokens.c.created_by == "demo")
        ).scalar_one()
    assert demo == 5  # no new tokens on restart
    admin = TestClient(anonymous.app, headers=bearer(first["admin"]))
    assert admin.get("/v1/coops").status_code == 200
    coop = admin.get("/v1/coops").json()["coops"][0]["id"]
    manager = TestClient(anonymous.app, headers=bearer(first["manager"]))
    assert manager.get(f"/v1/coops/{coop}/events").status_code == 200
    # a demo token revoked in between is replaced, the others kept
    assert admin.delete(f"/v1/tokens/{first['manager'].split('_')[1]}").status_code == 200
    third = _serve_demo(database_url, monkeypatch, capsys)
    assert third["manager"] != first["manager"]
    assert {r: t for r, t in third.items() if r != "manager"} == {
        r: t for r, t in first.items() if r != "manager"
    }
    renewed = TestClient(anonymous.app, headers=bearer(third["manager"]))
    assert renewed.get(f"/v1/coops/{coop}/events").status_code == 200
    assert _serve_demo(database_url, monkeypatch, capsys) == third


def test_the_kept_demo_tokens_file_is_private_and_per_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from scic.cli import demo_tokens_file

    printed = _serve_demo(database_url, monkeypatch, capsys)
    path = demo_tokens_file(database_url)
    kept = json.loads(path.read_text())
    assert {role: t for role, t in kept.items() if not role.startswith("account:")} == printed
    assert {role for role in kept if role.startswith("account:")}  # the demo accounts' too
    assert path.stat().st_mode & 0o077 == 0  # the owner's only
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])  # never the real data dir
    assert demo_tokens_file(database_url + "x") != path
