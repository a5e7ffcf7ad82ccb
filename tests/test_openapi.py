"""openapi/openapi.json is the checked-in contract: it must match the app."""

from __future__ import annotations

import json
from pathlib import Path

from scic.cli import openapi_document

CONTRACT = Path(__file__).parent.parent / "openapi" / "openapi.json"

# The stable contract of DESIGN.md: clients rely on these paths.
STABLE_PATHS = {
    ("post", "/v1/coops"),
    ("post", "/v1/coops/{coop_id}/members"),
    ("post", "/v1/coops/{coop_id}/subscriptions"),
    ("post", "/v1/coops/{coop_id}/payments"),
    ("post", "/v1/coops/{coop_id}/withdrawals"),
    ("post", "/v1/coops/{coop_id}/transfers"),
    ("post", "/v1/coops/{coop_id}/corrections"),
    ("post", "/v1/coops/{coop_id}/batch"),
    ("get", "/v1/coops/{coop_id}/capital-table"),
    ("post", "/v1/coops/{coop_id}/votes/tally"),
    ("get", "/v1/coops/{coop_id}/events"),
    ("get", "/v1/coops/{coop_id}/members/{member_id}"),
}


def test_checked_in_contract_is_current() -> None:
    assert CONTRACT.read_text(encoding="utf-8") == openapi_document(), (
        "openapi/openapi.json is stale: run `scic openapi`"
    )


def test_stable_contract_paths_exist() -> None:
    paths = json.loads(CONTRACT.read_text(encoding="utf-8"))["paths"]
    present = {(method, path) for path, ops in paths.items() for method in ops}
    assert present >= STABLE_PATHS, STABLE_PATHS - present


def test_contract_field_names() -> None:
    schemas = json.loads(CONTRACT.read_text(encoding="utf-8"))["components"]["schemas"]
    assert {"member_id", "shares", "paid", "effective_date"} <= set(
        schemas["Subscribe"]["properties"]
    )
    assert {"from_member_id", "to_member_id", "shares", "effective_date"} <= set(
        schemas["Transfer"]["properties"]
    )
    assert {
        "name",
        "legal_form",
        "share_nominal",
        "statutory_floor",
        "siren",
        "categories",
        "colleges",
        "incorporated_on",
    } <= set(schemas["CreateCoop"]["properties"])
