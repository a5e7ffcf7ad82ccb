"""The delivery log as a page: every mail of the cooperative, its state and attempts,
and whether this server can send at all (managers, as `GET …/mail`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scic.access.policy import PUBLIC, requires
from scic.api.deps import ServiceDep
from scic.i18n import N_
from scic.mail import config, outbox
from scic.projections import views
from scic.web.session import Viewer

router = APIRouter(include_in_schema=False, dependencies=[requires(PUBLIC)])

KINDS = {
    "subscription-confirmed": N_("Confirmation de souscription"),
    "payment-received": N_("Reçu de versement"),
    "reimbursement-released": N_("Remboursement libéré"),
    "call-due": N_("Appel de fonds"),
    "call-overdue": N_("Appel de fonds échu"),
    "payment-due": N_("Parts à libérer"),
    "justification-due": N_("Justification de subvention"),
    "esus-expiry": N_("Expiration de l'agrément ESUS"),
    "review-due": N_("Révision coopérative"),
    "request-accepted": N_("Demande acceptée"),
    "request-declined": N_("Demande refusée"),
    "request-received": N_("Nouvelle demande d'associé"),
    "invitation": N_("Invitation"),
    "password-reset": N_("Nouveau mot de passe"),
}
STATES = {"queued": N_("en attente"), "sent": N_("envoyé"), "skipped": N_("non envoyé")}
REASONS = {
    "no-email": N_("pas d'adresse"),
    "opted-out": N_("a refusé les courriels"),
    "erased": N_("données effacées"),
    "invalid-address": N_("adresse invalide"),
    "no-management-address": N_("pas d'adresse de gestion"),
}
STATUSES = {
    "all": N_("Tous"),
    "queued": N_("En attente"),
    "sent": N_("Envoyés"),
    "skipped": N_("Non envoyés"),
}


@router.get("/dashboard/mail")
def mail_page(request: Request, service: ServiceDep, status: str = "all") -> Response:
    from scic.web.pages import in_words, page

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/mail"))
        chosen = status if status in STATUSES else "all"
        return "mail.html", {
            "rows": outbox.log(conn, v.coop_id, None if chosen == "all" else chosen, 200),
            "names": views.member_names(conn, v.coop_id),
            "configured": config.configured() is not None,
            "kinds": in_words(KINDS),
            "states": in_words(STATES),
            "reasons": in_words(REASONS),
            "statuses": in_words(STATUSES),
            "shown": chosen,
        }

    return page(request, service, "mail", build)
