"""Access over HTTP: the role × endpoint matrix generated from the app's routes, tenant
isolation, the token lifecycle (expiry, revocation, malformed headers), throttling of
failed authentications, and the actor recorded on every event.

Choices this file pins down:
- a token of another cooperative gets the 404 a missing cooperative gets (not 403);
- a member asking for another member's holdings gets the 404 an unknown member id gets
  (so member ids cannot be probed);
- funder and member tokens read the capital table by category or college only: any other
  `group_by`, including the default (member), is 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.access import policy, tokens
from scic.access.limiter import FailureLimiter
from scic.access.tables import api_tokens
from scic.api.app import create_app
from scic.projections.tables import funders
from scic.service import Service
from scic.settings import Settings
from scic.write.commands import COMMANDS
from tests.api.conftest import (
    ClientFor,
    admit,
    bearer,
    create_coop,
    event_count,
    issue_token,
    subscribe,
)
from tests.conftest import SteppingClock

ROLES = ("manager", "accountant", "funder", "member")

# The policy as the product states it (DESIGN.md "Auth", the access issue), written out
# independently of scic.access.policy: rule name → roles of a cooperative allowed.
EXPECTED_ROLES: dict[str, set[str]] = {
    "public": {*ROLES, "admin", "anonymous"},
    "admin": set(),
    "record": {"manager"},
    "read": {"manager", "accountant"},
    "close-year": {"manager", "accountant"},
    "allocate-result": {"manager", "accountant"},
    "export": {"manager", "accountant"},
    "capital-table": {"manager", "accountant", "funder", "member"},
    "member-holdings": {"manager", "accountant", "member"},
    "member-documents": {"manager", "accountant", "member"},  # a member: its own only
    "subscription-form": {"manager", "accountant", "member"},  # a member: its own only
    "mail-log": {"manager"},
    "mail-preferences": {"manager", "member"},  # a member: its own only
    "member-requests": {"manager", "member"},  # a member: its own only
    "request-inbox": {"manager"},
    "member-data": {"manager", "member"},  # a member: its own only
    "funding-mix": {"manager", "accountant", "funder"},
    "funder-portfolio": {"manager", "accountant", "funder"},  # a funder: its own only
    "grant": {"manager", "accountant", "funder"},  # a funder: its own only
    "grant-list": {"manager", "accountant", "funder"},  # a funder: ?funder=<its own>
    "coop-list": {"manager", "accountant", "funder", "member"},  # its own cooperative
    "member-list": {"manager", "accountant", "member"},  # a member: itself only
    "member-contact": {"manager", "member"},  # a member: its own member only
    "contact-log": {"manager"},
    "sepa-mandates": {"manager", "member"},  # a member: its own member only
    "funder-list": {"manager", "accountant", "funder"},  # a funder: itself only
    "grant-statement": {"manager", "accountant", "funder"},  # a funder: ?funder=<its own>
    "webhooks": {"manager"},
    "webhook-read": {"manager", "accountant"},
    "event-stream": {"manager", "accountant", "funder", "member"},  # narrowed to its own
}

# Routes whose rule is fixed by the product, by operation id. Every write generated from
# scic.write.commands is added below: all of them record, only a fiscal-year close is broader.
PINNED: dict[str, str] = {
    "health": "public",
    "post_coops": "admin",
    "post_tokens": "admin",
    "get_tokens": "admin",
    "delete_token": "admin",
    "post_token_revoke": "admin",
    "post_batch": "record",
    "get_coop": "read",
    "get_events": "read",
    "get_audit": "read",
    "get_compliance": "read",
    "get_pending_reimbursements": "read",
    "post_votes_tally": "read",
    "get_capital_table": "capital-table",
    "get_member": "member-holdings",
    "get_funding_mix": "funding-mix",
    "get_funder": "funder-portfolio",
    "get_grant": "grant",
    "get_grants": "grant-list",
    "get_participative_titles": "read",
    "get_coops": "coop-list",
    "get_members": "member-list",
    "get_funders": "funder-list",
    "get_report": "export",
    "get_report_csv": "export",
    "get_report_xlsx": "export",
    "get_report_pdf": "export",
    "get_report_zip": "export",
    "get_report_grant_statement": "grant-statement",
    "post_webhooks": "webhooks",
    "get_webhooks": "webhook-read",
    "get_webhook": "webhook-read",
    "delete_webhook": "webhooks",
    "post_webhook_secret_rotation": "webhooks",
    "post_webhook_replay": "webhooks",
    "post_webhook_test": "webhooks",
    "get_webhook_deliveries": "webhook-read",
    "get_events_stream": "event-stream",
    "get_reminders": "read",
    "get_member_document": "member-documents",
    "get_subscription_form": "subscription-form",
    "get_grant_document": "grant",
    "get_coop_profile": "read",
    "put_coop_profile": "record",
    "patch_member_contact": "member-contact",
    "post_imports": "record",
    "get_member_contact_changes": "contact-log",
    "get_mail_log": "mail-log",
    "get_mail_preferences": "mail-preferences",
    "put_mail_preferences": "mail-preferences",
    "post_member_request": "member-requests",
    "get_member_requests": "member-requests",
    "get_requests": "request-inbox",
    "post_request_accept": "request-inbox",
    "post_request_decline": "request-inbox",
    "get_member_data": "member-data",
    "list_sepa_mandates": "sepa-mandates",
    "post_sepa_mandate": "sepa-mandates",
    "post_sepa_mandate_revocation": "sepa-mandates",
}
for _name, _spec in COMMANDS.items():
    if _name != "coops":
        PINNED[f"post_{_name.replace('-', '_')}"] = (
            "close-year"
            if re.fullmatch(r"fiscal-years/\{\w+\}/close", _spec.route)
            else "allocate-result"
            if _spec.route.endswith("/surplus-allocation")
            else "record"
        )

# Served without a token on purpose: the OpenAPI document and its viewers.
DOC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    operation_id: str | None
    route: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for route in policy.routes_of(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append(
                    Endpoint(method, route.path, getattr(route, "operation_id", None), route)
                )
    return found


APP = create_app()
API_ENDPOINTS = [e for e in endpoints(APP) if e.path not in DOC_PATHS]


# -- every route declares its rule -----------------------------------------------------


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_every_route_declares_one_access_rule(endpoint: Endpoint) -> None:
    rule = policy.rule_of(endpoint.route)  # raises if it declares two
    assert rule is not None, (
        f"{endpoint} declares no access rule: add `dependencies=[requires(<rule>)]` "
        "(scic.access.policy) to the route; until then only admin may call it"
    )
    assert rule.name in EXPECTED_ROLES, f"{endpoint}: rule {rule.name!r} missing from the matrix"
    assert rule.allowed - {"admin"} == EXPECTED_ROLES[rule.name] - {"anonymous"} or rule.public


@pytest.mark.parametrize(("operation_id", "rule_name"), sorted(PINNED.items()))
def test_product_routes_keep_their_rule(operation_id: str, rule_name: str) -> None:
    declared = {e.operation_id: policy.rule_of(e.route) for e in API_ENDPOINTS}
    assert operation_id in declared, f"{operation_id} is gone from the API"
    rule = declared[operation_id]
    assert rule is not None and rule.name == rule_name


def test_only_the_openapi_document_is_served_outside_api_routes() -> None:
    """Mounts (static files…) and plain routes escape the guard: none but the docs."""
    others = {
        getattr(route, "path", repr(route))
        for route in policy.routes_of(APP.routes)
        if not hasattr(route, "dependant")
    }
    assert others <= DOC_PATHS, f"routes outside the access guard: {others - DOC_PATHS}"


def test_an_undeclared_route_is_refused_and_flagged(service: Service) -> None:
    app = create_app(service)

    @app.get("/v1/coops/{coop_id}/undeclared")
    def undeclared(coop_id: str) -> dict[str, str]:
        return {"reached": coop_id}

    route = next(e for e in endpoints(app) if e.path.endswith("/undeclared"))
    assert policy.rule_of(route.route) is None  # what the test above reports
    admin = TestClient(app, headers=bearer(issue_token(service, "admin").secret))
    coop = create_coop(admin)
    manager = TestClient(app, headers=bearer(issue_token(service, "manager", coop).secret))
    assert admin.get(f"/v1/coops/{coop}/undeclared").json() == {"reached": coop}
    refused = manager.get(f"/v1/coops/{coop}/undeclared")
    assert refused.status_code == 403 and "declares no access rule" in refused.json()["detail"]


# -- the matrix ------------------------------------------------------------------------


@dataclass
class World:
    coop: str
    other: str
    alice: str  # the member token's own member
    bob: str
    region: dict[str, str]  # the funder token's own funder: its grant and funder ids
    department: dict[str, str]  # another funder's
    clients: dict[str, TestClient]

    @property
    def path_params(self) -> dict[str, str]:
        return {
            "coop_id": self.coop,
            "member_id": self.alice,
            "funder_id": self.region["funder_id"],
            "grant_id": self.region["id"],
        }


def _grant(client: TestClient, coop: str, name: str, kind: str) -> dict[str, str]:
    response = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": name, "type": kind},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def world(
    client: TestClient, client_for: ClientFor, anonymous: TestClient, service: Service
) -> World:
    coop, other = create_coop(client), create_coop(client, name="Autre SCIC")
    alice = admit(client, coop, "Alice Martin", "salaries")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    subscribe(client, coop, alice, 10, "500.00")
    subscribe(client, coop, bob, 4, "200.00")
    subscribe(client, other, admit(client, other, "Zoé", "salaries"), 2, "100.00")
    region = _grant(client, coop, "Région Normandie", "region")
    department = _grant(client, coop, "Département de la Manche", "department")
    alice_party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    with service.engine.connect() as conn:
        region_party = conn.execute(
            sa.select(funders.c.party_id).where(funders.c.funder_id == region["funder_id"])
        ).scalar_one()
    return World(
        coop,
        other,
        alice,
        bob,
        region,
        department,
        {
            "admin": client,
            "manager": client_for("manager", coop),
            "accountant": client_for("accountant", coop),
            "funder": client_for("funder", coop, region_party),
            "member": client_for("member", coop, alice_party),
            "other-coop manager": client_for("manager", other),
            "anonymous": anonymous,
        },
    )


# Query parameters that put each route within reach of its narrowest allowed role.
QUERIES: dict[str, Any] = {
    "get_capital_table": lambda world: {"group_by": "category"},
    "get_grants": lambda world: {"funder": world.region["funder_id"]},
    "get_report_grant_statement": lambda world: {"funder": world.region["funder_id"]},
    "get_events_stream": lambda world: {"timeout": 0},  # the backlog, then the stream ends
}


def _request(world: World, who: str, endpoint: Endpoint) -> Any:
    params = world.path_params
    path = re.sub(
        r"\{(\w+)(:\w+)?\}", lambda m: params.get(m[1], "unknown0000000000"), endpoint.path
    )
    query = QUERIES[endpoint.operation_id](world) if endpoint.operation_id in QUERIES else None
    body: dict[str, object] | None = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    return world.clients[who].request(endpoint.method, path, params=query, json=body)


def _expected(who: str, endpoint: Endpoint) -> str:
    rule = policy.rule_of(endpoint.route)
    if rule is not None and rule.public:
        return "allowed"
    if who == "anonymous":
        return "401"
    if who == "admin":
        return "allowed"
    if who == "other-coop manager":
        return (
            "404"
            if "{coop_id}" in endpoint.path
            else ("allowed" if rule and "manager" in EXPECTED_ROLES[rule.name] else "403")
        )
    return "allowed" if rule and who in EXPECTED_ROLES[rule.name] else "403"


def _outcome(response: Any, endpoint: Endpoint, world: World) -> str:
    status = response.status_code
    if status in (401, 403):
        return str(status)
    if status == 404 and response.json().get("type") == "/errors/cooperative-not-found":
        return "404"
    assert status < 500, response.text
    # Path parameters the world cannot fill (grant ids…) may be 404: still let through.
    only_real_params = not set(re.findall(r"\{(\w+)", endpoint.path)) - set(world.path_params)
    return "allowed" if status != 404 or not only_real_params else f"404 {response.text}"


def test_role_endpoint_matrix(world: World) -> None:
    """Every route × admin, manager, accountant, funder, member, a manager of another
    cooperative and no token at all."""
    wrong = []
    for endpoint in API_ENDPOINTS:
        if not getattr(endpoint.route, "include_in_schema", True):
            continue  # a dashboard page: test_pages_leave_access_to_the_page below
        for who in world.clients:
            response = _request(world, who, endpoint)
            got, want = _outcome(response, endpoint, world), _expected(who, endpoint)
            if got != want:
                wrong.append(f"{endpoint}  as {who}: {got}, expected {want}")
            if got in ("401", "403", "404"):
                assert response.headers["content-type"].startswith("application/problem+json")
    assert not wrong, "\n".join(wrong)


def test_pages_leave_access_to_the_page() -> None:
    """Dashboard pages (outside the OpenAPI document) pass the bearer guard — a browser
    sends no Authorization header — and judge the signed-in person or token themselves
    with the API's rules (scic.web.session; tests/web walk them with every role)."""
    pages = [e for e in API_ENDPOINTS if not getattr(e.route, "include_in_schema", True)]
    assert any(e.path == "/dashboard/capital" for e in pages)
    for endpoint in pages:
        rule = policy.rule_of(endpoint.route)
        assert rule is not None and rule.public, endpoint


