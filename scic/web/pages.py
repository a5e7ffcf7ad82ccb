"""The dashboard's pages: sign-in and sign-out, then one page per view of the API
(capital, funding mix, members, grants, reimbursements, compliance, events), each built
from the view functions the API routes call, for what the viewer's token may read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ledger.schema import events as events_table
from scic import i18n, refusals
from scic.access.errors import Forbidden, TooManyFailures, Unauthorized
from scic.access.guard import AccessControl, client_address
from scic.access.policy import PUBLIC, requires, speaks_for
from scic.accounts import actors, sessions, users
from scic.api.deps import ServiceDep
from scic.api.problems import KIND_STATUS
from scic.dates import FIRST_DAY, LAST_DAY, add_years
from scic.errors import DomainError, NotFound
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.money import euros
from scic.projections import directory, funding_views, views
from scic.projections.compliance import Report, compliance
from scic.service import Service
from scic.vocabulary import FUNDER_TYPES, GRANT_STATUSES, PURPOSES
from scic.web import charts, findings, fmt, self_service
from scic.web import documents as web_documents
from scic.web.forms import links as form_links
from scic.web.frame import (
    ROLE_NAMES,
    PageProblem,
    coop_name,
    links,
    own_grant_lists,
    posted,
    problem_page,
    render,
    sign_in_page,
    signed_in,
)
from scic.web.refusals import message as said
from scic.web.session import (
    SESSION_COOKIE,
    TOKEN_COOKIE,
    ChooseCooperative,
    Viewer,
    authenticate,
    clear_cookie,
    reason_of,
    set_cookie,
)

# Pages are outside the bearer guard: each one authenticates its cookie and asks the
# rule of the API route behind every view it shows (scic.web.session.Viewer.check).
PAGE = requires(PUBLIC)

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

GROUPS = {
    "college": N_("Par collège"),
    "category": N_("Par catégorie"),
    "member": N_("Par associé"),
}
SOON = timedelta(days=90)


def in_words(names: dict[str, str]) -> dict[str, str]:
    """A table of codes' names, in the page's language."""
    return {code: _(name) for code, name in names.items()}


class Redirect(Exception):  # noqa: N818 — control flow, not an error
    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


# -- the page frame: sign-in, refusals and bad input become messages, never a trace ----

Build = Callable[[Viewer, sa.Connection], tuple[str, dict[str, Any]]]


def page(request: Request, service: Service, slug: str, build: Build) -> Response:
    i18n.activate(i18n.page_locale(request))
    try:
        v = signed_in(request, service)
    except ChooseCooperative:
        return RedirectResponse("/cooperatives", status_code=303)
    if isinstance(v, Response):
        return v
    nav = links(v)
    frame: dict[str, Any] = {
        "v": v,
        "nav": nav,
        "slug": slug,
        "role_name": _(ROLE_NAMES[v.role]),
        "role_names": ROLE_NAMES,
    }
    with service.engine.connect() as conn:
        frame["coop_name"] = coop_name(v, conn)
        try:
            template, context = build(v, conn)
        except Redirect as redirect:
            return RedirectResponse(redirect.to, status_code=303)
        except Forbidden:
            message = _("Cette page n'est pas accessible au rôle « %(role)s ».") % {
                "role": _(ROLE_NAMES[v.role])
            }
            return problem_page(request, frame, 403, _("Accès refusé"), message, nav)
        except NotFound as error:
            return problem_page(request, frame, 404, _("Introuvable"), refusals.detail(error), nav)
        except PageProblem as error:
            return problem_page(
                request, frame, error.status, _("Demande invalide"), error.message, nav
            )
        except DomainError as error:
            status = KIND_STATUS[error.kind]
            return problem_page(request, frame, status, _("Refusé"), said(error), nav)
    return render(request, template, **frame, **context)


def code_names(conn: sa.Connection, coop_id: str) -> dict[str, str]:
    """The names of the cooperative's category and college codes, from its statutes
    (the latest name of each code): pages show names, never codes."""
    from scic.projections.tables import statutes

    names: dict[str, str] = {}
    docs = conn.execute(
        sa.select(statutes.c.doc)
        .where(statutes.c.coop_id == coop_id)
        .order_by(statutes.c.valid_from, statutes.c.position)
    ).scalars()
    for doc in docs:
        for entry in [*doc.get("categories", []), *doc.get("colleges", [])]:
            if entry.get("code") and entry.get("name"):
                names[entry["code"]] = entry["name"]
    return names


def parse_day(text: str | None, service: Service) -> date:
    if text is None or not text.strip():
        return service.today()
    try:
        on = date.fromisoformat(text.strip())
    except ValueError:
        raise PageProblem(f"« {text} » n'est pas une date : attendu AAAA-MM-JJ.") from None
    if not FIRST_DAY <= on <= LAST_DAY:
        raise PageProblem(
            f"Date hors de la plage connue du registre ({fmt.day(FIRST_DAY)} – "
            f"{fmt.day(LAST_DAY)})."
        )
    return on


def before_incorporation(v: Viewer, conn: sa.Connection, on: date) -> str | None:
    incorporated = views.coop_row(conn, v.coop_id)["incorporated_on"]
    if on >= incorporated:
        return None
    when = f" ({fmt.day(incorporated)})" if v.may(v.api()) else ""
    return _(
        "Le %(day)s est antérieur à la constitution de la coopérative%(when)s : "
        "il n'y avait encore ni capital ni financement."
    ) % {"day": fmt.day(on), "when": when}


# -- sign-in and sign-out --------------------------------------------------------------


@router.get("/")
def home() -> Response:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, done: str | None = None) -> Response:
    """`done`: what just happened (1: signed out; password: a new password was set)."""
    if done == "password":
        return sign_in_page(request, "password-changed")
    return sign_in_page(request, "signed-out-now" if done else None)


@router.post("/sign-in")
async def sign_in(request: Request, service: ServiceDep) -> Response:
    """An e-mail and a password (a person's account), or an API token."""
    i18n.activate(i18n.page_locale(request))
    # 403, and nothing is judged: not even the credentials
    if (form := await posted(request)) is None:
        return sign_in_page(request, "csrf", status=403)
    if not form.get("token", "").strip():
        return await run_in_threadpool(password_sign_in, request, service, form)
    try:
        who = await run_in_threadpool(authenticate, request, service, form.get("token", ""))
    except Unauthorized as error:
        return sign_in_page(request, reason_of(error), status=401)
    except TooManyFailures as error:
        return too_many(request, error)
    if who.coop_id is None:
        return sign_in_page(request, "admin", status=401)
    response = RedirectResponse("/dashboard", status_code=303)
    set_cookie(response, TOKEN_COOKIE, form["token"].strip())
    clear_cookie(response, SESSION_COOKIE)
    return response


def password_sign_in(request: Request, service: Service, form: dict[str, str]) -> Response:
    """Check an e-mail and a password, throttled per (client, address) like tokens are
    per (client, token id): one message for an unknown address and a wrong password."""
    email = form.get("email", "").strip()
    access: AccessControl = request.app.state.access
    key = (client_address(request, access.trusted_proxies), f"email:{users.email_key(email)}")
    try:
        access.limiter.check(key)
        with service.engine.begin() as conn:
            account = users.check_password(conn, email, form.get("password", ""))
            if account is None:
                access.limiter.failed(key)
                return sign_in_page(request, "credentials", status=401, email=email)
            if not account.is_admin and not account.grants:
                return sign_in_page(request, "no-cooperative", status=403, email=email)
            cookie = sessions.start(conn, account, service.store.clock())
    except TooManyFailures as error:
        return too_many(request, error)
    response = RedirectResponse("/dashboard", status_code=303)
    set_cookie(response, SESSION_COOKIE, cookie)
    clear_cookie(response, TOKEN_COOKIE)
    return response


def too_many(request: Request, error: TooManyFailures) -> HTMLResponse:
    message = _(
        "Trop d'essais de connexion depuis cette adresse : réessayez dans %(seconds)s s."
    ) % {"seconds": error.headers.get("Retry-After", "60")}
    response = problem_page(request, None, 429, _("Trop d'essais"), message, [])
    response.headers.update(error.headers)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, service: ServiceDep) -> Response:
    if await posted(request) is None:
        return sign_in_page(request, "csrf", status=403)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:

        def end() -> None:
            with service.engine.begin() as conn:
                sessions.end(conn, cookie, service.store.clock())

        await run_in_threadpool(end)
    response = RedirectResponse("/sign-in?done=1", status_code=303)
    clear_cookie(response, TOKEN_COOKIE)
    clear_cookie(response, SESSION_COOKIE)
    return response


