"""Who may call what: the access rules, and the one function that applies them.

Every API route declares exactly one rule, as a dependency (`dependencies=[requires(READ)]`
or a parameter `who: Annotated[Principal, requires(READ)]`); the application-wide guard
(scic.access.guard) finds the rule of the matched route and calls `decide`. A route that
declares no rule is refused to everyone but admin, and tests/api/test_access.py fails
until it declares one.

Funder and member tokens speak for one party (`--funder fnd_…`, `--member mbr_…`): "its
own" is checked here, on the ids in the path or query (a member's member id, a funder's
funder id, a grant's funder), before the route runs; lists narrow themselves to it with
`speaks_for`.

The order of the checks is what keeps cooperatives apart: a token of another cooperative
gets the 404 a missing cooperative gets, before its role is even looked at, so nobody
learns which cooperatives exist. Admin tokens pass every rule.

    rule             admin  manager  accountant  funder          member
    public           yes    yes      yes         yes             yes      (no token needed)
    admin            yes    -        -           -               -
    record           yes    yes      -           -               -
    read             yes    yes      yes         -               -
    close-year       yes    yes      yes         -               -
    allocate-result  yes    yes      yes         -               -
    export           yes    yes      yes         -               -
    capital-table    yes    yes      yes         by category or college only
    member-holdings  yes    yes      yes         -               its own member only
    member-documents yes    yes      yes         -               its own member only
    subscription-form yes   yes      yes         -               its own subscriptions only
    mail-log         yes    yes      -           -               -
    mail-preferences yes    yes      -           -               its own member only
    member-requests  yes    yes      -           -               its own member only
    request-inbox    yes    yes      -           -               -
    member-data      yes    yes      -           -               its own member only
    funding-mix      yes    yes      yes         yes             -
    funder-portfolio yes    yes      yes         its own funder  -
    grant            yes    yes      yes         its own grants  -
    grant-list       yes    yes      yes         ?funder=own or <its own funder id> only
    coop-list        yes    its own  its own     its own         its own
    member-list      yes    yes      yes         -               itself only
    member-contact   yes    yes      -           -               its own member only
    contact-log      yes    yes      -           -               -
    funder-list      yes    yes      yes         itself only     -
    grant-statement  yes    yes      yes         ?funder=own or <its own funder id> only
    webhooks         yes    yes      -           -               -
    webhook-read     yes    yes      yes         -               -
    people           yes    yes      -           -               -        (dashboard only)
    event-stream     yes    yes      yes         its own events  its own events

"Itself only" narrows a list to the token's party (`speaks_for`) rather than refusing.
Reports (`reports/{name}`) are exports; the grant statement alone is also a funder's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from scic.access.errors import Forbidden, Unauthorized
from scic.access.tokens import (
    ACCOUNTANT,
    ADMIN,
    FUNDER,
    MANAGER,
    MEMBER,
    PARTY_ROLES,
    ROLES,
    Principal,
)
from scic.errors import NotFound
from scic.projections.tables import funders, grants, members, subscriptions
from scic.service import Service

BEARER = HTTPBearer(
    scheme_name="bearer",
    auto_error=False,
    bearerFormat="scic_<id>_<secret>",
    description="An API token from `scic token create` or POST /v1/tokens.",
)

Limit = Callable[[Principal, Request, Service], None]
"""A further check for one role of a rule: returns, or raises Forbidden or NotFound."""


@dataclass(frozen=True, eq=False)
class Rule:
    """Roles allowed (admin always is), and per role an optional further limit."""

    name: str
    roles: frozenset[str] = frozenset()
    limits: Mapping[str, Limit] = field(default_factory=dict)
    summary: str = ""
    public = False

    def __post_init__(self) -> None:
        assert self.roles <= set(ROLES) and set(self.limits) <= self.roles, self.name

    async def __call__(
        self,
        request: Request,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Principal:
        """As a dependency: the principal the guard let through (the bearer parameter
        only marks the route as token-protected in the OpenAPI document)."""
        return principal_of(request)

    @property
    def allowed(self) -> frozenset[str]:
        return self.roles | {ADMIN}


@dataclass(frozen=True, eq=False)
class PublicRule(Rule):
    public = True

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


def requires(rule: Rule) -> Any:
    """Declare a route's rule: `dependencies=[requires(READ)]`."""
    return Depends(rule)


