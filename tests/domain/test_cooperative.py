"""The cooperative's statutes (R1, R4, R6), judged without a database: the forms the law
opens at a date, the capital floor, categories and colleges, the nominal kept while
shares are out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scic.domain import cooperative
from scic.domain.cooperative import Category, College, Statutes, StatutesAmended
from scic.domain.facts import Fact
from scic.errors import DomainError
from tests.domain.given import STATUTES, D, coop, subscribed, when

USERS = Category(code="usagers", name="Usagers", role="beneficiaries")
STAFF = Category(code="salaries", name="Salariés", role="employees")
TOWNS = Category(code="communes", name="Communes", public_body=True)


def _college(code: str, weight: str, *categories: str) -> College:
    return College(code=code, name=code, weight=Decimal(weight), categories=list(categories))


def _statutes(**changes: Any) -> Statutes:
    return STATUTES.model_copy(update=changes)


THREE = [
    _college("a", "0.40", "usagers"),
    _college("b", "0.30", "salaries"),
    _college("c", "0.30", "communes"),
]
STATUTES_REFUSED = [
    ("legal-form-not-open", _statutes(legal_form="SAS"), "2010-01-01"),  # SAS from 2014-08-02
    ("capital-below-legal-minimum", _statutes(legal_form="SA"), "2020-01-01"),
    ("duplicate-category", _statutes(categories=[USERS, USERS]), "2020-01-01"),
    ("reimbursement-delay-too-long", _statutes(reimbursement_delay_years=6), "2020-01-01"),
    ("college-count", _statutes(colleges=THREE[:2]), "2020-01-01"),
    (
        "college-weight-out-of-bounds",
        _statutes(colleges=[*THREE[:2], _college("c", "0.05", "communes")]),
        "2020-01-01",
    ),
    (
        "college-weights-sum",
        _statutes(colleges=[*THREE[:2], _college("c", "0.20", "communes")]),
        "2020-01-01",
    ),
    (
        "college-unknown-category",
        _statutes(colleges=[*THREE[:2], _college("c", "0.30", "communes", "retraites")]),
        "2020-01-01",
    ),
    (
        "category-in-two-colleges",
        _statutes(colleges=[*THREE[:2], _college("c", "0.30", "communes", "usagers")]),
        "2020-01-01",
    ),
    (
        "category-without-college",
        _statutes(
            categories=[USERS, STAFF, TOWNS, Category(code="soutiens", name="Soutiens")],
            colleges=THREE,
        ),
        "2020-01-01",
    ),
]


@pytest.mark.parametrize(("slug", "statutes", "on"), STATUTES_REFUSED)
def test_statutes_outside_the_law_are_refused(slug: str, statutes: Statutes, on: str) -> None:
    with pytest.raises(DomainError) as refused:
        cooperative.check_statutes(statutes, D(on))
    assert refused.value.slug == slug


def test_statutes_within_the_law_pass() -> None:
    cooperative.check_statutes(_statutes(colleges=THREE), D("2020-01-01"))


def test_a_siren_without_its_check_digit_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        cooperative.check_siren("123456789")
    assert refused.value.slug == "invalid-siren"
    cooperative.check_siren("732829320")


def test_the_nominal_is_kept_while_shares_are_out_today_or_back_dated() -> None:
    dearer = _statutes(share_nominal_cents=6000)
    ledger = coop(subscribed("u", "a", 1, "2021-01-01"))

    def amend(on: str) -> Any:
        def decide(fold: Any, c: Any) -> list[Fact]:
            current = c.statutes_at(D(on))
            cooperative.check_nominal_kept(current, dearer, c.capital.shares, D(on))
            return [Fact(StatutesAmended(coop_id="c", statutes=dearer), D(on))]

        return decide

    # today: the decider refuses; back-dated before the shares: the timeline's judge
    # (the same check) refuses it for the later subscription
    assert (
        when(ledger, "2022-01-01", amend("2022-01-01")) == "nominal-change-with-shares-outstanding"
    )
    assert (
        when(ledger, "2020-01-01", amend("2020-01-01")) == "nominal-change-with-shares-outstanding"
    )