# -- roles in detail -------------------------------------------------------------------


def test_member_reads_its_own_holdings_only(world: World) -> None:
    member = world.clients["member"]
    own = member.get(f"/v1/coops/{world.coop}/members/{world.alice}")
    assert own.status_code == 200 and own.json()["holding"]["shares"] == 10
    other = member.get(f"/v1/coops/{world.coop}/members/{world.bob}")
    unknown = member.get(f"/v1/coops/{world.coop}/members/mbr_nobody")
    assert other.status_code == unknown.status_code == 404
    assert other.json()["type"] == unknown.json()["type"] == "/errors/member-not-found"
    assert (
        world.clients["accountant"].get(f"/v1/coops/{world.coop}/members/{world.bob}").status_code
        == 200
    )


@pytest.mark.parametrize("who", ["funder", "member"])
def test_funder_and_member_read_aggregates_not_members(world: World, who: str) -> None:
    path = f"/v1/coops/{world.coop}/capital-table"
    reader = world.clients[who]
    for refused in ({"group_by": "member"}, {}):
        response = reader.get(path, params=refused)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/errors/forbidden"
    by_category = reader.get(path, params={"group_by": "category"}).json()
    assert by_category["totals"]["shares"] == 14
    labels = {row["label"] for row in by_category["rows"]}
    assert not labels & {"Alice Martin", "Bob Leroy"}
    assert reader.get(path, params={"group_by": "college"}).status_code == 200
    names = world.clients["manager"].get(path, params={"group_by": "member"}).json()
    assert {row["label"] for row in names["rows"]} == {"Alice Martin", "Bob Leroy"}


