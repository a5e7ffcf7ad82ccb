"""Runtime settings, read from SCIC_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from scic.integrations.config import EventsOut
from scic.mail.smtp_url import parse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[Network]:
    """Parse "10.0.0.5, 192.168.0.0/24" (a bare address is a one-address network)."""
    return [ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip()]


def default_database_path() -> Path:
    """The SQLite file used when SCIC_DATABASE_URL is unset: `scic.db` in the user's data
    directory (Linux: $XDG_DATA_HOME/scic, by default ~/.local/share/scic; macOS:
    ~/Library/Application Support/scic; Windows: %LOCALAPPDATA%\\scic)."""
    return platformdirs.user_data_path("scic", appauthor=False) / "scic.db"


def shown(url: str) -> str:
    """A database URL as printed for people: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCIC_")

    database_url: str = Field(default_factory=lambda: f"sqlite:///{default_database_path()}")
    """Unset: the SQLite file `default_database_path()`, one place whatever the working
    folder (so `scic token create` run elsewhere finds the server's database).
    PostgreSQL: postgresql+psycopg://…"""

    trusted_proxies: str = ""
    """Addresses or networks of the reverse proxies in front of the API, comma-separated
    ("10.0.0.5, 192.168.0.0/24"). Only a request from one of them has its
    `X-Forwarded-For` believed; unset, none is (the peer address is the client)."""

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, text: str) -> str:
        parse_networks(text)  # refuse a typo at start rather than trust nobody silently
        return text

    @property
    def proxy_networks(self) -> list[Network]:
        return parse_networks(self.trusted_proxies)

    receipt_key: str | None = None
    """Key signing head receipts (ledger/receipts.py). Keep it outside the database (an
    environment variable, a secret store): whoever holds it can issue receipts."""

    max_body_bytes: int = 1_048_576
    """Largest request body accepted (413 beyond), checked before authentication. A batch
    of 100 commands takes about 20 kB."""

    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to send a request's line and headers (from the connection,
    or from the previous response on a kept-alive one): `scic serve` then answers 408
    and closes the connection (scic.api.connections)."""

    slow_lock_ms: int = Field(default=1_000, ge=0)
    """A write lock held longer than this (milliseconds) is logged as a warning
    (`ledger.lock`) with the commands and cooperatives that held it: every other writer,
    of any cooperative, waited that long."""

    webhook_allow_loopback: bool = False
    """Accept webhook URLs on this machine (127.0.0.1, localhost): off, as it would let a
    client make the server call its own loopback services."""

    webhook_allow_networks: str = ""
    """Non-public networks webhook receivers may sit in ("10.1.2.0/24, fd00:1::/64"),
    comma-separated; every other private, link-local or reserved address is refused."""

    @field_validator("webhook_allow_networks")
    @classmethod
    def _check_webhook_networks(cls, text: str) -> str:
        parse_networks(text)
        return text

    webhook_echo_responses: bool = False
    """Keep the start of webhook receivers' answers in the delivery log (for receivers
    you run); off, only their status and length are shown."""

    def events_out(self) -> EventsOut:
        """Events-out knobs of `scic serve` and `scic dispatch`."""
        return EventsOut(
            allow_loopback_targets=self.webhook_allow_loopback,
            allowed_networks=tuple(parse_networks(self.webhook_allow_networks)),
            echo_responses=self.webhook_echo_responses,
        )

    smtp_url: str | None = None
    """Where mail is sent: smtp://user:password@host:port (STARTTLS when offered) or
    smtps://… (TLS from the start). Unset: mails wait in the outbox, nothing is sent."""

    mail_from: str | None = None
    """The From address of every mail (e.g. "La Filature <registre@filature.coop>")."""

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp(cls, url: str | None) -> str | None:
        if url:
            parse(url)  # a typo refused at start rather than mail silently lost
        return url or None

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, url: str) -> str:
        # Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
