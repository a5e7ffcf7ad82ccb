"""DOMAIN.md rules as dated data: a value is looked up by the effective date of the
event it judges, never hard-coded where it is used."""
