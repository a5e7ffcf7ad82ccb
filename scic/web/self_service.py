"""The member's side of the dashboard: its contact details corrected (through the
contact corrections of scic.contacts), its requests for more shares or a withdrawal,
its mail preferences, all its data as JSON; and the manager's inbox of requests, where
each is accepted (the real command runs) or declined with a reason. Every form is
judged by the access rule of the API route that does the same write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ledger.errors import LedgerError
from scic import contacts, i18n, refusals
from scic import member_requests as requests
from scic.access import policy
from scic.access.errors import AccessError
from scic.access.policy import (
    CONTACT_LOG,
    MAIL_PREFERENCES,
    MEMBER_CONTACT,
    MEMBER_DATA,
    MEMBER_REQUESTS,
    PUBLIC,
    REQUEST_INBOX,
    SEPA_MANDATES,
    Rule,
    requires,
)
from scic.accounts import actors
from scic.api.deps import ServiceDep
from scic.api.routes.member_requests import member_data
from scic.bank import accounts as bank_accounts
from scic.bank import mandates
from scic.errors import DomainError, NotFound
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.mail import preferences
from scic.service import Service
from scic.web import fmt
from scic.web.forms.machinery import refused
from scic.web.forms.refusals import of_domain
from scic.web.frame import ROLE_NAMES, coop_name, links, posted, render, signed_in
from scic.web.session import Viewer

router = APIRouter(include_in_schema=False, dependencies=[requires(PUBLIC)])

DONE = {
    "contact": N_("Vos coordonnées sont corrigées."),
    "request": N_("Votre demande est envoyée : elle attend la décision d'un gestionnaire."),
    "preferences": N_("Vos préférences de courriel sont enregistrées."),
    "mandate": N_("Le mandat de prélèvement SEPA est enregistré."),
    "mandate-revoked": N_("Le mandat de prélèvement SEPA est révoqué : plus aucun prélèvement."),
}
MANDATE_STATUS = {"active": N_("en vigueur"), "revoked": N_("révoqué"), "erased": N_("effacé")}
KINDS = {"subscription": N_("Souscrire des parts"), "withdrawal": N_("Retirer des parts")}


def allowed(v: Viewer, rule: Rule, **path: str) -> bool:
    """Would the API let this viewer do what `rule` guards on this member (its own)?"""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "path_params": {"coop_id": v.coop_id, **path},
        "app": v.request.app,
    }
    try:
        policy.decide(rule, v.principal, Request(scope), v.service)
    except (AccessError, NotFound):
        return False
    return True


def label(r: dict[str, Any]) -> str:
    if r["kind"] == "subscription":
        return _("Souscription de %(shares)s parts (%(paid)s versés)") % {
            "shares": r["shares"],
            "paid": fmt.euros(r["paid"]),
        }
    return _("Retrait de %(shares)s parts") % {"shares": r["shares"]}


def outcome(r: dict[str, Any]) -> str:
    if r["status"] == "pending":
        return _("En attente de la décision du gestionnaire")
    if r["status"] == "accepted":
        return _("Acceptée et enregistrée")
    if r["status"] == "declined":
        return _("Refusée : %(reason)s") % {"reason": r["reason"]}
    error = requests.refusal_of(r)
    said = of_domain(error, set(), i18n.current()) if error is not None else None
    return _("Refusée par une règle : %(refusal)s") % {
        "refusal": said.above if said else r["reason"]
    }


def contact_log(v: Viewer, conn: sa.Connection, member_id: str) -> dict[str, Any] | None:
    """The corrections of the member's contact details, for those the API lets read them
    (`GET …/contact-changes`: managers), with who made each (None: not this viewer)."""
    if not allowed(v, CONTACT_LOG, member_id=member_id):
        return None
    changes = contacts.change_log(conn, v.coop_id, member_id)
    return {
        "changes": [{**c, "field_name": _(_FIELD_NAMES[c["field"]])} for c in changes],
        "actors": actors.names(conn, (c["changed_by"] for c in changes)),
    }


def member_panel(v: Viewer, conn: sa.Connection, member_id: str) -> dict[str, Any] | None:
    """What the member page offers on the member's side (None: nothing for this viewer)."""
    if not allowed(v, MEMBER_REQUESTS, member_id=member_id):
        return None
    rows = requests.listing(conn, v.coop_id, member_id)
    return {
        "contact": allowed(v, MEMBER_CONTACT, member_id=member_id),
        "data": allowed(v, MEMBER_DATA, member_id=member_id),
        "preferences": (
            preferences.of_member(conn, v.coop_id, member_id)
            if allowed(v, MAIL_PREFERENCES, member_id=member_id)
            else None
        ),
        "requests": [{**r, "label": label(r), "outcome": outcome(r)} for r in rows],
        "mandates": (
            [
                {
                    "id": x.mandate_id,
                    "reference": x.reference,
                    "signed_on": x.signed_on,
                    "debtor_name": x.debtor_name,
                    "iban": bank_accounts.formatted_iban(x.iban) if x.iban else None,
                    "status": x.status,
                    "status_label": _(MANDATE_STATUS[x.status]),
                }
                for x in mandates.listed(conn, v.coop_id, member_id)
            ]
            if allowed(v, SEPA_MANDATES, member_id=member_id)
            else None
        ),
    }


