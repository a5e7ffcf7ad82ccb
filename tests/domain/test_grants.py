"""The grant and titres participatifs aggregates (R11, R14), decided without a
database: each refusal of an instalment, justification, clawback, amendment, closure or
redemption, the same on the decider and on the timeline (scic/domain/funding_timeline.py
runs these checks)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scic.domain import grants, titles
from scic.domain.facts import Fact
from scic.errors import DomainError
from tests.domain.given import D


def _grant(received: int = 0, status: str = "open") -> grants.GrantState:
    return grants.GrantState(
        "grt_1", "municipality", 1_000_000, received, 0, 0, D("2024-04-01"), status
    )


def _amount(euros: str) -> grants.GrantAmount:
    return grants.GrantAmount.model_validate({"amount": euros})


def _issue() -> titles.IssueState:
    return titles.IssueState(
        "tp_1", 100, 10_000, Decimal("0.02"), Decimal("0.01"), Decimal("0.4"), None, D("2020-01-01")
    )


def _redeem(count: int) -> titles.Redeem:
    return titles.Redeem(count=count)


def _amend(euros: str) -> grants.Amend:
    return grants.Amend.model_validate({"amount": euros, "reason": "avenant"})


WINDOW = grants.de_minimis_window(D("2024-09-01"), D("2018-10-01"), "12-31")
REFUSALS: list[tuple[str, Any]] = [
    (
        "date-before-award",
        lambda: grants.justification(_grant(5000), _amount("10.00"), D("2024-01-01")),
    ),
    ("grant-closed", lambda: grants.close(_grant(status="closed"), D("2024-09-01"))),
    (
        "justification-before-payment",
        lambda: grants.justification(_grant(), _amount("10.00"), D("2024-09-01")),
    ),
    (
        "clawback-exceeds-received",
        lambda: grants.clawback(
            _grant(5000),
            grants.Clawback.model_validate({"amount": "60.00", "reason": "trop perçu"}),
            D("2024-09-01"),
        ),
    ),
    (
        "award-below-received",
        lambda: grants.amend(_grant(500_000), _amend("4000.00"), D("2024-09-01"), WINDOW, 0),
    ),
    (
        "redemption-before-seven-years",
        lambda: titles.redeem(_issue(), _redeem(10), D("2024-01-01")),
    ),
    ("date-before-issue", lambda: titles.require_issued(None, "tp_1", D("2019-01-01"))),
]


@pytest.mark.parametrize(("slug", "decide"), REFUSALS, ids=[s for s, _ in REFUSALS])
def test_a_funding_command_is_refused_with_its_rule(slug: str, decide: Any) -> None:
    with pytest.raises(DomainError) as refused:
        decide()
    assert refused.value.slug == slug


def test_a_variable_base_above_forty_percent_is_refused() -> None:
    cmd = titles.IssueTitles.model_validate(
        {
            "holder_id": "fnd_1",
            "count": 10,
            "nominal": "100.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.01",
            "variable_base": "0.5",
        }
    )
    with pytest.raises(DomainError) as refused:
        titles.issue(cmd, "SA", "tp_1", "fnd_1", D("2024-01-01"))
    assert refused.value.slug == "variable-base-above-cap"


def test_an_instalment_within_the_award_is_decided() -> None:
    [fact] = grants.instalment(
        _grant(), grants.Instalment.model_validate({"amount": "100.00"}), D("2024-09-01")
    )
    assert isinstance(fact, Fact) and fact.type == "GrantInstalmentReceived"
