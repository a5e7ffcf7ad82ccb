"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from scic.access import guard
from scic.access.limiter import FailureLimiter
from scic.access.policy import PUBLIC, requires
from scic.api import links, problems
from scic.api.deps import refuse_unstorable_text
from scic.api.limits import BodyLimit
from scic.api.routes import (
    access,
    accounting,
    bank,
    commands,
    contacts,
    directory,
    documents,
    events_out,
    imports,
    mail,
    member_requests,
    reports,
    sepa,
    views,
)
from scic.api.schemas import Health
from scic.service import Service, open_service
from scic.settings import Network, get_settings
from scic.web import assets, mail_page, pages, passwords, people, reports_page, self_service
from scic.web import bank as bank_pages
from scic.web import documents as web_documents
from scic.web import imports as import_pages
from scic.web.forms import routes as forms


def create_app(
    service: Service | None = None,
    auth_limiter: FailureLimiter | None = None,
    trusted_proxies: Sequence[Network] | None = None,
) -> FastAPI:
    """The app on `service` (None: opened from the settings at start-up); the reverse
    proxies whose X-Forwarded-For is believed default to SCIC_TRUSTED_PROXIES."""

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
        docs_url=None,  # /docs and /redoc: scic.web.assets, with vendored files
        redoc_url=None,
        # every route: no text a database cannot store or a reader could be fooled by
        # (422) — first, as the access rules look ids up — then the token and the rule
        dependencies=[Depends(refuse_unstorable_text), Depends(guard.enforce)],
    )

    if service is not None:
        app.state.service = service
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=get_settings().max_body_bytes)
    if trusted_proxies is None:
        trusted_proxies = get_settings().proxy_networks
    guard.install(app, auth_limiter, trusted_proxies)
    app.include_router(commands.router)
    app.include_router(directory.router)
    app.include_router(contacts.router)
    app.include_router(imports.router)
    app.include_router(views.router)
    app.include_router(access.router)
    app.include_router(bank.router)
    app.include_router(sepa.router)
    app.include_router(accounting.router)  # before reports: /reports/fec is its own route
    app.include_router(reports.router)
    app.include_router(documents.router)
    app.include_router(mail.router)
    app.include_router(member_requests.router)
    app.include_router(assets.router)
    app.include_router(self_service.router)  # the member's side (before the forms)
    app.include_router(forms.router)  # before pages: /dashboard/members/new is a form
    app.include_router(import_pages.router)
    app.include_router(pages.router)
    app.include_router(people.router)
    app.include_router(passwords.router)
    app.include_router(reports_page.router)
    app.include_router(bank_pages.router)
    app.include_router(web_documents.router)
    app.include_router(mail_page.router)
    app.include_router(events_out.router)

    @app.get(
        "/health",
        operation_id="health",
        tags=["meta"],
        response_model=Health,
        dependencies=[requires(PUBLIC)],
    )
    def health() -> dict[str, str]:
        return {"status": "ok"}

    documented = app.openapi  # with the Problem schema (problems.install)

    def openapi() -> dict[str, Any]:
        """The document, with the links between operations (scic.api.links)."""
        if app.openapi_schema is None:
            app.openapi_schema = links.add_links(documented())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
