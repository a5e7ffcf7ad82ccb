"""A member as the projections hold it, for read-side computations (the vote tally).

Decisions do not read here: they are judged on the cooperative's own timeline
(scic/domain/timeline.py, scic/domain/funding_timeline.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from scic.domain.state import Holding, MemberState
from scic.errors import NotFound
from scic.projections.tables import members


def load_member(conn: sa.Connection, coop_id: str, member_id: str) -> MemberState:
    row = (
        conn.execute(
            sa.select(members).where(members.c.member_id == member_id, members.c.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("member", member_id)
    return MemberState(
        member_id=row["member_id"],
        category=row["category"],
        admitted_on=row["admitted_on"],
        status=row["status"],
        exited_on=row["exited_on"],
        holding=_holding(row),
        pending=_holding(row, prefix="pending_"),
    )


def _holding(row: Any, prefix: str = "") -> Holding:
    return Holding(
        row[f"{prefix}shares"],
        row[f"{prefix}subscribed_cents"],
        row[f"{prefix}called_cents"],
        row[f"{prefix}paid_cents"],
    )
