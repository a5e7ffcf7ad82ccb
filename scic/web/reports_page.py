"""Every report a click away: the reports page (each report of `GET …/reports/{name}`
the viewer may export, as at a date or for a year, in each format) and the accountant's
year page (fiscal years, closing, allocation of the result, trial balance, journal, FEC).
Files are served by the same functions as the API routes, after the same access rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scic.api.deps import ServiceDep
from scic.api.routes import accounting
from scic.api.routes import reports as report_routes
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.reports import REPORTS
from scic.web.pages import PAGE, PageProblem, page, parse_day
from scic.web.session import Viewer

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

TITLES = {
    "member-register": N_("Registre des associés"),
    "movements": N_("Mouvements de parts"),
    "capital-variation": N_("Variation du capital"),
    "grant-statement": N_("État des subventions"),
    "titles-schedule": N_("Échéancier des titres participatifs"),
    "tax-certificates": N_("Attestations fiscales IR-PME"),
    "ocf": N_("Export Open Cap Format"),
}
FORMAT_NAMES = {"pdf": "PDF", "xlsx": "Excel (XLSX)", "csv": "CSV", "json": "JSON", "zip": "ZIP"}


def _query(name: str, funder: str | None) -> dict[str, str]:
    return {"funder": funder} if name == "grant-statement" and funder else {}


def offered(v: Viewer) -> list[dict[str, Any]]:
    """The reports the viewer may export, with the funder a funder's statement is for."""
    found = []
    for name, spec in REPORTS.items():
        path = v.api(f"/reports/{name}")
        funders: list[str | None] = [None]
        if name == "grant-statement" and not v.may(path):
            funders = [f for f in v.funder_ids if v.may(path, funder=f)]
        elif not v.may(path):
            continue
        for funder in funders:
            found.append(
                {
                    "name": name,
                    "title": TITLES.get(name, name),
                    "formats": [(f, FORMAT_NAMES.get(f, f)) for f in spec.formats],
                    "funder": funder,
                    "yearly": name == "tax-certificates",
                }
            )
    return found


@router.get("/dashboard/reports")
def reports(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        found = offered(v)
        if not found:
            v.check(v.api("/reports/member-register"))  # refuses as the API would
        return "reports.html", {"reports": found, "on": service.today()}

    return page(request, service, "reports", build)


@router.get("/dashboard/reports/{name}/file")
def report_file(
    request: Request,
    service: ServiceDep,
    name: str,
    as_of: str | None = None,
    year: str | None = None,
    fmt: str | None = None,
    funder: str | None = None,
) -> Response:
    """The file of a report, after the API's rule for the same request."""

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        query = {**_query(name, funder), **({"format": fmt} if fmt else {})}
        v.check(v.api(f"/reports/{name}"), **query)
        on = parse_day(as_of, service) if as_of else None
        chosen_year = _year(year)
        raise _File(
            report_routes._serve(
                service, v.coop_id, name, on, chosen_year, fmt, funder if funder else None
            )
        )

    return _serve_file(request, service, build)


class _File(Exception):  # noqa: N818 — carries the file out of the page frame
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _serve_file(request: Request, service: Any, build: Any) -> Response:
    try:
        return page(request, service, "reports", build)
    except _File as file:
        return file.response


def _year(text: str | None) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4):
        raise PageProblem(_("« %(year)s » n'est pas une année.") % {"year": text})
    return int(text)


# -- the accountant's year -------------------------------------------------------------


@router.get("/dashboard/fiscal-years")
def fiscal_years(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/fiscal-years"))
        years = accounting.fiscal_years(v.coop_id, service)["fiscal_years"]
        today = service.today()
        for fy in years:
            fy["ended"] = fy["end"] < today
            fy["fec"] = v.may(v.api("/reports/fec"), year=str(fy["year"]))
        return "fiscal_years.html", {"years": list(reversed(years))}

    return page(request, service, "fiscal-years", build)


@router.get("/dashboard/fiscal-years/{year}")
def fiscal_year(request: Request, service: ServiceDep, year: str) -> Response:
    """One year: its trial balance at its end and its journal."""

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/journal"))
        chosen = _year(year)
        years = accounting.fiscal_years(v.coop_id, service)["fiscal_years"]
        fy = next((y for y in years if y["year"] == chosen), None)
        if fy is None:
            missing = _("Pas d'exercice %(year)s dans cette coopérative.") % {"year": year}
            raise PageProblem(missing, 404)
        end: date = min(fy["end"], service.today())
        balance = accounting.trial_balance(v.coop_id, service, end)
        entries = accounting.get_journal(v.coop_id, service, fy["start"], end)["entries"]
        return "fiscal_year.html", {"fy": fy, "balance": balance, "entries": entries, "end": end}

    return page(request, service, "fiscal-years", build)


@router.get("/dashboard/fiscal-years/{year}/fec")
def fec(request: Request, service: ServiceDep, year: str) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        chosen = _year(year)
        v.check(v.api("/reports/fec"), year=str(chosen))
        raise _File(accounting.report_fec(v.coop_id, chosen or 0, service))

    return _serve_file(request, service, build)
