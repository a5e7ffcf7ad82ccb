"""A refusal on a form: which field it concerns, and what to say there, in the page's
language (title, detail, the rule it names)."""

from __future__ import annotations

from scic import refusals
from scic.errors import DomainError, NotFound
from scic.i18n import gettext as _

# The form field each refusal concerns (else it is shown above the form: "").
FIELDS = {
    "password-too-short": "password",
    "password-too-common": "password",
    "invalid-credentials": "password",
    "wrong-current-password": "current_password",
    "passwords-differ": "confirmation",
    "invalid-email": "email",
    "account-exists": "email",
    "unknown-role": "role",
    "admin-token-is-global": "role",
    "last-manager": "role",
}
_PARTY = {"member": "member_id", "funder": "funder_id"}


def message(error: DomainError) -> str:
    """What to show: the refusal's title, its detail, and the rule it names."""
    text = f"{refusals.title(error.slug)} : {refusals.detail(error)}"
    rule = refusals.rule_text(error.rule)
    return text + (f" ({rule})" if rule else "")


def field_message(error: DomainError, role: str | None = None) -> tuple[str, str]:
    """(the field, the message). A missing or wrong member or funder goes next to its
    list; anything else unknown above the form."""
    if error.slug in ("party-required", "party-kind-mismatch", "one-party-only") or (
        isinstance(error, NotFound) and error.slug in ("member-not-found", "funder-not-found")
    ):
        field = _PARTY.get(role or "", "")
        if role == "member":
            return field, _("Choisissez l'associé pour qui parle ce compte.")
        return field, _("Choisissez le financeur pour qui parle ce compte.")
    return FIELDS.get(error.slug, ""), message(error)


def invitation_message(error: DomainError) -> str:
    """Why an invitation link cannot be used, in words."""
    if isinstance(error, NotFound):
        return _(
            "Ce lien d'invitation n'est pas reconnu. Vérifiez qu'il est copié en entier, ou "
            "demandez une nouvelle invitation."
        )
    return refusals.detail(error)