# -- the frame shared by these pages -----------------------------------------------------


async def _viewer(request: Request, service: Service) -> Viewer | Response:
    # the words these handlers put on the page are chosen here, before render() would
    i18n.activate(i18n.page_locale(request))
    return await run_in_threadpool(signed_in, request, service)


def _form_page(request: Request, v: Viewer, status: int = 200, **context: Any) -> Response:
    with v.service.engine.connect() as conn:
        frame = {
            "v": v,
            "nav": links(v),
            "slug": "members",
            "coop_name": coop_name(v, conn),
            "role_name": ROLE_NAMES[v.role],
        }
    return render(request, "self_form.html", status=status, **frame, **context)


def _refused(request: Request, v: Viewer, status: int, message: str) -> Response:
    return refused(request, v, status, _("Accès refusé") if status == 403 else _("Refusé"), message)


def _fields(
    spec: tuple[tuple[str, str, str, str | None], ...],
    values: Mapping[str, Any],
    errors: Mapping[str, str],
) -> list[dict[str, Any]]:
    """A form's fields in the page's language, each with its value and its error."""
    return [
        {
            "name": n,
            "label": _(lbl),
            "kind": k,
            "help": _(h) if h else None,
            "value": values.get(n),
            "error": errors.get(n),
        }
        for n, lbl, k, h in spec
    ]


# -- contact details ---------------------------------------------------------------------

CONTACT_FIELDS = (
    ("name", N_("Nom"), "text", N_("Tel qu'il doit s'écrire dans le registre.")),
    ("address", N_("Adresse postale"), "textarea", None),
    (
        "email",
        N_("Adresse électronique"),
        "email",
        N_("Pour recevoir les attestations et les avis."),
    ),
    ("phone", N_("Téléphone"), "tel", None),
)
_FIELD_NAMES = {name: label for name, label, *_ in CONTACT_FIELDS}


def _contact_page(
    request: Request,
    v: Viewer,
    member_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    above: str | None = None,
    status: int = 200,
) -> Response:
    return _form_page(
        request,
        v,
        status,
        title=_("Corriger mes coordonnées"),
        intro=_(
            "Chaque correction est gardée avec sa date et son auteur, visible des gestionnaires."
        ),
        above=above,
        action=f"/dashboard/members/{member_id}/contact",
        back=f"/dashboard/members/{member_id}",
        submit=_("Enregistrer"),
        fields=_fields(CONTACT_FIELDS, values, errors),
    )