def principal_of(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:  # the guard did not run: refuse rather than serve anonymously
        raise Unauthorized("missing token: send Authorization: Bearer <token>")
    return principal  # type: ignore[no-any-return]


# -- limits ----------------------------------------------------------------------------


def only_query(name: str, allowed: Collection[str], default: str, why: str) -> Limit:
    """The query parameter `name` (whose default is `default`) must be one of `allowed`."""

    def limit(who: Principal, request: Request, service: Service) -> None:
        if request.query_params.get(name, default) not in allowed:
            raise Forbidden(f"a {who.role} token {why} ({name}={'|'.join(sorted(allowed))})")

    return limit


def owns(what: str, param: str, owner: Callable[[sa.Connection, str, str], str | None]) -> Limit:
    """The resource named by path parameter `param` must belong to the token's party:
    `owner(conn, coop_id, ident)` gives its party. Anything else is answered as if it did
    not exist (404), so a member cannot probe which ids are taken."""

    def limit(who: Principal, request: Request, service: Service) -> None:
        ident = request.path_params[param]
        with service.engine.connect() as conn:
            party = owner(conn, request.path_params["coop_id"], ident)
        if who.party_id is None or party != who.party_id:
            raise NotFound(what, ident)

    return limit


OWN = "own"
"""`?funder=own`: the funder the token speaks for (the route resolves it)."""


def own_filter(
    param: str, what: str, owner: Callable[[sa.Connection, str, str], str | None]
) -> Limit:
    """A list narrowed by the query parameter `param` to one resource (a funder…) that
    must belong to the token's party, named by its id or as `own`: without it, or with
    another's, 403."""

    def limit(who: Principal, request: Request, service: Service) -> None:
        ident = request.query_params.get(param)
        if ident is not None and who.party_id is not None:
            if ident == OWN:
                return
            with service.engine.connect() as conn:
                if owner(conn, request.path_params["coop_id"], ident) == who.party_id:
                    return
        raise Forbidden(f"a {who.role} token lists its own rows only: pass {param}=<its {what} id>")

    return limit


def _member_party(conn: sa.Connection, coop_id: str, member_id: str) -> str | None:
    m = members.c
    return conn.execute(
        sa.select(m.party_id).where(m.member_id == member_id, m.coop_id == coop_id)
    ).scalar()


def _funder_party(conn: sa.Connection, coop_id: str, funder_id: str) -> str | None:
    f = funders.c
    return conn.execute(
        sa.select(f.party_id).where(f.funder_id == funder_id, f.coop_id == coop_id)
    ).scalar()


def _subscription_party(conn: sa.Connection, coop_id: str, subscription_id: str) -> str | None:
    return conn.execute(
        sa.select(members.c.party_id)
        .join(subscriptions, subscriptions.c.member_id == members.c.member_id)
        .where(
            subscriptions.c.subscription_id == subscription_id,
            subscriptions.c.coop_id == coop_id,
        )
    ).scalar()


def _grant_party(conn: sa.Connection, coop_id: str, grant_id: str) -> str | None:
    return conn.execute(
        sa.select(funders.c.party_id)
        .join(grants, grants.c.funder_id == funders.c.funder_id)
        .where(grants.c.grant_id == grant_id, grants.c.coop_id == coop_id)
    ).scalar()


_AGGREGATE = only_query(
    "group_by",
    ("category", "college"),
    "member",
    "reads the capital table by category or college only",
)
_FUNDING_READERS = frozenset({MANAGER, ACCOUNTANT, FUNDER})

# -- the rules (the table in the module docstring) -------------------------------------

PUBLIC = PublicRule("public", summary="anyone, without a token")
ADMIN_ONLY = Rule("admin", summary="operate the ledger: cooperatives and tokens")
RECORD = Rule("record", frozenset({MANAGER}), summary="record events")
READ = Rule("read", frozenset({MANAGER, ACCOUNTANT}), summary="read the whole ledger")
CLOSE_YEAR = Rule("close-year", frozenset({MANAGER, ACCOUNTANT}), summary="close a fiscal year")
# The accountant records what the general meeting decided about the year it closed.
ALLOCATE_RESULT = Rule(
    "allocate-result",
    frozenset({MANAGER, ACCOUNTANT}),
    summary="record the allocation of a year's result",
)
EXPORT = Rule("export", frozenset({MANAGER, ACCOUNTANT}), summary="export reports")
# the dashboard's people page (scic/web/people.py): invite, change roles, revoke access
PEOPLE = Rule("people", frozenset({MANAGER}), summary="manage the cooperative's people")
CAPITAL_TABLE = Rule(
    "capital-table",
    frozenset({MANAGER, ACCOUNTANT, FUNDER, MEMBER}),
    {FUNDER: _AGGREGATE, MEMBER: _AGGREGATE},
    summary="read the capital table",
)
MEMBER_HOLDINGS = Rule(
    "member-holdings",
    frozenset({MANAGER, ACCOUNTANT, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="read a member's holdings",
)
MEMBER_DOCUMENTS = Rule(
    "member-documents",
    frozenset({MANAGER, ACCOUNTANT, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="read a member's documents",
)
SUBSCRIPTION_FORM = Rule(
    "subscription-form",
    frozenset({MANAGER, ACCOUNTANT, MEMBER}),
    {MEMBER: owns("subscription", "subscription_id", _subscription_party)},
    summary="read a subscription form",
)
MAIL_LOG = Rule("mail-log", frozenset({MANAGER}), summary="read the mail delivery log")
MAIL_PREFERENCES = Rule(
    "mail-preferences",
    frozenset({MANAGER, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="read or set a member's mail preferences",
)
MEMBER_REQUESTS = Rule(
    "member-requests",
    frozenset({MANAGER, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="make or read a member's requests",
)
REQUEST_INBOX = Rule(
    "request-inbox", frozenset({MANAGER}), summary="read and decide members' requests"
)
MEMBER_DATA = Rule(
    "member-data",
    frozenset({MANAGER, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="export all of a member's data",
)
FUNDING_MIX = Rule(
    "funding-mix",
    frozenset({MANAGER, ACCOUNTANT, FUNDER}),
    summary="read the aggregate funding mix",
)
FUNDER_PORTFOLIO = Rule(
    "funder-portfolio",
    _FUNDING_READERS,
    {FUNDER: owns("funder", "funder_id", _funder_party)},
    summary="read a funder's grants, titles and investments",
)
GRANT = Rule(
    "grant",
    _FUNDING_READERS,
    {FUNDER: owns("grant", "grant_id", _grant_party)},
    summary="read a grant",
)
GRANT_LIST = Rule(
    "grant-list",
    _FUNDING_READERS,
    {FUNDER: own_filter("funder", "funder", _funder_party)},
    summary="list grants",
)
GRANT_STATEMENT = Rule(
    "grant-statement",
    _FUNDING_READERS,
    {FUNDER: own_filter("funder", "funder", _funder_party)},
    summary="read a grant statement",
)

COOP_LIST = Rule(
    "coop-list",
    frozenset({MANAGER, ACCOUNTANT, FUNDER, MEMBER}),
    summary="list the cooperatives it may see",
)
MEMBER_LIST = Rule(
    "member-list", frozenset({MANAGER, ACCOUNTANT, MEMBER}), summary="list the members"
)
FUNDER_LIST = Rule("funder-list", _FUNDING_READERS, summary="list the funders")
MEMBER_CONTACT = Rule(
    "member-contact",
    frozenset({MANAGER, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="correct a member's contact details",
)
SEPA_MANDATES = Rule(
    "sepa-mandates",
    frozenset({MANAGER, MEMBER}),
    {MEMBER: owns("member", "member_id", _member_party)},
    summary="record, list or revoke a member's SEPA direct-debit mandates",
)
CONTACT_LOG = Rule(
    "contact-log", frozenset({MANAGER}), summary="read the log of contact corrections"
)


def speaks_for(who: Principal) -> str | None:
    """The party a list is narrowed to for this token: a member's or funder's own
    (None: the token sees the whole of its cooperative)."""
    return who.party_id if who.role in PARTY_ROLES else None


WEBHOOKS = Rule("webhooks", frozenset({MANAGER}), summary="manage webhook subscriptions")
WEBHOOK_READ = Rule(
    "webhook-read", frozenset({MANAGER, ACCOUNTANT}), summary="read webhook subscriptions"
)
# Funder and member tokens get the events whose subject is their own (the route narrows
# the stream by the principal's party: scic.integrations.feed.visible_to).
EVENT_STREAM = Rule(
    "event-stream",
    frozenset({MANAGER, ACCOUNTANT, FUNDER, MEMBER}),
    summary="follow the live feed of events",
)

# Writes of scic.write.commands.COMMANDS take RECORD unless listed here, by their
# route under the cooperative (the hooks for the accountant's year-end writes).
COMMAND_RULES: dict[str, Rule] = {
    "fiscal-years/{year}/close": CLOSE_YEAR,
    "fiscal-years/{year}/surplus-allocation": ALLOCATE_RESULT,
}


def command_rule(route: str) -> Rule:
    return COMMAND_RULES.get(route, RECORD)


# -- deciding --------------------------------------------------------------------------


def decide(rule: Rule | None, who: Principal, request: Request, service: Service) -> None:
    """Let the request through, or raise NotFound (another cooperative), Forbidden."""
    if who.is_admin:
        return
    coop_id = request.path_params.get("coop_id")
    if coop_id is not None and coop_id != who.coop_id:
        raise NotFound("cooperative", coop_id)
    if rule is None:
        raise Forbidden(f"{request.method} {request.url.path} declares no access rule: admin only")
    allow(rule, who)
    limit = rule.limits.get(who.role)
    if limit is not None:
        limit(who, request, service)


def allow(rule: Rule, who: Principal) -> None:
    """The role check alone, for work inside a request (each command of a batch)."""
    if who.role not in rule.allowed:
        raise Forbidden(f"a {who.role} token may not {rule.summary or rule.name}")


def routes_of(routes: Sequence[BaseRoute]) -> list[Any]:
    """Every route an app serves, with the routes of included routers flattened (FastAPI
    ≥ 0.16x includes routers lazily: their routes are not in `app.routes` themselves)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies included routes into app.routes
        return list(routes)
    return list(iter_route_contexts(routes))


def rule_of(route: Any) -> Rule | None:
    """The rule a route declares (None: none). Declaring two is a mistake."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found: set[Rule] = set()
    pending = list(dependant.dependencies)
    while pending:
        sub = pending.pop()
        if isinstance(sub.call, Rule):
            found.add(sub.call)
        pending.extend(sub.dependencies)
    if len(found) > 1:
        raise RuntimeError(
            f"{getattr(route, 'path', route)} declares several access rules: "
            f"{sorted(r.name for r in found)}"
        )
    return found.pop() if found else None
