"""Links from the read pages to the forms: "Souscrire des parts" on a member,
"Enregistrer un versement" on a subscription, "Corriger" on an event of an open year.
A link is shown only when the API would accept the write from the viewer's token."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa

from ledger.schema import events as events_table
from scic.access.errors import AccessError
from scic.access.policy import allow, command_rule
from scic.accounting.fiscal_years import closed_until
from scic.domain.corrections import REVERSIBLE
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.projections.tables import reversals
from scic.web.session import Viewer
from scic.write.commands import COMMANDS


@dataclass(frozen=True)
class Action:
    label: str
    href: str


def may_record(v: Viewer, command: str) -> bool:
    """Would the API's route for this write let the viewer's token through?"""
    try:
        allow(command_rule(COMMANDS[command].route), v.principal)
    except AccessError:
        return False
    return True


def form_href(command: str, path: dict[str, str] | None = None, **prefill: str) -> str:
    """`/dashboard/<the write's path under the cooperative>/new`, prefilled by the query."""
    href = f"/dashboard/{COMMANDS[command].route.format(**(path or {}))}/new"
    return f"{href}?{urlencode(prefill)}" if prefill else href


def member_actions(v: Viewer, member_id: str, party_id: str, active: bool) -> list[Action]:
    wanted = [
        ("subscriptions", N_("Souscrire des parts"), {}, {"member_id": member_id}),
        ("transfers", N_("Céder des parts"), {}, {"from_member_id": member_id}),
        ("withdrawals", N_("Retirer des parts"), {}, {"member_id": member_id}),
        ("category-changes", N_("Changer de catégorie"), {}, {"member_id": member_id}),
        ("exclusions", N_("Exclure"), {}, {"member_id": member_id}),
        ("erasures", N_("Effacer les données personnelles"), {"party_id": party_id}, {}),
    ]
    if not active:
        wanted = [w for w in wanted if w[0] == "erasures"]
    return [
        Action(_(label), form_href(name, path, **prefill))
        for name, label, path, prefill in wanted
        if may_record(v, name)
    ]


def subscription_actions(
    v: Viewer, subscription_id: str, unpaid: bool, former_owes: bool | None = None
) -> list[Action]:
    """The forms for a subscription's unpaid part. `former_owes`: for a member who has
    left (None while it is an associate), whether it still owes on its calls — R7, C. com.
    L231-6: nothing more is called, but what it owes it may pay, while its reimbursement
    waits or after it."""
    if former_owes is not None:
        wanted = [("payments", N_("Enregistrer un versement de ce qu'il reste devoir"))]
        if not former_owes:
            return []
    elif not unpaid:
        return []
    else:
        wanted = [
            ("payments", N_("Enregistrer un versement")),
            ("calls", N_("Appeler le non-libéré")),
        ]
    return [
        Action(_(label), form_href(name, subscription_id=subscription_id))
        for name, label in wanted
        if may_record(v, name)
    ]


def grant_actions(v: Viewer, grant_id: str) -> list[Action]:
    wanted = [
        ("grant-instalments", N_("Versement reçu")),
        ("grant-justifications", N_("Justificatif")),
        ("grant-clawbacks", N_("Reversement")),
        ("grant-amendments", N_("Avenant")),
        ("grant-closures", N_("Solder")),
    ]
    return [
        Action(_(label), form_href(name, {"grant_id": grant_id}))
        for name, label in wanted
        if may_record(v, name)
    ]


def correctable(conn: sa.Connection, v: Viewer, event_ids: Iterable[str]) -> dict[str, str]:
    """Of these events, those a correction may reverse, with its form's link: of a
    reversible type, not a reversal, not reversed yet, in an open fiscal year (R16)."""
    ids = list(event_ids)
    if not ids or not may_record(v, "corrections"):
        return {}
    e = events_table.c
    query = sa.select(e.event_id).where(
        e.tenant_id == v.coop_id,
        e.event_id.in_(ids),
        e.type.in_(sorted(REVERSIBLE)),
        e.reverses.is_(None),
        e.event_id.not_in(sa.select(reversals.c.reversed_event_id)),
    )
    until = closed_until(conn, v.coop_id)
    if until is not None:
        query = query.where(e.effective_date > until)
    return {
        ident: form_href("corrections", reverses=ident) for ident in conn.execute(query).scalars()
    }