@router.get("/dashboard/members/{member_id}/contact")
async def contact_form(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MEMBER_CONTACT, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    with service.engine.connect() as conn:
        party = contacts._party_of(conn, v.coop_id, member_id)
    return _contact_page(request, v, member_id, dict(party), {})


@router.post("/dashboard/members/{member_id}/contact")
async def contact_save(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MEMBER_CONTACT, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    # browsers send a textarea's line breaks as CR LF: an address keeps plain line feeds
    form = {k: text.replace("\r\n", "\n").replace("\r", "\n") for k, text in form.items()}
    with service.engine.connect() as conn:
        party = contacts._party_of(conn, v.coop_id, member_id)
    # only what changed: a field left as it was is not a correction
    changed = {
        n: (form.get(n, "").strip() or None)
        for n, *rest in CONTACT_FIELDS
        if (form.get(n, "").strip() or None) != (party.get(n) or None)
    }
    if not changed:
        return RedirectResponse(f"/dashboard/members/{member_id}?done=contact", status_code=303)
    try:
        update = contacts.ContactUpdate.model_validate(changed)
    except ValidationError as error:
        errors = {}
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else ""
            errors[field] = _field_error(item)
        above = None if all(errors) else errors.pop("", None)
        return _contact_page(request, v, member_id, form, errors, above, status=422)
    try:
        with service.engine.begin() as conn:
            contacts.change_contact(
                conn, v.coop_id, member_id, update, v.principal.actor, service.store.clock()
            )
    except DomainError as error:
        said = of_domain(error, {n for n, *rest in CONTACT_FIELDS}, i18n.current())
        return _contact_page(request, v, member_id, form, said.by_field, said.above, status=409)
    return RedirectResponse(f"/dashboard/members/{member_id}?done=contact", status_code=303)


def _field_error(item: Any) -> str:
    kind, loc = item["type"], item["loc"]
    field = str(loc[0]) if loc else ""
    if field == "email":
        return _("Ce n'est pas une adresse électronique.")
    if field == "phone":
        return _("Ce n'est pas un numéro de téléphone (chiffres, espaces, +, points, tirets).")
    if kind in ("string_too_long", "too_long"):
        return _("Trop long.")
    if kind in ("string_too_short", "too_short"):
        return _("Ne peut pas être vide.")
    if "control" in str(item.get("msg", "")):
        return _("Caractères de contrôle refusés.")
    return _("Valeur refusée.")


# -- SEPA direct-debit mandates ----------------------------------------------------------

MANDATE_FIELDS = (
    (
        "debtor_name",
        N_("Titulaire du compte"),
        "text",
        N_("Le nom du titulaire, tel que la banque l'écrit."),
    ),
    ("iban", N_("IBAN"), "text", N_("Par exemple FR76 3000 6000 0112 3456 7890 189.")),
    ("bic", N_("BIC (facultatif)"), "text", None),
    ("signed_on", N_("Date de signature"), "date", N_("Aucun prélèvement tant qu'elle manque.")),
    (
        "reference",
        N_("Référence unique du mandat (RUM, facultative)"),
        "text",
        N_("Laissée vide : le registre en attribue une."),
    ),
)


def _mandate_page(
    request: Request,
    v: Viewer,
    member_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    above: str | None = None,
    status: int = 200,
) -> Response:
    return _form_page(
        request,
        v,
        status,
        title=_("Mandat de prélèvement SEPA"),
        intro=_(
            "Les parts appelées sont prélevées sur ce compte à leur échéance. L'IBAN est "
            "une donnée personnelle : il est effacé avec l'associé."
        ),
        above=above,
        action=f"/dashboard/members/{member_id}/sepa-mandate",
        back=f"/dashboard/members/{member_id}",
        submit=_("Enregistrer le mandat"),
        fields=_fields(MANDATE_FIELDS, values, errors),
    )


MANDATE_REFUSALS: dict[str, tuple[str | None, str]] = {
    "invalid-iban": ("iban", N_("Cet IBAN n'est pas valable (clé de contrôle ou longueur).")),
    "invalid-bic": ("bic", N_("Ce BIC n'est pas valable.")),
    "sepa-mandate-reference-taken": ("reference", N_("Cette référence de mandat est déjà prise.")),
    "sepa-mandate-in-force": (None, N_("Un mandat est déjà en vigueur : révoquez-le d'abord.")),
    "party-erased": (None, N_("Les données personnelles de cet associé ont été effacées.")),
}


@router.get("/dashboard/members/{member_id}/sepa-mandate")
async def mandate_form(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, SEPA_MANDATES, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    with service.engine.connect() as conn:
        party = contacts._party_of(conn, v.coop_id, member_id)
    return _mandate_page(request, v, member_id, {"debtor_name": party["name"]}, {})


@router.post("/dashboard/members/{member_id}/sepa-mandate")
async def mandate_save(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, SEPA_MANDATES, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    given = {n: form.get(n, "").strip() or None for n, *rest in MANDATE_FIELDS}
    try:
        body = mandates.NewMandate.model_validate(given)
    except ValidationError as error:
        errors = {}
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else ""
            errors[field] = (
                _("Ce n'est pas une date (jj/mm/aaaa).")
                if field == "signed_on"
                else _field_error(item)
            )
        return _mandate_page(request, v, member_id, form, errors, status=422)
    try:
        with service.engine.begin() as conn:
            mandates.create(
                conn, v.coop_id, member_id, body, v.principal.actor, service.store.clock()
            )
    except DomainError as error:
        concerned, words = MANDATE_REFUSALS.get(error.slug, (None, refusals.detail(error)))
        words = _(words) if error.slug in MANDATE_REFUSALS else words
        if concerned is not None:
            return _mandate_page(request, v, member_id, form, {concerned: words}, status=409)
        return _mandate_page(request, v, member_id, form, {}, words, status=409)
    return RedirectResponse(f"/dashboard/members/{member_id}?done=mandate", status_code=303)


@router.post("/dashboard/members/{member_id}/sepa-mandates/{mandate_id}/revoke")
async def mandate_revoke(
    request: Request, service: ServiceDep, member_id: str, mandate_id: str
) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, SEPA_MANDATES, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    try:
        with service.engine.begin() as conn:
            mandates.revoke(
                conn, v.coop_id, member_id, mandate_id, v.principal.actor, service.store.clock()
            )
    except DomainError as error:
        return _refused(request, v, 409, refusals.detail(error))
    return RedirectResponse(f"/dashboard/members/{member_id}?done=mandate-revoked", status_code=303)


# -- requests ----------------------------------------------------------------------------


REQUEST_FIELD_ERRORS = {
    "kind": N_("Choisissez une souscription ou un retrait."),
    "shares": N_("Un nombre entier de parts, au moins 1."),
    "paid": N_("Un montant en euros, par exemple 150 ou 150,50."),
}


def _request_page(
    request: Request,
    v: Viewer,
    member_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    above: str | None = None,
    status: int = 200,
) -> Response:
    return _form_page(
        request,
        v,
        status,
        title=_("Demander des parts ou un retrait"),
        intro=_(
            "Votre demande attend la décision d'un gestionnaire : elle n'est enregistrée au "
            "registre que lorsqu'il l'accepte, aux règles de la coopérative (au moins le quart "
            "de la valeur nominale versé à la souscription, plafond des collectivités…)."
        ),
        above=above,
        action=f"/dashboard/members/{member_id}/requests",
        back=f"/dashboard/members/{member_id}",
        submit=_("Envoyer la demande"),
        fields=[
            {
                "name": "kind",
                "label": _("Demande"),
                "kind": "select",
                "choices": [(kind, _(word)) for kind, word in KINDS.items()],
                "value": values.get("kind", "subscription"),
                "error": errors.get("kind"),
            },
            {
                "name": "shares",
                "label": _("Nombre de parts"),
                "kind": "number",
                "value": values.get("shares"),
                "error": errors.get("shares"),
            },
            {
                "name": "paid",
                "label": _("Montant versé à la souscription (€)"),
                "kind": "text",
                "help": _("Pour une souscription ; vide : la totalité."),
                "value": values.get("paid"),
                "error": errors.get("paid"),
            },
            {
                "name": "message",
                "label": _("Message au gestionnaire"),
                "kind": "textarea",
                "value": values.get("message"),
                "error": errors.get("message"),
            },
        ],
    )


@router.get("/dashboard/members/{member_id}/requests/new")
async def request_form(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MEMBER_REQUESTS, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    return _request_page(request, v, member_id, dict(request.query_params), {})


@router.post("/dashboard/members/{member_id}/requests")
async def request_send(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MEMBER_REQUESTS, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    shares = form.get("shares", "").strip()
    # a form sends text: a whole number typed becomes the integer the API body takes
    body: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "shares": int(shares) if shares.isascii() and shares.isdigit() else shares,
    }
    paid = form.get("paid", "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if paid.endswith("€"):
        paid = paid[:-1]
    if paid and body["kind"] == "subscription":
        body["paid"] = paid
    if form.get("message", "").strip():
        body["message"] = form["message"].strip()
    errors: dict[str, str] = {}
    try:
        parsed = requests.NewRequest.model_validate(body)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else "shares"
            errors[field] = _(REQUEST_FIELD_ERRORS.get(field, N_("Valeur refusée.")))
        return _request_page(request, v, member_id, form, errors, status=422)
    try:
        with service.engine.begin() as conn:
            requests.create(
                conn, v.coop_id, member_id, parsed, service.store.clock(), v.principal.actor
            )
    except DomainError as error:
        said = of_domain(error, {"kind", "shares", "paid"}, i18n.current())
        return _request_page(request, v, member_id, form, said.by_field, said.above, status=409)
    return RedirectResponse(f"/dashboard/members/{member_id}?done=request", status_code=303)


# -- mail preferences and data -----------------------------------------------------------


@router.post("/dashboard/members/{member_id}/mail-preferences")
async def preferences_save(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MAIL_PREFERENCES, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    change = {"lang": "en" if form.get("lang") == "en" else "fr", "opted_out": "opted_out" in form}
    with service.engine.begin() as conn:
        preferences.set_member(
            conn, v.coop_id, member_id, change, service.store.clock(), v.principal.actor
        )
    return RedirectResponse(f"/dashboard/members/{member_id}?done=preferences", status_code=303)


@router.get("/dashboard/members/{member_id}/data")
async def data_download(request: Request, service: ServiceDep, member_id: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, MEMBER_DATA, member_id=member_id):
        return _refused(request, v, 404, _("Aucun associé de ce nom ici."))
    data = await run_in_threadpool(member_data, service, v.coop_id, member_id)
    return Response(
        orjson.dumps(data, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="mes-donnees_{member_id}.json"',
            "Cache-Control": "no-store",
        },
    )


# -- the manager's inbox -----------------------------------------------------------------


def _inbox(request: Request, v: Viewer, status: int = 200, **extra: Any) -> Response:
    with v.service.engine.connect() as conn:
        rows = [
            {**r, "label": label(r), "outcome": outcome(r)}
            for r in requests.listing(conn, v.coop_id)
        ]
        frame = {
            "v": v,
            "nav": links(v),
            "slug": "requests",
            "coop_name": coop_name(v, conn),
            "role_name": ROLE_NAMES[v.role],
        }
    return render(
        request,
        "requests.html",
        status=status,
        **frame,
        pending=[r for r in rows if r["status"] == "pending"],
        decided=[r for r in rows if r["status"] != "pending"],
        notice=extra.get("notice"),
        above=extra.get("above"),
    )


@router.get("/dashboard/requests")
async def inbox(request: Request, service: ServiceDep, done: str | None = None) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, REQUEST_INBOX):
        return _refused(
            request, v, 403, _("Les demandes des associés sont pour les gestionnaires.")
        )
    notice = {
        "accepted": N_("Demande acceptée et enregistrée."),
        "declined": N_("Demande refusée."),
    }
    return _inbox(request, v, notice=_(notice[done]) if done in notice else None)


@router.post("/dashboard/requests/{request_id}/{decision}")
async def decide(request: Request, service: ServiceDep, request_id: str, decision: str) -> Response:
    v = await _viewer(request, service)
    if isinstance(v, Response):
        return v
    if not allowed(v, REQUEST_INBOX) or decision not in ("accept", "decline"):
        return _refused(
            request, v, 403, _("Les demandes des associés sont pour les gestionnaires.")
        )
    form = await posted(request)
    if form is None:
        return _refused(
            request, v, 400, _("Le formulaire n'était plus valide : rechargez la page.")
        )
    try:
        if decision == "accept":
            await run_in_threadpool(
                requests.accept, service, v.coop_id, request_id, v.principal.actor
            )
        else:
            reason = form.get("reason", "").strip()
            if len(reason) < 3:
                return _inbox(
                    request, v, 422, above=_("Donnez le motif du refus (3 caractères au moins).")
                )
            await run_in_threadpool(
                requests.decline, service, v.coop_id, request_id, reason, v.principal.actor
            )
    except (DomainError, LedgerError) as error:
        said = of_domain(error, set(), i18n.current())
        from scic.api.problems import KIND_STATUS

        status = KIND_STATUS[error.kind] if isinstance(error, DomainError) else 409
        return _inbox(
            request,
            v,
            status,
            above=_("La demande n'a pas pu être acceptée : %(refusal)s") % {"refusal": said.above},
        )
    done = "accepted" if decision == "accept" else "declined"
    return RedirectResponse(f"/dashboard/requests?done={done}", status_code=303)
