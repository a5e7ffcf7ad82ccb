"""A refusal of the command layer, said on the form: in the reader's language, next to
the field it concerns, naming the rule ("R7 — …"). The refusal itself is the API's
(scic.errors.CATALOGUE, the same slugs and rules); this module only words it and says
which field it is about."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from ledger.errors import IdempotencyConflict, LedgerError, WrongExpectedVersion
from scic import refusals
from scic.errors import DomainError
from scic.web.forms.labels import FRENCH, tr

DATES = (
    "effective_date",
    "report_made_available_on",
    "admitted_on",
    "awarded_on",
    "issued_on",
    "decided_on",
    "granted_on",
)

# slug → the fields its refusal may concern, first present wins (its words are
# scic.refusals.DETAILS, in the reader's language)
REFUSALS: dict[str, tuple[str, ...]] = {
    "agreement-required": ("agreement_ref",),
    "already-reversed": ("reverses",),
    "amount-too-large": ("amount", "paid", "nominal"),
    "award-below-received": ("amount",),
    "call-due-date-out-of-bounds": ("due_date",),
    "call-exceeds-uncalled": ("amount",),
    "capital-below-legal-minimum": ("share_nominal", "statutory_floor"),
    "date-before-admission": ("effective_date", "member_id", "from_member_id", "to_member_id"),
    "date-before-award": ("effective_date",),
    "date-before-incorporation": DATES,
    "date-before-issue": ("effective_date",),
    "date-before-subscription": ("effective_date",),
    "date-beyond-horizon": (*DATES, "due_date", "expires_on"),
    "de-minimis-ceiling": ("de_minimis_override", "amount"),
    "duplicate-subscription": ("member_id",),
    "esus-approval-dates": ("expires_on",),
    "esus-approval-too-long": ("expires_on",),
    "exit-holding-changed": ("member_id",),
    "first-payment-below-quarter": ("paid",),
    "grant-closed": ("amount", "effective_date"),
    "holder-required": ("holder_id", "holder.name"),
    "instalment-exceeds-award": ("amount",),
    "invalid-siren": ("siren",),
    "investor-required": ("investor_id", "investor.name"),
    "justification-before-payment": ("amount",),
    "justification-exceeds-received": ("amount",),
    "charge-above-carried-loss": ("amount",),
    "clawback-exceeds-received": ("amount",),
    "member-number-taken": ("number",),
    "review-in-future": ("report_made_available_on",),
    "member-not-active": ("member_id", "from_member_id", "to_member_id"),
    "no-shares-to-withdraw": ("member_id",),
    "nominal-change-with-shares-outstanding": ("share_nominal",),
    "not-enough-shares": ("shares",),
    "not-reversible": ("reverses",),
    "payment-already-called": ("effective_date",),
    "payment-exceeds-unpaid": ("amount",),
    "payment-exceeds-owed": ("amount",),
    "reimbursement-set-off-changed": ("effective_date",),
    "public-capital-cap": ("shares", "category"),
    "redemption-before-seven-years": ("effective_date",),
    "redemption-exceeds-outstanding": ("count",),
    "reimbursement-below-floor": ("shares", "member_id"),
    "reimbursement-not-released": ("paid_on",),
    "reimbursement-already-paid-out": ("paid_on",),
    "payout-amount-mismatch": ("amount",),
    "reimbursement-delay-too-long": ("reimbursement_delay_years",),
    "reverse-later-events-first": ("reverses",),
    "same-category": ("category",),
    "shares-not-paid-up": ("shares",),
    "transfer-to-self": ("to_member_id",),
    "unknown-category": ("category",),
    "variable-base-above-cap": ("variable_base",),
    "allocation-does-not-add-up": ("legal_reserve",),
    "already-allocated": ("decided_on",),
    "closed-period": (*DATES, "reverses"),
    "decision-before-year-end": ("decided_on",),
    "earlier-year-open": ("year",),
    "fiscal-year-closed": ("year",),
    "fiscal-year-not-ended": ("year",),
    "fiscal-year-open": ("year",),
    "interest-above-cap": ("interest",),
    "interest-above-distributable": ("interest",),
    "interest-paid-before-decision": ("interest_paid_on",),
    "journal-unbalanced": ("result",),
    "legal-reserve-below-minimum": ("legal_reserve",),
    "loss-not-distributable": ("interest",),
    "reserves-insufficient": ("charged_to_reserves",),
    "result-differs-from-closing": ("result",),
    "result-unknown": ("result",),
    "siren-required": ("result",),
    "statutory-reserve-below-minimum": ("statutory_reserve",),
    "tmo-unknown": ("interest",),
    "party-erased": ("member_id",),
    "member-not-found": ("member_id", "from_member_id", "to_member_id"),
    "subscription-not-found": ("subscription_id",),
    "funder-not-found": ("funder_id", "holder_id", "investor_id"),
    "grant-not-found": ("grant_id",),
    "title-issue-not-found": ("title_issue_id",),
    "event-not-found": ("reverses",),
    "party-not-found": ("reason",),
    "fiscal-year-not-found": ("year",),
}

# The French of the forms' other words about a refusal.
FRENCH.update(
    {
        "The refusal's rule: {rule}.": "Règle appliquée : {rule}.",
        "This form was already sent with other values: reload it to record something new.": (
            "Ce formulaire a déjà été envoyé avec d'autres valeurs : rechargez-le pour "
            "enregistrer autre chose."
        ),
        "The ledger moved while you were typing: send the form again.": (
            "Le registre a changé pendant la saisie : envoyez de nouveau le formulaire."
        ),
        "The ledger refused this write.": "Le registre a refusé cette écriture.",
        # input errors
        "Required.": "Obligatoire.",
        "Not an amount: type it as 1 250,50 or 1250.50.": (
            "Ce n'est pas un montant : tapez-le comme 1 250,50 ou 1250.50."
        ),
        "At most two decimals.": "Deux décimales au plus.",
        "Must be more than zero.": "Doit être supérieur à zéro.",
        "Not a whole number.": "Ce n'est pas un nombre entier.",
        "Not a date: use the date picker, or type DD/MM/YYYY.": (
            "Ce n'est pas une date : utilisez le calendrier, ou tapez JJ/MM/AAAA."
        ),
        "Not a percentage: type it as 2,5.": "Ce n'est pas un pourcentage : tapez-le comme 2,5.",
        "Not a decimal number: type it as 0,40.": (
            "Ce n'est pas un nombre décimal : tapez-le comme 0,40."
        ),
        "Choose one of the list.": "Choisissez une valeur de la liste.",
        "Too long.": "Trop long.",
        "Too short.": "Trop court.",
        "Too large.": "Trop grand.",
        "Too small.": "Trop petit.",
        "Not an e-mail address.": "Ce n'est pas une adresse électronique.",
        "Not accepted.": "Valeur refusée.",
        "Choose an existing one, or name a new one (name and type).": (
            "Choisissez un existant, ou nommez-en un nouveau (nom et type)."
        ),
        "The period ends before it starts.": "La période finit avant de commencer.",
        "Required for this instrument.": "Obligatoire pour cet instrument.",
        "Dates run from 1900 to 2200.": "Les dates vont de 1900 à 2200.",
    }
)


@dataclass(frozen=True)
class Said:
    """A refusal as the form shows it: by field (None: above the form)."""

    by_field: dict[str, str]
    above: str | None = None
    rule: str | None = None
    slug: str | None = None


def of_domain(error: DomainError | LedgerError, names: set[str], lang: str) -> Said:
    """A refusal of the command layer: its words, its rule, the field it concerns."""
    if isinstance(error, IdempotencyConflict):
        return Said(
            {},
            tr(
                "This form was already sent with other values: reload it to record something new.",
                lang,
            ),
        )
    if isinstance(error, WrongExpectedVersion):
        return Said({}, tr("The ledger moved while you were typing: send the form again.", lang))
    if not isinstance(error, DomainError):
        return Said({}, tr("The ledger refused this write.", lang))
    fields = REFUSALS.get(error.slug, ())
    text = refusals.detail(error, "en" if lang == "en" else "fr")
    if error.rule:
        text = f"{error.rule} — {text}"
    concerned = next((f for f in fields if f in names), None)
    if concerned is None:
        return Said({}, text, error.rule, error.slug)
    return Said({concerned: text}, None, error.rule, error.slug)


PYDANTIC = {
    "missing": "Required.",
    "string_too_long": "Too long.",
    "too_long": "Too long.",
    "string_too_short": "Too short.",
    "too_short": "Too short.",
    "greater_than": "Must be more than zero.",
    "greater_than_equal": "Too small.",
    "less_than": "Too large.",
    "less_than_equal": "Too large.",
    "int_parsing": "Not a whole number.",
    "literal_error": "Choose one of the list.",
    "enum": "Choose one of the list.",
    "date_from_datetime_parsing": "Not a date: use the date picker, or type DD/MM/YYYY.",
}


# The models' own words (scic/domain, scic/money.py…): the field each concerns, and ours.
MODEL_SAYS: tuple[tuple[str, str | None, str], ...] = (
    (
        r"give either (funder|holder|investor) ",
        r"\1_id",
        "Choose an existing one, or name a new one (name and type).",
    ),
    (r"period_end is before period_start", "period_end", "The period ends before it starts."),
    (r"an investment in \w+ needs (\w+)", r"\1", "Required for this instrument."),
    (r"greater than 0", None, "Must be more than zero."),
    (r"at most 2 decimals", None, "At most two decimals."),
    (r"from year 1900 to 2200", None, "Dates run from 1900 to 2200."),
)


def of_validation(error: ValidationError, names: set[str], lang: str) -> Said:
    """The model's own checks (the API answers them with a 422), by field."""
    by_field: dict[str, str] = {}
    above: list[str] = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"])  # rows: categories.3.code
        kind = item["type"]
        detail = str(item.get("msg", "")).removeprefix("Value error, ")
        message = tr("Not accepted.", lang)
        for pattern, target, said in MODEL_SAYS:
            found = re.search(pattern, detail)
            if found:
                message = tr(said, lang)
                if target is not None:
                    where = found.expand(target)
                break
        else:
            if kind == "string_pattern_mismatch" and "email" in where:
                message = tr("Not an e-mail address.", lang)
            elif kind in PYDANTIC:
                message = tr(PYDANTIC[kind], lang)
        target_field = next(
            (n for n in (where, where.split(".")[0]) if n in names),
            next((n for n in sorted(names) if where and n.startswith(where + ".")), None),
        )
        if target_field is not None:
            by_field.setdefault(target_field, message)
        else:
            above.append(message)
    return Said(by_field, " ".join(above) or None)
