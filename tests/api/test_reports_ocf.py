"""The Open Cap Format export: every file valid against the official 1.2.0 schemas (as
copied into the package), manifest md5s right, OCF's logical checks passed, and the
issuances re-imported give each stakeholder the shares of the capital table."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from jsonschema.validators import validator_for
from referencing import Registry, Resource

from scic.demo import seed_demo
from scic.projections.tables import coops
from scic.reports import ocf
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe

SCHEMAS = Path(ocf.__file__).parent / "ocf_schema" / "schema"
BASE = "https://schema.opencaptablecoalition.com/v/1.2.0/files/"
FILE_SCHEMA = {
    "OCF_MANIFEST_FILE": "OCFManifestFile",
    "OCF_STAKEHOLDERS_FILE": "StakeholdersFile",
    "OCF_STOCK_CLASSES_FILE": "StockClassesFile",
    "OCF_TRANSACTIONS_FILE": "TransactionsFile",
}


@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    resources = [
        (schema["$id"], Resource.from_contents(schema))
        for schema in (json.loads(p.read_text()) for p in SCHEMAS.rglob("*.schema.json"))
    ]
    return Registry().with_resources(resources)


def _package(client: TestClient, coop: str, **params: Any) -> dict[str, bytes]:
    response = client.get(f"/v1/coops/{coop}/reports/ocf", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].endswith('.ocf.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name) for name in archive.namelist()}


def _check(files: dict[str, bytes], registry: Registry[Any]) -> dict[str, Any]:
    """Schema, md5 and logical checks, done here independently of the exporter."""
    manifest = json.loads(files["Manifest.ocf.json"])
    docs = {"manifest": manifest}
    for key in ("stakeholders_files", "stock_classes_files", "transactions_files"):
        [ref] = manifest[key]
        body = files[ref["filepath"].removeprefix("./")]
        assert hashlib.md5(body).hexdigest() == ref["md5"], ref
        docs[key] = json.loads(body)
    for doc in docs.values():
        schema = registry.contents(BASE + FILE_SCHEMA[doc["file_type"]] + ".schema.json")
        validator = validator_for(schema)(schema, registry=registry)
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], errors[:3]
    sidecar = files[ocf.SIDECAR]
    assert f"sidecar {ocf.SIDECAR} md5 {hashlib.md5(sidecar).hexdigest()}" in manifest["comments"]
    items = {k: docs[k]["items"] for k in docs if k != "manifest"}
    assert (
        ocf.logical_errors(
            manifest,
            items["stakeholders_files"],
            items["stock_classes_files"],
            items["transactions_files"],
        )
        == []
    )
    return items


def _reimport(transactions: list[dict[str, Any]]) -> dict[str, int]:
    """Shares per stakeholder from the issuances alone: every issued security, minus
    what transfers, repurchases and cancellations consumed plus their balances."""
    quantity = {
        t["security_id"]: (t["stakeholder_id"], t["stock_class_id"], int(t["quantity"]))
        for t in transactions
        if t["object_type"] == "TX_STOCK_ISSUANCE"
    }
    held: dict[str, int] = defaultdict(int)
    for holder, klass, count in quantity.values():
        if klass != ocf.TITLES_CLASS:
            held[holder] += count
    for t in transactions:
        if t["object_type"] != "TX_STOCK_ISSUANCE" and t["security_id"] in quantity:
            holder, klass, count = quantity[t["security_id"]]
            if klass != ocf.TITLES_CLASS:
                held[holder] -= count  # consumed whole; balances are issuances above
    return {k: v for k, v in held.items() if v}


def _capital_shares(client: TestClient, coop: str, on: str) -> dict[str, int]:
    rows = client.get(f"/v1/coops/{coop}/capital-table", params={"as_of": on}).json()["rows"]
    return {r["key"]: r["shares"] for r in rows if r["shares"]}


@pytest.fixture
def demo(service: Service, client: TestClient) -> str:
    seed_demo(service)
    with service.engine.connect() as conn:
        return str(conn.execute(sa.select(coops.c.coop_id)).scalar_one())


def test_the_demo_export_passes_schema_md5_and_logical_checks(
    client: TestClient, demo: str, registry: Registry[Any]
) -> None:
    files = _package(client, demo, as_of="2025-12-31")
    items = _check(files, registry)
    kinds = {t["object_type"] for t in items["transactions_files"]}
    assert {"TX_STOCK_ISSUANCE", "TX_STOCK_TRANSFER", "TX_STOCK_REPURCHASE"} <= kinds
    classes = {c["id"] for c in items["stock_classes_files"]}
    assert ocf.TITLES_CLASS in classes and "sc_salaries" in classes
    assert _reimport(items["transactions_files"]) == _capital_shares(client, demo, "2025-12-31")
    sidecar = json.loads(files[ocf.SIDECAR])
    assert any("partly paid" in what for what in sidecar["unmapped"])
    assert {"paid", "unpaid"} <= set(sidecar["holdings"][0])
    assert _package(client, demo, as_of="2025-12-31") == files  # byte for byte


def test_every_year_end_of_the_demo_reimports_to_the_capital_table(
    client: TestClient, demo: str
) -> None:
    for year in range(2019, 2026):
        files = _package(client, demo, year=year)
        transactions = json.loads(files["Transactions.ocf.json"])["items"]
        shares = _capital_shares(client, demo, f"{year}-12-31")
        assert _reimport(transactions) == shares, year
        per_holder: dict[str, int] = defaultdict(int)
        for (holder, klass), count in ocf.outstanding(transactions).items():
            if klass != ocf.TITLES_CLASS:  # a member can hold two classes (category change)
                per_holder[holder] += count
        assert per_holder == shares


def test_transfers_reimbursements_and_corrections_map_to_ocf(
    client: TestClient, registry: Registry[Any]
) -> None:
    coop = create_coop(client)
    ana = admit(client, coop, "Ana", "salaries")
    ben = admit(client, coop, "Ben", "usagers")
    fonds = admit(client, coop, "Fonds", "soutiens", kind="organisation")
    subscribe(client, coop, fonds, 200, "10000.00")
    subscribe(client, coop, ana, 30, "1500.00")
    subscribe(client, coop, ana, 10, "500.00", on="2019-06-01")
    wrong = subscribe(client, coop, ben, 8, "400.00", on="2020-01-10")
    post = lambda path, body: client.post(f"/v1/coops/{coop}/{path}", json=body)  # noqa: E731
    moves = [
        (
            "transfers",
            {
                "from_member_id": ana,
                "to_member_id": ben,
                "shares": 35,
                "effective_date": "2020-02-01",
            },
        ),
        ("corrections", {"reverses": wrong["event_ids"][0], "reason": "doublon"}),
        ("withdrawals", {"member_id": ana, "effective_date": "2020-06-30"}),
        ("withdrawals", {"member_id": ben, "shares": 5, "effective_date": "2020-07-31"}),
    ]
    for path, body in moves:
        response = post(path, body)
        assert response.status_code == 201, response.text
    items = _check(_package(client, coop, as_of="2020-12-31"), registry)
    kinds = [t["object_type"] for t in items["transactions_files"]]
    assert {"TX_STOCK_TRANSFER", "TX_STOCK_REPURCHASE", "TX_STOCK_CANCELLATION"} <= set(kinds)
    assert _reimport(items["transactions_files"]) == _capital_shares(client, coop, "2020-12-31")


def test_the_logical_checks_find_a_broken_package(client: TestClient, demo: str) -> None:
    files = _package(client, demo)
    manifest = json.loads(files["Manifest.ocf.json"])
    people = json.loads(files["Stakeholders.ocf.json"])["items"]
    classes = json.loads(files["StockClasses.ocf.json"])["items"]
    transactions = json.loads(files["Transactions.ocf.json"])["items"]
    transfer = next(
        i for i, t in enumerate(transactions) if t["object_type"] == "TX_STOCK_TRANSFER"
    )
    twice = copy.deepcopy(transactions)
    twice.append({**twice[transfer], "id": "tx_again", "date": manifest["as_of"]})
    assert any(
        "already consumed" in p for p in ocf.logical_errors(manifest, people, classes, twice)
    )
    over = copy.deepcopy(transactions)
    over[transfer]["quantity"] = str(int(over[transfer]["quantity"]) + 1)
    assert ocf.logical_errors(manifest, people, classes, over)
    stranger = copy.deepcopy(transactions)
    stranger[0]["stakeholder_id"] = "nobody"
    assert ocf.logical_errors(manifest, people, classes, stranger)
    tampered = dict(files)
    tampered["Stakeholders.ocf.json"] = files["Stakeholders.ocf.json"].replace(b"Ferrand", b"F")
    assert any("md5" in p for p in ocf.check(tampered))
    assert client.get(f"/v1/coops/{demo}/reports/ocf", params={"format": "pdf"}).status_code == 422
