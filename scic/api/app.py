"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from scic.access import guard
from scic.access.limiter import FailureLimiter
from scic.access.policy import PUBLIC, requires
from scic.api import problems
from scic.api.deps import refuse_unstorable_text
from scic.api.limits import BodyLimit
from scic.api.routes import access, accounting, commands, views
from scic.service import Service, open_service
from scic.settings import get_settings


def create_app(
    service: Service | None = None, auth_limiter: FailureLimiter | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if service is None:
            app.state.service = open_service(get_settings().database_url)
        yield
        if service is None:
            app.state.service.close()

    app = FastAPI(
        title="SCIC ledger",
        version="1.0.0",
        summary="Membership, share capital and funding ledger for SCIC cooperatives",
        lifespan=lifespan,
        # every route: no text a database cannot store or a reader could be fooled by
        # (422) — first, as the access rules look ids up — then the token and the rule
        dependencies=[Depends(refuse_unstorable_text), Depends(guard.enforce)],
    )

    if service is not None:
        app.state.service = service
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=get_settings().max_body_bytes)
    guard.install(app, auth_limiter)
    app.include_router(commands.router)
    app.include_router(views.router)
    app.include_router(access.router)
    app.include_router(accounting.router)

    @app.get("/health", operation_id="health", tags=["meta"], dependencies=[requires(PUBLIC)])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
