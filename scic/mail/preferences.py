"""A person's mail preferences: the language of its mail, and whether it refuses all
mail but legal notices. Kept per party, outside events (like contact details)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from scic.errors import NotFound
from scic.mail.tables import mail_preferences
from scic.projections.tables import members


def _party(conn: sa.Connection, coop_id: str, member_id: str) -> str:
    party = conn.execute(
        sa.select(members.c.party_id).where(
            members.c.member_id == member_id, members.c.coop_id == coop_id
        )
    ).scalar()
    if party is None:
        raise NotFound("member", member_id)
    return str(party)


def of_member(conn: sa.Connection, coop_id: str, member_id: str) -> dict[str, Any]:
    party = _party(conn, coop_id, member_id)
    row = (
        conn.execute(sa.select(mail_preferences).where(mail_preferences.c.party_id == party))
        .mappings()
        .first()
    )
    return {
        "lang": (row["lang"] if row else None) or "fr",
        "opted_out": bool(row["opted_out"]) if row else False,
    }


def set_member(
    conn: sa.Connection,
    coop_id: str,
    member_id: str,
    change: dict[str, Any],
    now: datetime,
    actor: str,
) -> None:
    party = _party(conn, coop_id, member_id)
    current = of_member(conn, coop_id, member_id)
    values = {**current, **change, "updated_at": now, "updated_by": actor}
    p = mail_preferences.c
    if conn.execute(sa.select(p.party_id).where(p.party_id == party)).first() is None:
        conn.execute(mail_preferences.insert().values(party_id=party, coop_id=coop_id, **values))
    else:
        conn.execute(mail_preferences.update().where(p.party_id == party).values(**values))