@router.get("/dashboard")
def dashboard(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        nav = links(v)
        if not nav:
            raise Forbidden("this token may read none of the dashboard's views")
        raise Redirect(nav[0].href)

    return page(request, service, "", build)


# -- capital ---------------------------------------------------------------------------


@router.get("/dashboard/capital")
def capital(
    request: Request, service: ServiceDep, as_of: str | None = None, group_by: str | None = None
) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        on = parse_day(as_of, service)
        path = v.api("/capital-table")
        choices = [g for g in GROUPS if v.may(path, group_by=g)]
        chosen = group_by or "college"
        if chosen not in GROUPS:
            raise PageProblem(f"Regroupement inconnu : « {chosen} ».")
        v.check(path, group_by=chosen)
        table = views.capital_table(conn, v.coop_id, on, None, chosen)  # type: ignore[arg-type]
        gauge = None
        if v.may(v.api("/funding-mix")):
            mix = funding_views.funding_mix(conn, v.coop_id, on, None)
            share, cap = mix.capital.public_share, mix.capital.public_cap
            gauge = {
                "share": share,
                "cap": cap,
                "svg": charts.gauge(share, cap, _("Part des collectivités publiques")),
                "above": share > cap,
            }
        return "capital.html", {
            "on": on,
            "table": table,
            "group_by": chosen,
            "groups": [(g, _(GROUPS[g])) for g in choices],
            "gauge": gauge,
            "notice": before_incorporation(v, conn, on),
            "member_links": chosen == "member" and v.may(v.api("/members/x")),
        }

    return page(request, service, "capital", build)


# -- funding mix -----------------------------------------------------------------------


@router.get("/dashboard/funding")
def funding(request: Request, service: ServiceDep, as_of: str | None = None) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        on = parse_day(as_of, service)
        v.check(v.api("/funding-mix"))
        mix = funding_views.funding_mix(conn, v.coop_id, on, None)
        total = mix.total_funding_cents
        sources = [
            (_("Capital souscrit"), mix.capital.subscribed_cents),
            (_("Subventions (nettes des reversements)"), mix.grants.net_awarded_cents),
            (_("Quasi-fonds propres (titres participatifs)"), mix.quasi_equity.total_cents),
            (_("Prêts solidaires (ESUS)"), mix.esus.by_instrument["loan"]),
        ]
        composition: list[dict[str, Any]] = [
            {"label": label, "amount": cents, "share": Decimal(cents) / total if total else 0}
            for label, cents in sources
        ]
        cliff = cliff_months(on, mix.funding_cliff)
        return "funding.html", {
            "on": on,
            "mix": mix,
            "composition": composition,
            "composition_svg": charts.bar_chart(
                [
                    charts.Bar(
                        c["label"].split(" (")[0], euros(c["amount"]), fmt.cents(c["amount"])
                    )
                    for c in composition
                ],
                _("Financement par source"),
            ),
            "cliff": cliff,
            "cliff_svg": charts.bar_chart(
                [
                    charts.Bar(
                        fmt.short_month(m.month), euros(m.amount_cents), fmt.cents(m.amount_cents)
                    )
                    for m in cliff
                ],
                _("Falaise de financement : subventions dont la période finit, par mois"),
            ),
            "cliff_total": sum(m.amount_cents for m in cliff),
            "funder_types": in_words(FUNDER_TYPES),
            "purposes": in_words(PURPOSES),
            "notice": before_incorporation(v, conn, on),
        }

    return page(request, service, "funding", build)


def cliff_months(on: date, cliff: list[funding_views.CliffMonth]) -> list[funding_views.CliffMonth]:
    """Every month of the cliff's 12-month window (R15), zeros included, in order."""
    amounts = {row.month: row.amount_cents for row in cliff}
    horizon = add_years(on, 1)
    months, year, month = [], on.year, on.month
    while (year, month) <= (horizon.year, horizon.month):
        key = f"{year:04d}-{month:02d}"
        months.append(funding_views.CliffMonth(key, amounts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- members ---------------------------------------------------------------------------


MEMBERS_PER_PAGE = 50
STATUSES = {"active": N_("Présents"), "left": N_("Sortis"), "all": N_("Tous")}


@router.get("/dashboard/members")
def member_list(
    request: Request,
    service: ServiceDep,
    q: str | None = None,
    as_of: str | None = None,
    status: str = "active",
    cursor: str | None = None,
) -> Response:
    """The members list of `GET …/members`: everyone admitted by the date, shares or
    not, searched by name without regard to accents or case, a page at a time."""

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        on = parse_day(as_of, service)
        v.check(v.api("/members"))
        chosen: directory.Status = status if status in STATUSES else "active"  # type: ignore[assignment]
        query = directory.MemberQuery(
            as_of=on,
            q=q,
            status=chosen,
            limit=MEMBERS_PER_PAGE,
            cursor=cursor or None,
            party_id=speaks_for(v.principal),
        )
        found = directory.member_page(conn, v.coop_id, query)
        kept = {"q": q or "", "as_of": on.isoformat(), "status": chosen}
        return "members.html", {
            "code_names": code_names(conn, v.coop_id),
            "on": on,
            "rows": found.members,
            "q": q or "",
            "shown": chosen,  # not `status`: render() takes that for the HTTP status
            "statuses": STATUSES,
            "kept": kept,
            "next_cursor": found.next_cursor,
            "paged": cursor is not None,
        }

    return page(request, service, "members", build)


@router.get("/dashboard/members/{member_id}")
def member(
    request: Request, service: ServiceDep, member_id: str, done: str | None = None
) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api(f"/members/{member_id}"))
        detail = views.member_detail(conn, v.coop_id, member_id)
        owed = sum(w.still_owed_cents for w in detail.withdrawals)
        former_owes = None if detail.status == "active" else owed > 0
        return "member.html", {
            "m": detail,
            "code_names": code_names(conn, v.coop_id),
            # links to the forms the token may send (scic/web/forms)
            "actions": form_links.member_actions(
                v, member_id, detail.party_id, detail.status == "active"
            ),
            "paying": {
                s.id: form_links.subscription_actions(
                    v, s.id, s.holding.unpaid_cents != 0, former_owes
                )
                for s in detail.subscriptions
            },
            "correct": form_links.correctable(conn, v, (h.event_id for h in detail.history)),
            "documents": web_documents.member_links(v, conn, member_id, detail, service.today()),
            # the member's side: contact, requests, preferences, data (scic/web/self_service)
            "panel": self_service.member_panel(v, conn, member_id),
            "done": _(self_service.DONE[done]) if done in self_service.DONE else None,
            # the contact corrections, who made them and what they replaced: managers'
            "contact_log": self_service.contact_log(v, conn, member_id),
        }

    return page(request, service, "members", build)


# -- grants ----------------------------------------------------------------------------


@router.get("/dashboard/grants")
def grant_list(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        today = service.today()
        portfolios = []
        if v.may(v.api("/grants")):
            rows = funding_views.grant_rows(conn, v.coop_id)
        else:
            own = own_grant_lists(v)
            if not own:
                v.check(v.api("/grants"))  # raises what the API answers
            rows = [g for f in own for g in funding_views.grant_rows(conn, v.coop_id, funder_id=f)]
            portfolios = [
                funding_views.funder_portfolio(conn, v.coop_id, f, today)
                for f in own
                if v.may(v.api(f"/funders/{f}"))
            ]
        return "grants.html", {
            "rows": [
                (
                    grant,
                    deadline(grant, today),
                    f"/dashboard/grants/{grant.id}/statement"
                    if v.may(v.api(f"/grants/{grant.id}/statement"))
                    else None,
                )
                for grant in rows
            ],
            "today": today,
            "portfolios": portfolios,
            "funder_types": in_words(FUNDER_TYPES),
            "purposes": in_words(PURPOSES),
            "statuses": in_words(GRANT_STATUSES),
            "new_grant": form_links.form_href("grants")
            if form_links.may_record(v, "grants")
            else None,
            "grant_actions": (lambda g: form_links.grant_actions(v, g))
            if form_links.may_record(v, "grant-instalments")
            else None,
        }

    return page(request, service, "grants", build)


def deadline(grant: funding_views.Grant, today: date) -> dict[str, str] | None:
    """The justification deadline's state: late, soon (90 days) or later."""
    due = grant.justify_by
    pending = grant.to_justify_cents != 0 or grant.to_receive_cents != 0
    if not due or grant.status == "closed" or not pending:
        return None
    days = (due - today).days
    if days < 0:
        return {"state": "late", "text": _("dépassée de %(days)s j") % {"days": -days}}
    if timedelta(days=days) <= SOON:
        return {"state": "soon", "text": _("dans %(days)s j") % {"days": days}}
    return {"state": "later", "text": _("dans %(days)s j") % {"days": days}}


# -- reimbursements, compliance, events ------------------------------------------------


@router.get("/dashboard/reimbursements")
def reimbursements(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/reimbursements"))
        return "reimbursements.html", {
            "rows": views.pending_reimbursements(conn, v.coop_id),
            "names": views.member_names(conn, v.coop_id),
        }

    return page(request, service, "reimbursements", build)


@router.get("/dashboard/compliance")
def compliance_page(request: Request, service: ServiceDep, as_of: str | None = None) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        on = parse_day(as_of, service)
        v.check(v.api("/compliance"))
        notice = before_incorporation(v, conn, on)
        report = Report(on, []) if notice else compliance(conn, v.coop_id, on)
        words = findings.Context(
            on, views.member_names(conn, v.coop_id), code_names(conn, v.coop_id)
        )
        shown = [
            {
                "rule": found.rule,
                "severity": found.severity,
                "sentence": findings.sentence(found, words),
                "rule_text": refusals.rule_text(found.rule),
            }
            for found in report.findings
        ]
        said = {"findings": shown, "warnings": report.warnings}
        return "compliance.html", {"on": on, "report": said, "notice": notice}

    return page(request, service, "compliance", build)


@router.get("/dashboard/events")
def recent_events(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/events"))
        e = events_table.c
        rows = conn.execute(
            sa.select(
                e.position,
                e.event_id,
                e.type,
                e.effective_date,
                e.recorded_at,
                e.actor,
                e.reverses,
            )
            .where(e.tenant_id == v.coop_id)
            .order_by(e.position.desc())
            .limit(50)
        ).all()
        correct = form_links.correctable(conn, v, (r.event_id for r in rows))
        return "events.html", {
            "rows": rows,
            "correct": correct,
            "actors": actors.names(conn, (r.actor for r in rows)),
        }

    return page(request, service, "events", build)
