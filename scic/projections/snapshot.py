"""Loads what a decision needs from the projections (inside the write transaction)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from scic.domain.cooperative import Statutes
from scic.domain.grants import GrantState
from scic.domain.state import (
    CapitalState,
    CoopState,
    Holding,
    MemberState,
    PendingWithdrawal,
    SubscriptionState,
)
from scic.errors import NotFound
from scic.projections.tables import (
    coop_capital,
    coops,
    grants,
    members,
    statutes,
    subscriptions,
    withdrawals,
)


def load_coop(conn: sa.Connection, coop_id: str) -> CoopState:
    row = conn.execute(sa.select(coops.c.incorporated_on).where(coops.c.coop_id == coop_id)).first()
    if row is None:
        raise NotFound("cooperative", coop_id)
    versions = [
        (r.valid_from, Statutes.model_validate(r.doc))
        for r in conn.execute(
            sa.select(statutes.c.valid_from, statutes.c.doc)
            .where(statutes.c.coop_id == coop_id)
            .order_by(statutes.c.valid_from, statutes.c.position)
        )
    ]
    cap = (
        conn.execute(sa.select(coop_capital).where(coop_capital.c.coop_id == coop_id))
        .mappings()
        .one()
    )
    pending = [
        PendingWithdrawal(r["withdrawal_id"], r["member_id"], r["requested_on"], _holding(r))
        for r in conn.execute(
            sa.select(withdrawals)
            .where(withdrawals.c.coop_id == coop_id, withdrawals.c.status == "pending")
            .order_by(withdrawals.c.position)
        ).mappings()
    ]
    capital = CapitalState(**{k: cap[k] for k in CapitalState.__dataclass_fields__})
    return CoopState(coop_id, row.incorporated_on, versions, capital, pending)


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


def load_subscription(conn: sa.Connection, coop_id: str, subscription_id: str) -> SubscriptionState:
    row = (
        conn.execute(
            sa.select(subscriptions).where(
                subscriptions.c.subscription_id == subscription_id,
                subscriptions.c.coop_id == coop_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("subscription", subscription_id)
    return SubscriptionState(
        row["subscription_id"],
        row["member_id"],
        row["shares"],
        row["subscribed_cents"],
        row["called_cents"],
        row["paid_cents"],
        row["subscribed_on"],
    )


def load_grant(conn: sa.Connection, coop_id: str, grant_id: str) -> GrantState:
    row = (
        conn.execute(
            sa.select(grants).where(grants.c.grant_id == grant_id, grants.c.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("grant", grant_id)
    return GrantState(
        row["grant_id"],
        row["funder_type"],
        row["awarded_cents"],
        row["received_cents"],
        row["justified_cents"],
        row["clawed_back_cents"],
        row["awarded_on"],
        row["status"],
        row["de_minimis"],
        row["doc"].get("agreement_ref"),
    )


def _holding(row: Any, prefix: str = "") -> Holding:
    return Holding(
        row[f"{prefix}shares"],
        row[f"{prefix}subscribed_cents"],
        row[f"{prefix}called_cents"],
        row[f"{prefix}paid_cents"],
    )
