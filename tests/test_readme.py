"""The README's "API in five minutes" commands, run against the app on the demo
cooperative: every `curl` in that section's shell blocks must answer 2xx. The variables
the README leaves for the reader (`TOKEN`, `COOP`, `FUNDER_TOKEN`, the `mbr_…`
placeholder) are filled from the demo; nothing else of a command is changed."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.access import tokens
from scic.access.tokens import demo_tokens
from scic.api.app import create_app
from scic.demo import seed_demo
from scic.projections.tables import grants, members
from scic.service import Service, open_service
from tests.conftest import SteppingClock

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## The API in five minutes"


def section_commands(text: str) -> list[str]:
    """The shell commands of the section's ```sh blocks, continuation lines joined, and
    comments and blank lines dropped."""
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("  #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def expand(word: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        assert name in variables, f"the README uses ${name}, which the test does not fill"
        return variables[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)


def run_curl(client: TestClient, command: str, variables: dict[str, str]) -> Any:
    words = [expand(w, variables) for w in shlex.split(command)]
    assert words[0] == "curl", command
    headers: dict[str, str] = {}
    data: str | None = None
    url = None
    args = iter(words[1:])
    for arg in args:
        if arg in ("-H", "--header"):
            name, _, val = next(args).partition(":")
            headers[name.strip()] = val.strip()
        elif arg in ("-d", "--data"):
            data = next(args)
        elif arg in ("-s", "--silent"):
            continue
        else:
            assert url is None and not arg.startswith("-"), f"unexpected {arg!r} in {command}"
            url = arg
    assert url is not None, command
    parts = urlsplit(url if "://" in url else f"http://{url}")
    assert parts.netloc == "localhost:8000", command
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if data is not None:
        data = data.replace('"mbr_…"', f'"{variables["MEMBER"]}"')
        return client.post(target, content=data.encode(), headers=headers)
    return client.get(target, headers=headers)


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Service, dict[str, str]]]:
    service = open_service(
        database_url, clock=SteppingClock(datetime(2026, 11, 23, 10, tzinfo=UTC))
    )
    seed_demo(service)
    with service.engine.begin() as conn:
        printed = demo_tokens(conn, service.store.clock())
        member = conn.execute(
            sa.select(members.c.member_id).order_by(members.c.admitted_on).limit(1)
        ).scalar_one()
        # the README's funder token: one for a funder with grants (the demo's own
        # funder token may speak for a titles holder or an investor)
        funder = conn.execute(
            sa.select(grants.c.funder_id).order_by(grants.c.awarded_on, grants.c.grant_id)
        ).first()
        assert funder is not None
        funder_token = tokens.issue(
            conn,
            role="funder",
            now=service.store.clock(),
            coop_id=printed.splitlines()[0].split("cooperative ")[1].split()[0],
            funder_id=funder.funder_id,
        ).secret
    printed_tokens = {
        line.split()[0]: line.split()[1]
        for line in printed.splitlines()[1:]
        if line.split()[1].startswith("scic_")
    }
    coop = printed.splitlines()[0].split("cooperative ")[1].split()[0]
    yield (
        service,
        {
            "TOKEN": printed_tokens["admin"],
            "FUNDER_TOKEN": funder_token,
            "COOP": coop,
            "MEMBER": member,
        },
    )
    service.close()


def test_the_readme_api_examples_work(demo: tuple[Service, dict[str, str]]) -> None:
    service, variables = demo
    commands = section_commands(README.read_text(encoding="utf-8"))
    curls = [c for c in commands if c.startswith("curl ")]
    assert len(curls) >= 6, commands
    for assignment in (c for c in commands if not c.startswith("curl ")):
        name = assignment.split("=", 1)[0]
        assert name in variables, f"the README sets {name}, which the test does not fill"
    answers = {}
    with TestClient(create_app(service)) as client:
        for command in curls:
            response = run_curl(client, command, variables)
            assert 200 <= response.status_code < 300, f"{command}\n→ {response.text}"
            answers[command] = response.json()
    found = next(a for c, a in answers.items() if "members?q=elodie" in c)
    assert [m["name"] for m in found["members"]] == ["Élodie Ferrand"]
    listed = next(a for c, a in answers.items() if c.endswith("localhost:8000/v1/coops"))
    assert [c["id"] for c in listed["coops"]] == [variables["COOP"]]
    own = next(a for c, a in answers.items() if "funder=own" in c)
    assert own["grants"] and len({g["funder_id"] for g in own["grants"]}) == 1
