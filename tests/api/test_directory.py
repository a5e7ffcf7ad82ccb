"""The lists people find each other in, over HTTP: cooperatives, members (as at a date,
searched by name whatever the accents and case, filtered, paged by an opaque cursor) and
funders, with what each role may see of them.

    2019-03-01  Éloïse Lefèvre  (salariés, college A)    subscribes 10 shares
    2019-05-01  Hugo Petit      (soutiens, college B)    subscribes 2, withdraws all 2022-01-01
    2020-01-01  Bob Leroy       (usagers, college B)     no shares; salariés from 2023-01-01
    2021-06-01  Cœur de Ville   (collectivités, C)       subscribes 4
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.projections.tables import parties
from scic.service import Service
from tests.api.conftest import ClientFor, admit, create_coop, subscribe


@dataclass
class Register:
    coop: str
    other: str
    ids: dict[str, str]
    parties: dict[str, str]
    funders: dict[str, str]


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def register(client: TestClient) -> Register:
    coop, other = create_coop(client), create_coop(client, name="Autre SCIC")
    base = f"/v1/coops/{coop}"
    ids = {
        "eloise": admit(client, coop, "Éloïse Lefèvre", "salaries", "2019-03-01"),
        "hugo": admit(client, coop, "Hugo Petit", "soutiens", "2019-05-01"),
        "bob": admit(client, coop, "Bob Leroy", "usagers", "2020-01-01"),
        "coeur": admit(
            client, coop, "Cœur de Ville", "collectivites", "2021-06-01", "organisation"
        ),
    }
    subscribe(client, coop, ids["eloise"], 10, "500.00", "2019-03-01")
    subscribe(client, coop, ids["hugo"], 2, "100.00", "2019-05-01")
    subscribe(client, coop, ids["coeur"], 4, "200.00", "2021-06-01")
    _post(client, f"{base}/withdrawals", {"member_id": ids["hugo"], "effective_date": "2022-01-01"})
    _post(
        client,
        f"{base}/category-changes",
        {"member_id": ids["bob"], "category": "salaries", "effective_date": "2023-01-01"},
    )
    admit(client, other, "Éloïse Autre", "salaries")
    funders = {}
    for name, kind in (("Région Normandie", "region"), ("Fondation Œuvre", "foundation")):
        grant = _post(
            client,
            f"{base}/grants",
            {
                "funder": {"name": name, "type": kind},
                "purpose": "operating",
                "amount": "8000.00",
                "awarded_on": "2024-02-01",
            },
        )
        funders[kind] = grant["funder_id"]
    party_of = {k: client.get(f"{base}/members/{v}").json()["party_id"] for k, v in ids.items()}
    return Register(coop, other, ids, party_of, funders)


def listing(client: TestClient, register: Register, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/coops/{register.coop}/members", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def names(page: dict[str, Any]) -> list[str]:
    return [m["name"] for m in page["members"]]


def test_members_today_with_zero_shares_and_every_field(
    client: TestClient, register: Register
) -> None:
    page = listing(client, register)
    assert names(page) == ["Éloïse Lefèvre", "Bob Leroy", "Cœur de Ville"]  # admission order
    assert page["next_cursor"] is None
    bob = page["members"][1]
    assert bob == {
        "id": register.ids["bob"],
        "party_id": register.parties["bob"],
        "number": "3",  # in sequence: the third admitted
        "name": "Bob Leroy",
        "category": "salaries",
        "college": "A",
        "admitted_on": "2020-01-01",
        "left_on": None,
        "shares": 0,
    }
    assert [m["shares"] for m in page["members"]] == [10, 0, 4]
    left = listing(client, register, status="left")["members"]
    # its shares count until reimbursed (R5: the floor holds it), as in the capital table
    assert [(m["name"], m["left_on"], m["shares"]) for m in left] == [
        ("Hugo Petit", "2022-01-01", 2)
    ]
    assert len(listing(client, register, status="all")["members"]) == 4


def test_members_as_at_a_date(client: TestClient, register: Register) -> None:
    then = listing(client, register, as_of="2021-12-31", status="all")["members"]
    assert [(m["name"], m["category"], m["left_on"], m["shares"]) for m in then] == [
        ("Éloïse Lefèvre", "salaries", None, 10),
        ("Hugo Petit", "soutiens", None, 2),
        ("Bob Leroy", "usagers", None, 0),
        ("Cœur de Ville", "collectivites", None, 4),
    ]
    assert names(listing(client, register, as_of="2019-04-01")) == ["Éloïse Lefèvre"]
    assert listing(client, register, as_of="2019-01-01")["members"] == []


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("eloise", ["Éloïse Lefèvre"]),
        ("LEFEVRE", ["Éloïse Lefèvre"]),
        ("Lefèvre", ["Éloïse Lefèvre"]),
        ("  éloïse   lef ", ["Éloïse Lefèvre"]),
        ("coeur", ["Cœur de Ville"]),
        ("CŒUR", ["Cœur de Ville"]),
        ("le", ["Éloïse Lefèvre", "Bob Leroy", "Cœur de Ville"]),
        ("%", []),  # LIKE's wildcards are literal in a search
        ("_", []),
        ("hugo", []),  # left: only with status=left or all
        ("", ["Éloïse Lefèvre", "Bob Leroy", "Cœur de Ville"]),
    ],
)
def test_name_search_ignores_accents_and_case(
    client: TestClient, register: Register, q: str, found: list[str]
) -> None:
    assert names(listing(client, register, q=q)) == found


def test_filters_by_category_and_college_as_at_the_date(
    client: TestClient, register: Register
) -> None:
    assert names(listing(client, register, category="salaries")) == ["Éloïse Lefèvre", "Bob Leroy"]
    assert names(listing(client, register, category="usagers")) == []
    assert names(listing(client, register, category="usagers", as_of="2022-12-31")) == ["Bob Leroy"]
    assert names(listing(client, register, college="B", as_of="2022-12-31")) == ["Bob Leroy"]
    assert names(listing(client, register, college="B", status="all", as_of="2021-12-31")) == [
        "Hugo Petit",
        "Bob Leroy",
    ]
    assert names(listing(client, register, college="C", q="ville")) == ["Cœur de Ville"]
    assert listing(client, register, category="nope")["members"] == []


def test_cursor_pages_through_everyone_once(client: TestClient, register: Register) -> None:
    for filters in ({}, {"college": "A"}, {"q": "e"}):
        expected = listing(client, register, status="all", **filters)["members"]
        seen, cursor, pages = [], None, 0
        while True:
            params = {"status": "all", "limit": 1, **filters}
            page = listing(client, register, **params, **({"cursor": cursor} if cursor else {}))
            assert len(page["members"]) <= 1
            seen += page["members"]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected and pages == len(expected), filters
    two = listing(client, register, status="all", limit=2)
    assert len(two["members"]) == 2 and two["next_cursor"]
    rest = listing(client, register, status="all", limit=2, cursor=two["next_cursor"])
    assert [m["id"] for m in two["members"] + rest["members"]] == [
        m["id"] for m in listing(client, register, status="all")["members"]
    ]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "slug"),
    [
        ({"cursor": "not-a-cursor"}, "invalid-cursor"),
        ({"cursor": "WyIyMDE5LTAzLTAxIl0"}, "invalid-cursor"),  # ["2019-03-01"]
        ({"cursor": "WyIyMDE5LTAzLTAxIiwiXHUwMDAwIl0"}, "invalid-cursor"),  # a NUL in the id
        ({"status": "gone"}, "invalid-request"),
        ({"limit": 0}, "invalid-request"),
        ({"limit": 1001}, "invalid-request"),
        ({"as_of": "2019-02-30"}, "invalid-request"),
        ({"q": "x" * 201}, "invalid-request"),
    ],
)
def test_list_requests_outside_the_rules_are_422(
    client: TestClient, register: Register, params: dict[str, Any], slug: str
) -> None:
    response = client.get(f"/v1/coops/{register.coop}/members", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/errors/{slug}"


def test_an_erased_party_is_found_by_no_name(
    client: TestClient, register: Register, service: Service
) -> None:
    assert names(listing(client, register, q="lefevre")) == ["Éloïse Lefèvre"]
    party = register.parties["eloise"]
    erased = client.post(
        f"/v1/coops/{register.coop}/parties/{party}/erasure", json={"reason": "RGPD"}
    )
    assert erased.status_code == 201, erased.text
    for q in ("lefevre", "Éloïse", "eloise lefevre"):
        assert listing(client, register, q=q)["members"] == [], q
    assert names(listing(client, register))[0] == "[effacé]"
    with service.engine.connect() as conn:
        row = conn.execute(sa.select(parties).where(parties.c.party_id == party)).mappings().one()
    assert row["name"] is None and row["name_key"] is None  # nothing of the name is kept


def test_a_member_token_lists_itself_only(
    client_for: ClientFor, register: Register, client: TestClient
) -> None:
    member = client_for("member", register.coop, register.parties["bob"])
    assert [m["id"] for m in listing(member, register)["members"]] == [register.ids["bob"]]
    assert listing(member, register, q="eloise")["members"] == []
    assert listing(member, register, status="all", limit=1)["next_cursor"] is None
    funder_party = _funder_party(client, register, "region")
    funder = client_for("funder", register.coop, funder_party)
    refused = funder.get(f"/v1/coops/{register.coop}/members")
    assert refused.status_code == 403 and refused.json()["type"] == "/errors/forbidden"
    stranger = client_for("manager", register.other)
    assert stranger.get(f"/v1/coops/{register.coop}/members").status_code == 404
    missing = client.get("/v1/coops/coop_0000000000000000/members")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/errors/cooperative-not-found"


def _funder_party(client: TestClient, register: Register, kind: str) -> str:
    listed = client.get(f"/v1/coops/{register.coop}/funders").json()["funders"]
    return next(f["party_id"] for f in listed if f["id"] == register.funders[kind])


def test_cooperatives_a_token_may_see(
    client: TestClient, client_for: ClientFor, register: Register
) -> None:
    everyone = client.get("/v1/coops")
    assert everyone.status_code == 200
    assert {c["id"] for c in everyone.json()["coops"]} == {register.coop, register.other}
    fabrique = next(c for c in everyone.json()["coops"] if c["id"] == register.coop)
    assert fabrique == {
        "id": register.coop,
        "name": "La Fabrique du Coin",
        "siren": "732829320",
        "legal_form": "SAS",
        "incorporated_on": "2019-03-01",
    }
    for holder in (
        client_for("manager", register.coop),
        client_for("member", register.coop, register.parties["bob"]),
        client_for("funder", register.coop, _funder_party(client, register, "region")),
    ):
        assert [c["id"] for c in holder.get("/v1/coops").json()["coops"]] == [register.coop]
    assert TestClient(client.app).get("/v1/coops").status_code == 401


def test_funders_as_the_funding_views_scope_them(
    client: TestClient, client_for: ClientFor, register: Register
) -> None:
    listed = client_for("accountant", register.coop).get(f"/v1/coops/{register.coop}/funders")
    assert listed.status_code == 200
    assert [(f["name"], f["type"], f["id"]) for f in listed.json()["funders"]] == [
        ("Fondation Œuvre", "foundation", register.funders["foundation"]),
        ("Région Normandie", "region", register.funders["region"]),
    ]
    assert all(f["party_id"].startswith("pty_") for f in listed.json()["funders"])
    region = client_for("funder", register.coop, _funder_party(client, register, "region"))
    own = region.get(f"/v1/coops/{register.coop}/funders").json()["funders"]
    assert [f["id"] for f in own] == [register.funders["region"]]
    member = client_for("member", register.coop, register.parties["bob"])
    assert member.get(f"/v1/coops/{register.coop}/funders").status_code == 403
    stranger = client_for("manager", register.other)
    assert stranger.get(f"/v1/coops/{register.coop}/funders").status_code == 404
    assert client.get(f"/v1/coops/{register.other}/funders").json() == {"funders": []}
