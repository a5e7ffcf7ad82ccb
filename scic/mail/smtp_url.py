"""An SMTP address read (`smtp://` or `smtps://user:password@host:port`): what the
settings check at start and the mail configuration uses, importing nothing of the
project."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class SmtpUrlInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    user: str | None
    password: str | None

    def __repr__(self) -> str:  # never print the password
        scheme = "smtps" if self.tls else "smtp"
        who = f"{self.user}:***@" if self.user else ""
        return f"{scheme}://{who}{self.host}:{self.port}"


def parse(url: str) -> Smtp:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlInvalid(f"SCIC_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    if not parts.hostname:
        raise SmtpUrlInvalid("SCIC_SMTP_URL names no host")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError as error:
        raise SmtpUrlInvalid(f"SCIC_SMTP_URL has a bad port: {error}") from None
    return Smtp(
        parts.hostname,
        port,
        parts.scheme == "smtps",
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )
