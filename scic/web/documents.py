"""Documents from the pages: the member page and the grants page link to the same
documents the API serves (certificate, annual and tax statements, subscription forms,
grant statements), fetched with the signed-in cookie and judged by the API route's
access rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scic import refusals
from scic.access.errors import Forbidden
from scic.access.policy import PUBLIC, requires
from scic.api.deps import ServiceDep
from scic.api.problems import KIND_STATUS
from scic.api.routes.documents import member_document
from scic.documents import check_format, grant_statement, render, subscription_form
from scic.documents.lang import choose
from scic.errors import DomainError, NotFound
from scic.i18n import gettext as _
from scic.projections import views
from scic.projections.tables import movements
from scic.reports import File
from scic.reports.context import fiscal_year_of
from scic.service import Service
from scic.web import fmt
from scic.web.frame import ROLE_NAMES, PageProblem, links, problem_page, signed_in
from scic.web.session import Viewer

router = APIRouter(include_in_schema=False, dependencies=[requires(PUBLIC)])

DOCUMENT_NAMES = {
    "certificate": "Attestation de détention de parts",
    "annual-statement": "Relevé annuel",
    "tax-statement": "État individuel IR-PME",
}


def download(request: Request, service: Service, build: Callable[[Viewer], File]) -> Response:
    """The file, or the page a refusal gets (sign-in, 403, 404, the rule's words)."""
    v = signed_in(request, service)
    if isinstance(v, Response):
        return v
    nav = links(v)
    frame: dict[str, Any] = {
        "v": v,
        "nav": nav,
        "slug": "",
        "role_name": ROLE_NAMES[v.role],
        "coop_name": "",
    }
    try:
        file = build(v)
    except Forbidden:
        message = f"Ce document n'est pas accessible avec un jeton « {ROLE_NAMES[v.role]} »."
        return problem_page(request, frame, 403, "Accès refusé", message, nav)
    except NotFound as error:
        return problem_page(request, frame, 404, "Introuvable", refusals.detail(error), nav)
    except PageProblem as error:
        return problem_page(request, frame, error.status, "Demande invalide", error.message, nav)
    except DomainError as error:
        status = KIND_STATUS[error.kind]
        message = getattr(error, "french", None) or refusals.detail(error)
        return problem_page(request, frame, status, "Document impossible", message, nav)
    disposition = "attachment" if file.media_type == "application/pdf" else "inline"
    return Response(
        file.body,
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/dashboard/members/{member_id}/documents/{document}")
def member_document_page(
    request: Request,
    service: ServiceDep,
    member_id: str,
    document: str,
    as_of: str | None = None,
    year: int | None = None,
    format: str | None = None,  # noqa: A002 — the API's parameter name
    lang: str | None = None,
) -> Response:
    def build(v: Viewer) -> File:
        if document not in DOCUMENT_NAMES:
            raise NotFound("document", document)
        v.check(v.api(f"/members/{member_id}/documents/{document}"))
        chosen = check_format(format)
        on = _parse(as_of)
        language = choose(lang, request.headers.get("accept-language"))
        doc = member_document(service, v.coop_id, member_id, document, on, year, language)
        return render(doc, chosen)

    return download(request, service, build)


@router.get("/dashboard/subscriptions/{subscription_id}/form")
def subscription_form_page(
    request: Request, service: ServiceDep, subscription_id: str, lang: str | None = None
) -> Response:
    def build(v: Viewer) -> File:
        v.check(v.api(f"/subscriptions/{subscription_id}/form"))
        language = choose(lang, request.headers.get("accept-language"))
        with service.engine.connect() as conn:
            doc = subscription_form.build(conn, v.coop_id, subscription_id, language)
        return render(doc, "pdf")

    return download(request, service, build)


@router.get("/dashboard/grants/{grant_id}/statement")
def grant_statement_page(
    request: Request,
    service: ServiceDep,
    grant_id: str,
    as_of: str | None = None,
    lang: str | None = None,
) -> Response:
    def build(v: Viewer) -> File:
        v.check(v.api(f"/grants/{grant_id}/statement"))
        language = choose(lang, request.headers.get("accept-language"))
        with service.engine.connect() as conn:
            doc = grant_statement.build(
                conn, v.coop_id, grant_id, _parse(as_of) or service.today(), language
            )
        return render(doc, "pdf")

    return download(request, service, build)


def _parse(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PageProblem(f"« {text} » n'est pas une date : attendu AAAA-MM-JJ.") from None


# -- the links the pages show ------------------------------------------------------------


def member_links(
    v: Viewer, conn: sa.Connection, member_id: str, detail: views.MemberDetail, today: date
) -> list[dict[str, str]]:
    """The documents of a member the viewer may read, newest first: the certificate
    today, the annual statement of each fiscal year since admission, the IR-PME
    statement of each year a person paid on its shares, each subscription's form."""
    if not v.may(v.api(f"/members/{member_id}/documents/certificate")):
        return []
    base = f"/dashboard/members/{member_id}/documents"
    found = [
        {
            "label": _("Attestation de détention de parts au %(day)s") % {"day": fmt.day(today)},
            "href": f"{base}/certificate",
        }
    ]
    statutes = views.statutes_at(conn, v.coop_id, today, None)
    admitted = detail.admitted_on
    if statutes is not None:
        current = fiscal_year_of(statutes, today)
        for year in range(current, fiscal_year_of(statutes, admitted) - 1, -1):
            found.append(
                {
                    "label": _("Relevé annuel — exercice %(year)s") % {"year": year},
                    "href": f"{base}/annual-statement?year={year}",
                }
            )
    if detail.kind == "person":
        m = movements.c
        years = sorted(
            {
                d.year
                for d in conn.execute(
                    sa.select(m.effective_date).where(
                        m.member_id == member_id,
                        m.paid_cents > 0,
                        m.subscription_id.is_not(None),
                        m.effective_date <= today,
                    )
                ).scalars()
            },
            reverse=True,
        )
        for year in years:
            found.append(
                {
                    "label": _("État individuel IR-PME — versements %(year)s") % {"year": year},
                    "href": f"{base}/tax-statement?year={year}",
                }
            )
    for sub in detail.subscriptions:
        if v.may(v.api(f"/subscriptions/{sub.id}/form")):
            found.append(
                {
                    "label": _("Bulletin de souscription du %(day)s (%(shares)s parts)")
                    % {"day": fmt.day(sub.subscribed_on), "shares": sub.holding.shares},
                    "href": f"/dashboard/subscriptions/{sub.id}/form",
                }
            )
    return found
