"""The bank page of the workplace: statements uploaded, lines matched, what is left
unmatched on each side, and each statement's closing balance against the journal.
A client of the same functions as the API's routes (scic.api.routes.bank)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ledger.errors import LedgerError
from scic.access.errors import AccessError
from scic.access.policy import RECORD, allow
from scic.api.deps import ServiceDep
from scic.api.routes import bank as api
from scic.bank import accounts, reconcile
from scic.errors import DomainError
from scic.money import format_cents
from scic.web import fmt
from scic.web.forms.refusals import of_domain
from scic.web.pages import PAGE, Viewer, page
from scic.web.session import CsrfRefused, SignInNeeded, check_csrf, set_flash, viewer
from scic.write.pipeline import Context

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

KINDS = {
    "payment": "Paiement de parts",
    "instalment": "Versement de subvention",
    "link": "Mouvement déjà saisi",
    "subscription": "Souscription (part versée)",
    "payout": "Remboursement",
}

# The bank's own refusals, in the words of the page.
SAID = {
    "unknown-statement-format": "Ce fichier n'est pas un relevé lisible : camt.053 (versions "
    "001.02 ou 001.08), OFX, ou CSV avec les colonnes date, libellé, débit, crédit.",
    "statement-of-another-account": "Ce relevé est celui d'un autre compte que ceux de la "
    "coopérative.",
    "statement-does-not-add-up": "Le solde d'ouverture plus les opérations ne donnent pas le "
    "solde de clôture du relevé.",
    "statement-balance-break": "Le solde d'ouverture ne suit pas les relevés déjà importés : "
    "un relevé manque entre les deux.",
    "bank-account-required": "Choisissez le compte bancaire du relevé.",
    "invalid-column-mapping": "La correspondance des colonnes du CSV n'est pas valable.",
    "bank-line-settled": "Cette ligne a déjà été rapprochée ou écartée.",
    "bank-line-not-matchable": "Cette ligne ne peut pas être rapprochée ainsi.",
}


def said(error: DomainError | LedgerError) -> str:
    if isinstance(error, DomainError) and error.slug in SAID:
        return f"{SAID[error.slug]} ({error.detail})"
    words = of_domain(error, set(), "fr")
    return words.above or next(iter(words.by_field.values()), "Refusé.")


def _build(error: str | None = None) -> Any:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        v.check(v.api("/reconciliation"))
        rec = api.reconciliation(v.service, v.coop_id)
        matched = reconcile.lines(conn, v.coop_id, status="matched", with_proposals=False)
        return "bank.html", {
            "accounts": accounts.listed(conn, v.coop_id),
            "iban": accounts.formatted_iban,
            "rec": rec,
            "matched": matched[-30:],
            "may_record": v.role in RECORD.allowed or v.principal.is_admin,
            "kinds": KINDS,
            "error": error,
            "cents": format_cents,
            "fmt": fmt,
        }

    return build


@router.get("/dashboard/bank")
def bank_page(request: Request, service: ServiceDep) -> Response:
    return page(request, service, "bank", _build())


def _act(request: Request, service: ServiceDep, form: dict[str, Any], run: Any) -> Response:
    """Check the browser's CSRF token, run the work, come back to the page: with what
    was done said once, or with the refusal above the forms."""
    try:
        v = viewer(request, service)
        check_csrf(request, {k: x for k, x in form.items() if isinstance(x, str)})
    except (SignInNeeded, CsrfRefused):
        return RedirectResponse("/sign-in", status_code=303)
    try:
        done = run(v)
    except (DomainError, LedgerError) as exc:
        return page(request, service, "bank", _build(said(exc)))
    except AccessError:
        return page(request, service, "bank", _build("Votre jeton ne permet pas cette saisie."))
    response = RedirectResponse("/dashboard/bank", status_code=303)
    set_flash(response, done)
    return response


def _may_record(v: Viewer) -> None:
    allow(RECORD, v.principal)  # the API's rule for every bank write


async def _form(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        return dict((await request.form()).multi_items())
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


@router.post("/dashboard/bank/statements")
async def upload(request: Request, service: ServiceDep) -> Response:
    form = await _form(request)
    file = form.get("file")

    def run(v: Viewer) -> str:
        _may_record(v)
        if not isinstance(file, UploadFile) or not file.filename:
            return "Aucun fichier choisi."
        content = file.file.read()
        done = api.import_file(
            service,
            v.coop_id,
            content,
            file.filename,
            form.get("account_id") or None,
            form.get("mapping") or None,
            v.principal.actor,
        )
        return (
            f"Relevé {file.filename} importé : {done['lines']} opérations, "
            f"{done['new_lines']} nouvelles, {done['already_known']} déjà connues."
        )

    return _act(request, service, form, run)


@router.post("/dashboard/bank/lines/{line_id}/confirm")
async def confirm(request: Request, service: ServiceDep, line_id: str) -> Response:
    form = await _form(request)

    def run(v: Viewer) -> str:
        _may_record(v)
        api.confirm_line(
            service,
            v.coop_id,
            line_id,
            str(form.get("kind", "")),
            str(form.get("target_id", "")),
            v.principal.actor,
        )
        return "Ligne rapprochée : le mouvement est enregistré à la date de l'opération."

    return _act(request, service, form, run)


@router.post("/dashboard/bank/lines/{line_id}/set-aside")
async def set_aside(request: Request, service: ServiceDep, line_id: str) -> Response:
    form = await _form(request)

    def run(v: Viewer) -> str:
        _may_record(v)
        ctx = Context(v.coop_id, actor=v.principal.actor, today=service.today())
        with service.engine.begin() as conn:
            reconcile.set_aside(
                conn, ctx, line_id, str(form.get("note") or "") or None, service.store.clock()
            )
        return "Ligne écartée : elle ne concerne pas le registre."

    return _act(request, service, form, run)


@router.post("/dashboard/bank/confirm-all")
async def confirm_all(request: Request, service: ServiceDep) -> Response:
    form = await _form(request)

    def run(v: Viewer) -> str:
        _may_record(v)
        try:
            score = max(0, min(100, int(str(form.get("min_score", "90")))))
        except ValueError:
            score = 90
        done = api.confirm_all(service, v.coop_id, score, None, v.principal.actor)
        refused = len(done["refused"])
        return (
            f"{len(done['confirmed'])} ligne(s) rapprochée(s) ; {refused} refusée(s) ; "
            f"{done['left']} sans proposition d'au moins {score}."
        )

    return _act(request, service, form, run)
