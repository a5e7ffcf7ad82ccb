"""Who is looking at a page: a person signed in with an account (a session cookie,
scic.accounts.sessions) or an API token kept in a cookie, and what the API would let
that principal read.

A page that records something acts as `viewer(request, service).principal`, and every
event it writes carries `Viewer.actor` (`user:<id>` for a person, `token:<id>:<role>`
for a token) — the same principal the API's access rules judge.

A page is outside the API's bearer guard (its route declares the public rule) because a
browser sends no Authorization header. It authenticates the cookie's token with the
API's own verification and throttle, then asks, for every view it shows, the access rule
of the API route that serves that view (`Viewer.may`): a page shows exactly what the
token could read through the API, and nothing else.

Cookies are Secure, HttpOnly and SameSite=Strict (browsers treat http://127.0.0.1 and
localhost as secure origins, so this works on a developer's machine too). Forms carry a
CSRF token that must equal the one in its own cookie (double submit)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

import sqlalchemy as sa
from fastapi import Request, Response
from starlette.routing import Match

from scic.access import policy
from scic.access.errors import AccessError, Unauthorized
from scic.access.guard import AccessControl
from scic.access.tokens import Principal
from scic.accounts import sessions
from scic.errors import NotFound
from scic.projections.tables import funders, members
from scic.service import Service

TOKEN_COOKIE = "scic_token"
SESSION_COOKIE = "scic_session"
CSRF_COOKIE = "scic_csrf"
CSRF_FIELD = "csrf"
FLASH_COOKIE = "scic_flash"


class SignInNeeded(Exception):
    """No usable token in the cookie; `reason` says which message to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRefused(Exception):
    """A form without the CSRF token of its cookie (or from another origin)."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in token: its principal, its cooperative, and the members or funders its
    party is in that cooperative (for "my holdings", "my grants")."""

    principal: Principal
    coop_id: str
    member_ids: tuple[str, ...]
    funder_ids: tuple[str, ...]
    request: Request
    service: Service
    person: str | None = None  # the signed-in person's name (None: an API token)
    cooperatives: tuple[tuple[str, str], ...] = ()  # (id, name) a person may switch to

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def actor(self) -> str:
        """The `actor` of every event a page records for this viewer."""
        return self.principal.actor

    def may(self, path: str, **query: str) -> bool:
        """Would `GET path?query` be let through by the API's access policy?"""
        try:
            self.check(path, **query)
        except (AccessError, NotFound):
            return False
        return True

    def check(self, path: str, **query: str) -> None:
        """Refuse as the API would refuse `GET path?query`: Forbidden, or NotFound for
        another party's resource."""
        check(self.request, self.service, self.principal, path, query)

    def api(self, tail: str = "") -> str:
        return f"/v1/coops/{self.coop_id}{tail}"


def authenticate(request: Request, service: Service, presented: str) -> Principal:
    """The principal of a presented token, counted by the API's failure limiter like a
    bearer token (so the sign-in form is no way around the throttle)."""
    access: AccessControl = request.app.state.access
    return access.verify(request, service, presented.strip())


def reason_of(error: Unauthorized) -> str:
    detail = error.detail.lower()
    for reason in ("expired", "revoked"):
        if reason in detail:
            return reason
    return "invalid"


class ChooseCooperative(Exception):  # noqa: N818 — a step of signing in, not an error
    """A person of several cooperatives (or an administrator) has not chosen one yet."""


def viewer(request: Request, service: Service) -> Viewer:
    """The signed-in viewer, or SignInNeeded (or ChooseCooperative)."""
    if request.cookies.get(SESSION_COOKIE):
        return _person(request, service, request.cookies[SESSION_COOKIE])
    presented = request.cookies.get(TOKEN_COOKIE)
    if not presented:
        raise SignInNeeded("signed-out")
    try:
        who = authenticate(request, service, presented)
    except Unauthorized as error:
        raise SignInNeeded(reason_of(error)) from error
    if who.coop_id is None:  # admin: global, the dashboard shows one cooperative
        raise SignInNeeded("admin")
    member_ids: tuple[str, ...] = ()
    funder_ids: tuple[str, ...] = ()
    if who.party_id is not None:
        with service.engine.connect() as conn:
            member_ids = _ids(conn, members, members.c.member_id, who)
            funder_ids = _ids(conn, funders, funders.c.funder_id, who)
    return Viewer(who, who.coop_id, member_ids, funder_ids, request, service)


