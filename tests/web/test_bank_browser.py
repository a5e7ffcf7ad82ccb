"""The bank page in a real browser: the manager uploads a camt.053 statement, reviews
the proposals, confirms them, and the member's page shows the payments; then downloads
the pain.008 of a call due."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from scic.access import tokens
from scic.bank import pain
from scic.projections.tables import members
from scic.web import fmt
from tests.api.bank_scenario import set_up, statement
from tests.web.conftest import Live, sign_in


def _scene(live: Live) -> tuple[dict[str, Any], str, str]:
    """A cooperative of its own on the live server; its manager's and Alice's tokens."""
    with live.service.engine.begin() as conn:
        admin = tokens.issue(conn, role="admin", now=live.clock(), created_by="test")
    with httpx.Client(
        base_url=live.base_url, headers={"Authorization": f"Bearer {admin.secret}"}
    ) as client:
        scene = set_up(client)  # type: ignore[arg-type]
    with live.service.engine.begin() as conn:
        alice_party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == scene["alice"])
        ).scalar_one()

        def issue(role: str, party: str | None = None) -> str:
            return tokens.issue(
                conn,
                role=role,
                now=live.clock(),
                coop_id=scene["coop"],
                party_id=party,
                created_by="test",
            ).secret

        return scene, issue("manager"), issue("member", alice_party)


def test_manager_uploads_reviews_and_confirms_then_the_member_sees_the_payment(
    context: Any, live: Live, tmp_path: Path
) -> None:
    scene, manager, member = _scene(live)
    file = tmp_path / "releve-novembre.xml"
    file.write_bytes(statement("camt053_001_02.xml", scene))

    page = context.new_page()
    sign_in(page, manager)
    page.goto("/dashboard/bank")
    assert "FR76 3000 6000 0112 3456 7890 189" in page.locator("#bank-accounts").inner_text()
    page.get_by_label("Relevé (camt.053, OFX ou CSV)").set_input_files(str(file))
    with page.expect_navigation():
        page.get_by_role("button", name="Importer").click()
    assert "4 opérations, 4 nouvelles" in page.locator("#confirmation").inner_text()

    rows = page.locator("#open-lines tbody tr")
    assert rows.count() == 4
    alice_row = page.locator("#open-lines tr", has_text="M. ALICE MARTIN")
    assert "Paiement de parts — Alice Martin (score 100)" in alice_row.inner_text()
    assert fmt.euros("375.00") in alice_row.inner_text()
    grant_row = page.locator("#open-lines tr", has_text="REGION NORMANDIE")
    assert "Versement de subvention — Région Normandie" in grant_row.inner_text()

    # one by one: Alice's payment
    with page.expect_navigation():
        alice_row.get_by_role("button", name="Confirmer").first.click()
    assert "Ligne rapprochée" in page.locator("#confirmation").inner_text()
    assert page.locator("#open-lines tbody tr").count() == 3

    # the fees are not the ledger's business
    fee_row = page.locator("#open-lines tr", has_text="FRAIS TENUE DE COMPTE")
    assert "Aucune proposition." in fee_row.inner_text()
    fee_row.get_by_label("Motif").fill("frais bancaires")
    with page.expect_navigation():
        fee_row.get_by_role("button", name="Écarter").click()

    # the rest at once, above a score
    page.get_by_label(re.compile("Confirmer toutes les propositions")).fill("90")
    with page.expect_navigation():
        page.get_by_role("button", name="Tout confirmer").click()
    assert "2 ligne(s) rapprochée(s) ; 0 refusée(s)" in page.locator("#confirmation").inner_text()
    assert (
        "Toutes les opérations importées sont rapprochées."
        in page.locator("#open-lines").inner_text()
    )
    balance = page.locator("#balances tbody tr").first.inner_text()
    assert fmt.euros("11487.50") in balance and fmt.euros("11500.00") in balance
    assert fmt.euros("-12.50") in balance  # the difference: the fees set aside

    # a call due on 2026-12-15 and Alice's mandate: the manager downloads the pain.008
    with live.service.engine.begin() as conn:
        admin = tokens.issue(conn, role="admin", now=live.clock(), created_by="test")
    with httpx.Client(
        base_url=live.base_url, headers={"Authorization": f"Bearer {admin.secret}"}
    ) as api:
        coop = scene["coop"]
        sub = api.post(
            f"/v1/coops/{coop}/subscriptions",
            json={
                "member_id": scene["alice"],
                "shares": 4,
                "paid": "50.00",
                "effective_date": "2026-11-20",
            },
        ).json()["id"]
        called = api.post(
            f"/v1/coops/{coop}/calls",
            json={
                "subscription_id": sub,
                "amount": "150.00",
                "due_date": "2026-12-15",
                "effective_date": "2026-11-20",
            },
        )
        assert called.status_code == 201, called.text
        made = api.post(
            f"/v1/coops/{coop}/members/{scene['alice']}/sepa-mandates",
            json={
                "reference": "RUM-ALICE-1",
                "signed_on": "2026-11-20",
                "debtor_name": "Alice Martin",
                "iban": "FR76 1010 7001 0112 3456 7890 129",
            },
        )
        assert made.status_code == 201, made.text
    page.get_by_label("Appels échus au").fill("2026-12-15")
    with page.expect_navigation():
        page.get_by_role("button", name="Voir les prélèvements").click()
    debits = page.locator("#debits").inner_text()
    assert "Alice Martin" in debits and "RUM-ALICE-1" in debits and "premier" in debits
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le fichier de prélèvements (pain.008)").click()
    content = Path(download.value.path()).read_bytes()
    pain.checked("pain.008.001.02", content)  # against the official XSD
    assert b"<MndtId>RUM-ALICE-1</MndtId>" in content and b"<SeqTp>FRST</SeqTp>" in content

    # the member's own page shows the payment, at the bank's date
    member_page = context.new_page()
    sign_in(member_page, member)
    member_page.goto(f"/dashboard/members/{scene['alice']}")
    text = member_page.locator("main").inner_text()
    assert fmt.euros("500.00") in text  # 125.00 at subscription + 375.00 from the bank
    assert "03/11/2026" in text
