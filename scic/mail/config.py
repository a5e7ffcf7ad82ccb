"""Where mail goes: SCIC_SMTP_URL (`smtp://` or `smtps://user:password@host:port`) and
SCIC_MAIL_FROM. `smtp://` upgrades with STARTTLS when the server offers it; `smtps://`
speaks TLS from the first byte. Without SCIC_SMTP_URL nothing is sent."""

from __future__ import annotations

from scic.mail.smtp_url import Smtp, parse
from scic.settings import get_settings

DEFAULT_FROM = "registre@localhost"


def configured() -> Smtp | None:
    url = get_settings().smtp_url
    return parse(url) if url else None


def sender_address() -> str:
    return get_settings().mail_from or DEFAULT_FROM
