"""Refusals of the accounting commands, as typed refusals (R8, R9, R16, R17)."""

from __future__ import annotations

from scic.errors import DomainError, Refusal


def refuse(rule: str | None, slug: str, detail: str, status: int = 409) -> DomainError:
    """409 (conflict: depends on the ledger's state) or 422 (invalid whatever the state)."""
    return DomainError(Refusal(slug, rule, "invalid" if status == 422 else "conflict"), detail)
