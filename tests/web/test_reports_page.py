"""Every report a click away: the reports page of each role, its files read back, and
the accountant's year page (fiscal years, closing and allocation links, trial balance,
journal, FEC) — on the demo cooperative (two closed years)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pypdf import PdfReader

from scic.api.app import create_app
from scic.demo import seed_demo
from scic.projections.tables import coops, funders, members
from scic.service import Service, open_service
from tests.conftest import DatabaseFactory
from tests.web.conftest import make_account, password_signed_in


@pytest.fixture(scope="module")
def demo(databases: DatabaseFactory) -> Iterator[tuple[FastAPI, str]]:
    url = databases.fresh()
    service: Service = open_service(url)
    seed_demo(service)
    with service.engine.connect() as conn:
        coop = conn.execute(sa.select(coops.c.coop_id)).scalar_one()
        member = conn.execute(
            sa.select(members.c.member_id).where(members.c.coop_id == coop).limit(1)
        ).scalar_one()
        funder = conn.execute(
            sa.select(funders.c.funder_id).where(funders.c.coop_id == coop).limit(1)
        ).scalar_one()
    make_account(service, "compta@example.org", "accountant", coop)
    make_account(service, "fin@example.org", "funder", coop, funder=funder)
    make_account(service, "assoc@example.org", "member", coop, member=member)
    yield create_app(service), coop
    service.close()
    databases.drop(url)


def test_the_accountant_downloads_every_report(demo: tuple[FastAPI, str]) -> None:
    app, _coop = demo
    web = password_signed_in(app, "compta@example.org")
    page = web.get("/dashboard/reports")
    assert page.status_code == 200
    for title in ("Registre des associés", "Mouvements de parts", "Variation du capital"):
        assert title in page.text
    pdf = web.get("/dashboard/reports/member-register/file", params={"fmt": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Registre" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    xlsx = web.get(
        "/dashboard/reports/member-register/file", params={"fmt": "xlsx", "as_of": "2024-12-31"}
    )
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row > 3
    bad = web.get("/dashboard/reports/member-register/file", params={"year": "20x4"})
    assert bad.status_code == 400 and "n&#39;est pas une année" in bad.text


def test_the_year_page_links_closing_allocation_and_the_fec(demo: tuple[FastAPI, str]) -> None:
    app, _coop = demo
    web = password_signed_in(app, "compta@example.org")
    years = web.get("/dashboard/fiscal-years")
    assert years.status_code == 200
    assert "/dashboard/fiscal-years/2019/fec" in years.text  # closed in the demo
    assert re.search(r"/dashboard/fiscal-years/\d{4}/close/new", years.text)
    fec = web.get("/dashboard/fiscal-years/2019/fec")
    assert fec.status_code == 200 and "FEC" in fec.headers["content-disposition"]
    header = fec.content.decode("iso-8859-15").splitlines()[0].split("\t")
    assert header[0] == "JournalCode" and len(header) == 18
    year = web.get("/dashboard/fiscal-years/2019")
    assert year.status_code == 200 and "Balance au 31/12/2019" in year.text
    assert "512" in year.text and 'id="journal"' in year.text
    assert web.get("/dashboard/fiscal-years/1990").status_code == 404


def test_funders_and_members_get_what_their_role_may_export(demo: tuple[FastAPI, str]) -> None:
    app, _coop = demo
    funder = password_signed_in(app, "fin@example.org")
    page = funder.get("/dashboard/reports")
    assert page.status_code == 200 and "État des subventions" in page.text
    assert "Registre des associés" not in page.text
    assert funder.get("/dashboard/reports/member-register/file").status_code == 403
    assert funder.get("/dashboard/fiscal-years").status_code == 403
    own = re.search(r'name="funder" value="([^"]+)"', page.text)
    assert own is not None
    statement = funder.get(
        "/dashboard/reports/grant-statement/file", params={"funder": own[1], "fmt": "csv"}
    )
    assert statement.status_code == 200 and statement.headers["content-type"].startswith("text/csv")
    member = password_signed_in(app, "assoc@example.org")
    assert member.get("/dashboard/reports").status_code == 403
    assert member.get("/dashboard/fiscal-years/2019/fec").status_code == 403