def test_funder_reads_its_own_funding_only(world: World) -> None:
    funder, base = world.clients["funder"], f"/v1/coops/{world.coop}"
    own, theirs = world.region, world.department
    assert funder.get(f"{base}/grants/{own['id']}").json()["funder_id"] == own["funder_id"]
    assert funder.get(f"{base}/funders/{own['funder_id']}").status_code == 200
    for path, unknown, slug in (
        (f"grants/{theirs['id']}", "grants/grt_nope", "grant"),
        (f"funders/{theirs['funder_id']}", "funders/fnd_nope", "funder"),
    ):
        other, missing = funder.get(f"{base}/{path}"), funder.get(f"{base}/{unknown}")
        assert other.status_code == missing.status_code == 404
        assert other.json()["type"] == missing.json()["type"] == f"/errors/{slug}-not-found"
    listed = funder.get(f"{base}/grants", params={"funder": own["funder_id"]}).json()
    assert [g["id"] for g in listed["grants"]] == [own["id"]]
    for refused in ({}, {"funder": theirs["funder_id"]}):
        assert funder.get(f"{base}/grants", params=refused).status_code == 403
    assert funder.get(f"{base}/funding-mix").status_code == 200
    for forbidden in ("events", "participative-titles", "compliance", ""):
        assert funder.get(f"{base}/{forbidden}".rstrip("/")).status_code == 403, forbidden
    all_grants = world.clients["accountant"].get(f"{base}/grants").json()["grants"]
    assert {g["id"] for g in all_grants} == {own["id"], theirs["id"]}


