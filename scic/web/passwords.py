"""The pages of a person's password: "mot de passe oublié" (an address in, a one-time
link out by mail, scic.accounts.resets), the link's page that sets a new password, and
the account page where a signed-in person changes its password (the current one first).

Asking for a link answers the same whatever the address, and is throttled per client
address by the sign-in's failure limiter (each request counts), so the form neither
tells which addresses have an account nor sends mail in bulk."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from scic import i18n
from scic.access.errors import TooManyFailures
from scic.access.guard import AccessControl, client_address
from scic.accounts import resets, sessions, users
from scic.api.deps import ServiceDep
from scic.errors import DomainError, NotFound
from scic.i18n import gettext as _
from scic.service import Service
from scic.web import refusals
from scic.web.frame import csrf_refused, posted
from scic.web.pages import PAGE, page, render, too_many
from scic.web.session import SESSION_COOKIE, Viewer, set_flash

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

_FRAME: dict[str, Any] = {"v": None, "nav": [], "slug": "", "coop_name": "", "role_name": ""}


# -- "mot de passe oublié" -------------------------------------------------------------


@router.get("/password-reset")
def forgotten(request: Request, sent: str | None = None) -> Response:
    return render(request, "password_forgotten.html", sent=bool(sent), **_FRAME)


@router.post("/password-reset")
async def ask_for_a_link(request: Request, service: ServiceDep) -> Response:
    """Mail a link when the address has an account; the same answer when it has none."""
    i18n.activate(i18n.page_locale(request))
    if (form := await posted(request)) is None:
        return csrf_refused(request)
    access: AccessControl = request.app.state.access
    key = (client_address(request, access.trusted_proxies), "password-reset")
    try:
        access.limiter.failed(key)  # every request counts, whatever the address
    except TooManyFailures as error:
        return too_many(request, error)
    base = str(request.base_url).rstrip("/")
    lang = i18n.current()

    def ask() -> None:
        now = service.store.clock()
        with service.engine.begin() as conn:
            made = resets.request(conn, form.get("email", ""), now)
            if made is not None:
                resets.mail(conn, made, base + made.path, lang, now)

    await run_in_threadpool(ask)
    return RedirectResponse("/password-reset?sent=1", status_code=303)


# -- the link: a new password, once ----------------------------------------------------


def reset_page(
    request: Request,
    token: str,
    row: Any = None,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    email = ""
    if row is not None:
        with request.app.state.service.engine.connect() as conn:
            found = users.account(conn, row.user_id)
            email = found.email if found is not None else ""
    return render(
        request,
        "password_reset.html",
        status=status,
        token=token,
        problem=problem,
        errors=errors or {},
        email=email,
        expires_at=row.expires_at if row is not None else None,
        **_FRAME,
    )


def _lookup(service: Service, token: str) -> tuple[Any, str | None]:
    """(the reset's row, or why its link cannot be used)."""
    with service.engine.connect() as conn:
        try:
            return resets.find(conn, token, service.store.clock()), None
        except NotFound:
            return None, _(
                "Ce lien n'est pas reconnu. Vérifiez qu'il est copié en entier, ou "
                "demandez-en un nouveau."
            )
        except DomainError as error:
            return None, refusals.message(error)


@router.get("/password-reset/{token}")
def reset_link(request: Request, service: ServiceDep, token: str) -> Response:
    i18n.activate(i18n.page_locale(request))
    row, problem = _lookup(service, token)
    if problem:
        return reset_page(request, token, problem=problem, status=410)
    return reset_page(request, token, row)


@router.post("/password-reset/{token}")
async def set_new_password(request: Request, service: ServiceDep, token: str) -> Response:
    i18n.activate(i18n.page_locale(request))
    if (form := await posted(request)) is None:
        return csrf_refused(request)

    def use() -> Response:
        row, problem = _lookup(service, token)
        if problem:
            return reset_page(request, token, problem=problem, status=410)
        try:
            with service.engine.begin() as conn:
                resets.use(
                    conn,
                    token,
                    now=service.store.clock(),
                    password=form.get("password", ""),
                    confirmation=form.get("confirmation", ""),
                )
        except DomainError as error:
            field, message = refusals.field_message(error)
            return reset_page(request, token, row, errors={field: message}, status=422)
        return RedirectResponse("/sign-in?done=password", status_code=303)

    return await run_in_threadpool(use)


# -- the account page: changing one's password -----------------------------------------


def account_page(
    request: Request, service: Service, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        user_id = v.principal.user_id if v.person is not None else None
        account = users.account(conn, user_id) if user_id is not None else None
        return "account.html", {"account": account, "errors": errors or {}}

    response = page(request, service, "account", build)
    response.status_code = status if response.status_code == 200 else response.status_code
    return response


@router.get("/dashboard/account")
def account(request: Request, service: ServiceDep) -> Response:
    return account_page(request, service)


@router.post("/dashboard/account")
async def change_password(request: Request, service: ServiceDep) -> Response:
    """The current password, then the new one twice; wrong guesses at the current one
    are throttled like sign-ins."""
    i18n.activate(i18n.page_locale(request))
    if (form := await posted(request)) is None:
        return csrf_refused(request)

    def change() -> Response:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        access: AccessControl = request.app.state.access
        now = service.store.clock()
        with service.engine.connect() as conn:
            found = sessions.resolve(conn, cookie, now) if cookie else None
        if found is None:  # a token, or no session: the page says why
            return account_page(request, service)
        key = (client_address(request, access.trusted_proxies), f"user:{found.account.user_id}")
        try:
            access.limiter.check(key)
            with service.engine.begin() as conn:
                users.change_password(
                    conn,
                    found.account.user_id,
                    current=form.get("current_password", ""),
                    new=form.get("password", ""),
                    confirmation=form.get("confirmation", ""),
                    now=now,
                    keep_session=found.session_id,
                )
        except TooManyFailures as error:
            return too_many(request, error)
        except DomainError as error:
            if error.slug == "wrong-current-password":
                try:
                    access.limiter.failed(key)
                except TooManyFailures as too:
                    return too_many(request, too)
            field, message = refusals.field_message(error)
            return account_page(request, service, errors={field: message}, status=422)
        response = RedirectResponse("/dashboard/account", status_code=303)
        set_flash(response, _("Votre mot de passe a été changé."))
        return response

    return await run_in_threadpool(change)
