"""The bank page of the workplace: statements uploaded, lines matched, what is left
unmatched on each side, each statement's closing balance against the journal, the
direct debits returned, and the SEPA file of the calls due (pain.008) to download.
A client of the same functions as the API's routes (scic.api.routes.bank, .sepa)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ledger.errors import LedgerError
from scic import i18n
from scic.access.errors import AccessError
from scic.access.policy import RECORD, allow
from scic.api.deps import ServiceDep
from scic.api.routes import bank as api
from scic.api.routes import sepa as sepa_api
from scic.bank import accounts, direct_debits, reconcile, transfers
from scic.errors import DomainError
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.money import format_cents
from scic.web import fmt
from scic.web.forms.refusals import of_domain
from scic.web.pages import PAGE, Viewer, page
from scic.web.session import CsrfRefused, SignInNeeded, check_csrf, set_flash, viewer
from scic.write.pipeline import Context

router = APIRouter(include_in_schema=False, dependencies=[PAGE])

KINDS = {
    "payment": N_("Paiement de parts"),
    "instalment": N_("Versement de subvention"),
    "link": N_("Mouvement déjà saisi"),
    "subscription": N_("Souscription (part versée)"),
    "payout": N_("Remboursement"),
    "return": N_("Prélèvement retourné"),
}

LEFT_OUT = {
    "sepa-payout-already-sent": N_("virement déjà émis"),
    "sepa-payee-account-missing": N_("IBAN inconnu"),
    "sepa-call-already-collected": N_("déjà prélevé"),
    "sepa-member-left": N_("associé sorti"),
    "sepa-mandate-missing": N_("pas de mandat en vigueur"),
    "sepa-mandate-unsigned": N_("mandat sans date de signature"),
    "invalid-iban": N_("IBAN invalide"),
}


def said(error: DomainError | LedgerError) -> str:
    """A refusal in the page's words: those of scic.refusals, as everywhere else."""
    words = of_domain(error, set(), i18n.current())
    return words.above or next(iter(words.by_field.values()), _("Refusé."))


def _debit_plan(conn: sa.Connection, v: Viewer, due: date | None) -> dict[str, Any] | None:
    """The direct debits the file of `due` would hold, and who it leaves out (None: no
    date asked, or no account to debit to)."""
    if due is None:
        return None
    try:
        found = direct_debits.plan(conn, v.coop_id, due, None)
    except DomainError as error:
        return {"error": said(error)}
    return sepa_api.plan_out(found)


def _transfer_plan(conn: sa.Connection, v: Viewer) -> dict[str, Any] | None:
    """The payouts owed (reimbursements, titles' remuneration) and who is left out."""
    try:
        found = transfers.plan(conn, v.coop_id, v.service.today(), None)
    except DomainError:
        return None  # no account (or several): the accounts section says so
    return sepa_api.transfer_plan_out(found)


def _build(error: str | None = None, due: date | None = None) -> Any:
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
            "kinds": {k: _(x) for k, x in KINDS.items()},
            "left_out": {k: _(x) for k, x in LEFT_OUT.items()},
            "due": due,
            "plan": _debit_plan(conn, v, due),
            "payouts": _transfer_plan(conn, v),
            "error": error,
            "cents": format_cents,
            "fmt": fmt,
        }

    return build


@router.get("/dashboard/bank")
def bank_page(request: Request, service: ServiceDep, due: date | None = None) -> Response:
    return page(request, service, "bank", _build(due=due))


def _act(request: Request, service: ServiceDep, form: dict[str, Any], run: Any) -> Response:
    """Check the browser's CSRF token, run the work, come back to the page: with what
    was done said once, or with the refusal above the forms."""
    i18n.activate(i18n.page_locale(request))
    try:
        v = viewer(request, service)
        check_csrf(request, {k: x for k, x in form.items() if isinstance(x, str)})
    except (SignInNeeded, CsrfRefused):
        return RedirectResponse("/sign-in", status_code=303)
    try:
        done = run(v)
    except (DomainError, LedgerError) as exc:
        return page(request, service, "bank", _build(said(exc), _day(form.get("due"))))
    except AccessError:
        refused = _("Votre jeton ne permet pas cette saisie.")
        return page(request, service, "bank", _build(refused))
    if isinstance(done, Response):  # a file to download
        return done
    response = RedirectResponse("/dashboard/bank", status_code=303)
    set_flash(response, done)
    return response


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


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
            return _("Aucun fichier choisi.")
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
        return _(
            "Relevé %(file)s importé : %(lines)s opérations, %(new)s nouvelles, "
            "%(known)s déjà connues."
        ) % {
            "file": file.filename,
            "lines": done["lines"],
            "new": done["new_lines"],
            "known": done["already_known"],
        }

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
        return _("Ligne rapprochée : le mouvement est enregistré à la date de l'opération.")

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
        return _("Ligne écartée : elle ne concerne pas le registre.")

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
        return _(
            "%(confirmed)s ligne(s) rapprochée(s) ; %(refused)s refusée(s) ; %(left)s sans "
            "proposition d'au moins %(score)s."
        ) % {
            "confirmed": len(done["confirmed"]),
            "refused": refused,
            "left": done["left"],
            "score": score,
        }

    return _act(request, service, form, run)


@router.post("/dashboard/bank/sepa/direct-debits")
async def direct_debit_file(request: Request, service: ServiceDep) -> Response:
    """The pain.008 of the calls due at the date asked, as a download (recorded: the
    same calls are not debited again unless returned)."""
    missing = N_("Choisissez la date d'échéance des appels à prélever.")
    return await _sepa_file(request, service, "due", missing, sepa_api.direct_debit_file)


@router.post("/dashboard/bank/sepa/transfers")
async def transfer_file(request: Request, service: ServiceDep) -> Response:
    """The pain.001 of the payouts owed, to be executed on the date asked (recorded: the
    same payout is not produced twice)."""
    missing = N_("Choisissez la date d'exécution des virements.")
    return await _sepa_file(request, service, "on", missing, sepa_api.transfer_file)


async def _sepa_file(
    request: Request,
    service: ServiceDep,
    field: str,
    missing: str,
    produce: Callable[[Any, str, date, str | None, str], Response],
) -> Response:
    """A SEPA file produced at the date the form's `field` gives (`missing` when none)."""
    form = await _form(request)

    def run(v: Viewer) -> Response | str:
        _may_record(v)
        day = _day(form.get(field))
        if day is None:
            return _(missing)
        return produce(service, v.coop_id, day, None, v.principal.actor)

    return _act(request, service, form, run)
