"""Mail that reaches people: an outbox written in the transaction of what causes it
(`outbox.enqueue`, called by `triggers`), a sender that delivers it over SMTP with
retries (`sender`), templates in French and English, plain text and HTML (`templates`),
and the delivery log managers read."""
