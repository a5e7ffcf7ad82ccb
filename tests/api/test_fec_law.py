"""R17 over HTTP: EcritureNum gapless within each journal, solidarity loans on 168x, the
labels in French."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from fastapi.testclient import TestClient

from tests.api import fec_checker
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import close, fec, filename, post


def test_numbers_per_journal_168x_and_french_labels(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    subscribe(client, coop, ana, 10, "500.00", "2020-04-01")
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "9000.00",
            "awarded_on": "2020-03-01",
            "agreement_ref": "CV-1",
        },
    )
    post(
        client,
        f"{c}/esus-investments",
        {
            "investor": {"name": "Fonds Solidaire", "type": "private"},
            "instrument": "loan",
            "amount": "7000.00",
            "effective_date": "2020-05-01",
            "loan": {"rate": "0.01", "term_months": 48},
        },
    )
    close(client, c, 2020, result="100.00")
    response = fec(client, c, 2020)
    assert (
        fec_checker.check(
            filename(response), response.content, date(2020, 1, 2), date(2020, 12, 31)
        )
        == []
    )
    lines = [r.split("\t") for r in response.content.decode("iso-8859-15").split("\r\n")[1:] if r]
    numbers: dict[str, list[str]] = defaultdict(list)
    for f in lines:
        if f[2] not in numbers[f[0]]:
            numbers[f[0]].append(f[2])
    assert dict(numbers) == {"CAP": ["1", "2"], "BQ": ["1", "2", "3"], "SUB": ["1"]}
    loan = [f for f in lines if f[4] == "1681"]
    assert [(f[5], f[12]) for f in loan] == [
        ("Autres emprunts (prêts solidaires, investisseurs ESUS)", "7000,00")
    ]
    assert not any(f[4] == "164" for f in lines)
    granted = [f[10] for f in lines if f[0] == "SUB"]
    assert granted and all(
        label.startswith("Subvention d'exploitation accordée") for label in granted
    )