def test_grants_funder_own_as_the_readme_writes_it(world: World) -> None:
    base = f"/v1/coops/{world.coop}/grants"
    own = world.clients["funder"].get(base, params={"funder": "own"})
    assert own.status_code == 200, own.text
    assert [g["id"] for g in own.json()["grants"]] == [world.region["id"]]
    for who in ("manager", "admin"):  # speaks for no funder: say so, do not list all
        refused = world.clients[who].get(base, params={"funder": "own"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"] == "/errors/no-own-funder"
    assert world.clients["member"].get(base, params={"funder": "own"}).status_code == 403


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("member", "members/mbr%00"),
        ("funder", "grants/grt%00"),
        ("funder", "funders/fnd%00"),
        ("funder", "grants?funder=fnd%00"),
    ],
)
def test_nul_in_an_id_the_policy_looks_up_is_422(world: World, who: str, path: str) -> None:
    """The member and funder rules look the id up to find its owner: with a NUL in it,
    PostgreSQL raised a DataError (500) before the route's own NUL check could run."""
    response = world.clients[who].get(f"/v1/coops/{world.coop}/{path}")
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/errors/invalid-request"


def test_accountant_reads_but_does_not_record(world: World, service: Service) -> None:
    accountant = world.clients["accountant"]
    before = event_count(service)
    response = accountant.post(
        f"/v1/coops/{world.coop}/members",
        json={
            "name": "Chloé",
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2020-01-01",
        },
    )
    assert response.status_code == 403 and event_count(service) == before
    assert accountant.get(f"/v1/coops/{world.coop}/events").status_code == 200
    assert accountant.get(f"/v1/coops/{world.coop}/audit").status_code == 200
    # The hook for the fiscal-year close an accountant may record:
    assert policy.command_rule("fiscal-years/{year}/close") is policy.CLOSE_YEAR
    assert "accountant" in policy.CLOSE_YEAR.allowed
    # and records the general meeting's allocation of the year's result
    rule = policy.command_rule("fiscal-years/{year}/surplus-allocation")
    assert rule is policy.ALLOCATE_RESULT and "accountant" in rule.allowed


