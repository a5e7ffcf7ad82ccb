"""Reports as documents: `GET /v1/coops/{coop}/reports/{name}` in JSON, CSV, XLSX, PDF
(or the report's own file type). The grant statement has its own route, as a funder
token may read its own statement and nothing else here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from scic.access.policy import EXPORT, GRANT_STATEMENT, OWN, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.routes.views import _own_funder as own_funder
from scic.dates import Day
from scic.reports import check_format, render, spec_of
from scic.reports.context import resolve
from scic.reports.formats import FORMATS
from scic.service import Service

router = APIRouter(tags=["reports"], responses=problems.READ_REFUSALS)

AsOf = Annotated[Day | None, Query(description="figures as at this date (default: today)")]
Year = Annotated[
    int | None,
    Query(ge=1900, le=2200, description="a fiscal year (named by the year it ends in)"),
]
Format = Annotated[
    str | None,
    Query(
        alias="format",
        description="json | csv | xlsx | pdf (ocf: zip); default json (ocf: zip)",
    ),
]


class ReportColumn(BaseModel):
    key: str
    label: str
    kind: str


Cell = str | int | bool | None
"""A value of a report, as its column's kind says: money and dates are strings."""


class ReportTable(BaseModel):
    key: str
    title: str
    columns: list[ReportColumn]
    rows: list[dict[str, Cell]]
    totals: dict[str, Cell] | None


class ReportCoop(BaseModel):
    id: str
    name: str
    siren: str | None


class ReportDocument(BaseModel):
    """A report in JSON: money as decimal strings, dates as YYYY-MM-DD, in typed tables."""

    report: str
    title: str
    coop: ReportCoop
    as_of: str
    start: str | None
    year: int | None
    summary: dict[str, Cell]
    tables: list[ReportTable]
    notes: list[str]


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report: JSON, or a file with a Content-Disposition filename",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            FORMATS["xlsx"].media_type: {"schema": {"type": "string", "format": "binary"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _serve(
    service: Service,
    coop_id: str,
    name: str,
    as_of: Any,
    year: int | None,
    fmt: str | None,
    funder: str | None = None,
) -> Response:
    spec = spec_of(name)
    chosen = check_format(spec, fmt)
    with service.engine.connect() as conn:
        ctx = resolve(conn, coop_id, service.today(), as_of, year, funder)
        file = render(conn, spec, ctx, chosen)
    headers = {}
    if chosen != "json":
        headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return Response(file.body, media_type=file.media_type, headers=headers)


@router.get(
    "/v1/coops/{coop_id}/reports/grant-statement",
    operation_id="get_report_grant_statement",
    response_model=ReportDocument,
    responses=FILE_RESPONSES,
)
def grant_statement(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(GRANT_STATEMENT)],
    as_of: AsOf = None,
    year: Year = None,
    fmt: Format = None,
    funder: Annotated[
        str | None,
        Query(description="funder id, or `own` (a funder token: its own, required)"),
    ] = None,
) -> Response:
    """Awarded, received, justified and clawed-back amounts per grant, with deadlines."""
    if funder == OWN:
        with service.engine.connect() as conn:
            funder = own_funder(conn, coop_id, who)
    return _serve(service, coop_id, "grant-statement", as_of, year, fmt, funder)


# One operation per file type, beside `get_report` (JSON by default, the others by
# `?format=`): a response of one content type is one a generated client types (text for
# CSV, bytes for the others), where one of several is read as the first (JSON).
FILE_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "csv": ("text/csv", {"type": "string"}),
    "xlsx": (FORMATS["xlsx"].media_type, {"type": "string", "format": "binary"}),
    "pdf": ("application/pdf", {"type": "string", "format": "binary"}),
    "zip": ("application/zip", {"type": "string", "format": "binary"}),
}


def _file_route(ext: str, media_type: str, schema: dict[str, str]) -> None:
    @router.get(
        f"/v1/coops/{{coop_id}}/reports/{{name}}.{ext}",
        operation_id=f"get_report_{ext}",
        summary=f"A report as a .{ext} file",
        dependencies=[requires(EXPORT)],
        response_class=Response,
        responses={
            200: {
                "description": f"the report as a .{ext} file, with a Content-Disposition filename",
                "content": {
                    media_type: {"schema": schema},
                    # the generic name of bytes, which generated clients read as a file
                    **({"application/octet-stream": {"schema": schema}} if ext != "csv" else {}),
                },
            }
        },
    )
    def file_report(
        coop_id: str, name: str, service: ServiceDep, as_of: AsOf = None, year: Year = None
    ) -> Response:
        return _serve(service, coop_id, name, as_of, year, ext)

    file_report.__doc__ = f"The report `name` as `?format={ext}` gives it (ocf: zip only)."


for _ext, (_media_type, _schema) in FILE_TYPES.items():
    _file_route(_ext, _media_type, _schema)


@router.get(
    "/v1/coops/{coop_id}/reports/{name}",
    operation_id="get_report",
    dependencies=[requires(EXPORT)],
    response_model=ReportDocument,
    responses=FILE_RESPONSES,
)
def report(
    coop_id: str,
    name: str,
    service: ServiceDep,
    as_of: AsOf = None,
    year: Year = None,
    fmt: Format = None,
) -> Response:
    """member-register, movements, capital-variation, titles-schedule, tax-certificates
    (`?year=`), ocf (a zip); `?year=` takes the fiscal year's period and end date."""
    return _serve(service, coop_id, name, as_of, year, fmt)
