"""Funding rules without a database (R11, R12, R14): dated regimes, and what a decision
records or refuses."""

from __future__ import annotations

from datetime import date

import pytest

from scic.domain import esus, grants, titles
from scic.errors import DomainError

D = date.fromisoformat
INCORPORATED = D("2018-10-01")


@pytest.mark.parametrize(
    ("on", "fiscal_year_end", "start", "ceiling"),
    [
        # reg. 1407/2013: the fiscal year of the grant and the two before it
        ("2023-11-20", "09-30", "2021-10-01", 20_000_000),  # FY 2024 → FY 2022–2024
        ("2023-09-30", "09-30", "2020-10-01", 20_000_000),  # last day of FY 2023
        ("2019-05-02", "09-30", "2018-10-01", 20_000_000),  # first year: from incorporation
        ("2023-12-31", "12-31", "2021-01-01", 20_000_000),
        # reg. 2023/2831: any three rolling years
        ("2024-01-01", "09-30", "2021-01-02", 30_000_000),
        ("2026-07-14", "12-31", "2023-07-15", 30_000_000),
    ],
)
def test_r14_de_minimis_window_by_the_grant_date(
    on: str, fiscal_year_end: str, start: str, ceiling: int
) -> None:
    window = grants.de_minimis_window(D(on), INCORPORATED, fiscal_year_end)
    assert (window.start, window.end, window.regime.ceiling_cents) == (D(start), D(on), ceiling)


def _grant(
    awarded: int, de_minimis: bool = True, agreement: str | None = None
) -> grants.GrantState:
    return grants.GrantState(
        "grt_1", "municipality", awarded, 0, 0, 0, D("2024-04-01"), "open", de_minimis, agreement
    )


def test_r14_an_amendment_is_judged_like_an_award() -> None:
    window = grants.de_minimis_window(D("2024-09-01"), INCORPORATED, "09-30")
    raise_ = grants.Amend.model_validate({"amount": "29500.00", "reason": "avenant"})
    with pytest.raises(DomainError) as refused:
        grants.amend(_grant(2_100_000), raise_, D("2024-09-01"), window, 0)
    assert refused.value.slug == "agreement-required"
    with pytest.raises(DomainError) as refused:
        grants.amend(
            _grant(2_100_000, agreement="C-9"), raise_, D("2024-09-01"), window, 29_200_000
        )
    assert refused.value.slug == "de-minimis-ceiling"  # 292,000 + 8,500 > 300,000
    events, warnings = grants.amend(
        _grant(2_100_000, agreement="C-9"), raise_, D("2024-09-01"), window, 26_000_000
    )
    amended = events[0].event
    assert isinstance(amended, grants.GrantAmended)
    assert amended.amount_cents - amended.previous_cents == 850_000 and warnings  # 268,500 ≥ 80 %
    lower = grants.Amend.model_validate({"amount": "19000.00", "reason": "avenant"})
    assert grants.amend(_grant(2_100_000), lower, D("2024-09-01"), window, 99_999_999)[1] == []


@pytest.mark.parametrize(("form", "named"), [("SA", True), ("SARL", True), ("SAS", False)])
def test_r11_forms_the_text_names(form: str, named: bool) -> None:
    assert (titles.form_not_named(form, D("2025-03-03")) is None) is named


def test_r12_an_investment_outside_approval_is_recorded_not_solidarity() -> None:
    cmd = esus.Invest.model_validate(
        {
            "investor_id": "fnd_1",
            "instrument": "loan",
            "amount": "6400.00",
            "loan": {"rate": "0.015", "term_months": 84},
        }
    )
    events, warnings = esus.invest(cmd, "inv_1", "fnd_1", D("2022-02-14"), False)
    assert events[0].event.model_dump()["solidarity"] is False and warnings
    events, warnings = esus.invest(cmd, "inv_2", "fnd_1", D("2022-02-14"), True)
    assert events[0].event.model_dump()["solidarity"] is True and warnings == []
