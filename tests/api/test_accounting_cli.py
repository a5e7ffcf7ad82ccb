"""`scic report fec` and `scic rules tmo-set`, run as the installed console script
against the test database: the file is the API's, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient

from scic.accounting.tables import fiscal_year_files
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post
from tests.test_cli import scic


def test_report_fec_writes_the_apis_bytes(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice", "salaries")
    subscribe(client, coop, alice, 10, "500.00", "2019-03-01")
    post(client, f"/v1/coops/{coop}/fiscal-years/2019/close", {})
    api = client.get(f"/v1/coops/{coop}/reports/fec", params={"year": 2019}).content
    done = scic(
        "report", "fec", "--coop", coop, "--year", "2019", "-o", str(tmp_path), url=database_url
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "732829320FEC20191231.txt").read_bytes() == api
    refused = scic("report", "fec", "--coop", coop, "--year", "2020", url=database_url)
    assert refused.returncode == 1 and "fiscal-year-open" in refused.stderr


def test_report_fec_serves_the_archived_file(
    client: TestClient, service: Service, database_url: str, tmp_path: Path
) -> None:
    """R16 — once a closed year's FEC is archived, the CLI writes the archived bytes, not
    a file rebuilt with the software's current rules (stood for here by an archive
    produced by other rules: its journal label differs)."""
    coop = create_coop(client)
    alice = admit(client, coop, "Alice", "salaries")
    subscribe(client, coop, alice, 10, "500.00", "2019-03-01")
    post(client, f"/v1/coops/{coop}/fiscal-years/2019/close", {})
    produced = client.get(f"/v1/coops/{coop}/reports/fec", params={"year": 2019}).content
    earlier_rules = produced.replace(b"Capital social", b"Capital souscrit")
    assert earlier_rules != produced
    f = fiscal_year_files.c
    with service.engine.begin() as conn:
        conn.execute(
            fiscal_year_files.update()
            .where(f.coop_id == coop, f.year == 2019)
            .values(content=earlier_rules, sha256=hashlib.sha256(earlier_rules).hexdigest())
        )  # archived as it was then: its own SHA-256 beside it
    done = scic(
        "report", "fec", "--coop", coop, "--year", "2019", "-o", str(tmp_path), url=database_url
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "732829320FEC20191231.txt").read_bytes() == earlier_rules
    api = client.get(f"/v1/coops/{coop}/reports/fec", params={"year": 2019}).content
    assert api == earlier_rules


def test_rules_tmo_set_records_an_event(client: TestClient, database_url: str) -> None:
    done = scic(
        "rules",
        "tmo-set",
        "--year",
        "2025",
        "--rate",
        "0.0333",
        "--source",
        "BdF",
        url=database_url,
    )
    assert done.returncode == 0, done.stderr
    rates = {r["year"]: r["rate"] for r in client.get("/v1/rules/tmo").json()["rates"]}
    assert rates[2025] == "0.0333"
