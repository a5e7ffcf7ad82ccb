"""Funders, as grants, titres participatifs and ESUS investments name them: looked up in
the projections by id or by name (an identity, not a rule), or registered."""

from __future__ import annotations

from datetime import date
from typing import cast

import sqlalchemy as sa

from ledger.store import WriteSession
from scic.domain.facts import Fact
from scic.domain.funders import FunderIn, FunderRegistered, FunderType
from scic.errors import NotFound
from scic.projections.tables import funders, parties
from scic.write.pipeline import new_id


def resolve_funder(
    session: WriteSession, coop_id: str, funder: FunderIn | None, funder_id: str | None, on: date
) -> tuple[str, FunderType, list[Fact]]:
    """An existing funder by id, or by the same name and type; else a new one,
    registered on `on` (the date of what it funds)."""
    conn = session.conn
    if funder_id is not None:
        found = conn.execute(
            sa.select(funders.c.type).where(
                funders.c.funder_id == funder_id, funders.c.coop_id == coop_id
            )
        ).scalar()
        if found is None:
            raise NotFound("funder", funder_id)
        return funder_id, cast(FunderType, found), []
    assert funder is not None
    existing = conn.execute(
        sa.select(funders.c.funder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(
            funders.c.coop_id == coop_id,
            funders.c.type == funder.type,
            parties.c.name == funder.name,
        )
    ).scalar()
    if existing is not None:
        return existing, funder.type, []
    new_funder, party_id = new_id("fnd"), new_id("pty")
    conn.execute(
        parties.insert().values(party_id=party_id, coop_id=coop_id, kind="funder", name=funder.name)
    )
    data = FunderRegistered(funder_id=new_funder, party_id=party_id, type=funder.type)
    return new_funder, funder.type, [Fact(data, on)]