def test_batch_checks_the_rule_of_each_command(
    world: World, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(policy.COMMAND_RULES, COMMANDS["members"].route, policy.ADMIN_ONLY)
    before = event_count(service)
    response = world.clients["manager"].post(
        f"/v1/coops/{world.coop}/batch",
        json={
            "commands": [
                {
                    "type": "members",
                    "body": {"name": "Chloé", "kind": "person", "category": "usagers"},
                }
            ]
        },
    )
    assert response.status_code == 403 and event_count(service) == before
    assert response.json()["command_index"] == 0
    assert response.json()["detail"].startswith("commands[0]: a manager token may not")


# -- cooperatives apart ----------------------------------------------------------------


def test_another_cooperative_is_answered_as_if_missing(world: World) -> None:
    stranger = world.clients["other-coop manager"]
    theirs = stranger.get(f"/v1/coops/{world.coop}/events")
    missing = stranger.get("/v1/coops/coop_0000000000000000/events")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["type"] == missing.json()["type"] == "/errors/cooperative-not-found"
    assert theirs.json()["detail"] == missing.json()["detail"].replace(
        "coop_0000000000000000", world.coop
    )
    write = stranger.post(
        f"/v1/coops/{world.coop}/members",
        json={"name": "Intrus", "kind": "person", "category": "usagers"},
    )
    assert write.status_code == 404


def test_ids_of_another_cooperative_are_unknown_in_ones_own(world: World, service: Service) -> None:
    zoe = next(
        e["data"]["member_id"]
        for e in world.clients["other-coop manager"]
        .get(f"/v1/coops/{world.other}/events")
        .json()["events"]
        if e["type"] == "MemberAdmitted"
    )
    manager, before = world.clients["manager"], event_count(service)
    assert manager.get(f"/v1/coops/{world.coop}/members/{zoe}").status_code == 404
    response = manager.post(
        f"/v1/coops/{world.coop}/subscriptions",
        json={"member_id": zoe, "shares": 2, "paid": "100.00"},
    )
    assert response.status_code == 404 and event_count(service) == before


def test_the_events_feed_never_carries_another_cooperative(world: World) -> None:
    for coop, manager in (
        (world.coop, world.clients["manager"]),
        (world.other, world.clients["other-coop manager"]),
    ):
        after, seen = 0, []
        while True:
            page = manager.get(
                f"/v1/coops/{coop}/events", params={"after": after, "limit": 2}
            ).json()
            seen += page["events"]
            if not page["events"]:
                break
            after = page["next_after"]
        assert seen and {e["stream_id"] for e in seen} == {f"coop:{coop}"}


# -- tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "Token scic_0123456789abcdef_x",
        "Bearer not-a-token",
        "Bearer scic_0123456789abcdef_" + "A" * 43,
        "bearer\tscic_x",
    ],
    ids=["no-token", "blank", "basic", "other-scheme", "malformed", "unknown-id", "tab"],
)
def test_bad_authorization_headers_are_401(
    world: World, anonymous: TestClient, header: str
) -> None:
    response = anonymous.get(f"/v1/coops/{world.coop}/events", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/errors/unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_secret_is_401_like_an_unknown_token(
    world: World, anonymous: TestClient, service: Service
) -> None:
    issued = issue_token(service, "manager", world.coop)
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    unknown = "scic_0123456789abcdef_" + issued.secret[-43:]
    answers = [
        anonymous.get(f"/v1/coops/{world.coop}/events", headers=bearer(t))
        for t in (forged, unknown)
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()


def test_an_expired_token_is_401(world: World, client_for: ClientFor, clock: SteppingClock) -> None:
    expiring = client_for("manager", world.coop, expires_at=clock.now + timedelta(hours=1))
    assert expiring.get(f"/v1/coops/{world.coop}/events").status_code == 200
    clock.advance(hours=1)
    response = expiring.get(f"/v1/coops/{world.coop}/events")
    assert response.status_code == 401 and response.json()["detail"] == "token expired"


def test_a_revoked_token_is_401(world: World, client: TestClient) -> None:
    manager = world.clients["manager"]
    assert manager.get(f"/v1/coops/{world.coop}/events").status_code == 200
    revoked = client.delete(f"/v1/tokens/{manager.token_id}")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert revoked.json()["revoked_by"] == f"token:{client.token_id}:admin"
    response = manager.get(f"/v1/coops/{world.coop}/events")
    assert response.status_code == 401 and response.json()["detail"] == "token revoked"
    again = client.post(f"/v1/tokens/{manager.token_id}/revoke").json()
    assert again["revoked_at"] == revoked.json()["revoked_at"]  # the first revocation stays


def test_a_token_revoked_in_this_process_is_refused_at_once(world: World, service: Service) -> None:
    """The token check keeps recent verifications; a revocation made here, by any path
    (the CLI runs `tokens.revoke` too), must not wait for them to age."""
    manager = world.clients["manager"]
    assert manager.get(f"/v1/coops/{world.coop}/events").status_code == 200
    with service.engine.begin() as conn:
        tokens.revoke(conn, manager.token_id, service.store.clock(), "test")
    response = manager.get(f"/v1/coops/{world.coop}/events")
    assert response.status_code == 401 and response.json()["detail"] == "token revoked"


def test_a_token_revoked_by_another_process_is_refused_once_its_check_ages(
    world: World, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = world.clients["manager"]
    assert manager.get(f"/v1/coops/{world.coop}/events").status_code == 200
    with service.engine.begin() as conn:  # what `scic token revoke` does from its process
        conn.execute(
            api_tokens.update()
            .where(api_tokens.c.token_id == manager.token_id)
            .values(revoked_at=service.store.clock(), revoked_by="elsewhere")
        )
    assert manager.get(f"/v1/coops/{world.coop}/events").status_code == 200  # recent check
    later = tokens.monotonic() + tokens.RECENT_SECONDS
    monkeypatch.setattr(tokens, "monotonic", lambda: later)
    response = manager.get(f"/v1/coops/{world.coop}/events")
    assert response.status_code == 401 and response.json()["detail"] == "token revoked"


def test_admin_issues_lists_and_revokes_tokens(
    world: World, client: TestClient, anonymous: TestClient, service: Service
) -> None:
    created = client.post(
        "/v1/tokens",
        json={
            "role": "accountant",
            "coop_id": world.coop,
            "label": "cabinet comptable",
            "expires_at": "2027-01-31",
        },
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    assert issued["token"].startswith(f"scic_{issued['id']}_")
    assert issued["expires_at"] == "2027-01-31T23:00:00.000000Z"  # end of day, Paris
    reader = TestClient(anonymous.app, headers=bearer(issued["token"]))
    assert reader.get(f"/v1/coops/{world.coop}/events").status_code == 200
    listed = client.get("/v1/tokens", params={"coop_id": world.coop}).json()["tokens"]
    assert issued["id"] in {t["id"] for t in listed}
    assert all(set(t) == set(issued) - {"token"} for t in listed)
    with service.engine.connect() as conn:  # stored hashed: the secret is nowhere
        row = (
            conn.execute(sa.select(api_tokens).where(api_tokens.c.token_id == issued["id"]))
            .mappings()
            .one()
        )
    assert issued["token"].split("_", 2)[2] not in str(dict(row))
    assert client.post(f"/v1/tokens/{issued['id']}/revoke").json()["active"] is False
    assert reader.get(f"/v1/coops/{world.coop}/events").status_code == 401
    assert client.get("/v1/tokens", params={"active": True}).json()["tokens"] and all(
        t["active"] for t in client.get("/v1/tokens", params={"active": True}).json()["tokens"]
    )


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"role": "admin", "coop_id": "COOP"}, 422, "admin-token-is-global"),
        ({"role": "manager"}, 422, "cooperative-required"),
        ({"role": "manager", "coop_id": "coop_missing"}, 404, "cooperative-not-found"),
        ({"role": "manager", "coop_id": "COOP", "party_id": "PARTY"}, 422, "party-not-allowed"),
        ({"role": "member", "coop_id": "COOP", "party_id": "OTHER_PARTY"}, 404, "party-not-found"),
        (
            {"role": "member", "coop_id": "COOP", "member_id": "ALICE", "expires_at": "2020-01-01"},
            422,
            "expiry-in-the-past",
        ),
        # the end of 9999-12-31, or that instant in UTC, overflowed (500)
        (
            {"role": "manager", "coop_id": "COOP", "expires_at": "9999-12-31"},
            422,
            "invalid-request",
        ),
        (
            {"role": "manager", "coop_id": "COOP", "expires_at": "9999-12-31T23:00:00-05:00"},
            422,
            "invalid-request",
        ),
        ({"role": "owner", "coop_id": "COOP"}, 422, "invalid-request"),
        # a member or funder token without the one it speaks for would see nothing
        ({"role": "member", "coop_id": "COOP"}, 422, "party-required"),
        ({"role": "funder", "coop_id": "COOP"}, 422, "party-required"),
        ({"role": "member", "coop_id": "COOP", "member_id": "mbr_nope"}, 404, "member-not-found"),
        ({"role": "member", "coop_id": "COOP", "member_id": "ZOE"}, 404, "member-not-found"),
        ({"role": "funder", "coop_id": "COOP", "funder_id": "fnd_nope"}, 404, "funder-not-found"),
        ({"role": "funder", "coop_id": "COOP", "party_id": "fnd_nope"}, 404, "funder-not-found"),
        ({"role": "funder", "coop_id": "COOP", "member_id": "ALICE"}, 422, "party-kind-mismatch"),
        ({"role": "member", "coop_id": "COOP", "funder_id": "REGION"}, 422, "party-kind-mismatch"),
        (
            {"role": "member", "coop_id": "COOP", "member_id": "ALICE", "funder_id": "REGION"},
            422,
            "one-party-only",
        ),
        ({"role": "manager", "coop_id": "COOP", "member_id": "ALICE"}, 422, "party-not-allowed"),
        ({"role": "admin", "funder_id": "REGION"}, 422, "admin-token-is-global"),
    ],
)
def test_token_requests_outside_the_rules(
    world: World, client: TestClient, body: dict[str, str], status: int, slug: str
) -> None:
    other_party = client.get(f"/v1/coops/{world.other}/events").json()["events"]
    zoe = next(e["data"]["party_id"] for e in other_party if e["type"] == "MemberAdmitted")
    zoe_member = next(e["data"]["member_id"] for e in other_party if e["type"] == "MemberAdmitted")
    values = {
        "COOP": world.coop,
        "PARTY": "pty_region",
        "OTHER_PARTY": zoe,
        "ALICE": world.alice,
        "ZOE": zoe_member,
        "REGION": world.region["funder_id"],
    }
    body = {k: values.get(v, v) for k, v in body.items()}
    response = client.post("/v1/tokens", json=body)
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"/errors/{slug}"


