"""The frame every page shares, below the pages themselves: the templates and headers,
the navigation a token is offered, and the sign-in and problem pages. The dashboard
(scic/web/pages.py), the documents, the members' own forms and the form machinery all
build on it, so none of them imports another back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from scic import i18n, vocabulary
from scic.access.errors import TooManyFailures
from scic.access.policy import PEOPLE, RECORD, command_rule, speaks_for
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.projections import views
from scic.service import Service
from scic.web import fmt
from scic.web.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    TOKEN_COOKIE,
    CsrfRefused,
    SignInNeeded,
    Viewer,
    check_csrf,
    clear_cookie,
    csrf_token,
    flash_of,
    keep_csrf,
    viewer,
)
from scic.write.commands import COMMANDS

ENV = Environment(
    loader=PackageLoader("scic.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(fmt.filters())
ENV.add_extension("jinja2.ext.i18n")
ENV.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
ENV.globals["page_lang"] = i18n.current
ENV.globals["event_name"] = lambda code: vocabulary.label(vocabulary.EVENT_TYPES, code)
ENV.globals["movement_name"] = lambda code: vocabulary.label(vocabulary.MOVEMENTS, code)
ENV.globals["status_name"] = lambda code: vocabulary.label(vocabulary.MEMBER_STATUSES, code)

HEADERS = {
    # everything comes from this server; no script runs on the pages at all
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on
    # form posts, and the CSRF check compares the origin
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

ROLE_NAMES = {
    "manager": N_("gestionnaire"),
    "accountant": N_("comptable"),
    "funder": N_("financeur"),
    "member": N_("associé"),
    "admin": N_("administrateur"),
}
SIGN_IN_MESSAGES = {
    "expired": N_(
        "Votre jeton a expiré. Demandez un nouveau jeton à la personne qui gère la coopérative."
    ),
    "revoked": N_(
        "Ce jeton a été révoqué : il n'ouvre plus le tableau de bord. Demandez un "
        "nouveau jeton à la personne qui gère la coopérative."
    ),
    "invalid": N_(
        "Ce jeton n'est pas reconnu. Vérifiez qu'il est copié en entier (il commence par scic_)."
    ),
    "admin": N_(
        "Un jeton admin vaut pour toutes les coopératives : le tableau de bord "
        "s'ouvre avec le jeton d'une coopérative (gestionnaire, comptable, financeur ou "
        "associé)."
    ),
    "csrf": N_("Le formulaire n'était plus valide. Rechargez la page et recommencez."),
    "signed-out-now": N_("Vous êtes déconnecté. Ce navigateur ne garde plus votre accès."),
    "password-changed": N_("Votre nouveau mot de passe est enregistré. Connectez-vous avec lui."),
    "credentials": N_("Adresse e-mail ou mot de passe incorrect."),
    "no-cooperative": N_(
        "Ce compte n'a plus accès à aucune coopérative. Demandez une invitation à la "
        "personne qui gère la coopérative."
    ),
    "session-ended": N_("Votre session a pris fin. Connectez-vous à nouveau."),
}
NOTICES = frozenset({None, "signed-out-now", "password-changed"})  # not problems
TOKEN_REASONS = frozenset({"expired", "revoked", "invalid", "admin"})


class PageProblem(Exception):
    """Input a page cannot show (a malformed date…): a message, status 400."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Link:
    slug: str
    label: str
    href: str


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    i18n.activate(i18n.page_locale(request))
    flash = flash_of(request) if context.get("v") else None
    body = ENV.get_template(template).render(
        csrf=csrf_token(request),
        csrf_field=CSRF_FIELD,
        flash=flash,
        here=request.url.path,
        **context,
    )
    response = HTMLResponse(body, status_code=status, headers=HEADERS)
    keep_csrf(request, response)
    return response


# -- navigation: a page is listed when the API would serve its view to the token -------


