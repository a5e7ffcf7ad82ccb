"""The FEC of one fiscal year, as the API and the CLI produce it."""

from __future__ import annotations

import sqlalchemy as sa

from ledger import EventStore
from scic.accounting import fec, reads
from scic.accounting.archive import archive_fec, archived_fec
from scic.accounting.fiscal_years import check_closed
from scic.errors import refuse


def fec_export(
    store: EventStore,
    conn: sa.Connection,
    coop_id: str,
    year: int,
    encoding: fec.Encoding = "iso-8859-15",
    include_open: bool = False,
) -> fec.FecFile:
    """A closed year's FEC is the one archived at its first export after the closing
    (R16: byte-identical ever after, whatever the journal's rules become); that first
    export reads the events known at the closing position. An open year is exported
    only on request, not validated, and never archived."""
    cal = reads.calendar(conn, coop_id)
    fy = cal.year(year)
    if cal.siren is None:
        raise refuse("siren-required", "the FEC file is named by the SIREN: record it first")
    closing = reads.closings(conn, coop_id).get(fy.year)
    if not include_open:
        check_closed(
            closing,
            f"fiscal year {fy.year} is open: close it, or ask include_open=true for "
            "entries not yet validated",
        )
    if closing is None:
        entries = reads.year_entries(store, conn, cal, fy, None)
        return fec.render(entries, cal.siren, fy.end, None, encoding)
    archived = archived_fec(conn, coop_id, fy.year, encoding)
    if archived is not None:
        return archived
    entries = reads.year_entries(store, conn, cal, fy, closing["head_position"])
    valid_on = reads.closed_at_date(closing["closed_at"])
    produced = fec.render(entries, cal.siren, fy.end, valid_on, encoding)
    return archive_fec(store.engine, coop_id, fy.year, produced, encoding, store.clock())
