"""The live feed: GET /v1/coops/{coop}/events/stream (Server-Sent Events)."""

from __future__ import annotations

import json
import threading
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.projections.tables import funders
from scic.service import Service
from tests.api.conftest import admit, create_coop
from tests.integrations.conftest import feed, record_members


def read_stream(client: TestClient, coop: str, **options: Any) -> tuple[list[dict[str, Any]], str]:
    """The events (id and data) of one stream connection, and its raw text."""
    headers = options.pop("headers", {})
    with client.stream(
        "GET", f"/v1/coops/{coop}/events/stream", params=options, headers=headers
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    found = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and ":" in line[1:]
        )
        if "data" in fields:
            found.append({"id": int(fields["id"]), "data": json.loads(fields["data"])})
    return found, text


def test_the_stream_sends_the_feed_and_resumes_after_last_event_id(
    client: TestClient, coop: str
) -> None:
    record_members(client, coop, 3)
    expected = feed(client, coop)
    sent, _ = read_stream(client, coop, timeout=0)
    assert [s["data"] for s in sent] == expected  # the feed's event objects
    assert [s["id"] for s in sent] == [e["position"] for e in expected]
    middle = expected[2]["position"]
    resumed, _ = read_stream(client, coop, timeout=0, headers={"Last-Event-ID": str(middle)})
    assert [s["data"] for s in resumed] == expected[3:]


def test_the_stream_follows_new_events_and_keeps_alive(
    client: TestClient, coop: str, loopback: Service
) -> None:
    head = feed(client, coop)[-1]["position"]
    lines: list[str] = []
    writer = threading.Thread(target=admit, args=(client, coop, "Arrivée en direct", "usagers"))
    with client.stream(
        "GET", f"/v1/coops/{coop}/events/stream", params={"after": head, "timeout": 30}
    ) as response:
        for line in response.iter_lines():
            lines.append(line)
            if line == ": keep-alive" and not writer.is_alive() and writer.ident is None:
                writer.start()  # idle long enough to be kept alive: now an event comes
            if line.startswith("data: "):
                break
    writer.join()
    assert lines[0].startswith("retry: ")
    assert ": keep-alive" in lines
    assert json.loads(lines[-1][len("data: ") :])["type"] == "MemberAdmitted"
    assert lines[-2] == f"id: {json.loads(lines[-1][6:])['position']}"


def test_funders_and_members_follow_their_own_events_only(
    client: TestClient, client_for: Any, service: Service
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice", "salaries")
    admit(client, coop, "Bob", "usagers")
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
        },
    ).json()
    party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    with service.engine.connect() as conn:
        region = conn.execute(
            sa.select(funders.c.party_id).where(funders.c.funder_id == grant["funder_id"])
        ).scalar_one()
    as_member, _ = read_stream(client_for("member", coop, party), coop, timeout=0)
    assert {s["data"]["type"] for s in as_member} == {"MemberAdmitted"}
    assert {s["data"]["data"]["member_id"] for s in as_member} == {alice}
    as_funder, _ = read_stream(client_for("funder", coop, region), coop, timeout=0)
    assert {s["data"]["type"] for s in as_funder} == {"FunderRegistered", "GrantAwarded"}
    other = create_coop(client, name="Autre")
    refused = client_for("manager", other).get(f"/v1/coops/{coop}/events/stream")
    assert refused.status_code == 404
