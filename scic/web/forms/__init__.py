"""A form for every write the API offers under a cooperative (scic/web/forms/routes.py)."""
