"""The typed contract: every response has a schema, every refusal is documented as
problem+json, request schemas state the bounds the server holds to, and the bodies the
views answer with are those their Public schemas describe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from scic.api.examples import BATCH, BODIES
from scic.api.public.capital import CapitalTable
from scic.api.public.funding import FundingMix
from scic.service import Service
from scic.write.commands import COMMANDS
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_fuzz import _seed

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def contract(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def operations(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in contract["paths"].items()
        for method, op in ops.items()
        if path != "/health"
    ]


def test_every_refusal_is_documented_as_problem_json(contract: dict[str, Any]) -> None:
    for method, path, op in operations(contract):
        codes = set(op["responses"])
        writes = method == "post" and path.startswith("/v1/coops")
        expected = {"401", "403", "404", "422", "429"} | ({"409"} if writes else set())
        assert expected <= codes, (method, path, expected - codes)
        for code, response in op["responses"].items():
            if code.startswith("4"):
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}
    assert "HTTPValidationError" not in contract["components"]["schemas"]
    problem = contract["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "rule", "instance"} <= set(problem["properties"])


BINARY = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "application/zip",
)


def test_every_success_has_a_closed_schema(contract: dict[str, Any]) -> None:
    for method, path, op in operations(contract):
        for code, response in op["responses"].items():
            if code.startswith("2"):
                content = response.get("content", {})
                if "application/json" not in content:  # the feed, the FEC, SEPA, report files
                    allowed = (
                        {"text/event-stream"},
                        {"text/plain"},
                        {"application/xml", "text/xml"},  # one type, two names
                        {"text/csv"},
                        # a binary file: its own type, and the generic name of bytes
                        *({file_type, "application/octet-stream"} for file_type in BINARY),
                    )
                    assert set(content) in allowed, (path, content)
                    continue
                schema = content["application/json"]["schema"]
                assert "$ref" in schema, (method, path, code, schema)
    open_objects = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("additionalProperties") is True:
                open_objects.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(contract, "")
    # an event's payload is shaped by its type: nothing else is a free-form object
    assert open_objects == ["/components/schemas/FeedEvent/properties/data"]


def test_every_write_has_a_valid_example(contract: dict[str, Any]) -> None:
    for name, command in COMMANDS.items():
        (command.body_model or command.model).model_validate(BODIES[name])
    for method, path, op in operations(contract):
        if "requestBody" in op:
            if "application/json" not in op["requestBody"]["content"]:  # a file upload
                assert set(op["requestBody"]["content"]) == {"multipart/form-data"}, path
                continue
            media = op["requestBody"]["content"]["application/json"]
            schema = media["schema"]  # an optional body: anyOf [its model, null]
            ref = next(o for o in [schema, *schema.get("anyOf", ())] if "$ref" in o)["$ref"]
            ref = ref.rsplit("/", 1)[-1]
            assert media.get("examples") or contract["components"]["schemas"][ref].get(
                "examples"
            ), (method, path)
    from scic.api.routes.commands import BatchRequest

    BatchRequest.model_validate(BATCH)


def _property(contract: dict[str, Any], model: str, field: str) -> dict[str, Any]:
    schema: dict[str, Any] = contract["components"]["schemas"][model]["properties"][field]
    return next((o for o in schema.get("anyOf", ()) if o.get("type") != "null"), schema)


def test_request_schemas_state_the_bounds(contract: dict[str, Any]) -> None:
    paid = re.compile(_property(contract, "Subscribe", "paid")["pattern"])
    assert [v for v in ("1250.00", "0.01", "0.5", "9999999999999.99") if not paid.match(v)] == []
    refused = ("0", "0.00", "-5.00", "01.00", " 5.00", "1.001", "10000000000000", "1e3")
    assert [v for v in refused if paid.match(v)] == []
    day = re.compile(_property(contract, "Subscribe", "effective_date")["pattern"])
    assert day.match("1900-01-01") and day.match("2200-12-31")
    assert not day.match("1899-12-31") and not day.match("2201-01-01")
    assert _property(contract, "Subscribe", "shares")["exclusiveMinimum"] == 0
    grant = contract["components"]["schemas"]["AwardGrant"]
    assert [set(branch["required"]) for branch in grant["oneOf"]] == [{"funder"}, {"funder_id"}]
    weight = re.compile(_property(contract, "College", "weight")["pattern"])
    assert weight.match("0.30") and weight.match("1") and not weight.match("0.0000")
    batch_item = _property(contract, "BatchRequest", "commands")["items"]
    assert len(batch_item["oneOf"]) == len(COMMANDS) - 1
    assert batch_item["discriminator"]["propertyName"] == "type"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("paid", 125),  # a JSON number: amounts are decimal strings
        ("paid", "0125.00"),
        ("paid", " 125.00"),
        ("paid", "0.00"),
        ("effective_date", 0),
        ("effective_date", "2019-03-01T00:00:00"),
        ("effective_date", "1899-12-31"),
    ],
)
def test_the_server_refuses_what_the_schema_forbids(
    client: TestClient, field: str, value: Any
) -> None:
    coop = create_coop(client)
    member = admit(client, coop, "Alice Martin", "usagers")
    body = {"member_id": member, "shares": 1, "paid": "50.00", "effective_date": "2019-03-01"}
    response = client.post(f"/v1/coops/{coop}/subscriptions", json={**body, field: value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", field]


def test_http_level_refusals_are_problems_too(client: TestClient) -> None:
    coop = create_coop(client)
    unreadable = client.post(
        f"/v1/coops/{coop}/members",
        content=b"\xff\xfe{",
        headers={"content-type": "application/json"},
    )
    assert unreadable.status_code == 422, unreadable.text
    assert unreadable.json()["type"] == "/errors/invalid-request"
    # GET and POST …/grants live in two routers: the 405 still names both
    wrong = client.put(f"/v1/coops/{coop}/grants", json={})
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, POST"
    assert wrong.headers["content-type"] == "application/problem+json"
    path, alice = (
        f"/v1/coops/{coop}/members",
        {"name": "A", "kind": "person", "category": "usagers"},
    )
    version = client.post(path, json=alice).headers["ETag"].strip('"')
    for etag, status in (
        (f'W/"{version}"', 201),
        (f'"{version}"', 409),
        ("3.0", 422),
        ("null", 422),
    ):
        sent = client.post(path, json=alice, headers={"If-Match": etag})
        assert sent.status_code == status, (etag, sent.text)


def _check(model: type[BaseModel], body: dict[str, Any]) -> None:
    """The body is exactly what the model describes (the cached views answer raw JSON,
    so FastAPI does not check them on the way out)."""
    assert model.model_validate(body).model_dump(mode="json", by_alias=True) == body


def test_cached_views_answer_their_schemas(client: TestClient, service: Service) -> None:
    ids = _seed(client, service)
    coop = ids["coop_id"]
    subscribe(client, coop, ids["to_member_id"], 2, "100.00")
    client.post(
        f"/v1/coops/{coop}/esus-approvals",
        json={
            "granted_on": "2024-01-15",
            "expires_on": "2029-01-14",
            "authority": "Préfecture",
            "reference": "ESUS-1",
        },
    )
    for query in ("", "?group_by=category", "?group_by=college", "?as_of=2020-01-01"):
        _check(CapitalTable, client.get(f"/v1/coops/{coop}/capital-table{query}").json())
    for query in ("", "?from=2024-01-01&to=2024-12-31", "?known_at=2030-01-01T00:00:00Z"):
        _check(FundingMix, client.get(f"/v1/coops/{coop}/funding-mix{query}").json())
