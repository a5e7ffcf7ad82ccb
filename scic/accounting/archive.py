"""R16 — a closed fiscal year never changes: its FEC is archived the first time it is
produced after the closing, and every later export serves the archived file, whatever
the journal's rules have become since."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa

from scic.accounting import fec
from scic.accounting.tables import fiscal_year_files
from scic.errors import refuse

FEC = "fec"


def archived_fec(
    conn: sa.Connection, coop_id: str, year: int, encoding: fec.Encoding
) -> fec.FecFile | None:
    """The year's archived FEC in `encoding` (None: not archived yet). Asked in another
    encoding than the one it was archived in, the same text is re-encoded."""
    f = fiscal_year_files.c
    row = conn.execute(
        sa.select(f.filename, f.encoding, f.content, f.sha256).where(
            f.coop_id == coop_id, f.year == year, f.kind == FEC
        )
    ).first()
    if row is None:
        return None
    content = bytes(row.content)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        # R16 — the file handed over is the one archived: one whose bytes no longer match
        # the SHA-256 taken when it was archived is not served, nor made again
        raise refuse(
            "archived-file-altered",
            f"the archived FEC of fiscal year {year} ({row.filename}) no longer matches the "
            f"SHA-256 recorded when it was archived ({row.sha256}): it was changed in the "
            "database; restore the fiscal_year_files row from a backup",
        )
    if row.encoding != encoding:
        content = content.decode(row.encoding).encode(encoding, errors="replace")
    return fec.FecFile(row.filename, content, content.count(b"\r\n") - 1, validated=True)


def archive_fec(
    engine: sa.Engine,
    coop_id: str,
    year: int,
    produced: fec.FecFile,
    encoding: fec.Encoding,
    now: datetime,
) -> fec.FecFile:
    """Keep `produced` as the closed year's FEC, in a transaction of its own, and return
    what is archived: another export may have archived it first, and its file stands."""
    try:
        with engine.begin() as conn:
            found = archived_fec(conn, coop_id, year, encoding)
            if found is not None:
                return found
            conn.execute(
                fiscal_year_files.insert().values(
                    coop_id=coop_id,
                    year=year,
                    kind=FEC,
                    filename=produced.name,
                    encoding=encoding,
                    content=produced.content,
                    sha256=hashlib.sha256(produced.content).hexdigest(),
                    archived_at=now,
                )
            )
    except sa.exc.IntegrityError:
        # PostgreSQL: a concurrent export inserted between this one's read and its insert
        with engine.connect() as conn:
            found = archived_fec(conn, coop_id, year, encoding)
        if found is None:
            raise
        return found
    return produced
