"""The forms' words: every label, help text and confirmation is an English msgid, and
`FRENCH` holds its French (the default language of the pages). One table, so the words
can move into a message catalogue as they are."""

from __future__ import annotations

from fastapi import Request

from scic import i18n


def lang_of(request: Request) -> str:
    """The page's language (scic.i18n: the FR/EN switch's cookie, or ?lang=)."""
    return i18n.page_locale(request)


def tr(msgid: str, lang: str) -> str:
    return FRENCH.get(msgid, msgid) if lang == "fr" else msgid


FUNDER_TYPES = {
    "state": "State",
    "region": "Region",
    "department": "Département",
    "intercommunality": "Intercommunality",
    "municipality": "Municipality",
    "eu": "European Union",
    "foundation": "Foundation",
    "private": "Private",
}
PURPOSES = {"operating": "Operating", "investment": "Investment"}
KINDS = {"person": "Person", "organisation": "Organisation"}
INSTRUMENTS = {"shares": "Shares", "titles": "Participative titles", "loan": "Solidarity loan"}
ROLES = {
    "employees": "Employees",
    "producers": "Producers",
    "beneficiaries": "Beneficiaries",
    "volunteers": "Volunteers",
    "public_bodies": "Public bodies",
    "supporters": "Supporters",
    "funders": "Funders",
    "other": "Other",
}

EVENT_NAMES = {
    "SharesSubscribed": "Subscription",
    "SharesCalled": "Call",
    "SharesPaid": "Payment",
    "SharesTransferred": "Transfer",
    "MemberWithdrew": "Withdrawal",
    "SharesReimbursed": "Reimbursement",
    "ReimbursementPaidOut": "Reimbursement paid out",
    "OwedCallPaid": "Payment by a former member",
    "GrantInstalmentReceived": "Grant instalment",
    "GrantJustified": "Grant justification",
    "GrantClawedBack": "Grant clawback",
    "EsusInvested": "ESUS investment",
    "EventReversed": "Reversal",
}


def event_name(event_type: str) -> str:
    return EVENT_NAMES.get(event_type, event_type)


FRENCH: dict[str, str] = {
    # the frame
    "Record": "Enregistrer",
    "Record a write": "Saisie",
    "Forms": "Saisie",
    "Required": "obligatoire",
    "required": "obligatoire",
    "Choose…": "Choisir…",
    "Type a name, then choose": "Tapez un nom puis choisissez",
    "The form has problems; nothing was recorded.": (
        "Le formulaire comporte des erreurs ; rien n'a été enregistré."
    ),
    "Open": "Ouvrir",
    "Preview the correction": "Prévisualiser la correction",
    "Confirm the correction": "Confirmer la correction",
    "Preview again": "Prévisualiser de nouveau",
    "Amounts: 1 250,50 or 1250.50.": "Montants : 1 250,50 ou 1250.50.",
    "What this correction will record": "Ce que cette correction enregistrera",
    "It reverses": "Elle annule",
    "It compensates: reimbursements the mistake released, back to the queue (R5)": (
        "Elle compense : remboursements que l'erreur avait libérés, remis en attente (R5)"
    ),
    "It lets go waiting reimbursements (R5)": "Elle libère des remboursements en attente (R5)",
    "Compliance findings it creates": "Constats de conformité qu'elle crée",
    "None.": "Aucun.",
    "Nothing to choose yet": "Rien à choisir pour l'instant",
    "Members and shares": "Associés et parts",
    "Grants": "Subventions",
    "Participative titles and ESUS": "Titres participatifs et ESUS",
    "Fiscal years and statutes": "Exercices et statuts",
    # choice labels
    "admitted on {day}": "admis le {day}",
    "left": "sorti",
    "{name} — {shares} shares of {day}, {unpaid} unpaid": (
        "{name} — {shares} parts du {day}, {unpaid} non libérés"
    ),
    "{funder} — {purpose} {amount} awarded on {day}": (
        "{funder} — {purpose} {amount} accordée le {day}"
    ),
    "{holder} — {count} titles of {nominal} issued on {day}": (
        "{holder} — {count} titres de {nominal} émis le {day}"
    ),
    "{member} — {amount} reimbursed on {day}": "{member} — {amount} remboursés le {day}",
    "of {amount}": "de {amount}",
    # fixed options
    "State": "État",
    "Region": "Région",
    "Département": "Département",
    "Intercommunality": "Intercommunalité",
    "Municipality": "Commune",
    "European Union": "Union européenne",
    "Foundation": "Fondation",
    "Private": "Privé",
    "Operating": "Fonctionnement",
    "Investment": "Investissement",
    "Person": "Personne physique",
    "Organisation": "Personne morale",
    "Shares": "Parts sociales",
    "Participative titles": "Titres participatifs",
    "Solidarity loan": "Prêt solidaire",
    "Employees": "Salariés",
    "Producers": "Producteurs",
    "Beneficiaries": "Bénéficiaires",
    "Volunteers": "Bénévoles",
    "Public bodies": "Collectivités publiques",
    "Supporters": "Soutiens",
    "Funders": "Financeurs",
    "Other": "Autre",
    # event names
    "Subscription": "Souscription",
    "Call": "Appel de fonds",
    "Payment": "Versement",
    "Transfer": "Cession",
    "Withdrawal": "Retrait",
    "Reimbursement": "Remboursement",
    "Reimbursement paid out": "Remboursement versé",
    "Payment by a former member": "Versement d'un associé sorti",
    "Grant instalment": "Versement de subvention",
    "Grant justification": "Justificatif de subvention",
    "Grant clawback": "Reversement de subvention",
    "ESUS investment": "Investissement ESUS",
    "Reversal": "Annulation",
}