def links(v: Viewer) -> list[Link]:
    found = []
    if v.may(v.api("/capital-table"), group_by="college"):
        found.append(Link("capital", "Capital", "/dashboard/capital"))
    if v.may(v.api("/funding-mix")):
        found.append(Link("funding", "Financements", "/dashboard/funding"))
    if v.may(v.api("/members")) and speaks_for(v.principal) is None:
        found.append(Link("members", "Associés", "/dashboard/members"))
    elif v.member_ids and v.may(v.api(f"/members/{v.member_ids[0]}")):
        found.append(Link("members", "Mes parts", f"/dashboard/members/{v.member_ids[0]}"))
    if v.may(v.api("/grants")) or own_grant_lists(v):
        found.append(Link("grants", "Subventions", "/dashboard/grants"))
    for slug, label in (
        ("reimbursements", N_("Remboursements")),
        ("compliance", N_("Conformité")),
        ("events", N_("Événements")),
    ):
        if v.may(v.api(f"/{slug}")):
            found.append(Link(slug, label, f"/dashboard/{slug}"))
    if v.may(v.api("/reconciliation")):
        found.append(Link("bank", N_("Banque"), "/dashboard/bank"))
    if may_write(v):
        found.append(Link("forms", N_("Saisie"), "/dashboard/forms"))
    if v.role in RECORD.allowed:  # the rule of POST …/imports (scic/web/imports.py)
        found.append(Link("imports", N_("Importer le registre"), "/dashboard/imports"))
    if v.may(v.api("/fiscal-years")):
        found.append(Link("fiscal-years", N_("Exercices"), "/dashboard/fiscal-years"))
    if v.may(v.api("/reports/member-register")) or any(
        v.may(v.api("/reports/grant-statement"), funder=f) for f in v.funder_ids
    ):
        found.append(Link("reports", N_("Rapports"), "/dashboard/reports"))
    if v.principal.role in PEOPLE.allowed:
        found.append(Link("people", N_("Personnes"), "/dashboard/people"))
    if v.may(v.api("/requests")):
        found.append(Link("requests", "Demandes", "/dashboard/requests"))
    if v.may(v.api("/mail")):
        found.append(Link("mail", "Courriels", "/dashboard/mail"))
    return found


def may_write(v: Viewer) -> bool:
    """May the token record anything (the API's rule of any write under a cooperative)?"""
    return any(
        v.role in command_rule(spec.route).allowed
        for name, spec in COMMANDS.items()
        if name != "coops"
    )


def own_grant_lists(v: Viewer) -> list[str]:
    """The funder ids whose grants the token may list (`grants?funder=<own id>`)."""
    return [f for f in v.funder_ids if v.may(v.api("/grants"), funder=f)]


def problem_page(
    request: Request,
    frame: dict[str, Any] | None,
    status: int,
    title: str,
    message: str,
    nav: list[Link],
) -> HTMLResponse:
    return render(
        request,
        "problem.html",
        status=status,
        **(frame or {"v": None, "nav": [], "slug": "", "coop_name": "", "role_name": ""}),
        title=title,
        message=message,
        offered=nav,
    )


def coop_name(v: Viewer, conn: sa.Connection) -> str:
    """The cooperative's name: every role reads it in `GET /v1/coops` (its own)."""
    return str(views.coop_row(conn, v.coop_id)["name"])


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def sign_in_page(
    request: Request, reason: str | None, status: int = 200, email: str = ""
) -> HTMLResponse:
    i18n.activate(i18n.page_locale(request))
    message = SIGN_IN_MESSAGES.get(reason or "")
    response = render(
        request,
        "sign_in.html",
        status=status,
        # browsers keep a Secure cookie from https or loopback only: say so, rather
        # than let sign-in silently bounce back here
        insecure=request.url.scheme != "https" and request.url.hostname not in LOOPBACK,
        message=_(message) if message else None,
        problem=reason not in NOTICES,
        token_problem=reason in TOKEN_REASONS,
        email=email,
        v=None,
        nav=[],
        slug="sign-in",
        coop_name="",
        role_name="",
    )
    if reason not in (None, "csrf"):
        clear_cookie(response, TOKEN_COOKIE)
        clear_cookie(response, SESSION_COOKIE)
    return response


def signed_in(request: Request, service: Service) -> Viewer | Response:
    """The viewer of a request, or the answer to one that has none: the sign-in page
    (or a redirection to it), or 429 after too many failed attempts."""
    try:
        return viewer(request, service)
    except SignInNeeded as needed:
        if needed.reason == "signed-out":
            return RedirectResponse("/sign-in", status_code=303)
        return sign_in_page(request, needed.reason, status=401)
    except TooManyFailures as error:
        return problem_page(request, None, 429, "Trop d'essais", error.detail, [])


async def read_form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v for k, v in parse_qsl(body, keep_blank_values=True) if "\x00" not in v}


async def posted(request: Request) -> dict[str, str] | None:
    """The fields of a posted form; None when its CSRF token is missing or wrong, or it
    came from another origin: nothing of such a form is judged."""
    form = await read_form(request)
    try:
        check_csrf(request, form)
    except CsrfRefused:
        return None
    return form


def csrf_refused(request: Request) -> HTMLResponse:
    """403: a form without its CSRF token (or from another origin) changes nothing."""
    return problem_page(
        request,
        None,
        403,
        _("Formulaire refusé"),
        _("Le formulaire n'était plus valide. Rechargez la page et recommencez."),
        [],
    )
