"""The pages of people's access: choosing a cooperative after signing in, the language
switch, accepting an invitation (setting a password), and for managers the people page
(invite, change a role, revoke access). Every form carries the CSRF token; a form
without it (or with another) is answered 403 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from scic import formats, i18n
from scic.access import policy
from scic.access.policy import PEOPLE
from scic.access.tokens import ACCOUNTANT, FUNDER, MANAGER, MEMBER, Speaker
from scic.accounts import invitations, sessions, users
from scic.api.deps import ServiceDep
from scic.errors import DomainError, NotFound
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.mail import outbox as mail_outbox
from scic.projections import directory, views
from scic.service import Service
from scic.web import refusals
from scic.web.frame import csrf_refused, posted
from scic.web.pages import (
    PAGE,
    ROLE_NAMES,
    coop_name,
    links,
    page,
    render,
)
from scic.web.session import (
    SESSION_COOKIE,
    Viewer,
    set_cookie,
)

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

INVITABLE = (MANAGER, ACCOUNTANT, FUNDER, MEMBER)

Action = Callable[[Viewer, sa.Connection, dict[str, str]], Response]


# -- language --------------------------------------------------------------------------


@router.post("/language")
async def language(request: Request) -> Response:
    """The FR/EN switch: a cookie, then back to the page it was pressed on."""
    if (form := await posted(request)) is None:
        return csrf_refused(request)
    chosen = form.get("lang", i18n.DEFAULT)
    back = form.get("next", "/")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or not back.startswith("/") or back.startswith("//"):
        back = "/"  # only a path of this site: no open redirect
    response = RedirectResponse(back, status_code=303)
    set_cookie(response, i18n.COOKIE, chosen if chosen in i18n.LANGS else i18n.DEFAULT)
    return response


# -- choosing a cooperative ------------------------------------------------------------


def _session(request: Request, service: Service) -> sessions.Session | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with service.engine.connect() as conn:
        return sessions.resolve(conn, cookie, service.store.clock())


@router.get("/cooperatives")
def cooperatives(request: Request, service: ServiceDep) -> Response:
    i18n.activate(i18n.page_locale(request))
    found = _session(request, service)
    if found is None:
        return RedirectResponse("/sign-in", status_code=303)
    with service.engine.connect() as conn:
        choices = sessions.cooperatives(conn, found.account)
    return render(
        request,
        "cooperatives.html",
        v=None,
        nav=[],
        slug="",
        coop_name="",
        role_name="",
        person=found.account.name,
        choices=choices,
        chosen=found.coop_id,
    )


@router.post("/cooperatives")
async def choose_cooperative(request: Request, service: ServiceDep) -> Response:
    if (form := await posted(request)) is None:
        return csrf_refused(request)

    def choose() -> bool | None:
        found = _session(request, service)
        if found is None:
            return None
        with service.engine.begin() as conn:
            return sessions.choose(conn, found, form.get("coop_id", ""))

    done = await run_in_threadpool(choose)
    if done is None:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse("/dashboard" if done else "/cooperatives", status_code=303)


# -- invitations: setting a password ---------------------------------------------------


def invitation_page(
    request: Request,
    token: str,
    row: Any = None,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    existing: bool = False,
    name: str = "",
) -> HTMLResponse:
    coop = ""
    if row is not None:
        with request.app.state.service.engine.connect() as conn:
            coop = str(views.coop_row(conn, row.coop_id)["name"])
    return render(
        request,
        "invitation.html",
        status=status,
        v=None,
        nav=[],
        slug="",
        coop_name=coop,
        role_name="",
        token=token,
        invitation=row,
        role=_(ROLE_NAMES[row.role]) if row is not None else "",
        problem=problem,
        errors=errors or {},
        existing=existing,
        name=name,
    )


def _lookup(request: Request, service: Service, token: str) -> tuple[Any, str | None, bool]:
    """(the invitation, why it cannot be used, whether its address has an account)."""
    with service.engine.connect() as conn:
        try:
            row = invitations.find(conn, token, service.store.clock())
        except DomainError as error:
            return None, refusals.invitation_message(error), False
        account = users.find(conn, row.email)
        return row, None, account is not None and account.password_hash is not None


@router.get("/invitations/{token}")
def invitation(request: Request, service: ServiceDep, token: str) -> Response:
    i18n.activate(i18n.page_locale(request))
    row, problem, existing = _lookup(request, service, token)
    if problem:
        return invitation_page(request, token, problem=problem, status=410)
    return invitation_page(request, token, row, existing=existing, name=row.name)


@router.post("/invitations/{token}")
async def accept_invitation(request: Request, service: ServiceDep, token: str) -> Response:
    i18n.activate(i18n.page_locale(request))
    if (form := await posted(request)) is None:
        return csrf_refused(request)

    def accept() -> Response:
        row, problem, existing = _lookup(request, service, token)
        if problem:
            return invitation_page(request, token, problem=problem, status=410)
        try:
            with service.engine.begin() as conn:
                user_id = invitations.accept(
                    conn,
                    token,
                    now=service.store.clock(),
                    name=form.get("name", "").strip(),
                    password=form.get("password", ""),
                    confirmation=None if existing else form.get("confirmation", ""),
                )
                account = users.account(conn, user_id)
                assert account is not None
                cookie = sessions.start(conn, account, service.store.clock(), row.coop_id)
        except DomainError as error:
            field, message = refusals.field_message(error)
            return invitation_page(
                request,
                token,
                row,
                errors={field: message},
                status=422,
                existing=existing,
                name=form.get("name", ""),
            )
        response = RedirectResponse("/dashboard", status_code=303)
        set_cookie(response, SESSION_COOKIE, cookie)
        return response

    return await run_in_threadpool(accept)


# -- the people page -------------------------------------------------------------------


def people_context(v: Viewer, conn: sa.Connection, **extra: Any) -> dict[str, Any]:
    policy.allow(PEOPLE, v.principal)
    now = v.service.store.clock()
    rows = [r for r in users.listing(conn, v.coop_id) if r["role"] is not None]
    return {
        "people": rows,
        "pending": invitations.pending(conn, v.coop_id, now),
        "member_names": views.member_names(conn, v.coop_id),
        "party_names": party_names(conn, v.coop_id),
        "roles": [(r, _(ROLE_NAMES[r])) for r in INVITABLE],
        "me": v.principal.user_id,
        "done": None,
        "problem": None,
        **extra,
    }


def party_names(conn: sa.Connection, coop_id: str) -> dict[str, str]:
    """The names of the cooperative's parties (members and funders), by party id."""
    from scic.projections.tables import parties

    rows = conn.execute(
        sa.select(parties.c.party_id, parties.c.name).where(parties.c.coop_id == coop_id)
    )
    return {r.party_id: r.name or views.ERASED for r in rows}


