"""The dashboard: HTML pages over the API's own views and access rules (issue 14)."""
