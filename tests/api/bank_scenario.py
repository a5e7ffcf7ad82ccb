"""The cooperative the bank tests read statements for: two members with shares left to
pay, a grant with an instalment to come, a bank account; 625.00 in the bank (the paid
parts of the subscriptions) when the statements of tests/bank/files start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe

FILES = Path(__file__).parent.parent / "bank" / "files"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
ICS = "FR72ZZZ123456"


def set_up(client: TestClient) -> dict[str, Any]:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    sub_alice = subscribe(client, coop, alice, 10, "125.00")["id"]  # 375.00 left to pay
    sub_bob = subscribe(client, coop, bob, 20, "500.00")["id"]  # 500.00 left to pay
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "20000.00",
            "awarded_on": "2026-02-01",
            "justify_by": "2027-03-31",
            "agreement_ref": "CP-2026-114",
        },
    )
    assert grant.status_code == 201, grant.text
    account = client.post(
        f"/v1/coops/{coop}/bank-accounts",
        json={"label": "Compte courant", "iban": IBAN, "creditor_id": ICS},
    )
    assert account.status_code == 201, account.text
    return {
        "coop": coop,
        "alice": alice,
        "bob": bob,
        "sub_alice": sub_alice,
        "sub_bob": sub_bob,
        "grant": grant.json()["id"],
        "account": account.json()["id"],
    }


def statement(name: str, scene: dict[str, Any], changes: dict[str, str] | None = None) -> bytes:
    """A statement file of tests/bank/files, with the subscription id it names."""
    content = (FILES / name).read_bytes().replace(b"{sub_alice}", scene["sub_alice"].encode())
    for old, new in (changes or {}).items():
        content = content.replace(old.encode(), new.encode())
    return content


def upload(
    client: TestClient, coop: str, content: bytes, name: str = "releve.xml", **form: str
) -> Any:
    return client.post(
        f"/v1/coops/{coop}/bank-statements", files={"file": (name, content)}, data=form
    )
