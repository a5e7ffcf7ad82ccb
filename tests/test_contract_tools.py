"""The checked-in contract as standard tools take it: openapi-spec-validator accepts it,
openapi-python-client generates a client from it without a warning (offline, into a
temporary folder), and that client walks a short journey against a running server."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from scic import database
from scic.api.contract import is_standard_name
from scic.service import open_service
from scic.text_rules import ALLOWED_TEXT_PATTERN, NAME_PATTERN
from tests.api.conftest import TIERS_LIEU, issue_token
from tests.live import running_server

CONTRACT = Path(__file__).parent.parent / "openapi" / "openapi.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_openapi_spec_validator_accepts_the_contract(document: dict[str, Any]) -> None:
    errors = [e.message for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []
    validate(document)


def test_schema_names_are_plain_unique_and_titled(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert [n for n in schemas if not is_standard_name(n)] == []
    assert [n for n, s in schemas.items() if s.get("title") != n] == []
    assert {"CoopPublic", "DirectoryCoopPublic", "MemberPublic", "DirectoryMemberPublic"} <= set(
        schemas
    )


def test_strings_carry_only_standard_keywords(document: dict[str, Any]) -> None:
    def nodes(value: Any) -> Any:
        if isinstance(value, dict):
            yield value
            for item in value.values():
                yield from nodes(item)
        elif isinstance(value, list):
            for item in value:
                yield from nodes(item)

    for node in nodes(document):
        if node.get("type") == "string":
            assert not {"ge", "le", "gt", "lt"} & set(node), node
            assert isinstance(node.get("default", ""), str | None), node


def test_the_text_rules_are_stated_where_requests_carry_text(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["AdmitMember"]["properties"]["name"]["pattern"] == NAME_PATTERN
    assert schemas["Correct"]["properties"]["reason"]["pattern"] == ALLOWED_TEXT_PATTERN
    secret = schemas["WebhookRequest"]["properties"]["secret"]["anyOf"][0]
    assert secret["pattern"].startswith("^whsec_")
    colleges = schemas["CreateCoop"]["properties"]["colleges"]
    assert (colleges["minItems"], colleges["maxItems"]) == (3, 10)
    path = document["paths"]["/v1/coops/{coop_id}/members"]["get"]["parameters"][0]
    assert path["schema"]["pattern"] == ALLOWED_TEXT_PATTERN
    for text, allowed in (("Élodie Martin", True), ("a\u00adb", False), ("x\u3164", False)):
        assert (re.fullmatch(ALLOWED_TEXT_PATTERN, text) is not None) is allowed
    assert re.fullmatch(NAME_PATTERN, "   ") is None


def _generate(target: Path) -> str:
    config = target.parent / "generator.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": target.name}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(CONTRACT),
            "--output-path",
            str(target),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_a_generated_client_walks_a_journey(tmp_path: Path, database_url: str) -> None:
    package = tmp_path / "client" / "scic_client"
    package.parent.mkdir()
    output = _generate(package)
    assert "Warning" not in output and "Unable" not in output, output
    sys.path.insert(0, str(package.parent))
    try:
        _journey(tmp_path, database_url)
    finally:
        sys.path.remove(str(package.parent))
        for name in [m for m in sys.modules if m.split(".")[0] == "scic_client"]:
            del sys.modules[name]


def _journey(tmp_path: Path, database_url: str) -> None:
    client_module = importlib.import_module("scic_client.client")
    models = importlib.import_module("scic_client.models")
    types = importlib.import_module("scic_client.types")
    post_coops = importlib.import_module("scic_client.api.commands.post_coops")
    post_members = importlib.import_module("scic_client.api.commands.post_members")
    get_coops = importlib.import_module("scic_client.api.directory.get_coops")
    get_members = importlib.import_module("scic_client.api.directory.get_members")
    get_report = importlib.import_module("scic_client.api.reports.get_report")
    get_report_csv = importlib.import_module("scic_client.api.reports.get_report_csv")
    get_report_xlsx = importlib.import_module("scic_client.api.reports.get_report_xlsx")

    database.upgrade(database_url)
    service = open_service(database_url)
    token = issue_token(service, "admin").secret
    service.close()
    with running_server(tmp_path, database_url) as (port, _):
        client = client_module.AuthenticatedClient(base_url=f"http://127.0.0.1:{port}", token=token)
        created = post_coops.sync(client=client, body=models.CreateCoop.from_dict(TIERS_LIEU))
        assert isinstance(created, models.WriteResult), created
        coops = get_coops.sync(client=client)
        assert isinstance(coops, models.CoopList)
        assert [c.name for c in coops.coops] == [TIERS_LIEU["name"]]
        admission = models.AdmitMember.from_dict(
            {"name": "Élodie Martin", "kind": "person", "category": "usagers"}
        )
        admitted = post_members.sync(created.id, client=client, body=admission)
        assert isinstance(admitted, models.WriteResult), admitted
        members = get_members.sync(created.id, client=client)
        assert isinstance(members, models.MemberList)
        assert [(m.id, m.name) for m in members.members] == [(admitted.id, "Élodie Martin")]
        register = get_report.sync(created.id, "member-register", client=client)
        assert isinstance(register, models.ReportDocument)
        assert register.tables[0].rows[0]["name"] == "Élodie Martin"  # type: ignore[index]
        as_csv = get_report_csv.sync(created.id, "member-register", client=client)
        assert isinstance(as_csv, str) and "Élodie Martin" in as_csv, as_csv
        as_xlsx = get_report_xlsx.sync(created.id, "member-register", client=client)
        assert isinstance(as_xlsx, types.File), as_xlsx
        sheet = openpyxl.load_workbook(as_xlsx.payload).active
        assert "Élodie Martin" in [c.value for row in sheet.iter_rows() for c in row]


def _string_pattern(schema: dict[str, Any]) -> str:
    branches = schema.get("anyOf", [schema])
    return next(b["pattern"] for b in branches if b.get("type") == "string")


def test_one_line_fields_state_that_they_take_no_tab_nor_line_break() -> None:
    """A contact's name and a mandate's debtor refuse every control character, an address
    all but the line feed: the contract says so, so that a generated request the contract
    allows is one the server takes (the fuzz test found a tab in a name)."""
    schemas = json.loads(CONTRACT.read_text())["components"]["schemas"]
    one_line = [
        _string_pattern(schemas["ContactUpdate"]["properties"]["name"]),
        _string_pattern(schemas["NewMandate"]["properties"]["debtor_name"]),
    ]
    address = _string_pattern(schemas["ContactUpdate"]["properties"]["address"])
    for pattern in one_line:
        assert re.fullmatch(pattern, "Léa Martin-Dupré")
        assert not any(re.fullmatch(pattern, f"Léa{c}Martin") for c in "\t\n\r")
    assert re.fullmatch(address, "3 rue des Lilas\n75011 Paris")
    assert not any(re.fullmatch(address, f"3 rue des Lilas{c}Paris") for c in "\t\r")