@router.get("/dashboard/people")
def people(request: Request, service: ServiceDep, done: str | None = None) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        return "people.html", people_context(v, conn, done=DONE.get(done or ""))

    return page(request, service, "people", build)


DONE = {
    "role": N_("Le rôle a été changé."),
    "revoked": N_("L'accès a été retiré."),
    "withdrawn": N_("L'invitation a été retirée."),
}


def invite_form(v: Viewer, conn: sa.Connection, **extra: Any) -> dict[str, Any]:
    policy.allow(PEOPLE, v.principal)
    funders = directory.funder_list(conn, v.coop_id, None)
    members = sorted(views.member_names(conn, v.coop_id).items(), key=lambda m: m[1].lower())
    return {
        "roles": [(r, _(ROLE_NAMES[r])) for r in INVITABLE],
        "members": members,
        "funders": [(f.id, f.name) for f in funders],
        "values": {},
        "errors": {},
        "invitation": None,
        **extra,
    }


@router.get("/dashboard/people/new")
def new_invitation(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        return "invite.html", invite_form(v, conn)

    return page(request, service, "people", build)


async def action(request: Request, service: Service, slug: str, act: Action) -> Response:
    """A form of the people pages: CSRF first (403, nothing done), then the viewer and
    the manager's rule, then `act` in one transaction."""
    i18n.activate(i18n.page_locale(request))
    if (form := await posted(request)) is None:
        return csrf_refused(request)

    def run() -> Response:
        def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
            policy.allow(PEOPLE, v.principal)
            raise _Answer(act(v, conn, form))

        try:
            return page(request, service, slug, build)
        except _Answer as answer:
            return answer.response

    return await run_in_threadpool(run)


class _Answer(Exception):  # noqa: N818 — carries an action's response out of page()
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


@router.post("/dashboard/people")
async def invite(request: Request, service: ServiceDep) -> Response:
    def act(v: Viewer, conn: sa.Connection, form: dict[str, str]) -> Response:
        role = form.get("role", "")
        speaker = Speaker(
            member_id=(form.get("member_id") or None) if role == MEMBER else None,
            funder_id=(form.get("funder_id") or None) if role == FUNDER else None,
        )
        try:
            made = invitations.invite(
                conn,
                coop_id=v.coop_id,
                email=form.get("email", ""),
                name=form.get("name", ""),
                role=role,
                speaker=speaker,
                now=v.service.store.clock(),
                by=v.actor,
            )
        except DomainError as error:
            field, message = refusals.field_message(error, role=role)
            context = invite_form(v, conn, values=form, errors={field: message})
            return render_in_frame(v, conn, "invite.html", context, status=422)
        link = str(v.request.base_url).rstrip("/") + made.path
        # the invitation by mail, in the invitation's transaction (scic.mail)
        mail_outbox.enqueue(
            conn,
            mail_outbox.queued(
                coop_id=v.coop_id,
                kind="invitation",
                cause=f"invitation:{made.invitation_id}",
                now=v.service.store.clock(),
                recipient="address",
                to_address=made.email,
                params={
                    "link": link,
                    "name": made.name,
                    "role": made.role,
                    "expires_on": made.expires_at.date().isoformat(),
                },
                legal=True,
            ),
        )
        conn.commit()
        context = invite_form(
            v,
            conn,
            invitation={
                "link": link,
                "email": made.email,
                "name": made.name,
                "role": _(ROLE_NAMES[made.role]),
                "expires": formats.instant(made.expires_at),
            },
        )
        return render_in_frame(v, conn, "invite.html", context, status=201)

    return await action(request, service, "people", act)


@router.post("/dashboard/people/{user_id}/role")
async def change_role(request: Request, service: ServiceDep, user_id: str) -> Response:
    def act(v: Viewer, conn: sa.Connection, form: dict[str, str]) -> Response:
        role = form.get("role", "")
        current = next((r for r in users.listing(conn, v.coop_id) if r["user_id"] == user_id), None)
        if current is None or current["role_revoked_at"] is not None:
            raise NotFound("user", user_id)
        speaker = Speaker(party_id=current["party_id"]) if role in (MEMBER, FUNDER) else Speaker()
        if role in (MEMBER, FUNDER) and current["role"] != role:
            speaker = Speaker(
                member_id=form.get("member_id") or None if role == MEMBER else None,
                funder_id=form.get("funder_id") or None if role == FUNDER else None,
            )
        try:
            users.grant(
                conn,
                user_id,
                coop_id=v.coop_id,
                role=role,
                speaker=speaker,
                now=v.service.store.clock(),
                by=v.actor,
            )
        except DomainError as error:
            _field, message = refusals.field_message(error, role=role)
            context = people_context(v, conn, problem=message)
            return render_in_frame(v, conn, "people.html", context, status=422)
        conn.commit()
        return RedirectResponse("/dashboard/people?done=role", status_code=303)

    return await action(request, service, "people", act)


@router.post("/dashboard/people/{user_id}/revoke")
async def revoke_access(request: Request, service: ServiceDep, user_id: str) -> Response:
    def act(v: Viewer, conn: sa.Connection, form: dict[str, str]) -> Response:
        try:
            users.revoke_role(conn, user_id, v.coop_id, v.service.store.clock(), v.actor)
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            _field, message = refusals.field_message(error)
            context = people_context(v, conn, problem=message)
            return render_in_frame(v, conn, "people.html", context, status=409)
        conn.commit()
        return RedirectResponse("/dashboard/people?done=revoked", status_code=303)

    return await action(request, service, "people", act)


@router.post("/dashboard/invitations/{invitation_id}/withdraw")
async def withdraw_invitation(
    request: Request, service: ServiceDep, invitation_id: str
) -> Response:
    def act(v: Viewer, conn: sa.Connection, form: dict[str, str]) -> Response:
        invitations.withdraw(conn, v.coop_id, invitation_id, v.service.store.clock())
        conn.commit()
        return RedirectResponse("/dashboard/people?done=withdrawn", status_code=303)

    return await action(request, service, "people", act)


def render_in_frame(
    v: Viewer, conn: sa.Connection, template: str, context: dict[str, Any], status: int
) -> HTMLResponse:
    frame = {
        "v": v,
        "nav": links(v),
        "slug": "people",
        "role_name": _(ROLE_NAMES[v.role]),
        "coop_name": coop_name(v, conn),
    }
    return render(v.request, template, status=status, **frame, **context)
