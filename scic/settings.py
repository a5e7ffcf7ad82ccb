"""Runtime settings, read from SCIC_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[Network]:
    """Parse "10.0.0.5, 192.168.0.0/24" (a bare address is a one-address network)."""
    return [ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCIC_")

    database_url: str = "sqlite:///./scic.db"
    """Unset: an SQLite file in the working directory. PostgreSQL: postgresql+psycopg://…"""

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
