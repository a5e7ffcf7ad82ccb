"""The funding projector: funders, grants, titres participatifs, ESUS approvals and
investments, and the `funding_movements` delta ledger the funding mix sums."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.projections.tables import (
    FUNDING_TABLES,
    esus_approvals,
    funders,
    funding_movements,
    grants,
    title_issues,
    title_remunerations,
)

GRANT_FLOWS = {
    "GrantInstalmentReceived": ("received", "received_cents"),
    "GrantJustified": ("justified", "justified_cents"),
    "GrantClawedBack": ("clawed_back", "clawed_back_cents"),
}
GRANT_COLUMN = {kind: column for kind, column in GRANT_FLOWS.values()} | {
    "awarded": "awarded_cents"
}


class FundingProjector:
    name = "funding"
    tables = FUNDING_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            if event.type in GRANT_FLOWS:
                kind, _ = GRANT_FLOWS[event.type]
                self._grant_flow(
                    conn, event, event.data["grant_id"], kind, event.data["amount_cents"]
                )
                continue
            handler = getattr(self, f"_on_{event.type}", None)
            if handler is not None:
                handler(conn, event, event.data)

    def _on_FunderRegistered(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        conn.execute(
            funders.insert().values(
                funder_id=d["funder_id"],
                coop_id=e.tenant_id,
                party_id=d["party_id"],
                type=d["type"],
            )
        )

    def _on_GrantAwarded(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            grants.insert().values(
                grant_id=d["grant_id"],
                coop_id=e.tenant_id,
                funder_id=d["funder_id"],
                funder_type=d["funder_type"],
                purpose=d["purpose"],
                awarded_on=e.effective_date,
                awarded_cents=0,
                received_cents=0,
                justified_cents=0,
                clawed_back_cents=0,
                de_minimis=d["de_minimis"],
                period_end=date.fromisoformat(d["period_end"]) if d.get("period_end") else None,
                status="open",
                doc=d,
            )
        )
        self._grant_flow(conn, e, d["grant_id"], "awarded", d["amount_cents"])

    def _on_GrantAmended(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        self._grant_flow(conn, e, d["grant_id"], "awarded", d["amount_cents"] - d["previous_cents"])
        if d.get("agreement_ref"):  # the avenant's agreement stands for later amendments
            g = grants.c
            doc = conn.execute(sa.select(g.doc).where(g.grant_id == d["grant_id"])).scalar_one()
            conn.execute(
                grants.update()
                .where(g.grant_id == d["grant_id"])
                .values(doc={**doc, "agreement_ref": d["agreement_ref"]})
            )

    def _on_GrantClosed(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            grants.update().where(grants.c.grant_id == d["grant_id"]).values(status="closed")
        )

    def _grant_flow(
        self,
        conn: sa.Connection,
        e: RecordedEvent,
        grant_id: str,
        kind: str,
        amount: int,
        effective_date: date | None = None,
    ) -> None:
        grant = conn.execute(
            sa.select(grants.c.funder_id, grants.c.funder_type, grants.c.purpose).where(
                grants.c.grant_id == grant_id
            )
        ).one()
        column = GRANT_COLUMN[kind]
        conn.execute(
            grants.update()
            .where(grants.c.grant_id == grant_id)
            .values({column: grants.c[column] + amount})
        )
        self._move(
            conn,
            e,
            grant_id,
            "grant",
            kind,
            grant.funder_id,
            grant.funder_type,
            amount,
            purpose=grant.purpose,
            effective_date=effective_date,
        )

    def _on_TitlesIssued(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            title_issues.insert().values(
                issue_id=d["issue_id"],
                coop_id=e.tenant_id,
                holder_id=d["holder_id"],
                count=d["count"],
                outstanding=d["count"],
                nominal_cents=d["nominal_cents"],
                issued_on=e.effective_date,
                doc=d,
            )
        )
        self._move(
            conn,
            e,
            d["issue_id"],
            "titles",
            "issued",
            d["holder_id"],
            _funder_type(conn, d["holder_id"]),
            d["count"] * d["nominal_cents"],
        )

    def _on_TitlesRedeemed(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        t = title_issues.c
        holder = conn.execute(
            sa.select(t.holder_id).where(t.issue_id == d["issue_id"])
        ).scalar_one()
        conn.execute(
            title_issues.update()
            .where(t.issue_id == d["issue_id"])
            .values(outstanding=t.outstanding - d["count"])
        )
        self._move(
            conn,
            e,
            d["issue_id"],
            "titles",
            "redeemed",
            holder,
            _funder_type(conn, holder),
            d["amount_cents"],
        )

    def _on_TitlesRemunerated(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        conn.execute(
            title_remunerations.insert().values(
                issue_id=d["issue_id"],
                position=e.position,
                coop_id=e.tenant_id,
                fiscal_year=d["fiscal_year"],
                figure_cents=d["figure_cents"],
                fixed_cents=d["fixed_cents"],
                variable_cents=d["variable_cents"],
            )
        )

    def _on_EsusApproved(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            esus_approvals.insert().values(
                approval_id=d["approval_id"],
                coop_id=e.tenant_id,
                granted_on=date.fromisoformat(d["granted_on"]),
                expires_on=date.fromisoformat(d["expires_on"]),
                authority=d["authority"],
                reference=d["reference"],
                recorded_at=e.recorded_at,
            )
        )
        # R12 — the status of an investment follows the approval in force on its date
        # (C. trav. R3332-21-3): one made without an approval that this one, recorded
        # later, covers becomes a solidarity investment from now on (a `requalified`
        # movement: the funding mix as known before keeps the earlier answer).
        self._requalify(
            conn, e, date.fromisoformat(d["granted_on"]), date.fromisoformat(d["expires_on"])
        )

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

    def _on_EsusInvested(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        self._move(
            conn,
            e,
            d["investment_id"],
            "esus",
            # R12 — made while no ESUS approval was in force: not a solidarity investment
            "invested" if d.get("solidarity", True) else "not_solidarity",
            d["investor_id"],
            _funder_type(conn, d["investor_id"]),
            d["amount_cents"],
            instrument=d["instrument"],
        )

    def _on_EventReversed(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        rows = (
            conn.execute(
                sa.select(funding_movements).where(
                    funding_movements.c.event_id == d["reversed_event_id"]
                )
            )
            .mappings()
            .all()
        )
        for row in rows:
            if row["source"] == "grant":
                self._grant_flow(
                    conn,
                    e,
                    row["ref_id"],
                    row["kind"],
                    -row["amount_cents"],
                    effective_date=row["effective_date"],
                )
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
