"""The register import page: upload a register, review what a dry run would record and
correct, then confirm. The confirmation carries the reviewed file back (base64, in the
form), so what lands is exactly what was reviewed — and a register imported twice
records nothing the second time."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from scic.access.policy import RECORD, allow
from scic.api.deps import ServiceDep
from scic.i18n import gettext as _
from scic.register_import import (
    ADMISSION_NEVER_REVERSED,
    Contradiction,
    RegisterRefused,
    RegisterReport,
    Words,
    import_bytes,
)
from scic.service import Service
from scic.web import fmt, pages
from scic.web.frame import read_form
from scic.web.self_service import CONTACT_FIELDS
from scic.web.session import CsrfRefused, Viewer, check_csrf

router = APIRouter(include_in_schema=False, dependencies=[pages.PAGE])

MAX_FILE_BYTES = 700_000  # its base64 must fit the confirmation under the body limit


def _counts(members: int, subscriptions: int, payments: int) -> str:
    counted = _(
        "%(members)s associé(s), %(subscriptions)s souscription(s), %(payments)s versement(s)"
    )
    return counted % {"members": members, "subscriptions": subscriptions, "payments": payments}


def _words(report: RegisterReport) -> str:
    """The report's summary as people read it on the page."""
    n, r = report.new, report.recorded
    done, known = _counts(**vars(n)), _counts(**vars(r))
    if report.nothing_to_do:
        return _("%(known)s déjà enregistrés : rien à faire.") % {"known": known}
    if report.corrections:
        done = _("%(done)s et %(fixes)s correction(s)") % {
            "done": done,
            "fixes": len(report.corrections),
        }
    if report.dry_run:
        return _("%(done)s seront enregistrés (%(known)s déjà enregistrés).") % {
            "done": done,
            "known": known,
        }
    return _("%(done)s enregistrés (%(known)s déjà enregistrés).") % {"done": done, "known": known}


_FIELD_NAMES = {name: label for name, label, *_rest in CONTACT_FIELDS}


def _shown(key: str, value: Any) -> str:
    """One value of a contradiction, as the page writes it."""
    if value is None:
        return "—"
    if key.endswith("_cents"):
        return fmt.cents(value)
    if key.endswith("on"):
        return fmt.day(value)
    if key == "field":
        return _(_FIELD_NAMES[value]).lower()
    return str(value)


def _said(words: Words) -> str:
    return "".join(
        _(message) % {k: _shown(k, v) for k, v in values.items()}
        if message is not None
        else "".join(_shown(k, v) for k, v in values.items())
        for message, values in words
    )


def _row(c: Contradiction) -> dict[str, Any]:
    """A contradiction in the page's language (its English words, for one without)."""
    said = {part: _said(c.words[part]) for part in ("what", "ledger", "file") if part in c.words}
    return {
        "line": c.line,
        "member": c.member,
        "what": said.get("what", c.what),
        "ledger": said.get("ledger", c.ledger),
        "file": said.get("file", c.file),
        "correctable": c.correctable,
        "why": _said(c.words["why"]) if "why" in c.words else _(ADMISSION_NEVER_REVERSED),
    }


def _blank(name: str | None, fix: bool) -> dict[str, Any]:
    return {
        "name": name,
        "fix": fix,
        "problems": [],
        "contradictions": [],
        "report": None,
        "words": "",
        "file_data": None,
        "corrections": [],
    }


def _run(
    request: Request,
    service: Service,
    form: dict[str, Any],
    name: str,
    data: bytes,
    dry_run: bool,
) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        allow(RECORD, v.principal)  # the rule of POST …/imports
        try:
            check_csrf(request, form)
        except CsrfRefused:
            raise pages.PageProblem(
                _("Le formulaire a expiré : rechargez la page et recommencez.")
            ) from None
        context = _blank(name, bool(form.get("apply_corrections")))
        if not data:
            context["problems"] = [_("Choisissez un fichier .csv ou .xlsx.")]
            return "imports.html", context
        if len(data) > MAX_FILE_BYTES:
            context["problems"] = [
                _("Fichier trop lourd (plus de %(bytes)s octets).")
                % {"bytes": fmt.number(MAX_FILE_BYTES)}
            ]
            return "imports.html", context
        try:
            report = import_bytes(
                service,
                name,
                data,
                v.coop_id,
                dry_run=dry_run,
                apply_corrections=context["fix"],
                actor=v.principal.actor,
            )
        except RegisterRefused as refused:
            context["problems"] = [str(f) for f in refused.findings]
            context["contradictions"] = [_row(c) for c in refused.contradictions]
            return "imports.html", context
        context.update(
            report=report,
            words=_words(report),
            corrections=[_row(c) for c in report.corrections],
        )
        if dry_run and not report.nothing_to_do:
            context["file_data"] = base64.b64encode(data).decode()
        return "imports.html", context

    return pages.page(request, service, "imports", build)


@router.get("/dashboard/imports")
def import_form(request: Request, service: ServiceDep) -> Response:
    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        allow(RECORD, v.principal)
        return "imports.html", _blank(None, False)

    return pages.page(request, service, "imports", build)


@router.post("/dashboard/imports")
async def review(request: Request, service: ServiceDep) -> Response:
    """The dry run of the uploaded register: what would be recorded, corrected, refused."""
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("register")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    name, data = "", b""
    if isinstance(upload, UploadFile):
        name, data = upload.filename or "registre", await upload.read(MAX_FILE_BYTES + 1)
    return await run_in_threadpool(_run, request, service, fields, name, data, True)


@router.post("/dashboard/imports/confirm")
async def confirm(request: Request, service: ServiceDep) -> Response:
    """Import the reviewed register for real."""
    form = await read_form(request)
    try:
        data = base64.b64decode(form.get("file_data", ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    return await run_in_threadpool(
        _run, request, service, form, form.get("name", "registre")[:200], data, False
    )