def _person(request: Request, service: Service, cookie: str) -> Viewer:
    """The viewer of a person's session: the principal its account has in the
    cooperative chosen (an administrator: admin, looking at the chosen one)."""
    with service.engine.begin() as conn:
        found = sessions.resolve(conn, cookie, service.store.clock())
        if found is None:
            raise SignInNeeded("session-ended")
        choices = tuple(sessions.cooperatives(conn, found.account))
        who = found.principal
        if who is None and not choices:  # every role taken away
            raise SignInNeeded("no-cooperative")
        if found.coop_id is None or who is None:
            raise ChooseCooperative()
        member_ids: tuple[str, ...] = ()
        funder_ids: tuple[str, ...] = ()
        if who.party_id is not None:
            member_ids = _ids(conn, members, members.c.member_id, who)
            funder_ids = _ids(conn, funders, funders.c.funder_id, who)
    return Viewer(
        who,
        found.coop_id,
        member_ids,
        funder_ids,
        request,
        service,
        person=found.account.name,
        cooperatives=choices,
    )


def _ids(
    conn: sa.Connection, table: sa.Table, column: sa.Column[str], who: Principal
) -> tuple[str, ...]:
    query = (
        sa.select(column)
        .where(table.c.coop_id == who.coop_id, table.c.party_id == who.party_id)
        .order_by(column)
    )
    return tuple(conn.execute(query).scalars())


def check(
    request: Request, service: Service, who: Principal, path: str, query: dict[str, str]
) -> None:
    """Apply the rule of the API route serving `GET path?query` to `who`, exactly as the
    guard would for that request (the role, then the rule's limits on ids and query)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "query_string": urlencode(query).encode(),
        "headers": [],
        "app": request.app,
    }
    for route in policy.routes_of(request.app.routes):
        match, child = route.matches(scope)
        if match is Match.FULL:
            break
    else:
        raise LookupError(f"no API route serves GET {path}")
    policy.decide(policy.rule_of(route), who, Request({**scope, **child}), service)


# -- cookies and CSRF ------------------------------------------------------------------


def set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/", secure=True, httponly=True, samesite="strict")


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (from its cookie, or a new one to set)."""
    return request.cookies.get(CSRF_COOKIE) or request.state.__dict__.setdefault(
        "new_csrf", secrets.token_urlsafe(32)
    )


def keep_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this response handed out a new token."""
    new = request.state.__dict__.get("new_csrf")
    if new is not None and not request.cookies.get(CSRF_COOKIE):
        set_cookie(response, CSRF_COOKIE, new)
    if request.state.__dict__.get("flash_shown"):
        clear_cookie(response, FLASH_COOKIE)


def check_csrf(request: Request, form: dict[str, str]) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfRefused()
    origin = request.headers.get("origin")
    if origin is not None and origin != str(request.base_url).rstrip("/"):
        raise CsrfRefused()


# -- the confirmation a write leaves for the page it redirects to ----------------------


def set_flash(response: Response, message: str) -> None:
    """Say on the next page what was recorded (shown once: see `flash_of`)."""
    set_cookie(response, FLASH_COOKIE, quote(message))


def flash_of(request: Request) -> str | None:
    """The confirmation waiting for this page, if any (`keep_csrf` clears it)."""
    waiting = request.cookies.get(FLASH_COOKIE)
    if not waiting:
        return None
    request.state.__dict__["flash_shown"] = True
    return unquote(waiting)
