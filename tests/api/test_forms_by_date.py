"""R1 and R11 over HTTP: the legal forms by date, as dated rule data — a SCIC registered
before its form was open to it is refused; titres participatifs issued by a form the
text did not name on their date carry a finding."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import TIERS_LIEU, create_coop


@pytest.mark.parametrize(
    ("form", "incorporated_on", "floor", "open_"),
    [
        ("SAS", "2014-08-01", "5000.00", False),
        ("SAS", "2014-08-02", "5000.00", True),
        ("SARL", "2001-07-18", "5000.00", False),
        ("SARL", "2001-07-19", "5000.00", True),
        ("SA", "1999-05-01", "18500.00", False),
        ("SA", "2003-05-01", "18500.00", True),
    ],
)
def test_a_scic_takes_a_form_open_to_it_on_its_incorporation(
    client: TestClient, form: str, incorporated_on: str, floor: str, open_: bool
) -> None:
    body = {
        **TIERS_LIEU,
        "legal_form": form,
        "incorporated_on": incorporated_on,
        "statutory_floor": floor,
    }
    response = client.post("/v1/coops", json=body)
    if open_:
        assert response.status_code == 201, response.text
        return
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["rule"]) == ("/errors/legal-form-not-open", "R1")
    assert incorporated_on in problem["detail"] and form in problem["detail"]


def test_titles_issued_by_an_sarl_before_2001_07_19_carry_a_finding(client: TestClient) -> None:
    """A history imported from older records keeps its true form: a cooperative SARL
    (registered as such since 2001-07-19) whose titles are dated in the first days."""
    coop = create_coop(client, incorporated_on="2001-07-19", legal_form="SARL")
    issued = client.post(
        f"/v1/coops/{coop}/participative-titles",
        json={
            "holder": {"name": "France Active", "type": "private"},
            "count": 10,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2001-07-19",
        },
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["warnings"] == []
    findings = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2002-01-01"}).json()[
        "findings"
    ]
    assert "titles-form-not-named" not in {f["code"] for f in findings}
