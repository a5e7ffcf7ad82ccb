"""Documents from the pages: the member page lists the member's documents and each link
serves the PDF the API serves; a member reaches its own and no one else's; a funder
downloads its grant's statement from the grants page; refusals are pages, in French."""

from __future__ import annotations

import io
import re

import pypdf
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.projections.tables import members
from scic.service import Service
from tests.api.conftest import admit, create_coop, issue_token, subscribe
from tests.web.conftest import signed_in


def _links(html: str) -> list[str]:
    section = html[html.index('id="documents"') :]
    section = section[: section.index("</ul>")]
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', section)]


def test_member_page_links_to_each_document(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    sub = subscribe(client, coop, alice, 10, "500.00")["id"]
    bob = admit(client, coop, "Bob Durand", "usagers")
    subscribe(client, coop, bob, 2, "100.00")
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    page = manager.get(f"/dashboard/members/{alice}")
    links = _links(page.text)
    assert f"/dashboard/members/{alice}/documents/certificate" in links
    assert f"/dashboard/members/{alice}/documents/annual-statement?year=2019" in links
    assert f"/dashboard/members/{alice}/documents/tax-statement?year=2019" in links
    assert f"/dashboard/subscriptions/{sub}/form" in links
    for href in links:
        response = manager.get(href)
        assert response.status_code == 200, (href, response.text)
        assert response.headers["content-type"] == "application/pdf"
        text = "".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages
        )
        assert "Alice Martin" in text, href
    api = client.get(f"/v1/coops/{coop}/members/{alice}/documents/certificate")
    assert manager.get(links[0]).content == api.content  # the same document, byte for byte

    with service.engine.connect() as conn:
        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == alice)
        ).scalar_one()
    member = signed_in(app, issue_token(service, "member", coop, party).secret)
    own = member.get(f"/dashboard/members/{alice}")
    assert "Documents" in own.text and _links(own.text)
    assert member.get(f"/dashboard/members/{alice}/documents/certificate").status_code == 200
    other = member.get(f"/dashboard/members/{bob}/documents/certificate")
    assert other.status_code == 404 and "Bob" not in other.text
    early = manager.get(f"/dashboard/members/{alice}/documents/certificate?as_of=2019-01-01")
    assert early.status_code == 422 and "01/03/2019" in early.text
    bad = manager.get(f"/dashboard/members/{alice}/documents/certificate?as_of=hier")
    assert bad.status_code == 400 and "pas une date" in bad.text


def test_grants_page_links_to_the_funders_statement(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Sud", "type": "region"},
            "purpose": "operating",
            "amount": "12000.00",
            "awarded_on": "2024-03-01",
            "justify_by": "2025-06-30",
            "de_minimis": False,
        },
    ).json()
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    page = manager.get("/dashboard/grants")
    href = f"/dashboard/grants/{grant['id']}/statement"
    assert href in page.text
    pdf = manager.get(href)
    assert pdf.status_code == 200
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Région Sud" in text and "12 000,00 €" in text
