"""The AG's allocation of a year's result (R8, R9), decided without a database: each
refusal of `scic.domain.surplus.decide` on the bounds of the year."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from scic.domain import surplus
from scic.errors import DomainError
from scic.money import format_cents
from tests.domain.given import D

TMO = ((2021, Decimal("0.01")), (2022, Decimal("0.01")), (2023, Decimal("0.01")))
INPUTS = surplus.Inputs(
    result_cents=100_000,
    highest_capital_cents=10_000_000,
    legal_reserve_cents=0,
    eligible_capital_cents=10_000_000,
    public_subsidies_cents=0,
    tmo=TMO,
    decided_on=D("2024-05-01"),
)


def _allocation(b: surplus.Bounds, interest: int = 0, **changes: Any) -> surplus.Allocate:
    """The minimum reserves, `interest`, the rest to other reserves; then `changes`."""
    legal, statutory = b.legal_reserve_min_cents, b.statutory_reserve_min_cents
    fields: dict[str, Any] = {
        "legal_reserve": legal,
        "statutory_reserve": statutory,
        "interest": interest,
        "other_reserves": b.base_cents - legal - statutory - interest,
        "decided_on": "2024-05-01",
    }
    money = {
        k: format_cents(v) if isinstance(v, int) else v for k, v in {**fields, **changes}.items()
    }
    return surplus.Allocate.model_validate(money)


def _bounds(**changes: Any) -> surplus.Bounds:
    return surplus.bounds(replace(INPUTS, **changes))


B = _bounds()
SMALL_CAP = _bounds(eligible_capital_cents=100_000)  # interest capped far below the result
SUBSIDISED = _bounds(public_subsidies_cents=100_000)  # nothing distributable
LOSS = _bounds(result_cents=-50_000)
CARRIED = _bounds(carried_loss_cents=200_000)

REFUSALS = [
    (
        "loss-not-distributable",
        LOSS,
        surplus.Allocate.model_validate({"legal_reserve": "1.00", "decided_on": "2024-05-01"}),
    ),
    (
        "allocation-does-not-add-up",
        LOSS,
        surplus.Allocate.model_validate(
            {"charged_to_reserves": "600.00", "decided_on": "2024-05-01"}
        ),
    ),
    ("allocation-does-not-add-up", B, _allocation(B, other_reserves=0)),
    (
        "legal-reserve-below-minimum",
        B,
        _allocation(
            B, legal_reserve=0, other_reserves=B.base_cents - B.statutory_reserve_min_cents
        ),
    ),
    (
        "statutory-reserve-below-minimum",
        B,
        _allocation(
            B, statutory_reserve=0, other_reserves=B.base_cents - B.legal_reserve_min_cents
        ),
    ),
    (
        "interest-above-cap",
        SMALL_CAP,
        _allocation(SMALL_CAP, interest=SMALL_CAP.interest_cap_cents + 1),
    ),
    (
        "interest-above-distributable",
        SUBSIDISED,
        _allocation(SUBSIDISED, interest=SUBSIDISED.distributable_cents + 1),
    ),
    (
        "interest-paid-before-decision",
        B,
        _allocation(B, interest=100, interest_paid_on="2024-04-01"),
    ),
    (
        "interest-while-loss-carried",
        CARRIED,
        surplus.Allocate.model_validate({"interest": "1.00", "decided_on": "2024-05-01"}),
    ),
]


@pytest.mark.parametrize(
    ("slug", "bounds", "cmd"), REFUSALS, ids=[f"{s}-{i}" for i, (s, *_) in enumerate(REFUSALS)]
)
def test_an_allocation_outside_the_bounds_is_refused(
    slug: str, bounds: surplus.Bounds, cmd: surplus.Allocate
) -> None:
    with pytest.raises(DomainError) as refused:
        surplus.decide(2023, bounds, cmd)
    assert refused.value.slug == slug


def test_the_minimum_reserves_and_the_rest_to_other_reserves_is_decided() -> None:
    decided = surplus.decide(2023, B, _allocation(B))
    assert decided.legal_reserve_cents == B.legal_reserve_min_cents
