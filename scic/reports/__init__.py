"""Registers, statements and exports (R13, R16, OCF): the registry of reports.

Adding a report is one entry in REPORTS: its name, builder and formats. Builders take a
checked `Context` and return a typed `Report`; the writers in `formats` turn any report
into JSON, CSV, XLSX or PDF. A report with its own file type (the OCF zip, the FEC text)
gives its own `export` instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from scic.errors import DomainError, Refusal, refuse
from scic.reports import (
    capital_variation,
    grant_statement,
    member_register,
    movements,
    ocf,
    tax_certificates,
    titles_schedule,
)
from scic.reports.context import Context
from scic.reports.document import Report
from scic.reports.formats import FORMATS, file_name

TABLE_FORMATS = ("json", "csv", "xlsx", "pdf")


@dataclass(frozen=True)
class File:
    body: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class ReportSpec:
    """Attributes:
    build: the typed report (for json, csv, xlsx and pdf).
    export: a report that is a file of its own kind: `export(conn, ctx, format)`.
    """

    name: str
    build: Callable[[sa.Connection, Context], Report] | None = None
    export: Callable[[sa.Connection, Context, str], File] | None = None
    formats: tuple[str, ...] = TABLE_FORMATS

    @property
    def default_format(self) -> str:
        return self.formats[0]


REPORTS: dict[str, ReportSpec] = {
    "member-register": ReportSpec("member-register", member_register.build),
    "movements": ReportSpec("movements", movements.build),
    "capital-variation": ReportSpec("capital-variation", capital_variation.build),
    "grant-statement": ReportSpec("grant-statement", grant_statement.build),
    "titles-schedule": ReportSpec("titles-schedule", titles_schedule.build),
    "tax-certificates": ReportSpec("tax-certificates", tax_certificates.build),
    "ocf": ReportSpec("ocf", export=lambda conn, ctx, fmt: _ocf(conn, ctx), formats=("zip",)),
}


def _ocf(conn: sa.Connection, ctx: Context) -> File:
    period = ctx.year if ctx.year is not None else ctx.as_of.isoformat()
    name = f"ocf_{ctx.siren or ctx.coop_id}_{period}.ocf.zip"
    return File(ocf.build_zip(conn, ctx), "application/zip", name)


def spec_of(name: str) -> ReportSpec:
    spec = REPORTS.get(name)
    if spec is None:
        raise DomainError(
            Refusal("report-not-found", None, "not-found"),
            f"no report {name!r}: reports are {', '.join(sorted(REPORTS))}",
        )
    return spec


def check_format(spec: ReportSpec, fmt: str | None) -> str:
    return chosen_format(fmt, spec.formats, spec.default_format, f"report {spec.name} comes as")


def chosen_format(fmt: str | None, formats: Sequence[str], default: str, comes_as: str) -> str:
    """The format asked (`default` when none), refused unless one of `formats`: the one
    judge for reports and documents alike (`comes_as` names what is asked for)."""
    chosen = fmt or default
    if chosen not in formats:
        raise refuse("unsupported-format", f"{comes_as} {'|'.join(formats)}, not {chosen!r}")
    return chosen


def render(conn: sa.Connection, spec: ReportSpec, ctx: Context, fmt: str) -> File:
    """The whole file in memory: nothing reaches the client or disk half-written."""
    if spec.export is not None:
        return spec.export(conn, ctx, fmt)
    assert spec.build is not None
    report = spec.build(conn, ctx)
    writer = FORMATS[fmt]
    return File(writer.write(report), writer.media_type, file_name(report, writer.extension))
