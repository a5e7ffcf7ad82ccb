"""Domain refusals. Each names the DOMAIN.md rule it enforces; the API maps them to
problem+json in one place (scic/api/problems.py)."""

from __future__ import annotations


class DomainError(Exception):
    """A command refused by a rule. `status`: 409 when it depends on the ledger's state,
    422 when the request itself is wrong whatever the state."""

    status = 409

    def __init__(
        self,
        slug: str,
        detail: str,
        rule: str | None = None,
        status: int | None = None,
        **context: object,
    ) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail
        self.rule = rule
        self.context = context
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what}-not-found", f"no {what.replace('-', ' ')} {ident!r} here")


def refuse(rule: str | None, slug: str, detail: str, status: int = 409) -> DomainError:
    return DomainError(slug, detail, rule=rule, status=status)
