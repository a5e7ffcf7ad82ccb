"""Runtime settings, read from SCIC_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCIC_")

    database_url: str = "sqlite:///./scic.db"
    """Unset: an SQLite file in the working directory. PostgreSQL: postgresql+psycopg://…"""

    receipt_key: str | None = None
    """Key signing head receipts (ledger/receipts.py). Keep it outside the database (an
    environment variable, a secret store): whoever holds it can issue receipts."""

    max_body_bytes: int = 1_048_576
    """Largest request body accepted (413 beyond), checked before authentication. A batch
    of 100 commands takes about 20 kB."""

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
