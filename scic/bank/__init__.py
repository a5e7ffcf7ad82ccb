"""The cooperative's bank: its accounts, statements read in, reconciliation, SEPA files."""
