"""Events out: webhooks (Standard Webhooks) fed by the outbox, the live SSE feed, and the
one scheduler per database that raises reminders as ledger events."""
