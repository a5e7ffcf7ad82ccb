"""Showing a form, and recording what it sends through the API's own write path.

A form is offered and accepted only to the roles the API's route for the same write
lets through (`command_rule`); it posts with the CSRF token of its cookie (403 without)
and an idempotency key made when it was shown (a double click records once); its body
goes through the API's body model, then `scic.write.pipeline.record`, the function
the API routes call, so a refusal is the API's refusal, said next to its field. On
success: 303 to the page that shows what was recorded, with a confirmation."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from ledger.errors import LedgerError
from ledger.schema import events as events_table
from scic import refusals
from scic.api.problems import KIND_STATUS
from scic.errors import DomainError, NotFound
from scic.projections import views
from scic.projections.compliance import Report, compliance
from scic.projections.tables import grants, parties, subscriptions, title_issues
from scic.service import Service
from scic.web.forms import choices as lists
from scic.web.forms.catalogue import FORMS
from scic.web.forms.labels import lang_of, tr
from scic.web.forms.links import may_record
from scic.web.forms.parse import body_of
from scic.web.forms.refusals import Said, of_domain, of_validation
from scic.web.forms.spec import Done, Field, Form
from scic.web.frame import (
    ROLE_NAMES,
    coop_name,
    links,
    problem_page,
    read_form,
    render,
    signed_in,
)
from scic.web.session import (
    CsrfRefused,
    Viewer,
    check_csrf,
    set_flash,
)
from scic.write import store
from scic.write.commands import COMMANDS
from scic.write.corrections import CORRECTIONS
from scic.write.pipeline import Context, command_of, execute, record

KEY_FIELD = "idempotency_key"
COMPENSATION = "compensation for correction"  # scic.domain.corrections.compensate's reason
CONFIRM_FIELD = "confirmed"


def path_of(command: str, path: dict[str, str]) -> str:
    """`/dashboard/<the write's path under the cooperative>/new`."""
    return f"/dashboard/{COMMANDS[command].route.format(**path)}/new"


# -- what the form shows ---------------------------------------------------------------


@dataclass
class Shown:
    """Everything the template needs, and the status to answer with."""

    form: Form
    path: dict[str, str]
    values: dict[str, str]
    key: str
    lists: dict[str, list[lists.Choice]]
    subject: str | None = None
    said: Said = field(default_factory=lambda: Said({}))
    status: int = 200
    preview: dict[str, Any] | None = None
    fields: tuple[Field, ...] = ()  # the form's, and its rows (set by `fields_of`)


def fields_of(
    conn: sa.Connection, v: Viewer, form: Form
) -> tuple[tuple[Field, ...], dict[str, str]]:
    """The form's fields with the rows the cooperative has, and those rows' values."""
    if form.rows is None:
        return form.fields, {}
    rows, values = form.rows(conn, v.coop_id, v.service.today())
    return (*form.fields, *rows), values


def load_lists(
    conn: sa.Connection, v: Viewer, form: Form, lang: str
) -> dict[str, list[lists.Choice]]:
    today = v.service.today()
    return {
        f.choices: lists.LISTS[f.choices](conn, v.coop_id, today, lang)
        for f in form.fields
        if f.choices
    }


def subject_of(conn: sa.Connection, v: Viewer, path: dict[str, str], lang: str) -> str | None:
    """What a path-bound form is about (the grant, the issue, the person), by name;
    NotFound when the path names nothing of this cooperative."""
    today = v.service.today()
    for key, choices, kind in (
        ("grant_id", lists.grant_choices, "grant"),
        ("issue_id", lists.issue_choices, "title-issue"),
        ("withdrawal_id", lists.reimbursement_choices, "withdrawal"),
    ):
        if key in path:
            offered = choices(conn, v.coop_id, today, lang)
            label = next((c.label for c in offered if c.id == path[key]), None)
            if label is None:
                raise NotFound(kind, path[key])
            return label
    if "party_id" in path:
        party = conn.execute(
            sa.select(parties.c.name).where(
                parties.c.party_id == path["party_id"], parties.c.coop_id == v.coop_id
            )
        ).first()
        if party is None:
            raise NotFound("party", path["party_id"])
        return str(party[0] or views.ERASED)
    if "year" in path and not (path["year"].isdigit() and len(path["year"]) == 4):
        raise NotFound("fiscal-year", path["year"])
    return None


def render_form(request: Request, v: Viewer, shown: Shown, lang: str) -> Response:
    form = shown.form
    nav = links(v)
    with v.service.engine.connect() as conn:
        coop = coop_name(v, conn)
    return render(
        request,
        "forms/form.html",
        status=shown.status,
        v=v,
        nav=nav,
        slug="forms",
        coop_name=coop,
        role_name=ROLE_NAMES[v.role],
        f=shown,
        t=lambda msgid: tr(msgid, lang),
        title=tr(form.title, lang).format(**shown.path),
        action=path_of(form.command, shown.path),
        key_field=KEY_FIELD,
        confirm_field=CONFIRM_FIELD,
        searchable_from=lists.SEARCHABLE_FROM,
        lang=lang,
    )


# -- the frame: who is signed in, and may they record this ----------------------------


def refused(request: Request, v: Viewer, status: int, title: str, message: str) -> Response:
    nav = links(v)
    with v.service.engine.connect() as conn:
        frame = {
            "v": v,
            "nav": nav,
            "slug": "forms",
            "coop_name": coop_name(v, conn),
            "role_name": ROLE_NAMES[v.role],
        }
    return problem_page(request, frame, status, title, message, nav)


def forbidden(request: Request, v: Viewer) -> Response:
    message = (
        f"Ce formulaire n'est pas accessible avec un accès « {ROLE_NAMES[v.role]} » : "
        "l'API refuserait cette écriture."
    )
    return refused(request, v, 403, "Accès refusé", message)


# -- GET: the empty form (or prefilled from the query: ?member_id=…) -------------------


def show(request: Request, service: Service, command: str, path: dict[str, str]) -> Response:
    who = signed_in(request, service)
    if isinstance(who, Response):
        return who
    v = who
    if not may_record(v, command):
        return forbidden(request, v)
    form = FORMS[command]
    lang = lang_of(request)
    with service.engine.connect() as conn:
        try:
            subject = subject_of(conn, v, path, lang)
        except NotFound as error:
            return refused(request, v, 404, "Introuvable", refusals.detail(error))
        choice_lists = load_lists(conn, v, form, lang)
        fields, standing = fields_of(conn, v, form)
    names = {f.name for f in fields}
    values = {**standing, **{k: val for k, val in request.query_params.items() if k in names}}
    shown = Shown(form, path, values, secrets.token_urlsafe(18), choice_lists, subject)
    shown.fields = fields
    return render_form(request, v, shown, lang)


# -- POST: record it, or say why not ---------------------------------------------------


async def submit(
    request: Request, service: Service, command: str, path: dict[str, str]
) -> Response:
    posted = await read_form(request)
    return await run_in_threadpool(_submit, request, service, command, path, posted)


def _submit(
    request: Request,
    service: Service,
    command: str,
    path: dict[str, str],
    posted: dict[str, str],
) -> Response:
    who = signed_in(request, service)
    if isinstance(who, Response):
        return who
    v = who
    try:
        check_csrf(request, posted)
    except CsrfRefused:
        message = (
            "Le formulaire n'était plus valide (jeton anti-falsification absent ou "
            "différent) : rien n'a été enregistré. Rechargez la page et recommencez."
        )
        return refused(request, v, 403, "Formulaire refusé", message)
    if not may_record(v, command):
        return forbidden(request, v)
    form = FORMS[command]
    lang = lang_of(request)
    with service.engine.connect() as conn:
        try:
            subject = subject_of(conn, v, path, lang)
        except NotFound as error:
            return refused(request, v, 404, "Introuvable", refusals.detail(error))
        choice_lists = load_lists(conn, v, form, lang)
        fields, _ = fields_of(conn, v, form)
    names = {f.name for f in fields}
    values = {k: val for k, val in posted.items() if k in names}
    key = posted.get(KEY_FIELD) or secrets.token_urlsafe(18)
    shown = Shown(form, path, values, key, choice_lists, subject)
    shown.fields = fields

    body, unreadable = body_of(fields, posted, choice_lists, lang)
    if unreadable:
        shown.said = Said(unreadable)
        shown.status = 422
        return render_form(request, v, shown, lang)
    try:
        # as the API reads its body, then the command its route hands the command layer
        spec = COMMANDS[command]
        read_as = spec.body_model or spec.model
        command_body = command_of(spec, read_as.model_validate(body), path)
    except ValidationError as error:
        shown.said = of_validation(error, names, lang)
        shown.status = 422
        return render_form(request, v, shown, lang)

    if command == "corrections" and posted.get(CONFIRM_FIELD) != "1":
        try:
            shown.preview = preview(service, v, command_body, lang)
        except (DomainError, LedgerError) as error:
            return said_no(request, v, shown, error, names, lang)
        return render_form(request, v, shown, lang)

    try:
        ctx = Context(v.coop_id, actor=v.actor, today=service.today())
        outcome, _ = record(service, ctx, spec, command_body, key, None)
    except (DomainError, LedgerError) as error:
        return said_no(request, v, shown, error, names, lang)
    with service.engine.connect() as conn:
        done = Done(body, path, outcome.id, outcome.extra, namer(conn, v.coop_id, lang))
        msgid, facts = form.confirm(done)
        message = said_in(lang, tr(msgid, lang).format(**facts))
        target = form.shows(done)
    response = RedirectResponse(target, status_code=303)
    set_flash(response, message)
    return response


ELISION = re.compile(r"\b([dD])e ([AEIOUYÉÈÊÀÂÎÔaeiouyéèêàâîô])")


def said_in(lang: str, text: str) -> str:
    """French elides "de" before a vowel: "Retrait de 2 parts d'Atelier Vert"."""
    return ELISION.sub(r"\1'\2", text) if lang == "fr" else text


def said_no(
    request: Request,
    v: Viewer,
    shown: Shown,
    error: DomainError | LedgerError,
    names: set[str],
    lang: str,
) -> Response:
    shown.said = of_domain(error, names, lang)  # a path field's refusal is said above
    shown.status = KIND_STATUS[error.kind] if isinstance(error, DomainError) else 409
    return render_form(request, v, shown, lang)


# -- names for the confirmation --------------------------------------------------------


def namer(conn: sa.Connection, coop_id: str, lang: str) -> Callable[[str, str], str]:
    """names(kind, id): how the confirmation names what a write touched."""

    def names(kind: str, ident: str) -> str:
        match kind:
            case "members":
                return views.member_names(conn, coop_id).get(ident, ident)
            case "categories":
                statutes = views.statutes_at(conn, coop_id, date.max, None)
                found = {c.code: c.name for c in statutes.categories} if statutes else {}
                return found.get(ident, ident)
            case "subscriber" | "subscriber-id":
                member = conn.execute(
                    sa.select(subscriptions.c.member_id).where(
                        subscriptions.c.subscription_id == ident
                    )
                ).scalar_one()
                return member if kind == "subscriber-id" else names("members", member)
            case "funders":
                return lists.funder_names(conn, coop_id).get(ident, ident)
            case "grant-funder":
                funder = conn.execute(
                    sa.select(grants.c.funder_id).where(grants.c.grant_id == ident)
                ).scalar_one()
                return names("funders", funder)
            case "issue-holder":
                holder = conn.execute(
                    sa.select(title_issues.c.holder_id).where(title_issues.c.issue_id == ident)
                ).scalar_one()
                return names("funders", holder)
            case "event":
                e = events_table.c
                row = conn.execute(
                    sa.select(e.type, e.effective_date, e.amount_cents, e.subject_id).where(
                        e.event_id == ident
                    )
                ).one()
                everyone = {
                    **views.member_names(conn, coop_id),
                    **lists.funder_names(conn, coop_id),
                }
                return lists.describe(row, everyone, lang)
        raise LookupError(kind)

    return names


# -- corrections: the dry run ----------------------------------------------------------


class _DryRun(Exception):  # noqa: N818 — carries the outcome out of the rolled-back write
    def __init__(self, found: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.found = found


def preview(service: Service, v: Viewer, command: BaseModel, lang: str) -> dict[str, Any]:
    """What a correction would record, from the same command run in a write transaction
    that is rolled back: the events it reverses, the reimbursements it sends back to the
    queue (R5) or lets go, and the compliance findings it would create."""
    ctx = Context(v.coop_id, actor=v.actor, today=service.today())
    try:
        with service.store.write() as session:
            conn = session.conn
            before = compliance(conn, v.coop_id, ctx.today)
            outcome = execute(session, ctx, CORRECTIONS, command)
            session.flush()
            e = events_table.c
            rows = conn.execute(
                sa.select(e.event_id, e.type, e.data, e.effective_date, e.reverses)
                .where(e.event_id.in_(outcome.event_ids))
                .order_by(e.position)
            ).all()
            after = compliance(conn, v.coop_id, ctx.today)
            raise _DryRun(_described(conn, v.coop_id, rows, before, after, lang))
    except _DryRun as dry:
        # the cached timeline holds what was rolled back: folded again off the lock
        store.refold(service.engine, service.store.registry, v.coop_id)
        return dry.found


def _described(
    conn: sa.Connection,
    coop_id: str,
    rows: Sequence[Any],
    before: Report,
    after: Report,
    lang: str,
) -> dict[str, Any]:
    e = events_table.c
    everyone = {**views.member_names(conn, coop_id), **lists.funder_names(conn, coop_id)}
    reversed_: list[str] = []
    compensated: list[str] = []
    released: list[str] = []
    for row in rows:
        if row.reverses is not None:
            target = conn.execute(
                sa.select(e.type, e.effective_date, e.amount_cents, e.subject_id).where(
                    e.event_id == row.reverses
                )
            ).one()
            said = lists.describe(target, everyone, lang)
            reason = str(row.data.get("reason", ""))
            (compensated if reason.startswith(COMPENSATION) else reversed_).append(said)
        else:
            amount = row.data.get("amount_cents")
            fake = _Row(row.type, row.effective_date, amount, row.data.get("member_id"))
            released.append(lists.describe(fake, everyone, lang))
    seen = {(f.code, f.message) for f in before.findings}
    created = [
        f for f in after.findings if (f.code, f.message) not in seen and f.severity == "warning"
    ]
    return {
        "reverses": reversed_,
        "compensates": compensated,
        "releases": released,
        "findings": created,
    }


@dataclass(frozen=True)
class _Row:
    type: str
    effective_date: date
    amount_cents: int | None
    subject_id: str | None
