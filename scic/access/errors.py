"""Refusals of access. The API maps them to problem+json in scic/api/problems.py; a
request for another cooperative's resources is not one of them: it is answered with
scic.errors.NotFound, exactly as if the cooperative did not exist."""

from __future__ import annotations


class AccessError(Exception):
    status = 403
    slug = "forbidden"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class Unauthorized(AccessError):
    """No usable token: missing, malformed, unknown, wrong secret, expired or revoked."""

    status = 401
    slug = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"WWW-Authenticate": 'Bearer realm="scic"'})


class Forbidden(AccessError):
    """A valid token whose role may not do this."""


class TooManyFailures(AccessError):
    """Too many failed authentications from one client: wait `retry_after` seconds."""

    status = 429
    slug = "too-many-authentication-failures"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed authentications from this client: retry in {retry_after} s",
            {"Retry-After": str(retry_after)},
        )


class TooManyStreams(AccessError):
    """A token holding as many open event streams as it may."""

    status = 429
    slug = "too-many-streams"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this token already holds {limit} open event streams: close one first",
            {"Retry-After": "5"},
        )
