"""The write side: `pipeline` (the one way a write is made), `store` (the cooperative's
timeline, folded and cached), one module per aggregate holding its handlers, and
`commands` (every write by name)."""
