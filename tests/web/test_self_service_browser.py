"""The member's side in Chromium, by clicking and typing only: a member signs in with
its account (e-mail and password, made as `scic user create` makes it),
corrects its address, downloads its certificate, requests 3 more shares; a manager
accepts the request in its inbox; the member's page and the capital table then show
the shares, as the JSON API does."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from tests.web.conftest import Live, Shots, member_account, sign_in, sign_in_with_password


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()


def test_a_member_serves_itself_and_the_manager_accepts(
    context: Any, live: Live, shots: Shots
) -> None:
    email = member_account(live)
    page = context.new_page()
    sign_in_with_password(page, email)
    page.get_by_role("link", name="Mes parts").click()
    member_id = page.url.rsplit("/", 1)[1]
    before = live.api("member", f"/members/{member_id}")
    name = before["name"]

    # -- corrects its address ------------------------------------------------------------
    page.get_by_role("link", name="Corriger mes coordonnées").click()
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert "Ce n'est pas une adresse électronique." in page.locator(".field-error").inner_text()
    shots.take(page, "self-service-contact-refused")
    page.get_by_label("Adresse électronique").fill("")
    page.get_by_label("Adresse postale").fill("12 place du Marché\n07100 Annonay")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert "Vos coordonnées sont corrigées." in page.locator("#done").inner_text()
    changes = live.api("manager", f"/members/{member_id}/contact-changes")
    assert any(
        c["field"] == "address" and c["value"] == "12 place du Marché\n07100 Annonay"
        for c in changes["changes"]
    ), changes

    # -- downloads its certificate -------------------------------------------------------
    with page.expect_download() as download:
        page.locator("#documents a").filter(has_text="Attestation de détention").click()
    pdf = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert name in text and f"Parts {before['holding']['shares']}" in text
    assert "12 place du Marché" in text  # the corrected address, on the certificate

    # -- requests 3 more shares ----------------------------------------------------------
    page.get_by_role("link", name="Demander des parts ou un retrait").click()
    page.get_by_label("Demande").select_option("subscription")
    page.get_by_label("Nombre de parts").fill("3")
    shots.take(page, "self-service-request")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer la demande").click()
    assert "attend la décision" in page.locator("#done").inner_text()
    row = page.locator("#requests tr[data-status='pending']")
    assert "Souscription de 3 parts" in row.inner_text()
    shots.take(page, "self-service-member")
    sign_out(page)

    # -- the manager accepts it ----------------------------------------------------------
    sign_in(page, live.tokens["manager"])
    page.get_by_role("link", name="Demandes").click()
    pending = page.locator("#pending tr", has_text=name)
    assert "Souscription de 3 parts" in pending.inner_text()
    shots.take(page, "requests-inbox")
    with page.expect_navigation():
        pending.get_by_role("button", name="Accepter").click()
    assert "Demande acceptée" in page.get_by_role("status").inner_text()
    assert name in page.locator("#decided").inner_text()

    # -- the capital table shows them ----------------------------------------------------
    page.goto("/dashboard/capital?group_by=member")
    table = live.api("manager", "/capital-table", group_by="member")
    mine = next(r for r in table["rows"] if r["key"] == member_id)
    assert mine["shares"] == before["holding"]["shares"] + 3
    assert str(mine["shares"]) in page.locator("#capital-table tr", has_text=name).inner_text()
    sign_out(page)

    # -- and so does the member's page ---------------------------------------------------
    sign_in_with_password(page, email)
    page.get_by_role("link", name="Mes parts").click()
    after = live.api("member", f"/members/{member_id}")
    assert after["holding"]["shares"] == before["holding"]["shares"] + 3
    holding = page.locator("#holding").inner_text()
    assert str(after["holding"]["shares"]) in holding
    accepted = page.locator("#requests tr[data-status='accepted']")
    assert "Acceptée et enregistrée" in accepted.inner_text()
    shots.take(page, "self-service-accepted")
