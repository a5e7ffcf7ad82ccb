"""The one place requests are let in: an application-wide dependency that authenticates
the bearer token (throttling clients that keep failing) and applies the rule the matched
route declares (scic.access.policy)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request

from scic.access import policy, tokens
from scic.access.errors import Unauthorized
from scic.access.limiter import FailureLimiter
from scic.access.tokens import Principal
from scic.service import Service
from scic.settings import Network


class AccessControl:
    """Per application: authenticates, counting failures per (client, token id)."""

    def __init__(
        self, limiter: FailureLimiter | None = None, trusted_proxies: Sequence[Network] = ()
    ) -> None:
        self.limiter = limiter or FailureLimiter()
        self.trusted_proxies = tuple(trusted_proxies)

    def authenticate(self, request: Request, service: Service) -> Principal:
        header = request.headers.get("authorization")
        if header is None:  # not a guess: it does not count as a failure
            raise Unauthorized("missing token: send Authorization: Bearer <token>")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self._count_failure(request, token.strip())
            raise Unauthorized("malformed Authorization header: expected Bearer <token>")
        return self.verify(request, service, token.strip())

    def verify(self, request: Request, service: Service, token: str) -> Principal:
        """The principal of a presented token (a header, or the dashboard's sign-in).
        Failures are counted only once the token failed: a valid token is never throttled."""
        now = service.store.clock()
        recent = tokens.recently_verified(token, now)
        if recent is not None:
            return recent
        try:
            with service.engine.connect() as conn:
                return tokens.verify(conn, token, now)
        except Unauthorized:
            self._count_failure(request, token)
            raise

    def _count_failure(self, request: Request, token: str) -> None:
        parsed = tokens.parse(token)
        client = client_address(request, self.trusted_proxies)
        self.limiter.failed((client, parsed[0] if parsed else ""))


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The address a request comes from. `X-Forwarded-For` is believed only from a
    configured proxy (SCIC_TRUSTED_PROXIES): the client is the rightmost address in it
    that is not one of the proxies (what our proxy appended; entries to its left are
    whatever the client sent)."""
    peer = request.client.host if request.client else "unknown"
    if not _within(peer, trusted_proxies):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _within(hop, trusted_proxies):
            return hop
    return peer


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def enforce(request: Request) -> None:
    """Application dependency: runs before every route's own dependencies and body
    checks, so nothing of a route is reachable without passing its rule."""
    rule = policy.rule_of(request.scope.get("route"))
    if rule is not None and rule.public:
        return
    service: Service = request.app.state.service
    who = request.app.state.access.authenticate(request, service)
    policy.decide(rule, who, request, service)
    request.state.principal = who


def install(
    app: FastAPI, limiter: FailureLimiter | None = None, trusted_proxies: Sequence[Network] = ()
) -> None:
    """Give the app its access control, and list each operation's roles in the OpenAPI
    document (`x-roles`) so clients read the policy in the contract."""
    app.state.access = AccessControl(limiter, trusted_proxies)
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            paths = default_openapi()["paths"]  # also caches it in app.openapi_schema
            for route in policy.routes_of(app.routes):
                rule = policy.rule_of(route)
                operations = paths.get(getattr(route, "path", None), {})
                for method in getattr(route, "methods", ()):
                    if rule is not None and method.lower() in operations:
                        operations[method.lower()].update(
                            {
                                "x-access-rule": rule.name,
                                "x-roles": ["anyone"] if rule.public else sorted(rule.allowed),
                            }
                        )
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
