"""A member admitted who holds no share is listed, with a compliance finding: admitted but
not an associate yet (R2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from scic.domain.members import holds_no_share, is_associate
from scic.domain.state import Holding, MemberState
from tests.api.conftest import admit, create_coop, subscribe


def _findings(client: TestClient, coop: str, on: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": on})
    assert response.status_code == 200, response.text
    return [f for f in response.json()["findings"] if f["code"] == "member-without-shares"]


def test_a_member_without_shares_is_listed_with_a_finding(client: TestClient) -> None:
    coop = create_coop(client)
    anne = admit(client, coop, "Anne Martin", "usagers", "2019-03-01")
    bob = admit(client, coop, "Bob Leroy", "salaries", "2019-03-01")
    subscribe(client, coop, anne, 2, "100.00", on="2019-03-01")
    subscribe(client, coop, bob, 1, "50.00", on="2019-06-01")
    listed = client.get(f"/v1/coops/{coop}/members", params={"as_of": "2019-04-01"}).json()
    assert {m["name"]: m["shares"] for m in listed["members"]} == {
        "Anne Martin": 2,
        "Bob Leroy": 0,
    }
    before = _findings(client, coop, "2019-04-01")
    assert [(f["figures"]["member_id"], f["figures"]["from"]) for f in before] == [
        (bob, "2019-03-01")
    ]
    assert before[0]["rule"] == "R2" and "not an associate" in str(before[0]["message"])
    assert _findings(client, coop, "2019-06-01") == []  # its first share makes it one


def test_a_member_whose_shares_are_withdrawn_from_its_holding_holds_none() -> None:
    held = MemberState(
        "m",
        "c",
        date(2019, 1, 1),
        "active",
        None,
        Holding(2, 100, 100, 100),
        Holding(),
    )
    asked_back = MemberState(
        "m",
        "c",
        held.admitted_on,
        "active",
        None,
        Holding(2, 100, 100, 100),
        Holding(2, 100, 100, 100),
    )
    gone = MemberState(
        "m", "c", held.admitted_on, "withdrawn", held.admitted_on, Holding(), Holding()
    )
    assert is_associate(held) and not holds_no_share(held)
    assert not is_associate(asked_back) and holds_no_share(asked_back)
    assert not is_associate(gone) and not holds_no_share(gone)  # gone: not a member any more
