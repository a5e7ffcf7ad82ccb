"""Public response schemas of the API, one module per resource: the shapes clients rely on.

Money is a decimal string in euros ("1250.00"), a share of a whole a decimal string with
four places ("0.1234"), a date `YYYY-MM-DD`, an instant ISO 8601 with its offset. The
read views (scic.projections) hand out integer cents, dates and Decimal ratios; a
schema's `of` formats a view once, here, and a cached view is that schema serialised."""
