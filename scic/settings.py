"""Runtime settings, read from SCIC_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCIC_")

    database_url: str = "sqlite:///./scic.db"
    """Unset: an SQLite file in the working directory. PostgreSQL: postgresql+psycopg://…"""

    webhook_allow_loopback: bool = False
    """Accept webhook URLs on this machine (127.0.0.1, localhost): off, as it would let a
    client make the server call its own loopback services."""

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
