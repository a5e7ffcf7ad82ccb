"""The funding projector: funders, grants, titres participatifs, ESUS approvals and
investments, and the `funding_movements` delta ledger the funding mix sums."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.domain.corrections import EventReversed
from scic.domain.esus import EsusApproved, EsusInvested
from scic.domain.funders import FunderRegistered
from scic.domain.grants import GrantAmended, GrantAwarded, GrantClosed, GrantFlow, GrantMove
from scic.domain.titles import TitlesIssued, TitlesRedeemed, TitlesRemunerated
from scic.events import typed
from scic.projections.tables import (
    FUNDING_TABLES,
    esus_approvals,
    funders,
    funding_movements,
    grants,
    title_issues,
    title_remunerations,
)

HANDLED = (
    FunderRegistered,
    GrantAwarded,
    GrantAmended,
    GrantFlow,
    GrantClosed,
    TitlesIssued,
    TitlesRedeemed,
    TitlesRemunerated,
    EsusApproved,
    EsusInvested,
    EventReversed,
)


class FundingProjector:
    name = "funding"
    tables = FUNDING_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            match typed(event, HANDLED):
                case FunderRegistered() as ev:
                    self._funder(conn, event, ev)
                case GrantAwarded() as ev:
                    self._awarded(conn, event, ev)
                case GrantAmended() as ev:
                    self._amended(conn, event, ev)
                case GrantFlow() as ev:
                    self._grant_flow(conn, event, ev.move())
                case GrantClosed() as ev:
                    conn.execute(
                        grants.update()
                        .where(grants.c.grant_id == ev.grant_id)
                        .values(status="closed")
                    )
                case TitlesIssued() as ev:
                    self._issued(conn, event, ev)
                case TitlesRedeemed() as ev:
                    self._redeemed(conn, event, ev)
                case TitlesRemunerated() as ev:
                    self._remunerated(conn, event, ev)
                case EsusApproved() as ev:
                    self._approved(conn, event, ev)
                case EsusInvested() as ev:
                    self._invested(conn, event, ev)
                case EventReversed() as ev:
                    self._reversed(conn, event, ev)

    def _funder(self, conn: sa.Connection, e: RecordedEvent, ev: FunderRegistered) -> None:
        conn.execute(
            funders.insert().values(
                funder_id=ev.funder_id, coop_id=e.tenant_id, party_id=ev.party_id, type=ev.type
            )
        )

    def _awarded(self, conn: sa.Connection, e: RecordedEvent, ev: GrantAwarded) -> None:
        """The grant's terms are kept as recorded (`doc`: its JSON)."""
        conn.execute(
            grants.insert().values(
                grant_id=ev.grant_id,
                coop_id=e.tenant_id,
                funder_id=ev.funder_id,
                funder_type=ev.funder_type,
                purpose=ev.purpose,
                awarded_on=e.effective_date,
                awarded_cents=0,
                received_cents=0,
                justified_cents=0,
                clawed_back_cents=0,
                de_minimis=ev.de_minimis,
                period_end=ev.period_end,
                status="open",
                doc=e.data,
            )
        )
        self._grant_flow(conn, e, ev.move())

    def _amended(self, conn: sa.Connection, e: RecordedEvent, ev: GrantAmended) -> None:
        self._grant_flow(conn, e, ev.move())
        if ev.agreement_ref:  # the avenant's agreement stands for later amendments
            g = grants.c
            doc = conn.execute(sa.select(g.doc).where(g.grant_id == ev.grant_id)).scalar_one()
            conn.execute(
                grants.update()
                .where(g.grant_id == ev.grant_id)
                .values(doc={**doc, "agreement_ref": ev.agreement_ref})
            )

    def _grant_flow(
        self, conn: sa.Connection, e: RecordedEvent, move: GrantMove, on: date | None = None
    ) -> None:
        """A grant figure moved (the event's own move, or a reversal's negated row)."""
        grant = conn.execute(
            sa.select(grants.c.funder_id, grants.c.funder_type, grants.c.purpose).where(
                grants.c.grant_id == move.grant_id
            )
        ).one()
        column = f"{move.figure}_cents"
        conn.execute(
            grants.update()
            .where(grants.c.grant_id == move.grant_id)
            .values({column: grants.c[column] + move.cents})
        )
        self._move(
            conn,
            e,
            move.grant_id,
            "grant",
            move.figure,
            grant.funder_id,
            grant.funder_type,
            move.cents,
            purpose=grant.purpose,
            effective_date=on,
        )

    def _issued(self, conn: sa.Connection, e: RecordedEvent, ev: TitlesIssued) -> None:
        conn.execute(
            title_issues.insert().values(
                issue_id=ev.issue_id,
                coop_id=e.tenant_id,
                holder_id=ev.holder_id,
                count=ev.count,
                outstanding=ev.count,
                nominal_cents=ev.nominal_cents,
                issued_on=e.effective_date,
                doc=e.data,
            )
        )
        self._move(
            conn,
            e,
            ev.issue_id,
            "titles",
            "issued",
            ev.holder_id,
            _funder_type(conn, ev.holder_id),
            ev.raised_cents,
        )

    def _redeemed(self, conn: sa.Connection, e: RecordedEvent, ev: TitlesRedeemed) -> None:
        t = title_issues.c
        holder = conn.execute(sa.select(t.holder_id).where(t.issue_id == ev.issue_id)).scalar_one()
        conn.execute(
            title_issues.update()
            .where(t.issue_id == ev.issue_id)
            .values(outstanding=t.outstanding - ev.count)
        )
        self._move(
            conn,
            e,
            ev.issue_id,
            "titles",
            "redeemed",
            holder,
            _funder_type(conn, holder),
            ev.amount_cents,
        )

    def _remunerated(self, conn: sa.Connection, e: RecordedEvent, ev: TitlesRemunerated) -> None:
        conn.execute(
            title_remunerations.insert().values(
                issue_id=ev.issue_id,
                position=e.position,
                coop_id=e.tenant_id,
                fiscal_year=ev.fiscal_year,
                figure_cents=ev.figure_cents,
                fixed_cents=ev.fixed_cents,
                variable_cents=ev.variable_cents,
            )
        )

    def _approved(self, conn: sa.Connection, e: RecordedEvent, ev: EsusApproved) -> None:
        conn.execute(
            esus_approvals.insert().values(
                approval_id=ev.approval_id,
                coop_id=e.tenant_id,
                granted_on=ev.granted_on,
                expires_on=ev.expires_on,
                authority=ev.authority,
                reference=ev.reference,
                recorded_at=e.recorded_at,
            )
        )
        # R12 — the status of an investment follows the approval in force on its date
        # (C. trav. R3332-21-3): one made without an approval that this one, recorded
        # later, covers becomes a solidarity investment from now on (a `requalified`
        # movement: the funding mix as known before keeps the earlier answer).
        self._requalify(conn, e, ev.granted_on, ev.expires_on)

    def _requalify(self, conn: sa.Connection, e: RecordedEvent, start: date, end: date) -> None:
        m = funding_movements.c
        rows = conn.execute(
            sa.select(funding_movements)
            .where(
                m.coop_id == e.tenant_id,
                m.source == "esus",
                m.effective_date >= start,
                m.effective_date <= end,
                m.kind.in_(("not_solidarity", "requalified")),
            )
            .order_by(m.position)
        ).mappings()
        outside: dict[str, Any] = {}
        for row in rows:
            if row["kind"] == "not_solidarity":
                outside[row["ref_id"]] = row
            else:
                outside.pop(row["ref_id"], None)
        for ref_id, row in outside.items():
            self._move(
                conn,
                e,
                ref_id,
                "esus",
                "requalified",
                row["funder_id"],
                row["funder_type"],
                row["amount_cents"],
                instrument=row["instrument"],
                effective_date=row["effective_date"],
            )

    def _invested(self, conn: sa.Connection, e: RecordedEvent, ev: EsusInvested) -> None:
        self._move(
            conn,
            e,
            ev.investment_id,
            "esus",
            ev.kind,
            ev.investor_id,
            _funder_type(conn, ev.investor_id),
            ev.amount_cents,
            instrument=ev.instrument,
        )

    def _reversed(self, conn: sa.Connection, e: RecordedEvent, ev: EventReversed) -> None:
        """The reversed event's funding rows, negated at their own date."""
        rows = (
            conn.execute(
                sa.select(funding_movements).where(
                    funding_movements.c.event_id == ev.reversed_event_id
                )
            )
            .mappings()
            .all()
        )
        for row in rows:
            if row["source"] == "grant":
                move = GrantMove(row["ref_id"], row["kind"], -row["amount_cents"])
                self._grant_flow(conn, e, move, on=row["effective_date"])
            else:
                self._move(
                    conn,
                    e,
                    row["ref_id"],
                    row["source"],
                    row["kind"],
                    row["funder_id"],
                    row["funder_type"],
                    -row["amount_cents"],
                    instrument=row["instrument"],
                    effective_date=row["effective_date"],
                )

    @staticmethod
    def _move(
        conn: sa.Connection,
        e: RecordedEvent,
        ref_id: str,
        source: str,
        kind: str,
        funder_id: str,
        funder_type: str,
        amount: int,
        purpose: str | None = None,
        instrument: str | None = None,
        effective_date: date | None = None,
    ) -> None:
        conn.execute(
            funding_movements.insert().values(
                event_id=e.event_id,
                ref_id=ref_id,
                coop_id=e.tenant_id,
                source=source,
                kind=kind,
                funder_id=funder_id,
                funder_type=funder_type,
                purpose=purpose,
                instrument=instrument,
                amount_cents=amount,
                position=e.position,
                effective_date=effective_date or e.effective_date,
                recorded_at=e.recorded_at,
            )
        )


def _funder_type(conn: sa.Connection, funder_id: str) -> str:
    return conn.execute(
        sa.select(funders.c.type).where(funders.c.funder_id == funder_id)
    ).scalar_one()
