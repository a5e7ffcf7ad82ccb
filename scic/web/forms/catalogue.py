"""One form per write of the API under a cooperative, keyed by the command's name in
scic.write.commands.COMMANDS. Each form's words sit beside it: English msgids, then their
French (added to the one table of scic/web/forms/labels.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from scic.projections import views
from scic.web import fmt
from scic.web.forms.labels import FRENCH, FUNDER_TYPES, INSTRUMENTS, KINDS, PURPOSES, ROLES
from scic.web.forms.spec import Done, Field, Form

FORMS: dict[str, Form] = {}


def words(table: dict[str, str]) -> None:
    FRENCH.update(table)


def options(table: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(table.items())


def member_page(member_id: str) -> str:
    return f"/dashboard/members/{member_id}"


def money(body: dict[str, Any], name: str) -> str:
    return fmt.euros(body.get(name))


def add(form: Form) -> Form:
    FORMS[form.command] = form
    return form


# words every form shares
words(
    {
        "Effective date": "Date d'effet",
        "Leave empty for today.": "Laisser vide pour aujourd'hui.",
        "Member": "Associé",
        "Amount (€)": "Montant (€)",
        "Reason": "Motif",
        "Category": "Catégorie",
        "Number of shares": "Nombre de parts",
        "Subscription": "Souscription",
        "Funder": "Financeur",
        "New funder's name": "Nom du nouveau financeur",
        "New funder's type": "Type du nouveau financeur",
        "Or a new funder": "Ou un nouveau financeur",
        "Fiscal year": "Exercice",
        "Agreement reference": "Référence de la convention",
    }
)
EFFECTIVE = Field("effective_date", "Effective date", "date", help="Leave empty for today.")
BANK_REFERENCE = Field(
    "bank_reference",
    "Bank reference",
    help="The reference on the bank statement line, if you have it.",
)

# -- members and shares ----------------------------------------------------------------

words(
    {
        "Admit a member": "Admettre un associé",
        "Name": "Nom",
        "Kind": "Nature",
        "Admitted on": "Date d'admission",
        "Member number": "N° d'associé",
        "Unique in the cooperative; optional.": "Unique dans la coopérative ; facultatif.",
        "E-mail": "Courriel",
        "Postal address": "Adresse postale",
        "Admission of {name} recorded": "Admission de {name} enregistrée",
    }
)
add(
    Form(
        "members",
        "Admit a member",
        None,
        (
            Field("name", "Name", required=True),
            Field("number", "Member number", help="Unique in the cooperative; optional."),
            Field("kind", "Kind", "select", required=True, options=options(KINDS)),
            Field("category", "Category", "choice", required=True, choices="categories"),
            Field("admitted_on", "Admitted on", "date", help="Leave empty for today."),
            Field("email", "E-mail", "email"),
            Field("address", "Postal address", "textarea"),
        ),
        lambda d: ("Admission of {name} recorded", {"name": d.body["name"]}),
        lambda d: member_page(d.id),
    )
)

words(
    {
        "Change a member's category": "Changer la catégorie d'un associé",
        "New category": "Nouvelle catégorie",
        "{member} moved to the category {category}": (
            "Passage de {member} dans la catégorie {category} enregistré"
        ),
    }
)
add(
    Form(
        "category-changes",
        "Change a member's category",
        None,
        (
            Field("member_id", "Member", "choice", required=True, choices="members"),
            Field("category", "New category", "choice", required=True, choices="categories"),
            EFFECTIVE,
        ),
        lambda d: (
            "{member} moved to the category {category}",
            {
                "member": d.names("members", d.body["member_id"]),
                "category": d.names("categories", d.body["category"]),
            },
        ),
        lambda d: member_page(d.body["member_id"]),
    )
)

words(
    {
        "Subscribe shares": "Souscrire des parts",
        "Paid now (€)": "Montant versé à la souscription (€)",
        "Paid with a subsidy": "Parts financées par une subvention",
        "Such shares earn no interest (R8).": "Ces parts ne reçoivent pas d'intérêt (R8).",
        "At least a quarter of the shares' value (R7).": (
            "Au moins le quart de la valeur des parts (R7)."
        ),
        "Subscription of {shares} shares by {member} recorded": (
            "Souscription de {shares} parts de {member} enregistrée"
        ),
    }
)
add(
    Form(
        "subscriptions",
        "Subscribe shares",
        None,
        (
            Field("member_id", "Member", "choice", required=True, choices="members"),
            Field("shares", "Number of shares", "integer", required=True),
            Field(
                "paid",
                "Paid now (€)",
                "money",
                required=True,
                help="At least a quarter of the shares' value (R7).",
            ),
            EFFECTIVE,
            Field(
                "subsidy_financed",
                "Paid with a subsidy",
                "checkbox",
                help="Such shares earn no interest (R8).",
            ),
        ),
        lambda d: (
            "Subscription of {shares} shares by {member} recorded",
            {
                "shares": fmt.number(d.body["shares"]),
                "member": d.names("members", d.body["member_id"]),
            },
        ),
        lambda d: member_page(d.body["member_id"]),
    )
)

words(
    {
        "Call unpaid capital": "Appeler le capital non libéré",
        "Amount called (€)": "Montant appelé (€)",
        "Due date": "Date d'échéance",
        "Call of {amount} on the subscription of {member} recorded": (
            "Appel de {amount} sur la souscription de {member} enregistré"
        ),
    }
)
add(
    Form(
        "calls",
        "Call unpaid capital",
        None,
        (
            Field(
                "subscription_id", "Subscription", "choice", required=True, choices="subscriptions"
            ),
            Field("amount", "Amount called (€)", "money", required=True),
            Field("due_date", "Due date", "date", required=True),
            EFFECTIVE,
        ),
        lambda d: (
            "Call of {amount} on the subscription of {member} recorded",
            {
                "amount": money(d.body, "amount"),
                "member": d.names("subscriber", d.body["subscription_id"]),
            },
        ),
        lambda d: member_page(d.names("subscriber-id", d.body["subscription_id"])),
    )
)

words(
    {
        "Record a payment": "Enregistrer un versement",
        "Amount paid (€)": "Montant versé (€)",
        "Bank reference": "Référence bancaire",
        "The reference on the bank statement line, if you have it.": (
            "La référence de la ligne du relevé bancaire, si vous l'avez."
        ),
        "Payment of {amount} by {member} recorded": "Versement de {amount} de {member} enregistré",
    }
)
add(
    Form(
        "payments",
        "Record a payment",
        None,
        (
            Field(
                "subscription_id", "Subscription", "choice", required=True, choices="subscriptions"
            ),
            Field("amount", "Amount paid (€)", "money", required=True),
            EFFECTIVE,
            BANK_REFERENCE,
        ),
        lambda d: (
            "Payment of {amount} by {member} recorded",
            {
                "amount": money(d.body, "amount"),
                "member": d.names("subscriber", d.body["subscription_id"]),
            },
        ),
        lambda d: member_page(d.names("subscriber-id", d.body["subscription_id"])),
    )
)

words(
    {
        "Withdraw shares": "Retirer des parts",
        "Shares withdrawn": "Parts retirées",
        "Leave empty to withdraw all shares (the member leaves).": (
            "Laisser vide pour retirer toutes les parts (l'associé sort)."
        ),
        "Withdrawal of {shares} shares by {member} recorded": (
            "Retrait de {shares} parts de {member} enregistré"
        ),
        "Withdrawal of all the shares of {member} recorded": (
            "Retrait de toutes les parts de {member} enregistré"
        ),
    }
)


def _withdrawal(d: Done) -> tuple[str, dict[str, Any]]:
    member = d.names("members", d.body["member_id"])
    if d.body.get("shares") is None:
        return "Withdrawal of all the shares of {member} recorded", {"member": member}
    return (
        "Withdrawal of {shares} shares by {member} recorded",
        {"shares": fmt.number(d.body["shares"]), "member": member},
    )


add(
    Form(
        "withdrawals",
        "Withdraw shares",
        None,
        (
            Field("member_id", "Member", "choice", required=True, choices="members"),
            Field(
                "shares",
                "Shares withdrawn",
                "integer",
                help="Leave empty to withdraw all shares (the member leaves).",
            ),
            EFFECTIVE,
            Field("reason", "Reason", "textarea"),
        ),
        _withdrawal,
        lambda d: member_page(d.body["member_id"]),
    )
)

words(
    {
        "Exclude a member": "Exclure un associé",
        "The general meeting's decision; all shares are withdrawn.": (
            "Décision de l'assemblée générale ; toutes les parts sont retirées."
        ),
        "Exclusion of {member} recorded": "Exclusion de {member} enregistrée",
    }
)
add(
    Form(
        "exclusions",
        "Exclude a member",
        "The general meeting's decision; all shares are withdrawn.",
        (
            Field("member_id", "Member", "choice", required=True, choices="members"),
            Field("reason", "Reason", "textarea", required=True),
            EFFECTIVE,
        ),
        lambda d: (
            "Exclusion of {member} recorded",
            {"member": d.names("members", d.body["member_id"])},
        ),
        lambda d: member_page(d.body["member_id"]),
    )
)

words(
    {
        "Record a reimbursement paid out": "Enregistrer un remboursement versé",
        "The transfer as the bank statement shows it: paid once, for what is owed (R5).": (
            "Le virement tel que le relevé bancaire le montre : versé une fois, pour ce "
            "qui est dû (R5)."
        ),
        "Amount paid out (€)": "Montant versé (€)",
        "Booking date": "Date de l'opération",
        "Reimbursement of {amount} paid out recorded": "Remboursement de {amount} versé enregistré",
    }
)
add(
    Form(
        "reimbursement-payouts",
        "Record a reimbursement paid out",
        "The transfer as the bank statement shows it: paid once, for what is owed (R5).",
        (
            Field("amount", "Amount paid out (€)", "money", required=True),
            Field("paid_on", "Booking date", "date", required=True),
            BANK_REFERENCE,
        ),
        lambda d: (
            "Reimbursement of {amount} paid out recorded",
            {"amount": money(d.body, "amount")},
        ),
        lambda d: "/dashboard/bank",
    )
)

words(
    {
        "Transfer shares": "Céder des parts",
        "From member": "Cédant",
        "To member": "Cessionnaire",
        "Only fully paid shares can be transferred (R7).": (
            "Seules des parts entièrement libérées peuvent être cédées (R7)."
        ),
        "Transfer of {shares} shares from {giver} to {taker} recorded": (
            "Cession de {shares} parts de {giver} à {taker} enregistrée"
        ),
    }
)
add(
    Form(
        "transfers",
        "Transfer shares",
        "Only fully paid shares can be transferred (R7).",
        (
            Field("from_member_id", "From member", "choice", required=True, choices="members"),
            Field("to_member_id", "To member", "choice", required=True, choices="members"),
            Field("shares", "Number of shares", "integer", required=True),
            EFFECTIVE,
        ),
        lambda d: (
            "Transfer of {shares} shares from {giver} to {taker} recorded",
            {
                "shares": fmt.number(d.body["shares"]),
                "giver": d.names("members", d.body["from_member_id"]),
                "taker": d.names("members", d.body["to_member_id"]),
            },
        ),
        lambda d: member_page(d.body["from_member_id"]),
    )
)

words(
    {
        "Record losses": "Enregistrer des pertes",
        "Losses not absorbed by reserves, borne by departing members (R6).": (
            "Pertes non absorbées par les réserves, supportées par les associés sortants (R6)."
        ),
        "Losses of {amount} for {year} recorded": "Pertes de {amount} pour {year} enregistrées",
    }
)
add(
    Form(
        "losses",
        "Record losses",
        "Losses not absorbed by reserves, borne by departing members (R6).",
        (
            Field("amount", "Amount (€)", "money", required=True),
            Field("fiscal_year", "Fiscal year", "integer", required=True),
            EFFECTIVE,
        ),
        lambda d: (
            "Losses of {amount} for {year} recorded",
            {"amount": money(d.body, "amount"), "year": d.body["fiscal_year"]},
        ),
        lambda d: "/dashboard/capital",
    )
)

words(
    {
        "Record a cooperative review": "Enregistrer une révision coopérative",
        "The review's report made available to the members: the next periodic review is "
        "due five years later, and loss-making years are counted from it (R10).": (
            "Le rapport de révision mis à la disposition des associés : la révision "
            "périodique suivante est due cinq ans plus tard, et les exercices déficitaires "
            "sont comptés à partir d'elle (R10)."
        ),
        "Report made available on": "Rapport mis à disposition le",
        "Reviewer": "Réviseur",
        "Report reference": "Référence du rapport",
        "Cooperative review of {date} recorded": "Révision coopérative du {date} enregistrée",
    }
)
add(
    Form(
        "reviews",
        "Record a cooperative review",
        "The review's report made available to the members: the next periodic review is "
        "due five years later, and loss-making years are counted from it (R10).",
        (
            Field("report_made_available_on", "Report made available on", "date", required=True),
            Field("reviewer", "Reviewer", "text", required=True),
            Field("reference", "Report reference", "text", required=True),
        ),
        lambda d: (
            "Cooperative review of {date} recorded",
            {"date": fmt.day(d.body.get("report_made_available_on"))},
        ),
        lambda d: "/dashboard/compliance",
    )
)

DE_MINIMIS_REGIME_NAMES = {
    "general": "General (300,000 € over 3 years)",
    "sieg": "SIEG compensation (750,000 € over 3 years)",
}
words(
    {
        "De minimis regime": "Régime de minimis",
        "General (300,000 € over 3 years)": "Général (300 000 € sur 3 ans)",
        "SIEG compensation (750,000 € over 3 years)": "Compensation de SIEG (750 000 € sur 3 ans)",
    }
)
RESERVES = {
    "other": "Other reserves (1068)",
    "statutory": "Statutory reserve (1063)",
    "legal": "Legal reserve (1061)",
}
words(
    {
        "Charge the carried loss to reserves": (
            "Imputer le report à nouveau débiteur sur les réserves"
        ),
        "An AG decision: the loss carried forward (119) and the reserve fall together "
        "(R9); departing members then bear less of it (R6).": (
            "Décision d'AG : le report à nouveau débiteur (119) et la réserve diminuent "
            "d'autant (R9) ; les associés sortants en supportent d'autant moins (R6)."
        ),
        "Reserve charged": "Réserve imputée",
        "Date of the AG decision": "Date de la décision d'AG",
        "Other reserves (1068)": "Autres réserves (1068)",
        "Statutory reserve (1063)": "Réserve statutaire (1063)",
        "Legal reserve (1061)": "Réserve légale (1061)",
        "{amount} of carried loss charged to reserves": (
            "{amount} de report à nouveau débiteur imputés sur les réserves"
        ),
    }
)
add(
    Form(
        "carried-loss-charges",
        "Charge the carried loss to reserves",
        "An AG decision: the loss carried forward (119) and the reserve fall together "
        "(R9); departing members then bear less of it (R6).",
        (
            Field("amount", "Amount (€)", "money", required=True),
            Field("reserve", "Reserve charged", "select", required=True, options=options(RESERVES)),
            Field("decided_on", "Date of the AG decision", "date", required=True),
        ),
        lambda d: (
            "{amount} of carried loss charged to reserves",
            {"amount": money(d.body, "amount")},
        ),
        lambda d: "/dashboard/capital",
    )
)

words(
    {
        "Correct an event": "Corriger un événement",
        "Event to reverse": "Événement à annuler",
        "A correction never edits: it records an event that reverses the mistaken one. "
        "You will see what it reverses and compensates before confirming.": (
            "Une correction ne modifie rien : elle enregistre un événement qui annule "
            "l'événement erroné. Vous verrez ce qu'elle annule et compense avant de confirmer."
        ),
        "Correction recorded: {what} reversed": "Correction enregistrée : {what} annulé",
    }
)
add(
    Form(
        "corrections",
        "Correct an event",
        "A correction never edits: it records an event that reverses the mistaken one. "
        "You will see what it reverses and compensates before confirming.",
        (
            Field("reverses", "Event to reverse", "choice", required=True, choices="events"),
            Field("reason", "Reason", "textarea", required=True),
        ),
        lambda d: (
            "Correction recorded: {what} reversed",
            {"what": d.names("event", d.body["reverses"])},
        ),
        lambda d: "/dashboard/events",
        submit="Preview the correction",
    )
)

words(
    {
        "Amend the statutes": "Modifier les statuts",
        "From the general meeting's decision; empty fields stay as they are.": (
            "Selon la décision de l'assemblée générale ; les champs laissés vides ne changent pas."
        ),
        "Share nominal value (€)": "Valeur nominale d'une part (€)",
        "Statutory capital floor (€)": "Capital plancher statutaire (€)",
        "Reimbursement delay (years)": "Délai de remboursement (années)",
        "Statutes amendment recorded": "Modification des statuts enregistrée",
    }
)


def statutes_rows(conn: Any, coop_id: str, today: date) -> tuple[tuple[Field, ...], dict[str, str]]:
    """The statutes' categories and colleges as rows, as they stand today, and room for
    two more categories and one more college."""
    statutes = views.statutes_at(conn, coop_id, today, None)
    categories = statutes.categories if statutes else []
    colleges = statutes.colleges if statutes else []
    fields: list[Field] = []
    values: dict[str, str] = {}
    for i in range(len(categories) + 2):
        row = f"categories.{i}."
        fields += [
            Field(row + "code", "Code", group="Category {n}", n=i + 1),
            Field(row + "name", "Name", group="Category {n}", n=i + 1),
            Field(
                row + "role",
                "Role",
                "select",
                options=options(ROLES),
                group="Category {n}",
                n=i + 1,
            ),
            Field(
                row + "public_body", "Public body (R3)", "checkbox", group="Category {n}", n=i + 1
            ),
        ]
        if i < len(categories):
            c = categories[i]
            values |= {row + "code": c.code, row + "name": c.name, row + "role": c.role or ""}
            values[row + "public_body"] = "true" if c.public_body else ""
    for j in range(len(colleges) + 1):
        row = f"colleges.{j}."
        fields += [
            Field(row + "code", "Code", group="College {n}", n=j + 1),
            Field(row + "name", "Name", group="College {n}", n=j + 1),
            Field(
                row + "weight",
                "Weight",
                "ratio",
                group="College {n}",
                n=j + 1,
                help="0,30 for 30 %.",
            ),
            Field(
                row + "categories",
                "Its categories' codes",
                "codes",
                group="College {n}",
                n=j + 1,
                help="Separated by commas.",
            ),
        ]
        if j < len(colleges):
            k = colleges[j]
            values |= {row + "code": k.code, row + "name": k.name, row + "weight": str(k.weight)}
            values[row + "categories"] = ", ".join(k.categories)
    return tuple(fields), values


words(
    {
        "Category {n}": "Catégorie {n}",
        "College {n}": "Collège {n}",
        "Code": "Code",
        "Role": "Rôle",
        "Public body (R3)": "Collectivité publique (R3)",
        "Weight": "Poids",
        "0,30 for 30 %.": "0,30 pour 30 %.",
        "Its categories' codes": "Codes de ses catégories",
        "Separated by commas.": "Séparés par des virgules.",
    }
)
add(
    Form(
        "statutes",
        "Amend the statutes",
        "From the general meeting's decision; empty fields stay as they are.",
        (
            Field("share_nominal", "Share nominal value (€)", "money"),
            Field("statutory_floor", "Statutory capital floor (€)", "money"),
            Field("reimbursement_delay_years", "Reimbursement delay (years)", "integer"),
            EFFECTIVE,
            Field("reason", "Reason", "textarea"),
        ),
        lambda d: ("Statutes amendment recorded", {}),
        lambda d: "/dashboard/capital",
        rows=statutes_rows,
    )
)

words(
    {
        "Erase personal data": "Effacer les données personnelles",
        "The name, e-mail and address are erased (GDPR); the ledger's figures stay.": (
            "Le nom, le courriel et l'adresse sont effacés (RGPD) ; les chiffres du "
            "registre restent."
        ),
        "Personal data erased": "Données personnelles effacées",
        "Erase": "Effacer",
    }
)
add(
    Form(
        "erasures",
        "Erase personal data",
        "The name, e-mail and address are erased (GDPR); the ledger's figures stay.",
        (Field("reason", "Reason", "textarea", required=True),),
        lambda d: ("Personal data erased", {}),
        lambda d: "/dashboard/members",
        submit="Erase",
    )
)

# -- grants ----------------------------------------------------------------------------

words(
    {
        "Record a grant": "Enregistrer une subvention",
        "Existing funder": "Financeur existant",
        "Choose an existing funder, or name a new one below.": (
            "Choisissez un financeur existant, ou nommez-en un nouveau ci-dessous."
        ),
        "Purpose": "Objet",
        "Amount awarded (€)": "Montant accordé (€)",
        "Awarded on": "Date d'attribution",
        "Justify by": "À justifier avant le",
        "De minimis aid": "Aide de minimis",
        "Reason to exceed the de minimis ceiling": "Motif de dépassement du plafond de minimis",
        "Programme": "Programme",
        "Conditions": "Conditions",
        "Period start": "Début de la période",
        "Period end": "Fin de la période",
        "Depreciation start": "Début de l'amortissement",
        "Depreciation years": "Durée d'amortissement (années)",
        "Investment grants: taken to income as the asset depreciates.": (
            "Subventions d'investissement : reprises au rythme de l'amortissement du bien."
        ),
        "Required for a public grant above 23 000 € (R14).": (
            "Obligatoire pour une subvention publique de plus de 23 000 € (R14)."
        ),
        "Grant of {amount} from {funder} recorded": (
            "Subvention de {amount} de {funder} enregistrée"
        ),
    }
)
FUNDER_FIELDS = (
    Field(
        "funder_id",
        "Existing funder",
        "choice",
        choices="funders",
        help="Choose an existing funder, or name a new one below.",
        group="Funder",
    ),
    Field("funder.name", "New funder's name", group="Funder"),
    Field(
        "funder.type",
        "New funder's type",
        "select",
        options=options(FUNDER_TYPES),
        group="Funder",
    ),
)


def grant_page(grant_id: str) -> str:
    return f"/dashboard/grants#{grant_id}"


add(
    Form(
        "grants",
        "Record a grant",
        None,
        (
            *FUNDER_FIELDS,
            Field("purpose", "Purpose", "select", required=True, options=options(PURPOSES)),
            Field("amount", "Amount awarded (€)", "money", required=True),
            Field("awarded_on", "Awarded on", "date", help="Leave empty for today."),
            Field("justify_by", "Justify by", "date"),
            Field(
                "agreement_ref",
                "Agreement reference",
                help="Required for a public grant above 23 000 € (R14).",
            ),
            Field("programme", "Programme"),
            Field("conditions", "Conditions", "textarea"),
            Field("period_start", "Period start", "date"),
            Field("period_end", "Period end", "date"),
            Field("de_minimis", "De minimis aid", "checkbox"),
            Field(
                "de_minimis_regime",
                "De minimis regime",
                "select",
                options=options(DE_MINIMIS_REGIME_NAMES),
            ),
            Field("de_minimis_override", "Reason to exceed the de minimis ceiling", "textarea"),
            Field(
                "depreciation.start",
                "Depreciation start",
                "date",
                group="Investment grants: taken to income as the asset depreciates.",
            ),
            Field(
                "depreciation.years",
                "Depreciation years",
                "integer",
                group="Investment grants: taken to income as the asset depreciates.",
            ),
        ),
        lambda d: (
            "Grant of {amount} from {funder} recorded",
            {"amount": money(d.body, "amount"), "funder": d.names("funders", d.extra["funder_id"])},
        ),
        lambda d: grant_page(d.id),
    )
)

words(
    {
        "Record an instalment received": "Enregistrer un versement reçu",
        "Amount received (€)": "Montant reçu (€)",
        "Instalment of {amount} from {funder} recorded": (
            "Versement de {amount} reçu de {funder} enregistré"
        ),
        "File a justification": "Déposer un justificatif",
        "Amount justified (€)": "Montant justifié (€)",
        "Justification of {amount} for the grant of {funder} recorded": (
            "Justificatif de {amount} pour la subvention de {funder} enregistré"
        ),
        "Record a clawback": "Enregistrer un reversement",
        "Amount paid back (€)": "Montant reversé (€)",
        "Clawback of {amount} to {funder} recorded": (
            "Reversement de {amount} à {funder} enregistré"
        ),
        "Amend the grant": "Modifier le montant accordé (avenant)",
        "New amount awarded (€)": "Nouveau montant accordé (€)",
        "Grant of {funder} amended to {amount}": (
            "Avenant enregistré : subvention de {funder} portée à {amount}"
        ),
        "Close the grant": "Solder la subvention",
        "Nothing more will be received or justified on this grant.": (
            "Plus rien ne sera reçu ni justifié sur cette subvention."
        ),
        "Grant of {funder} closed": "Subvention de {funder} soldée",
        "Close": "Solder",
    }
)


def _grant_flow(title: str, amount: str, said: str, *more: Field) -> tuple[Any, ...]:
    return (
        title,
        None,
        (Field("amount", amount, "money", required=True), *more, EFFECTIVE),
        lambda d: (
            said,
            {
                "amount": money(d.body, "amount"),
                "funder": d.names("grant-funder", d.path["grant_id"]),
            },
        ),
        lambda d: grant_page(d.path["grant_id"]),
    )


add(
    Form(
        "grant-instalments",
        *_grant_flow(
            "Record an instalment received",
            "Amount received (€)",
            "Instalment of {amount} from {funder} recorded",
            BANK_REFERENCE,
        ),
    )
)
add(
    Form(
        "grant-justifications",
        *_grant_flow(
            "File a justification",
            "Amount justified (€)",
            "Justification of {amount} for the grant of {funder} recorded",
        ),
    )
)
add(
    Form(
        "grant-clawbacks",
        *_grant_flow(
            "Record a clawback",
            "Amount paid back (€)",
            "Clawback of {amount} to {funder} recorded",
            Field("reason", "Reason", "textarea", required=True),
        ),
    )
)
add(
    Form(
        "grant-amendments",
        "Amend the grant",
        None,
        (
            Field("amount", "New amount awarded (€)", "money", required=True),
            Field("reason", "Reason", "textarea", required=True),
            EFFECTIVE,
            Field(
                "agreement_ref",
                "Agreement reference",
                help="Required for a public grant above 23 000 € (R14).",
            ),
            Field("de_minimis_override", "Reason to exceed the de minimis ceiling", "textarea"),
        ),
        lambda d: (
            "Grant of {funder} amended to {amount}",
            {
                "amount": money(d.body, "amount"),
                "funder": d.names("grant-funder", d.path["grant_id"]),
            },
        ),
        lambda d: grant_page(d.path["grant_id"]),
    )
)
add(
    Form(
        "grant-closures",
        "Close the grant",
        "Nothing more will be received or justified on this grant.",
        (EFFECTIVE,),
        lambda d: (
            "Grant of {funder} closed",
            {"funder": d.names("grant-funder", d.path["grant_id"])},
        ),
        lambda d: grant_page(d.path["grant_id"]),
        submit="Close",
    )
)

# -- participative titles and ESUS -----------------------------------------------------

words(
    {
        "Issue participative titles": "Émettre des titres participatifs",
        "Holder": "Souscripteur",
        "Existing holder": "Souscripteur existant",
        "New holder's name": "Nom du nouveau souscripteur",
        "New holder's type": "Type du nouveau souscripteur",
        "Choose an existing holder, or name a new one below.": (
            "Choisissez un souscripteur existant, ou nommez-en un nouveau ci-dessous."
        ),
        "Number of titles": "Nombre de titres",
        "Nominal value (€)": "Valeur nominale (€)",
        "Fixed rate (%)": "Taux fixe (%)",
        "Variable rate (%)": "Taux variable (%)",
        "Variable base": "Assiette de la part variable",
        "Share of the nominal the variable part is based on, at most 0,40 (R11).": (
            "Part du nominal sur laquelle porte la part variable, au plus 0,40 (R11)."
        ),
        "Reference figure (€)": "Chiffre de référence (€)",
        "Issued on": "Date d'émission",
        "Issue of {count} titles to {holder} recorded": (
            "Émission de {count} titres participatifs pour {holder} enregistrée"
        ),
        "Redeem titles": "Rembourser des titres",
        "Titles redeemed": "Titres remboursés",
        "At liquidation": "À la liquidation",
        "Redemption of {count} titles of {holder} recorded": (
            "Remboursement de {count} titres de {holder} enregistré"
        ),
        "Remunerate titles": "Rémunérer des titres",
        "Result or activity figure (€)": "Résultat ou chiffre d'activité (€)",
        "Remuneration of the titles of {holder} for {year} recorded": (
            "Rémunération des titres de {holder} pour {year} enregistrée"
        ),
    }
)
add(
    Form(
        "participative-titles",
        "Issue participative titles",
        None,
        (
            Field(
                "holder_id",
                "Existing holder",
                "choice",
                choices="funders",
                help="Choose an existing holder, or name a new one below.",
                group="Holder",
            ),
            Field("holder.name", "New holder's name", group="Holder"),
            Field(
                "holder.type",
                "New holder's type",
                "select",
                options=options(FUNDER_TYPES),
                group="Holder",
            ),
            Field("count", "Number of titles", "integer", required=True),
            Field("nominal", "Nominal value (€)", "money", required=True),
            Field("fixed_rate", "Fixed rate (%)", "percent", required=True),
            Field("variable_rate", "Variable rate (%)", "percent", required=True),
            Field(
                "variable_base",
                "Variable base",
                "ratio",
                help="Share of the nominal the variable part is based on, at most 0,40 (R11).",
            ),
            Field("reference_figure", "Reference figure (€)", "money"),
            Field("issued_on", "Issued on", "date", help="Leave empty for today."),
        ),
        lambda d: (
            "Issue of {count} titles to {holder} recorded",
            {
                "count": fmt.number(d.body["count"]),
                "holder": d.names("funders", d.extra["holder_id"]),
            },
        ),
        lambda d: "/dashboard/funding",
    )
)
add(
    Form(
        "participative-title-redemptions",
        "Redeem titles",
        None,
        (
            Field("count", "Titles redeemed", "integer", required=True),
            EFFECTIVE,
            Field("at_liquidation", "At liquidation", "checkbox"),
        ),
        lambda d: (
            "Redemption of {count} titles of {holder} recorded",
            {
                "count": fmt.number(d.body["count"]),
                "holder": d.names("issue-holder", d.path["issue_id"]),
            },
        ),
        lambda d: "/dashboard/funding",
    )
)
add(
    Form(
        "participative-title-remunerations",
        "Remunerate titles",
        None,
        (
            Field("fiscal_year", "Fiscal year", "integer", required=True),
            Field("figure", "Result or activity figure (€)", "money", required=True),
            EFFECTIVE,
        ),
        lambda d: (
            "Remuneration of the titles of {holder} for {year} recorded",
            {"year": d.body["fiscal_year"], "holder": d.names("issue-holder", d.path["issue_id"])},
        ),
        lambda d: "/dashboard/funding",
    )
)

words(
    {
        "Record the ESUS approval": "Enregistrer l'agrément ESUS",
        "Granted on": "Accordé le",
        "Expires on": "Expire le",
        "Authority": "Autorité",
        "Reference": "Référence",
        "ESUS approval {reference} recorded": "Agrément ESUS {reference} enregistré",
        "Record an ESUS investment": "Enregistrer un investissement solidaire (ESUS)",
        "Investor": "Investisseur",
        "Existing investor": "Investisseur existant",
        "New investor's name": "Nom du nouvel investisseur",
        "New investor's type": "Type du nouvel investisseur",
        "Choose an existing investor, or name a new one below.": (
            "Choisissez un investisseur existant, ou nommez-en un nouveau ci-dessous."
        ),
        "Instrument": "Instrument",
        "Shares: the subscription": "Parts : la souscription",
        "Titles: the issue": "Titres : l'émission",
        "Loan": "Prêt",
        "Loan rate (%)": "Taux du prêt (%)",
        "Term (months)": "Durée (mois)",
        "First repayment on": "Premier remboursement le",
        "ESUS investment of {amount} by {investor} recorded": (
            "Investissement solidaire de {amount} de {investor} enregistré"
        ),
    }
)
add(
    Form(
        "esus-approvals",
        "Record the ESUS approval",
        None,
        (
            Field("granted_on", "Granted on", "date", required=True),
            Field("expires_on", "Expires on", "date", required=True),
            Field("authority", "Authority", required=True),
            Field("reference", "Reference", required=True),
        ),
        lambda d: ("ESUS approval {reference} recorded", {"reference": d.body["reference"]}),
        lambda d: "/dashboard/funding",
    )
)
add(
    Form(
        "esus-investments",
        "Record an ESUS investment",
        None,
        (
            Field(
                "investor_id",
                "Existing investor",
                "choice",
                choices="funders",
                help="Choose an existing investor, or name a new one below.",
                group="Investor",
            ),
            Field("investor.name", "New investor's name", group="Investor"),
            Field(
                "investor.type",
                "New investor's type",
                "select",
                options=options(FUNDER_TYPES),
                group="Investor",
            ),
            Field(
                "instrument", "Instrument", "select", required=True, options=options(INSTRUMENTS)
            ),
            Field("amount", "Amount (€)", "money", required=True),
            EFFECTIVE,
            Field("subscription_id", "Shares: the subscription", "choice", choices="subscriptions"),
            Field("title_issue_id", "Titles: the issue", "choice", choices="issues"),
            Field("loan.rate", "Loan rate (%)", "percent", group="Loan"),
            Field("loan.term_months", "Term (months)", "integer", group="Loan"),
            Field("loan.first_repayment_on", "First repayment on", "date", group="Loan"),
        ),
        lambda d: (
            "ESUS investment of {amount} by {investor} recorded",
            {
                "amount": money(d.body, "amount"),
                "investor": d.names("funders", d.extra["investor_id"]),
            },
        ),
        lambda d: "/dashboard/funding",
    )
)

# -- fiscal years ----------------------------------------------------------------------

words(
    {
        "Close the fiscal year {year}": "Clôturer l'exercice {year}",
        "Result (€)": "Résultat (€)",
        "From the accounts; negative for a loss (-1 200,00).": (
            "Selon les comptes ; négatif pour une perte (-1 200,00)."
        ),
        "Own revenue (€)": "Produits propres (€)",
        "Source of the own revenue figure": "Source du chiffre des produits propres",
        "Closing freezes the year: nothing can be recorded in it afterwards (R16).": (
            "La clôture fige l'exercice : plus rien ne peut y être enregistré ensuite (R16)."
        ),
        "Fiscal year {year} closed": "Exercice {year} clôturé",
        "Close a fiscal year": "Clôturer un exercice",
        "Allocate a year's result": "Affecter le résultat d'un exercice",
        "Close the year": "Clôturer l'exercice",
        "Allocate the result of {year}": "Affecter le résultat de {year}",
        "As the general meeting decided (R8, R9).": (
            "Selon la décision de l'assemblée générale (R8, R9)."
        ),
        "Leave empty for the result recorded at closing.": (
            "Laisser vide pour reprendre le résultat enregistré à la clôture."
        ),
        "Legal reserve (€)": "Réserve légale (€)",
        "Statutory reserve (€)": "Réserve statutaire (€)",
        "Interest on shares (€)": "Intérêts aux parts sociales (€)",
        "Other reserves (€)": "Autres réserves (€)",
        "Loss charged to reserves (€)": "Perte imputée sur les réserves (€)",
        "Decided on": "Date de la décision",
        "Interest paid on": "Intérêts versés le",
        "Allocation of the result of {year} recorded": (
            "Affectation du résultat de {year} enregistrée"
        ),
    }
)
add(
    Form(
        "fiscal-year-close",
        "Close the fiscal year {year}",
        "Closing freezes the year: nothing can be recorded in it afterwards (R16).",
        (
            Field(
                "result",
                "Result (€)",
                "signed-money",
                help="From the accounts; negative for a loss (-1 200,00).",
            ),
            Field("own_revenue", "Own revenue (€)", "money"),
            Field("own_revenue_source", "Source of the own revenue figure"),
        ),
        lambda d: ("Fiscal year {year} closed", {"year": d.path["year"]}),
        lambda d: "/dashboard/events",
        submit="Close the year",
        listed="Close a fiscal year",
    )
)
add(
    Form(
        "surplus-allocations",
        "Allocate the result of {year}",
        "As the general meeting decided (R8, R9).",
        (
            Field(
                "result",
                "Result (€)",
                "signed-money",
                help="Leave empty for the result recorded at closing.",
            ),
            Field("legal_reserve", "Legal reserve (€)", "money"),
            Field("statutory_reserve", "Statutory reserve (€)", "money"),
            Field("interest", "Interest on shares (€)", "money"),
            Field("other_reserves", "Other reserves (€)", "money"),
            Field("charged_to_reserves", "Loss charged to reserves (€)", "money"),
            Field("decided_on", "Decided on", "date", required=True),
            Field("interest_paid_on", "Interest paid on", "date"),
        ),
        lambda d: ("Allocation of the result of {year} recorded", {"year": d.path["year"]}),
        lambda d: "/dashboard/events",
        listed="Allocate a year's result",
    )
)
