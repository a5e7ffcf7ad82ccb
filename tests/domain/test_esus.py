"""The ESUS approval (R12) and the cooperative review (R10), decided without a
database."""

from __future__ import annotations

import pytest

from scic.domain import esus, reviews
from scic.errors import DomainError
from tests.domain.given import D, coop


def _approval(granted: str, expires: str) -> esus.ApproveEsus:
    return esus.ApproveEsus.model_validate(
        {
            "granted_on": granted,
            "expires_on": expires,
            "authority": "Préfecture",
            "reference": "E-1",
        }
    )


@pytest.mark.parametrize(
    ("slug", "granted", "expires"),
    [
        ("esus-approval-dates", "2024-01-01", "2023-01-01"),
        ("esus-approval-too-long", "2024-01-01", "2030-01-01"),  # 5 years at most
        ("esus-approval-too-long", "2019-06-01", "2022-06-01"),  # 2 for a company under 3
    ],
)
def test_an_approval_beyond_what_the_law_grants_is_refused(
    slug: str, granted: str, expires: str
) -> None:
    with pytest.raises(DomainError) as refused:
        esus.approve(_approval(granted, expires), D("2019-01-01"), "esus_1")
    assert refused.value.slug == slug


def test_an_approval_within_five_years_is_recorded() -> None:
    [fact] = esus.approve(_approval("2024-01-01", "2029-01-01"), D("2019-01-01"), "esus_1")
    assert fact.on == D("2024-01-01")


def _review(on: str) -> reviews.RecordReview:
    return reviews.RecordReview.model_validate(
        {"report_made_available_on": on, "reviewer": "Fédération", "reference": "RC-1"}
    )


@pytest.mark.parametrize(
    ("slug", "on"),
    [("review-in-future", "2026-06-01"), ("date-before-incorporation", "2018-06-01")],
)
def test_a_review_is_recorded_once_made_available_and_after_incorporation(
    slug: str, on: str
) -> None:
    state = coop().timeline().state.coop
    assert state is not None
    with pytest.raises(DomainError) as refused:
        reviews.record(state, _review(on), "rev_1", D("2026-01-01"))
    assert refused.value.slug == slug
