"""The judges other modules call instead of raising a rule's refusal themselves: each
refuses with its rule's slug and the caller's words, and lets through what it allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from scic.access.tokens import check_global_admin, cooperative_of
from scic.accounting.fiscal_years import check_closed, year_result
from scic.accounts.users import check_open
from scic.contacts import check_not_erased
from scic.domain.members import check_still_in
from scic.errors import DomainError
from scic.reports import chosen_format


def refused(judge: Callable[..., object], *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        judge(*args, **kwargs)
    return caught.value


def test_a_closed_account_is_refused_in_the_callers_words() -> None:
    check_open(False, "the account usr_1", "Ce compte a été fermé.")
    error = refused(check_open, True, "the account of a@b.fr", "Le compte a été fermé.")
    assert (error.slug, error.detail, error.says) == (
        "account-revoked",
        "the account of a@b.fr was closed",
        "Le compte a été fermé.",
    )


def test_an_administrator_belongs_to_no_cooperative() -> None:
    check_global_admin("admin", bound=False)
    check_global_admin("manager", bound=True, person=True)
    token = refused(check_global_admin, "admin", bound=True)
    person = refused(check_global_admin, "admin", bound=True, person=True)
    assert token.slug == person.slug == "admin-token-is-global"
    assert token.detail == "an admin token belongs to no cooperative and no party"
    assert person.detail == "an administrator belongs to no cooperative"
    assert token.says is None and person.says is not None


def test_a_cooperative_is_required() -> None:
    assert cooperative_of("coop_1", "unused") == "coop_1"
    error = refused(cooperative_of, None, "this command belongs to a cooperative")
    assert (error.slug, error.detail) == (
        "cooperative-required",
        "this command belongs to a cooperative",
    )


def test_a_year_must_be_closed_and_its_result_known() -> None:
    closing = {"result_cents": 500}
    assert check_closed(closing, "unused") is closing
    assert refused(check_closed, None, "fiscal year 2020 is open").slug == "fiscal-year-open"
    assert year_result(700, 500, "unused") == 700  # the differing check is the caller's
    assert year_result(None, 500, "unused") == 500
    error = refused(year_result, None, None, "no result recorded at closing: pass ?result=")
    assert (error.slug, error.detail) == (
        "result-unknown",
        "no result recorded at closing: pass ?result=",
    )


def test_an_erased_party_and_a_member_that_left_are_refused() -> None:
    check_not_erased(None, "unused")
    erased = refused(check_not_erased, datetime(2024, 1, 1, tzinfo=UTC), "party p was erased")
    assert (erased.slug, erased.detail) == ("party-erased", "party p was erased")
    check_still_in(True, "unused")
    left = refused(check_still_in, False, "member m has left the cooperative")
    assert (left.slug, left.detail) == ("member-not-active", "member m has left the cooperative")


def test_a_format_not_offered_is_refused() -> None:
    assert chosen_format(None, ("pdf", "json"), "pdf", "documents come as") == "pdf"
    error = refused(chosen_format, "xls", ("pdf", "json"), "pdf", "documents come as")
    assert (error.slug, error.detail) == (
        "unsupported-format",
        "documents come as pdf|json, not 'xls'",
    )
