"""`POST /v1/coops/{coop}/imports`: a member register (CSV or XLSX, multipart) imported as
`scic import REGISTER --coop ID` does it, answering the same report as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from scic import register_import
from scic.access.policy import RECORD, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.common import Public
from scic.service import Service

router = APIRouter(tags=["members"])


class ImportCounts(Public):
    members: int
    subscriptions: int
    payments: int


class ImportCorrection(Public):
    line: int
    member: str
    what: str = Field(examples=["subscription of 2024-03-15"])
    ledger: str = Field(description="what the ledger holds")
    file: str = Field(description="what the file says")
    correctable: bool
    reverses: list[str] = Field(description="the writes a correction reverses")
    contact: dict[str, str] = Field(description="the contact fields a correction sets")


class ImportReport(Public):
    file: str
    lines: int
    dry_run: bool
    nothing_to_do: bool
    new: ImportCounts = Field(description="recorded (or, in a dry run, to record)")
    already_recorded: ImportCounts
    corrections: list[ImportCorrection]
    ignored_columns: list[str]
    summary: str = Field(
        examples=["18 members, 19 subscriptions, 4 payments already recorded; nothing to do"]
    )


def _run(
    service: Service, name: str, data: bytes, coop_id: str, dry: bool, fix: bool, actor: str
) -> register_import.RegisterReport:
    return register_import.import_bytes(
        service, name, data, coop_id, dry_run=dry, apply_corrections=fix, actor=actor
    )


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the register, .csv or .xlsx",
                        },
                        "dry_run": {
                            "type": "boolean",
                            "default": False,
                            "description": "check and report; write nothing",
                        },
                        "apply_corrections": {
                            "type": "boolean",
                            "default": False,
                            "description": "record each contradiction as a correction",
                        },
                    },
                }
            }
        },
    }
}
_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no", ""}
_FIELDS = {"file", "dry_run", "apply_corrections"}


def _flag(form: Any, name: str) -> bool | None:
    """A boolean field of the form: absent is false; a value read as neither true nor false
    is None (refused: `dry_run=ture` must not write)."""
    value = str(form.get(name, "")).strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


@router.post(
    "/v1/coops/{coop_id}/imports",
    response_model=ImportReport,
    operation_id="post_imports",
    summary="Import a member register (CSV or XLSX): only what the ledger does not hold",
    responses=problems.WRITE_REFUSALS,
    openapi_extra=_MULTIPART,
)
async def import_register(
    coop_id: str,
    request: Request,
    service: ServiceDep,
    who: Annotated[Principal, requires(RECORD)],
    response: Response,
) -> Any:
    # The form is read here, not by FastAPI: the application's text check has read the
    # body already (a multipart body is read once).
    try:
        form = await request.form(max_files=1, max_fields=10)
    except MultiPartException as exc:  # a body that is no well-formed multipart form
        return problems.problem(422, "invalid-request", f"not a multipart form: {exc}")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return problems.problem(422, "invalid-request", "file: the register is required")
    unknown = sorted(set(form.keys()) - _FIELDS)
    if unknown:  # a misspelt `dry_run` would otherwise write
        return problems.problem(
            422,
            "invalid-request",
            f"{', '.join(unknown)}: no such field (fields: file, dry_run, apply_corrections)",
        )
    dry_run, apply_corrections = _flag(form, "dry_run"), _flag(form, "apply_corrections")
    for flag, value in (("dry_run", dry_run), ("apply_corrections", apply_corrections)):
        if value is None:
            return problems.problem(
                422, "invalid-request", f"{flag}: {form.get(flag)!r} is not true or false"
            )
    assert dry_run is not None and apply_corrections is not None
    data = await upload.read()
    name = upload.filename or "register"
    try:
        report = await run_in_threadpool(
            _run, service, name, data, coop_id, dry_run, apply_corrections, who.actor
        )
    except register_import.RegisterRefused as refused:
        lines = [str(f) for f in refused.findings] + [str(c) for c in refused.contradictions]
        if refused.findings:
            return problems.problem(
                422,
                "register-refused",
                f"{name}: {len(lines)} problem(s), nothing written: {lines[0]}",
                **refused.as_json(),
            )
        correctable = all(c.correctable for c in refused.contradictions)
        hint = " (apply_corrections records them as corrections)" if correctable else ""
        return problems.problem(
            409,
            "register-contradicts-ledger",
            f"{name}: {len(lines)} line(s) contradict the ledger, nothing written{hint}: "
            f"{lines[0]}",
            **refused.as_json(),
        )
    written = not dry_run and not report.nothing_to_do
    response.status_code = 201 if written else 200
    return report.as_json()