def test_tokens_take_the_member_and_funder_ids_people_have(
    world: World, client: TestClient, anonymous: TestClient
) -> None:
    base = f"/v1/coops/{world.coop}"
    for body in (
        {"role": "funder", "funder_id": world.region["funder_id"]},
        {"role": "funder", "party_id": world.region["funder_id"]},  # what people paste
        {"role": "member", "member_id": world.alice},
        {"role": "member", "party_id": world.alice},
    ):
        created = client.post("/v1/tokens", json={**body, "coop_id": world.coop})
        assert created.status_code == 201, created.text
        holder = TestClient(anonymous.app, headers=bearer(created.json()["token"]))
        if body["role"] == "funder":
            own = holder.get(f"{base}/grants", params={"funder": "own"}).json()["grants"]
            assert [g["id"] for g in own] == [world.region["id"]]
        else:
            assert holder.get(f"{base}/members/{world.alice}").status_code == 200
            assert holder.get(f"{base}/members/{world.bob}").status_code == 404


def test_no_token_speaks_for_an_erased_party(world: World, client: TestClient) -> None:
    party = client.get(f"/v1/coops/{world.coop}/members/{world.bob}").json()["party_id"]
    erased = client.post(f"/v1/coops/{world.coop}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text
    refused = client.post(
        "/v1/tokens", json={"role": "member", "coop_id": world.coop, "member_id": world.bob}
    )
    assert refused.status_code == 409 and refused.json()["type"] == "/errors/party-erased"


def test_only_admin_handles_tokens_and_cooperatives(world: World) -> None:
    manager = world.clients["manager"]
    assert (
        manager.post("/v1/tokens", json={"role": "manager", "coop_id": world.coop}).status_code
        == 403
    )
    assert manager.get("/v1/tokens").status_code == 403
    assert manager.post("/v1/coops", json={}).status_code == 403


def test_failures_are_throttled_per_address_and_token_id(service: Service, world: World) -> None:
    now = [0.0]
    app = create_app(service, auth_limiter=FailureLimiter(limit=3, window=60, clock=lambda: now[0]))
    issued = issue_token(service, "manager", world.coop)
    good = bearer(issued.secret)
    forged = bearer(issued.secret[:-43] + ("A" * 43 if issued.secret[-1] != "A" else "B" * 43))
    other_id = bearer("scic_0123456789abcdef_" + "A" * 43)
    path = f"/v1/coops/{world.coop}/events"
    attacker = TestClient(app, client=("203.0.113.7", 40000))
    assert [attacker.get(path, headers=forged).status_code for _ in range(3)] == [401] * 3
    throttled = attacker.get(path, headers=forged)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert throttled.json()["type"] == "/errors/too-many-authentication-failures"
    assert int(throttled.headers["retry-after"]) == 60
    # the valid token is never refused, not even from the guessing address
    assert attacker.get(path, headers=good).status_code == 200
    assert attacker.get(path, headers=world.clients["admin"].headers).status_code == 200
    # another token id from that address has failures of its own
    assert attacker.get(path, headers=other_id).status_code == 401
    assert (
        TestClient(app, client=("198.51.100.9", 40000)).get(path, headers=forged).status_code == 401
    )
    # X-Forwarded-For from a client that is no configured proxy changes nothing
    spoofed = {**forged, "X-Forwarded-For": "192.0.2.1"}
    assert attacker.get(path, headers=spoofed).status_code == 429
    assert attacker.get(path).status_code == 401  # no token is no guess
    now[0] += 30
    assert attacker.get(path, headers=forged).status_code == 429
    assert int(attacker.get(path, headers=forged).headers["retry-after"]) == 30
    now[0] += 30
    assert attacker.get(path, headers=forged).status_code == 401


def test_malformed_tokens_share_one_key_per_address(service: Service, world: World) -> None:
    app = create_app(service, auth_limiter=FailureLimiter(limit=2, window=60))
    client = TestClient(app, client=("203.0.113.8", 40000))
    path = f"/v1/coops/{world.coop}/events"
    statuses = [
        client.get(path, headers={"Authorization": h}).status_code
        for h in ("Bearer junk", "Basic x", "Bearer other")
    ]
    assert statuses == [401, 401, 429]
    assert client.get(path, headers=world.clients["manager"].headers).status_code == 200


def test_forwarded_for_is_believed_only_from_a_configured_proxy(
    service: Service, world: World
) -> None:
    app = create_app(
        service,
        auth_limiter=FailureLimiter(limit=2, window=60),
        trusted_proxies=Settings(trusted_proxies="10.0.0.5, 192.168.0.0/24").proxy_networks,
    )
    proxy = TestClient(app, client=("10.0.0.5", 40000))
    path = f"/v1/coops/{world.coop}/events"
    bad = bearer("scic_0123456789abcdef_" + "A" * 43)

    def via(*hops: str) -> int:
        return proxy.get(path, headers={**bad, "X-Forwarded-For": ", ".join(hops)}).status_code

    # the client is the rightmost hop that is not a proxy: what our proxy appended
    assert [via("203.0.113.7"), via("6.6.6.6", "203.0.113.7", "192.168.0.9")] == [401, 401]
    assert via("1.1.1.1", "203.0.113.7") == 429  # a forged left part does not help
    assert via("198.51.100.9") == 401  # another client behind the same proxy
    # a direct peer that is no proxy is keyed by itself whatever it forwards
    direct = TestClient(app, client=("10.0.0.6", 40000))
    statuses = [
        direct.get(path, headers={**bad, "X-Forwarded-For": f"192.0.2.{i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_trusted_proxies_setting_refuses_what_is_not_an_address() -> None:
    assert Settings(trusted_proxies="").proxy_networks == []
    assert [str(n) for n in Settings(trusted_proxies="::1,10.0.0.0/8").proxy_networks] == [
        "::1/128",
        "10.0.0.0/8",
    ]
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        Settings(trusted_proxies="localhost")


def test_serve_lets_uvicorn_believe_no_forwarded_header(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from scic import cli
    from scic.settings import get_settings

    ran: dict[str, Any] = {}
    monkeypatch.setenv("SCIC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options))
    try:
        assert cli.main(["serve", "--port", "8123"]) == 0
    finally:
        get_settings.cache_clear()
    assert ran["proxy_headers"] is False and ran["port"] == 8123


# -- actors ----------------------------------------------------------------------------


def test_events_record_the_token_that_recorded_them(world: World, client: TestClient) -> None:
    manager = world.clients["manager"]
    admitted = manager.post(
        f"/v1/coops/{world.coop}/members",
        json={
            "name": "Chloé",
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2020-01-01",
        },
    )
    assert admitted.status_code == 201
    batch = manager.post(
        f"/v1/coops/{world.coop}/batch",
        json={
            "commands": [
                {
                    "type": "subscriptions",
                    "body": {
                        "member_id": admitted.json()["id"],
                        "shares": 2,
                        "paid": "100.00",
                        "effective_date": "2020-01-01",
                    },
                }
            ]
        },
    )
    assert batch.status_code == 201
    actor = f"token:{manager.token_id}:manager"
    events = manager.get(f"/v1/coops/{world.coop}/events").json()["events"]
    mine = {e["event_id"] for e in events if e["actor"] == actor}
    assert mine == {*admitted.json()["event_ids"], *batch.json()["results"][0]["event_ids"]}
    assert all(re.fullmatch(r"token:[0-9a-f]{16}:(admin|manager)", e["actor"]) for e in events)
    audit = (
        world.clients["accountant"]
        .get(f"/v1/coops/{world.coop}/audit", params={"actor": actor})
        .json()
    )
    assert {e["event_id"] for e in audit["entries"]} == mine
    assert set(audit["entries"][0]) == {"position", "event_id", "type", "actor", "recorded_at"}


def test_audit_is_paged_like_the_feed(world: World) -> None:
    manager = world.clients["manager"]
    feed = manager.get(f"/v1/coops/{world.coop}/events").json()["events"]
    after, entries = 0, []
    while page := manager.get(
        f"/v1/coops/{world.coop}/audit", params={"after": after, "limit": 2}
    ).json()["entries"]:
        assert len(page) <= 2
        entries += page
        after = entries[-1]["position"]
    assert [(e["position"], e["event_id"], e["actor"]) for e in entries] == [
        (e["position"], e["event_id"], e["actor"]) for e in feed
    ]


# -- without a token -------------------------------------------------------------------


def test_health_and_the_contract_need_no_token(anonymous: TestClient) -> None:
    assert anonymous.get("/health").status_code == 200
    document = anonymous.get("/openapi.json")
    assert document.status_code == 200
    assert anonymous.get("/docs").status_code == 200
    capital = document.json()["paths"]["/v1/coops/{coop_id}/capital-table"]["get"]
    assert capital["x-roles"] == ["accountant", "admin", "funder", "manager", "member"]
    assert capital["security"] == [{"bearer": []}]


def test_erasing_a_party_revokes_its_tokens(client, client_for) -> None:
    from tests.api.conftest import admit, create_coop

    coop = create_coop(client)
    member = admit(client, coop, "Alice", "salaries")
    party = client.get(f"/v1/coops/{coop}/members/{member}").json()["party_id"]
    alice = client_for("member", coop, party)
    assert alice.get(f"/v1/coops/{coop}/members/{member}").status_code == 200
    assert (
        client.post(
            f"/v1/coops/{coop}/parties/{party}/erasure", json={"reason": "RGPD"}
        ).status_code
        == 201
    )
    assert alice.get(f"/v1/coops/{coop}/members/{member}").status_code == 401
