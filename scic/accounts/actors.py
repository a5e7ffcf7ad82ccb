"""Who recorded an event, for people: the `actor` column (`user:<id>`,
`token:<id>:<role>`, `demo`, `scheduler`, `cli:import`…) turned into a name — the
person's, the party a token speaks for, or the token's role — never an id."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from scic.access.tables import api_tokens
from scic.accounts.tables import users
from scic.i18n import N_
from scic.i18n import gettext as _
from scic.projections.tables import parties

ROLES = {
    "admin": N_("administrateur"),
    "manager": N_("gestionnaire"),
    "accountant": N_("comptable"),
    "funder": N_("financeur"),
    "member": N_("associé"),
}
SYSTEM = {
    "demo": N_("données de démonstration"),
    "scheduler": N_("tâches planifiées"),
    "cli": N_("ligne de commande"),
    "cli:import": N_("import en ligne de commande"),
}


def names(conn: sa.Connection, actors: Iterable[str | None]) -> dict[str, str]:
    """The display name of each actor, in the current language."""
    wanted = {a for a in actors if a}
    user_ids = {a.split(":")[1] for a in wanted if a.startswith("user:")}
    token_ids = {a.split(":")[1] for a in wanted if a.startswith("token:") and a.count(":") >= 2}
    people = {}
    if user_ids:
        rows = conn.execute(
            sa.select(users.c.user_id, users.c.name).where(users.c.user_id.in_(user_ids))
        )
        people = {r.user_id: r.name for r in rows}
    tokens = {}
    if token_ids:
        rows = conn.execute(
            sa.select(api_tokens.c.token_id, api_tokens.c.label, parties.c.name)
            .outerjoin(parties, parties.c.party_id == api_tokens.c.party_id)
            .where(api_tokens.c.token_id.in_(token_ids))
        )
        tokens = {r.token_id: (r.label, r.name) for r in rows}
    found = {}
    for actor in wanted:
        kind, _sep, rest = actor.partition(":")
        if kind == "user":
            found[actor] = people.get(rest) or _("compte supprimé")
        elif kind == "token":
            token_id, _sep, role = rest.partition(":")
            label, party = tokens.get(token_id, (None, None))
            role_name = _(ROLES[role]) if role in ROLES else role
            who = party or (label if label and not label.startswith("demo ") else None)
            found[actor] = (
                _("%(who)s (jeton %(role)s)") % {"who": who, "role": role_name}
                if who
                else _("jeton %(role)s") % {"role": role_name}
            )
        elif actor in SYSTEM:
            found[actor] = _(SYSTEM[actor])
        else:
            found[actor] = actor
    return found
