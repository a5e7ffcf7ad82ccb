"""The one place requests are let in: an application-wide dependency that authenticates
the bearer token (throttling clients that keep failing) and applies the rule the matched
route declares (scic.access.policy)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from scic.access import policy, tokens
from scic.access.errors import Unauthorized
from scic.access.limiter import FailureLimiter
from scic.access.tokens import Principal
from scic.service import Service


class AccessControl:
    """Per application: authenticates, counting failures per client."""

    def __init__(self, limiter: FailureLimiter | None = None) -> None:
        self.limiter = limiter or FailureLimiter()

    def authenticate(self, request: Request, service: Service) -> Principal:
        client = request.client.host if request.client else "unknown"
        self.limiter.check(client)
        header = request.headers.get("authorization")
        if header is None:  # not a guess: it does not count as a failure
            raise Unauthorized("missing token: send Authorization: Bearer <token>")
        try:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("malformed Authorization header: expected Bearer <token>")
            with service.engine.connect() as conn:
                return tokens.verify(conn, token.strip(), service.store.clock())
        except Unauthorized:
            self.limiter.failed(client)
            raise


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


def install(app: FastAPI, limiter: FailureLimiter | None = None) -> None:
    """Give the app its access control, and list each operation's roles in the OpenAPI
    document (`x-roles`) so clients read the policy in the contract."""
    app.state.access = AccessControl(limiter)
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
