"""Documents for members and funders (scic.documents): the share certificate, annual
statement and IR-PME statement of a member, the form of a subscription, the statement
of a grant; and the cooperative's registered office and purpose they print."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from scic.access.policy import (
    GRANT,
    MEMBER_DOCUMENTS,
    READ,
    RECORD,
    SUBSCRIPTION_FORM,
    requires,
)
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.dates import Day
from scic.documents import (
    annual_statement,
    certificate,
    check_format,
    grant_statement,
    render,
    subscription_form,
    tax_statement,
)
from scic.documents import profile as coop_profile
from scic.documents.lang import choose
from scic.documents.model import Document
from scic.projections import views
from scic.reports import File
from scic.reports.context import fiscal_year_of
from scic.service import Service

router = APIRouter(tags=["documents"], responses=problems.READ_REFUSALS)

AsOf = Annotated[Day | None, Query(description="figures as at this date (default: today)")]
Year = Annotated[
    int | None,
    Query(
        ge=1900,
        le=2200,
        description="annual-statement: a fiscal year (named by the year it ends in); "
        "tax-statement: a calendar year (default: the year of as_of, or this year)",
    ),
]
Format = Annotated[str | None, Query(alias="format", description="pdf (default) | json")]
LangQuery = Annotated[
    str | None, Query(alias="lang", description="fr (default) | en; else Accept-Language")
]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]
MemberDocument = Literal["certificate", "annual-statement", "tax-statement"]


Value = str | int | bool | None
"""A document's figure: money as a decimal string, a date as YYYY-MM-DD, a rate as a
decimal string, a count as an integer, else text."""
Figures = dict[str, Value]  # a block: its items by key (scic/documents, `Item.key`)
Rows = list[dict[str, Value]]  # a table: its rows, by column key (`Col.key`)


class DocumentIssuer(BaseModel):
    id: str
    name: str
    legal_form: str
    siren: str | None
    registered_office: str | None
    purpose: str | None


class DocumentMention(BaseModel):
    key: str
    text: str
    source: str = Field(description="the text of law that requires the mention")


class DocumentJson(BaseModel):
    """A document in JSON: its blocks (figures by key) and tables (rows by column key),
    money as decimal strings, dates as YYYY-MM-DD, and each legal mention with its
    source. A document has the blocks and tables of its kind only."""

    model_config = ConfigDict(extra="forbid")
    document: Literal[
        "certificate", "subscription-form", "annual-statement", "tax-statement", "grant-statement"
    ]
    lang: Literal["fr", "en"]
    title: str
    subject: str
    as_of: str
    year: int | None
    issuer: DocumentIssuer
    member: Figures | None = Field(None, description="certificate, statements, form")
    holding: Figures | None = Field(None, description="certificate")
    subscription: Figures | None = Field(None, description="subscription-form")
    opening: Figures | None = Field(None, description="annual-statement")
    closing: Figures | None = Field(None, description="annual-statement")
    pending: Figures | None = Field(None, description="annual-statement")
    interest: Figures | None = Field(None, description="annual-statement")
    summary: Figures | None = Field(None, description="tax-statement")
    grant: Figures | None = Field(None, description="grant-statement")
    figures: Figures | None = Field(None, description="grant-statement")
    subscriptions: Rows | None = Field(None, description="certificate, tax-statement")
    movements: Rows | None = Field(None, description="certificate, annual-statement")
    payments: Rows | None = Field(None, description="tax-statement")
    history: Rows | None = Field(None, description="grant-statement")
    mentions: list[DocumentMention]


class CoopProfile(BaseModel):
    registered_office: str | None
    purpose: str | None
    contact_email: str | None
    updated_at: str | None
    updated_by: str | None


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the document: a PDF (attachment) or JSON",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _serve(file: File, fmt: str) -> Response:
    headers = {"Content-Language": file.filename.rsplit("_", 1)[-1].split(".")[0]}
    if fmt == "pdf":
        headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return Response(file.body, media_type=file.media_type, headers=headers)


def member_document(
    service: Service,
    coop_id: str,
    member_id: str,
    which: str,
    as_of: date | None,
    year: int | None,
    lang: str,
) -> Document:
    """Build one of a member's documents (the API route and the pages call this)."""
    today = service.today()
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        if which == "certificate":
            return certificate.build(conn, coop_id, member_id, as_of or today, lang)  # type: ignore[arg-type]
        if which == "annual-statement":
            if year is None:
                statutes = views.statutes_at(conn, coop_id, as_of or today, None)
                assert statutes is not None
                year = fiscal_year_of(statutes, as_of or today)
            return annual_statement.build(conn, coop_id, member_id, year, today, lang)  # type: ignore[arg-type]
        return tax_statement.build(
            conn,
            coop_id,
            member_id,
            year or (as_of or today).year,
            today,
            lang,  # type: ignore[arg-type]
        )


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/documents/{document}",
    operation_id="get_member_document",
    response_model=DocumentJson,
    responses=FILE_RESPONSES,
    dependencies=[requires(MEMBER_DOCUMENTS)],
)
def get_member_document(
    coop_id: str,
    member_id: str,
    document: MemberDocument,
    service: ServiceDep,
    as_of: AsOf = None,
    year: Year = None,
    fmt: Format = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """certificate: the shares held as at `as_of`; annual-statement: a fiscal year's
    movements, holdings and interest (`year`); tax-statement: the IR-PME individual
    statement of a natural person's payments in a calendar year (`year`). A date
    before the member's admission: 422 naming it."""
    chosen = check_format(fmt)
    doc = member_document(
        service, coop_id, member_id, document, as_of, year, choose(lang, accept_language)
    )
    return _serve(render(doc, chosen), chosen)


@router.get(
    "/v1/coops/{coop_id}/subscriptions/{subscription_id}/form",
    operation_id="get_subscription_form",
    response_model=DocumentJson,
    responses=FILE_RESPONSES,
    dependencies=[requires(SUBSCRIPTION_FORM)],
)
def get_subscription_form(
    coop_id: str,
    subscription_id: str,
    service: ServiceDep,
    fmt: Format = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """The subscription form (bulletin de souscription), ready to sign."""
    chosen = check_format(fmt)
    with service.engine.connect() as conn:
        doc = subscription_form.build(conn, coop_id, subscription_id, choose(lang, accept_language))
    return _serve(render(doc, chosen), chosen)


@router.get(
    "/v1/coops/{coop_id}/grants/{grant_id}/statement",
    operation_id="get_grant_document",
    response_model=DocumentJson,
    responses=FILE_RESPONSES,
    dependencies=[requires(GRANT)],
)
def get_grant_statement(
    coop_id: str,
    grant_id: str,
    service: ServiceDep,
    as_of: AsOf = None,
    fmt: Format = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Awarded, each instalment received, justified, clawed back, left to justify, the
    funded period and the agreement reference, as at `as_of`."""
    chosen = check_format(fmt)
    with service.engine.connect() as conn:
        doc = grant_statement.build(
            conn, coop_id, grant_id, as_of or service.today(), choose(lang, accept_language)
        )
    return _serve(render(doc, chosen), chosen)


@router.get(
    "/v1/coops/{coop_id}/profile",
    operation_id="get_coop_profile",
    response_model=CoopProfile,
    tags=["cooperatives"],
    dependencies=[requires(READ)],
)
def get_profile(coop_id: str, service: ServiceDep) -> dict[str, Any]:
    """The registered office and purpose the documents print."""
    with service.engine.connect() as conn:
        return coop_profile.read(conn, coop_id)


@router.put(
    "/v1/coops/{coop_id}/profile",
    operation_id="put_coop_profile",
    response_model=CoopProfile,
    tags=["cooperatives"],
    responses=problems.WRITE_REFUSALS,
)
def put_profile(
    coop_id: str,
    body: Annotated[coop_profile.Profile, Body()],
    service: ServiceDep,
    who: Annotated[Principal, requires(RECORD)],
) -> dict[str, Any]:
    """Record the registered office (siège social) and purpose (objet social)."""
    with service.engine.begin() as conn:
        coop_profile.write(conn, coop_id, body, service.store.clock(), who.actor)
        return coop_profile.read(conn, coop_id)
