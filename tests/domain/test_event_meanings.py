"""Each event says once what it does to the figures (its home in scic/domain), and the
folds that add figures read that, never the payload by type name."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import get_args

from scic.domain.grants import (
    Figure,
    GrantAmended,
    GrantAwarded,
    GrantClawedBack,
    GrantFlow,
    GrantInstalmentReceived,
    GrantJustified,
    GrantMove,
    GrantState,
)
from scic.domain.shares import (
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.domain.state import CapitalMove, Holding
from scic.events import EVENT_TYPES
from scic.projections.tables import grants

ROOT = Path(__file__).resolve().parents[2]
# The folds that add figures: the write model's, the projectors, the journal, compliance.
READERS = [
    "scic/domain/timeline.py",
    "scic/projections/capital.py",
    "scic/projections/capital_bulk.py",
    "scic/projections/mix.py",
    "scic/projections/funding.py",
    "scic/accounting/projector.py",
    "scic/accounting/journal.py",
    "scic/projections/compliance.py",
]


def test_no_fold_reads_an_event_by_its_type_name() -> None:
    """They dispatch on the typed event (scic.events.typed), not on `e.type == "…"`."""
    found = [
        f"{path}: {name}"
        for path in READERS
        for name in EVENT_TYPES
        if re.search(rf"[\"']{name}[\"']", (ROOT / path).read_text())
    ]
    assert found == []


def test_a_payment_moves_what_it_called_and_what_it_paid() -> None:
    paid = SharesPaid(
        payment_id="pay_1",
        subscription_id="sub_1",
        member_id="m1",
        amount_cents=700,
        called_cents=200,
    )
    assert paid.moves() == (CapitalMove("m1", "sub_1", "payment", Holding(0, 0, 200, 700)),)


def test_share_moves_name_their_member_and_subscription() -> None:
    amounts = Holding(3, 300, 200, 100).as_row()
    subscribed = SharesSubscribed.model_validate(
        {"subscription_id": "sub_1", "member_id": "m1", **amounts}
    )
    assert subscribed.moves() == (
        CapitalMove("m1", "sub_1", "subscription", Holding(3, 300, 200, 100)),
    )
    called = SharesCalled(
        call_id="c1",
        subscription_id="sub_1",
        member_id="m1",
        amount_cents=50,
        due_date=date(2026, 1, 31),
    )
    assert called.moves() == (CapitalMove("m1", "sub_1", "call", Holding(0, 0, 50, 0)),)
    reimbursed = SharesReimbursed.model_validate(
        {"withdrawal_id": "w1", "member_id": "m1", "loss_share_cents": 0, "amount_cents": 100}
        | amounts
    )
    assert reimbursed.moves() == (
        CapitalMove("m1", None, "reimbursement", Holding(-3, -300, -200, -100)),
    )
    transferred = SharesTransferred.model_validate(
        {"transfer_id": "t1", "from_member_id": "m1", "to_member_id": "m2", **amounts}
    )
    out, into = transferred.moves()
    assert (out.member_id, out.kind, into.member_id, into.kind) == (
        "m1",
        "transfer-out",
        "m2",
        "transfer-in",
    )
    assert out.amounts + into.amounts == Holding()


def test_each_grant_figure_is_a_column_of_the_grant_state_and_of_the_grants_table() -> None:
    state_fields = {f.name for f in dataclasses.fields(GrantState)}
    for figure in get_args(Figure):
        assert f"{figure}_cents" in state_fields
        assert f"{figure}_cents" in grants.c


def test_grant_events_move_their_figure() -> None:
    awarded = GrantAwarded(
        grant_id="g1",
        funder_id="f1",
        funder_type="region",
        purpose="operating",
        amount_cents=1000,
    )
    assert awarded.move() == GrantMove("g1", "awarded", 1000)
    amended = GrantAmended(grant_id="g1", amount_cents=1500, previous_cents=1000, reason="avenant")
    assert amended.move() == GrantMove("g1", "awarded", 500)
    flows: dict[type[GrantFlow], Figure] = {
        GrantInstalmentReceived: "received",
        GrantJustified: "justified",
        GrantClawedBack: "clawed_back",
    }
    for flow, figure in flows.items():
        assert flow(grant_id="g1", amount_cents=300).move() == GrantMove("g1", figure, 300)
