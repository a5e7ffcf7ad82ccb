"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from scic.service import Service, open_service
from scic.settings import get_settings


def create_app(service: Service | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = service is None
        app.state.service = service or open_service(get_settings().database_url)
        yield
        if own:
            app.state.service.close()

    app = FastAPI(
        title="SCIC ledger",
        version="1.0.0",
        summary="Membership, share capital and funding ledger for SCIC cooperatives",
        lifespan=lifespan,
    )

    @app.get("/health", operation_id="health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
