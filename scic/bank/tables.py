"""Bank tables. They sit outside the hash-chained events: a bank account is the
cooperative's configuration (changed freely, like a webhook), a statement line is what
the bank said (a payment it led to is an event, and names the line's reference), and a
debtor's IBAN in a SEPA mandate is personal data, erased with its party."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import UTCDateTime

metadata = sa.MetaData()

Cents = sa.BigInteger

bank_accounts = sa.Table(
    "bank_accounts",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("iban", sa.String(34), nullable=False),
    sa.Column("bic", sa.String(11)),
    sa.Column("journal_account", sa.String(8), nullable=False),
    sa.Column("creditor_id", sa.String(35)),
    sa.Column("sepa_version", sa.String(8), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("coop_id", "iban", name="uq_bank_accounts_coop_iban"),
)

bank_statements = sa.Table(
    "bank_statements",
    metadata,
    sa.Column("statement_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("account_id", sa.String(40), nullable=False, index=True),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("filename", sa.String(200)),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("first_day", sa.Date),
    sa.Column("last_day", sa.Date),
    sa.Column("opening_cents", Cents),
    sa.Column("closing_cents", Cents),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("new_lines", sa.Integer, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
)

bank_lines = sa.Table(
    "bank_lines",
    metadata,
    sa.Column("line_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("statement_id", sa.String(40), nullable=False),
    # the bank's entry reference, else a digest of account, day, amount, text (and rank)
    sa.Column("line_key", sa.String(200), nullable=False),
    sa.Column("reference", sa.String(140)),
    sa.Column("booking_date", sa.Date, nullable=False),
    sa.Column("value_date", sa.Date),
    sa.Column("amount_cents", Cents, nullable=False),  # credit > 0, debit < 0
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("counterparty", sa.String(200)),
    sa.Column("end_to_end_id", sa.String(60)),
    sa.Column("mandate_id", sa.String(60)),
    sa.Column("returned", sa.Boolean, nullable=False, default=False),
    # open | matched | ignored
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("kind", sa.String(20)),  # what it was matched to: payment, instalment, …
    sa.Column("target_id", sa.String(40)),  # the subscription, grant, … it was matched to
    sa.Column("write_id", sa.String(40)),  # the id the command returned
    sa.Column("event_id", sa.String(36)),  # the money event it is tied to
    sa.Column("note", sa.String(500)),
    sa.Column("settled_at", UTCDateTime),
    sa.Column("settled_by", sa.String(200)),
    sa.UniqueConstraint("account_id", "line_key", name="uq_bank_lines_account_key"),
)
sa.Index("ix_bank_lines_coop_status", bank_lines.c.coop_id, bank_lines.c.status)

BANK_TABLES = [bank_accounts, bank_statements, bank_lines]
