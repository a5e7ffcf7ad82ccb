"""A refusal of the command layer, said on the form: in the reader's language, next to
the field it concerns, naming the rule ("R7 — …"). The refusal itself is the API's
(scic.errors.CATALOGUE, the same slugs and rules); this module only words it and says
which field it is about."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from ledger.errors import IdempotencyConflict, LedgerError, WrongExpectedVersion
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

# slug → (the fields it may concern, first present wins; the English message)
REFUSALS: dict[str, tuple[tuple[str, ...], str]] = {
    "agreement-required": (
        ("agreement_ref",),
        "A public grant above 23,000 € needs a written agreement: give its reference.",
    ),
    "already-reversed": (("reverses",), "This event has already been reversed."),
    "amount-too-large": (("amount", "paid", "nominal"), "This amount is too large."),
    "award-below-received": (
        ("amount",),
        "The amount awarded cannot fall below what was already received.",
    ),
    "call-due-date-out-of-bounds": (
        ("due_date",),
        "The due date must fall within five years of the subscription.",
    ),
    "call-exceeds-uncalled": (
        ("amount",),
        "The call exceeds the part of the subscription not yet called.",
    ),
    "capital-below-legal-minimum": (
        ("share_nominal", "statutory_floor"),
        "The capital would fall below the legal minimum.",
    ),
    "date-before-admission": (
        ("effective_date", "member_id", "from_member_id", "to_member_id"),
        "This date is before the member was admitted.",
    ),
    "date-before-award": (("effective_date",), "This date is before the grant was awarded."),
    "date-before-incorporation": (DATES, "This date is before the cooperative was incorporated."),
    "date-before-issue": (("effective_date",), "This date is before the titles were issued."),
    "date-before-subscription": (
        ("effective_date",),
        "This date is before the subscription was made.",
    ),
    "date-beyond-horizon": (
        (*DATES, "due_date", "expires_on"),
        "This date is more than a year ahead: check the year.",
    ),
    "de-minimis-ceiling": (
        ("de_minimis_override", "amount"),
        "De minimis aid would exceed its ceiling over three years; record it only with a "
        "reason to exceed the ceiling.",
    ),
    "duplicate-subscription": (("member_id",), "This subscription is already recorded."),
    "esus-approval-dates": (("expires_on",), "The approval must expire after it is granted."),
    "esus-approval-too-long": (("expires_on",), "An ESUS approval lasts five years at most."),
    "exit-holding-changed": (("member_id",), "The member's holding changed since the exit."),
    "first-payment-below-quarter": (
        ("paid",),
        "At subscription, at least a quarter of the shares' value must be paid.",
    ),
    "grant-closed": (("amount", "effective_date"), "This grant is closed."),
    "holder-required": (
        ("holder_id", "holder.name"),
        "Choose an existing holder, or name a new one (name and type).",
    ),
    "instalment-exceeds-award": (
        ("amount",),
        "The instalments received would exceed the amount awarded.",
    ),
    "invalid-siren": (("siren",), "This SIREN number is not valid."),
    "investor-required": (
        ("investor_id", "investor.name"),
        "Choose an existing investor, or name a new one (name and type).",
    ),
    "justification-before-payment": (
        ("amount",),
        "Nothing can be justified before an instalment is received.",
    ),
    "justification-exceeds-received": (
        ("amount",),
        "The amount justified would exceed what was received.",
    ),
    "charge-above-carried-loss": (
        ("amount",),
        "More than the loss carried forward would be charged to reserves.",
    ),
    "clawback-exceeds-received": (
        ("amount",),
        "The clawback would exceed what was received.",
    ),
    "member-number-taken": (("number",), "Another member already has this number."),
    "review-in-future": (
        ("report_made_available_on",),
        "A review is recorded once its report is made available, not before.",
    ),
    "member-not-active": (
        ("member_id", "from_member_id", "to_member_id"),
        "This member has left the cooperative.",
    ),
    "no-shares-to-withdraw": (("member_id",), "This member holds no shares to withdraw."),
    "nominal-change-with-shares-outstanding": (
        ("share_nominal",),
        "The nominal value cannot change while shares are outstanding.",
    ),
    "not-enough-shares": (("shares",), "The member does not hold that many shares."),
    "not-reversible": (("reverses",), "This kind of event cannot be reversed."),
    "payment-already-called": (
        ("effective_date",),
        "A call dated before a payment that already called the shares is refused.",
    ),
    "payment-exceeds-unpaid": (
        ("amount",),
        "The payment exceeds what remains unpaid on this subscription.",
    ),
    "public-capital-cap": (
        ("shares", "category"),
        "Public bodies would hold more than half of the capital.",
    ),
    "redemption-before-seven-years": (
        ("effective_date",),
        "Participative titles cannot be redeemed before seven years, except at liquidation.",
    ),
    "redemption-exceeds-outstanding": (
        ("count",),
        "More titles than are outstanding would be redeemed.",
    ),
    "reimbursement-below-floor": (
        ("shares", "member_id"),
        "The reimbursement would take the capital below its floor.",
    ),
    "reimbursement-delay-too-long": (
        ("reimbursement_delay_years",),
        "The reimbursement delay is five years at most.",
    ),
    "reverse-later-events-first": (
        ("reverses",),
        "A later event rests on this one: reverse the later event first.",
    ),
    "same-category": (("category",), "The member is already in this category."),
    "shares-not-paid-up": (("shares",), "Only fully paid shares can be transferred."),
    "transfer-to-self": (("to_member_id",), "A member cannot transfer shares to itself."),
    "unknown-category": (("category",), "This category is not in the statutes."),
    "variable-base-above-cap": (
        ("variable_base",),
        "The variable part's base is at most 0.40 of the nominal value.",
    ),
    "allocation-does-not-add-up": (
        ("legal_reserve",),
        "The allocation does not add up to the result.",
    ),
    "already-allocated": (("decided_on",), "The result of this year is already allocated."),
    "closed-period": (
        (*DATES, "reverses"),
        "This date falls in a closed fiscal year: record a correction in the open year.",
    ),
    "decision-before-year-end": (
        ("decided_on",),
        "The general meeting decides on the result after the year ends.",
    ),
    "earlier-year-open": (("year",), "An earlier fiscal year is still open: close it first."),
    "fiscal-year-closed": (("year",), "This fiscal year is already closed."),
    "fiscal-year-not-ended": (("year",), "This fiscal year has not ended yet."),
    "fiscal-year-open": (("year",), "This fiscal year is not closed yet: close it first."),
    "interest-above-cap": (
        ("interest",),
        "The interest on shares exceeds the cap (average TMO plus two points).",
    ),
    "interest-above-distributable": (
        ("interest",),
        "The interest exceeds the distributable surplus.",
    ),
    "interest-paid-before-decision": (
        ("interest_paid_on",),
        "Interest cannot be paid before it is decided.",
    ),
    "journal-unbalanced": (("result",), "The year's journal does not balance."),
    "legal-reserve-below-minimum": (
        ("legal_reserve",),
        "At least 15 % of the surplus goes to the legal reserve.",
    ),
    "loss-not-distributable": (("interest",), "A loss cannot be distributed."),
    "reserves-insufficient": (
        ("charged_to_reserves",),
        "The reserves are too small for this charge: carry the rest forward.",
    ),
    "result-differs-from-closing": (
        ("result",),
        "The result differs from the one recorded at closing.",
    ),
    "result-unknown": (("result",), "Give the year's result."),
    "siren-required": (("result",), "The cooperative needs a SIREN number first."),
    "statutory-reserve-below-minimum": (
        ("statutory_reserve",),
        "At least 50 % of the surplus goes to the statutory reserve.",
    ),
    "tmo-unknown": (("interest",), "The TMO of the years needed is not recorded."),
    "party-erased": (("member_id",), "This person's data has been erased."),
    "member-not-found": (
        ("member_id", "from_member_id", "to_member_id"),
        "No such member in this cooperative.",
    ),
    "subscription-not-found": (("subscription_id",), "No such subscription."),
    "funder-not-found": (("funder_id", "holder_id", "investor_id"), "No such funder."),
    "grant-not-found": (("grant_id",), "No such grant."),
    "title-issue-not-found": (("title_issue_id",), "No such issue of titles."),
    "event-not-found": (("reverses",), "No such event."),
    "party-not-found": (("reason",), "No such person."),
    "fiscal-year-not-found": (("year",), "No such fiscal year."),
}

# The French of each refusal: kept with the other words of the forms.
FRENCH.update(
    {
        "A public grant above 23,000 € needs a written agreement: give its reference.": (
            "Une subvention publique de plus de 23 000 € exige une convention écrite : "
            "indiquez sa référence."
        ),
        "This event has already been reversed.": "Cet événement a déjà été annulé.",
        "This amount is too large.": "Ce montant est trop élevé.",
        "The amount awarded cannot fall below what was already received.": (
            "Le montant accordé ne peut pas descendre sous ce qui a déjà été reçu."
        ),
        "The due date must fall within five years of the subscription.": (
            "L'échéance doit tomber dans les cinq ans de la souscription."
        ),
        "The call exceeds the part of the subscription not yet called.": (
            "L'appel dépasse la part de la souscription qui n'est pas encore appelée."
        ),
        "The capital would fall below the legal minimum.": (
            "Le capital descendrait sous le minimum légal."
        ),
        "This date is before the member was admitted.": (
            "Cette date est antérieure à l'admission de l'associé."
        ),
        "This date is before the grant was awarded.": (
            "Cette date est antérieure à l'attribution de la subvention."
        ),
        "This date is before the cooperative was incorporated.": (
            "Cette date est antérieure à la constitution de la coopérative."
        ),
        "This date is before the titles were issued.": (
            "Cette date est antérieure à l'émission des titres."
        ),
        "This date is before the subscription was made.": (
            "Cette date est antérieure à la souscription."
        ),
        "This date is more than a year ahead: check the year.": (
            "Cette date est à plus d'un an : vérifiez l'année."
        ),
        "De minimis aid would exceed its ceiling over three years; record it only with a "
        "reason to exceed the ceiling.": (
            "Les aides de minimis dépasseraient leur plafond sur trois ans ; ne "
            "l'enregistrez qu'avec un motif de dépassement."
        ),
        "This subscription is already recorded.": "Cette souscription est déjà enregistrée.",
        "The approval must expire after it is granted.": (
            "L'agrément doit expirer après avoir été accordé."
        ),
        "An ESUS approval lasts five years at most.": "Un agrément ESUS dure cinq ans au plus.",
        "The member's holding changed since the exit.": (
            "Les parts de l'associé ont changé depuis sa sortie."
        ),
        "At subscription, at least a quarter of the shares' value must be paid.": (
            "À la souscription, au moins le quart de la valeur des parts doit être versé."
        ),
        "This grant is closed.": "Cette subvention est soldée.",
        "Choose an existing holder, or name a new one (name and type).": (
            "Choisissez un souscripteur existant, ou nommez-en un nouveau (nom et type)."
        ),
        "The instalments received would exceed the amount awarded.": (
            "Les versements reçus dépasseraient le montant accordé."
        ),
        "This SIREN number is not valid.": "Ce numéro SIREN n'est pas valide.",
        "Choose an existing investor, or name a new one (name and type).": (
            "Choisissez un investisseur existant, ou nommez-en un nouveau (nom et type)."
        ),
        "Nothing can be justified before an instalment is received.": (
            "Rien ne peut être justifié avant la réception d'un versement."
        ),
        "The amount justified would exceed what was received.": (
            "Le montant justifié dépasserait ce qui a été reçu."
        ),
        "More than the loss carried forward would be charged to reserves.": (
            "On imputerait sur les réserves plus que le report à nouveau débiteur."
        ),
        "The clawback would exceed what was received.": (
            "Le reversement dépasserait ce qui a été reçu."
        ),
        "This member has left the cooperative.": "Cet associé a quitté la coopérative.",
        "Another member already has this number.": "Un autre associé porte déjà ce numéro.",
        "A review is recorded once its report is made available, not before.": (
            "Une révision s'enregistre une fois son rapport mis à disposition, pas avant."
        ),
        "This member holds no shares to withdraw.": "Cet associé ne détient aucune part à retirer.",
        "The nominal value cannot change while shares are outstanding.": (
            "La valeur nominale ne peut pas changer tant que des parts sont détenues."
        ),
        "The member does not hold that many shares.": "L'associé ne détient pas autant de parts.",
        "This kind of event cannot be reversed.": "Ce type d'événement ne peut pas être annulé.",
        "A call dated before a payment that already called the shares is refused.": (
            "Un appel daté d'avant un versement qui a déjà appelé les parts est refusé."
        ),
        "The payment exceeds what remains unpaid on this subscription.": (
            "Le versement dépasse ce qui reste à libérer sur cette souscription."
        ),
        "Public bodies would hold more than half of the capital.": (
            "Les collectivités publiques détiendraient plus de la moitié du capital."
        ),
        "Participative titles cannot be redeemed before seven years, except at liquidation.": (
            "Les titres participatifs ne sont remboursables qu'après sept ans, sauf à la "
            "liquidation."
        ),
        "More titles than are outstanding would be redeemed.": (
            "Plus de titres qu'il n'en reste seraient remboursés."
        ),
        "The reimbursement would take the capital below its floor.": (
            "Le remboursement ferait descendre le capital sous son plancher."
        ),
        "The reimbursement delay is five years at most.": (
            "Le délai de remboursement est de cinq ans au plus."
        ),
        "A later event rests on this one: reverse the later event first.": (
            "Un événement ultérieur repose sur celui-ci : annulez d'abord l'événement ultérieur."
        ),
        "The member is already in this category.": "L'associé est déjà dans cette catégorie.",
        "Only fully paid shares can be transferred.": (
            "Seules des parts entièrement libérées peuvent être cédées."
        ),
        "A member cannot transfer shares to itself.": (
            "Un associé ne peut pas se céder des parts à lui-même."
        ),
        "This category is not in the statutes.": "Cette catégorie n'existe pas dans les statuts.",
        "The variable part's base is at most 0.40 of the nominal value.": (
            "L'assiette de la part variable est au plus 0,40 du nominal."
        ),
        "The allocation does not add up to the result.": (
            "L'affectation ne correspond pas au résultat."
        ),
        "The result of this year is already allocated.": (
            "Le résultat de cet exercice est déjà affecté."
        ),
        "This date falls in a closed fiscal year: record a correction in the open year.": (
            "Cette date tombe dans un exercice clôturé : enregistrez une correction dans "
            "l'exercice ouvert."
        ),
        "The general meeting decides on the result after the year ends.": (
            "L'assemblée générale statue sur le résultat après la fin de l'exercice."
        ),
        "An earlier fiscal year is still open: close it first.": (
            "Un exercice antérieur est encore ouvert : clôturez-le d'abord."
        ),
        "This fiscal year is already closed.": "Cet exercice est déjà clôturé.",
        "This fiscal year has not ended yet.": "Cet exercice n'est pas encore terminé.",
        "This fiscal year is not closed yet: close it first.": (
            "Cet exercice n'est pas encore clôturé : clôturez-le d'abord."
        ),
        "The interest on shares exceeds the cap (average TMO plus two points).": (
            "Les intérêts aux parts dépassent le plafond (TMO moyen plus deux points)."
        ),
        "The interest exceeds the distributable surplus.": (
            "Les intérêts dépassent l'excédent distribuable."
        ),
        "Interest cannot be paid before it is decided.": (
            "Les intérêts ne peuvent pas être versés avant d'être décidés."
        ),
        "The year's journal does not balance.": "Le journal de l'exercice n'est pas équilibré.",
        "At least 15 % of the surplus goes to the legal reserve.": (
            "Au moins 15 % de l'excédent va à la réserve légale."
        ),
        "A loss cannot be distributed.": "Une perte ne se distribue pas.",
        "The reserves are too small for this charge: carry the rest forward.": (
            "Les réserves ne suffisent pas : reportez le reste à nouveau."
        ),
        "The result differs from the one recorded at closing.": (
            "Le résultat diffère de celui enregistré à la clôture."
        ),
        "Give the year's result.": "Indiquez le résultat de l'exercice.",
        "The cooperative needs a SIREN number first.": (
            "La coopérative doit d'abord avoir un numéro SIREN."
        ),
        "At least 50 % of the surplus goes to the statutory reserve.": (
            "Au moins 50 % de l'excédent va à la réserve statutaire."
        ),
        "The TMO of the years needed is not recorded.": (
            "Le TMO des années nécessaires n'est pas enregistré."
        ),
        "This person's data has been erased.": "Les données de cette personne ont été effacées.",
        "No such member in this cooperative.": "Cet associé n'existe pas dans la coopérative.",
        "No such subscription.": "Cette souscription n'existe pas.",
        "No such funder.": "Ce financeur n'existe pas.",
        "No such grant.": "Cette subvention n'existe pas.",
        "No such issue of titles.": "Cette émission de titres n'existe pas.",
        "No such event.": "Cet événement n'existe pas.",
        "No such person.": "Cette personne n'existe pas.",
        "No such fiscal year.": "Cet exercice n'existe pas.",
        "The refusal's rule: {rule}.": "Règle appliquée : {rule}.",
        "Refused ({slug}).": "Refusé ({slug}).",
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
    fields, message = REFUSALS.get(error.slug, ((), ""))
    text = tr(message, lang) if message else tr("Refused ({slug}).", lang).format(slug=error.slug)
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
