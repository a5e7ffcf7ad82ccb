"""The delivery log as a page: every mail of the cooperative, its state and attempts,
and whether this server can send at all (managers, as `GET …/mail`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scic.access.policy import PUBLIC, requires
from scic.api.deps import ServiceDep
from scic.mail import config, outbox
from scic.projections import views
from scic.web.session import Viewer

router = APIRouter(include_in_schema=False, dependencies=[requires(PUBLIC)])

KINDS = {
    "subscription-confirmed": "Confirmation de souscription",
    "payment-received": "Reçu de versement",
    "reimbursement-released": "Remboursement libéré",
    "call-due": "Appel de fonds",
    "call-overdue": "Appel de fonds échu",
    "payment-due": "Parts à libérer",
    "justification-due": "Justification de subvention",
    "esus-expiry": "Expiration de l'agrément ESUS",
    "review-due": "Révision coopérative",
    "request-accepted": "Demande acceptée",
    "request-declined": "Demande refusée",
    "request-received": "Nouvelle demande d'associé",
    "invitation": "Invitation",
    "password-reset": "Nouveau mot de passe",
}
STATES = {"queued": "en attente", "sent": "envoyé", "skipped": "non envoyé"}
REASONS = {
    "no-email": "pas d'adresse",
    "opted-out": "a refusé les courriels",
    "erased": "données effacées",
    "invalid-address": "adresse invalide",
    "no-management-address": "pas d'adresse de gestion",
}
STATUSES = {"all": "Tous", "queued": "En attente", "sent": "Envoyés", "skipped": "Non envoyés"}


@router.get("/dashboard/mail")
def mail_page(request: Request, service: ServiceDep, status: str = "all") -> Response:
    from scic.web.pages import page

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/mail"))
        chosen = status if status in STATUSES else "all"
        return "mail.html", {
            "rows": outbox.log(conn, v.coop_id, None if chosen == "all" else chosen, 200),
            "names": views.member_names(conn, v.coop_id),
            "configured": config.configured() is not None,
            "kinds": KINDS,
            "states": STATES,
            "reasons": REASONS,
            "statuses": STATUSES,
            "shown": chosen,
        }

    return page(request, service, "mail", build)
