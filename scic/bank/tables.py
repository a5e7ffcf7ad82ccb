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

# A member's SEPA direct-debit mandate. The debtor's name, IBAN and BIC are personal data:
# erased with the party (erased_at set, the three set to NULL); the reference (RUM) stays,
# since collections made under it name it.
sepa_mandates = sa.Table(
    "sepa_mandates",
    metadata,
    sa.Column("mandate_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
    sa.Column("party_id", sa.String(40), nullable=False, index=True),
    sa.Column("reference", sa.String(35), nullable=False),
    sa.Column("signed_on", sa.Date),
    sa.Column("debtor_name", sa.String(140)),
    sa.Column("iban", sa.String(34)),
    sa.Column("bic", sa.String(11)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("erased_at", UTCDateTime),
    sa.UniqueConstraint("coop_id", "reference", name="uq_sepa_mandates_coop_reference"),
)

# Each SEPA file produced (pain.008 direct debits, pain.001 transfers), kept as sent until
# a party it names is erased: then its content goes (blank, erased_at set), its figures and
# transactions stay.
sepa_files = sa.Table(
    "sepa_files",
    metadata,
    sa.Column("file_id", sa.String(35), primary_key=True),  # the file's MsgId
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("schema", sa.String(20), nullable=False),  # pain.008.001.02, pain.001.001.09…
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("transactions", sa.Integer, nullable=False),
    sa.Column("total_cents", Cents, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("erased_at", UTCDateTime),
)

# One transaction of a SEPA file: a direct debit of a call (pain.008) or a transfer out
# (pain.001). Produced once: a call or a payout with a transaction still `sent` or
# `settled` is not produced again; a `returned` one may be.
sepa_transactions = sa.Table(
    "sepa_transactions",
    metadata,
    sa.Column("end_to_end_id", sa.String(35), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("file_id", sa.String(35), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # debit | reimbursement | remuneration
    # what it pays: the call (or subscription), the withdrawal, the remuneration event
    sa.Column("target_id", sa.String(40), nullable=False, index=True),
    sa.Column("subscription_id", sa.String(40)),
    sa.Column("member_id", sa.String(40)),
    sa.Column("mandate_id", sa.String(40)),
    sa.Column("sequence", sa.String(4)),  # FRST | RCUR (debits)
    sa.Column("amount_cents", Cents, nullable=False),
    # sent | settled (its statement line confirmed) | returned (an R-transaction)
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("event_id", sa.String(36)),  # the payment its statement line recorded
    sa.Column("correction_id", sa.String(40)),  # the correction a return recorded
)

BANK_TABLES = [
    bank_accounts,
    bank_statements,
    bank_lines,
    sepa_mandates,
    sepa_files,
    sepa_transactions,
]
