"""The cooperative's registered office and purpose, as its documents print them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from scic.documents.tables import coop_profiles
from scic.projections import views


class Profile(BaseModel):
    """Attributes: registered_office (siège social, one line or several), purpose
    (objet social, as the statutes word it), contact_email (where notices for the
    management go: deadlines, expiries, members' requests). Absent fields are left as
    they were."""

    model_config = ConfigDict(extra="forbid")
    registered_office: str | None = Field(default=None, min_length=1, max_length=400)
    purpose: str | None = Field(default=None, min_length=1, max_length=1000)
    contact_email: str | None = Field(
        default=None, max_length=200, pattern=r"^[^@\x00-\x20]+@[^@\x00-\x20]+$"
    )


def read(conn: sa.Connection, coop_id: str) -> dict[str, Any]:
    views.coop_row(conn, coop_id)
    row = (
        conn.execute(sa.select(coop_profiles).where(coop_profiles.c.coop_id == coop_id))
        .mappings()
        .first()
    )
    return {
        "registered_office": row["registered_office"] if row else None,
        "purpose": row["purpose"] if row else None,
        "contact_email": row["contact_email"] if row else None,
        "updated_at": row["updated_at"].isoformat() if row else None,
        "updated_by": row["updated_by"] if row else None,
    }


def write(conn: sa.Connection, coop_id: str, body: Profile, now: datetime, actor: str) -> None:
    views.coop_row(conn, coop_id)
    values = body.model_dump(exclude_unset=True)
    updated = conn.execute(
        coop_profiles.update()
        .where(coop_profiles.c.coop_id == coop_id)
        .values(**values, updated_at=now, updated_by=actor)
    )
    if updated.rowcount == 0:
        conn.execute(
            coop_profiles.insert().values(
                coop_id=coop_id, **values, updated_at=now, updated_by=actor
            )
        )
