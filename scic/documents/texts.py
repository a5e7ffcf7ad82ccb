"""Every word the documents print, one table per document, French and English side by
side: `words("certificate", "en")["title"]`. Placeholders are filled with str.format."""

from __future__ import annotations

from scic.documents.lang import Lang

Table = dict[str, tuple[str, str]]
"""key → (French, English)."""

COMMON: Table = {
    "issuer": ("Coopérative", "Cooperative"),
    "name": ("Dénomination", "Name"),
    "legal_form": ("Forme", "Legal form"),
    "form_value": (
        "SCIC {form} à capital variable",
        "SCIC ({form}) with variable capital",
    ),
    "siren": ("SIREN", "SIREN"),
    "registered_office": ("Siège social", "Registered office"),
    "purpose": ("Objet social", "Purpose"),
    "not_recorded": ("non renseigné", "not recorded"),
    "member": ("Associé", "Member"),
    "member_name": ("Nom", "Name"),
    "member_number": ("N° d'associé", "Member number"),
    "address": ("Adresse", "Address"),
    "kind": ("Personne", "Person"),
    "person": ("personne physique", "natural person"),
    "organisation": ("personne morale", "legal person"),
    "category": ("Catégorie", "Category"),
    "college": ("Collège de vote", "Voting college"),
    "admitted_on": ("Admis le", "Admitted on"),
    "shares": ("Parts", "Shares"),
    "nominal": ("Valeur nominale d'une part", "Nominal value of a share"),
    "subscribed": ("Souscrit", "Subscribed"),
    "called": ("Appelé", "Called"),
    "paid": ("Libéré", "Paid up"),
    "unpaid": ("Reste à libérer", "Still to pay"),
    "date": ("Date", "Date"),
    "movement": ("Mouvement", "Movement"),
    "subscription": ("Souscription", "Subscription"),
    "number": ("N°", "No."),
    "as_of_line": ("Arrêté au {day}", "As at {day}"),
    "year_line": ("Exercice {year} (du {start} au {end})", "Fiscal year {year} ({start} to {end})"),
    "page": ("Page {n}/{total}", "Page {n}/{total}"),
    "made_on": (
        "Situation arrêtée au {day}, d'après les registres de la coopérative.",
        "Position as at {day}, from the cooperative's registers.",
    ),
    "for_coop": (
        "Pour la coopérative, le représentant légal :",
        "For the cooperative, its legal representative:",
    ),
    "none": ("Aucun", "None"),
}

MOVEMENTS: Table = {
    "subscription": ("Souscription", "Subscription"),
    "call": ("Appel de fonds", "Call"),
    "payment": ("Libération", "Payment"),
    "transfer-out": ("Cession (cédant)", "Transfer out"),
    "transfer-in": ("Cession (cessionnaire)", "Transfer in"),
    "reimbursement": ("Remboursement", "Reimbursement"),
    "reversal": ("Correction", "Correction"),
    "withdrawal": ("Retrait", "Withdrawal"),
}

CERTIFICATE: Table = {
    "title": ("Attestation de détention de parts sociales", "Share certificate"),
    "intro": (
        "La coopérative atteste que l'associé ci-dessous détient, au {day}, les parts "
        "sociales suivantes, inscrites à son nom au registre des associés.",
        "The cooperative certifies that the member below holds, on {day}, the following "
        "shares, entered in its name in the register of members.",
    ),
    "holding": ("Parts détenues", "Shares held"),
    "subscriptions": ("Souscriptions", "Subscriptions"),
    "subscribed_on": ("Souscrite le", "Subscribed on"),
    "movements": ("Mouvements jusqu'à cette date", "Movements up to that date"),
    "variable_capital": (
        "Le capital de la coopérative est variable : il augmente par les souscriptions et "
        "diminue par les remboursements, sans modification des statuts.",
        "The cooperative's capital is variable: it grows with subscriptions and falls "
        "with reimbursements, without amending the statutes.",
    ),
    "reimbursement": (
        "Les parts sont remboursées au plus à leur valeur nominale, sous déduction de la "
        "part des pertes que les réserves n'absorbent pas ; l'associé sortant reste tenu "
        "cinq ans des dettes existant à son départ.",
        "Shares are reimbursed at most at their nominal value, less the share of losses the "
        "reserves do not absorb; a departing member remains liable for five years for the "
        "debts existing when it leaves.",
    ),
    "not_negotiable": (
        "Cette attestation n'est pas un titre négociable : seul le registre des associés fait foi.",
        "This certificate is not a negotiable security: the register of members alone "
        "is authoritative.",
    ),
}

FORM: Table = {
    "title": ("Bulletin de souscription de parts sociales", "Share subscription form"),
    "intro": (
        "Je soussigné(e), désigné(e) ci-dessous, déclare souscrire au capital de la "
        "coopérative les parts sociales suivantes.",
        "I, the undersigned, named below, declare that I subscribe the following shares "
        "in the cooperative's capital.",
    ),
    "capital": ("Capital souscrit au {day}", "Capital subscribed on {day}"),
    "subscriber": ("Souscripteur", "Subscriber"),
    "the_subscription": ("La souscription", "The subscription"),
    "subscribed_on": ("Date de la souscription", "Date of subscription"),
    "amount": ("Montant souscrit", "Amount subscribed"),
    "paid_now": ("Versé à la souscription", "Paid at subscription"),
    "still_due": ("Reste dû", "Still due"),
    "due_by": ("À libérer au plus tard le", "To be paid up by"),
    "funds_to": ("Fonds reçus par", "Funds received by"),
    "in_words": (
        "Nombre de parts en toutes lettres, écrit de la main du souscripteur : "
        "............................................................",
        "Number of shares in words, written by the subscriber: "
        "............................................................",
    ),
    "statutes": (
        "Le souscripteur déclare avoir reçu et lu les statuts de la coopérative et "
        "s'engage à s'y conformer, ainsi qu'aux décisions de ses assemblées.",
        "The subscriber declares having received and read the cooperative's statutes and "
        "undertakes to abide by them and by the decisions of its general meetings.",
    ),
    "quarter": (
        "Au moins le quart de la valeur nominale est libéré à la souscription ; le solde "
        "est libéré sur appel, dans un délai de cinq ans au plus.",
        "At least a quarter of the nominal value is paid at subscription; the balance is "
        "paid when called, within five years at most.",
    ),
    "variable_capital": CERTIFICATE["variable_capital"],
    "copy": (
        "Une copie de ce bulletin est remise au souscripteur.",
        "A copy of this form is given to the subscriber.",
    ),
    "sign": (
        "Fait à ...................., le ....................  Signature du souscripteur :",
        "Signed at ...................., on ....................  Subscriber's signature:",
    ),
}

ANNUAL: Table = {
    "title": ("Relevé annuel de l'associé", "Member's annual statement"),
    "intro": (
        "Relevé de vos parts sociales pour l'exercice {year}, du {start} au {end}.",
        "Statement of your shares for fiscal year {year}, from {start} to {end}.",
    ),
    "opening": ("Au début de l'exercice ({day})", "At the start of the year ({day})"),
    "closing": ("À la fin de l'exercice ({day})", "At the end of the year ({day})"),
    "movements": ("Mouvements de l'exercice", "Movements of the year"),
    "interest": ("Intérêt aux parts", "Interest on shares"),
    "interest_amount": ("Intérêt alloué par l'assemblée", "Interest allocated by the meeting"),
    "decided_on": ("Décidé le", "Decided on"),
    "paid_on": ("Versé le", "Paid on"),
    "no_allocation": (
        "Aucune affectation du résultat de cet exercice n'est enregistrée à ce jour.",
        "No allocation of this year's result is recorded yet.",
    ),
    "interest_rule": (
        "L'intérêt aux parts est plafonné (moyenne du TMO des trois années civiles "
        "précédant l'assemblée, majorée de deux points) et ne peut être servi qu'après "
        "dotation des réserves.",
        "Interest on shares is capped (the average TMO of the three calendar years before "
        "the meeting, plus two points) and is paid only after the reserves are funded.",
    ),
    "pending": ("Remboursement en attente", "Reimbursement waiting"),
}

TAX: Table = {
    "title": (
        "État individuel — réduction d'impôt sur le revenu (IR-PME)",
        "Individual statement — income tax reduction (IR-PME)",
    ),
    "object": (
        "État établi pour l'application de l'article 199 terdecies-0 A du code général "
        "des impôts, au titre des versements de l'année {year}.",
        "Statement issued for the application of article 199 terdecies-0 A of the French "
        "general tax code, for the payments made in {year}.",
    ),
    "subscriber": ("Souscripteur", "Subscriber"),
    "subscriptions": ("Titres souscrits", "Shares subscribed"),
    "payments": ("Versements effectués en {year}", "Payments made in {year}"),
    "subscribed_on": ("Date de souscription", "Date of subscription"),
    "amount": ("Montant", "Amount"),
    "keep_until": ("À conserver jusqu'au", "To be held until"),
    "summary": ("Récapitulatif", "Summary"),
    "paid_total": ("Total versé dans l'année", "Paid in the year"),
    "eligible": ("Base retenue (plafond annuel)", "Eligible base (annual ceiling)"),
    "rates": ("Taux", "Rate"),
    "reduction": ("Réduction d'impôt indicative", "Indicative tax reduction"),
    "conditions": (
        "La coopérative déclare remplir les conditions prévues aux c, d et e du 2° du I "
        "de l'article 199 terdecies-0 A du CGI (régime d'imposition, activité, définition "
        "européenne de la PME).",
        "The cooperative declares that it meets the conditions of c, d and e of 2° of I of "
        "article 199 terdecies-0 A of the CGI (tax regime, activity, EU SME definition).",
    ),
    "holding": (
        "Les parts doivent être conservées jusqu'au 31 décembre de la cinquième année "
        "suivant celle de la souscription ; un remboursement ou une cession avant cette "
        "date entraîne la reprise de la réduction.",
        "The shares must be held until 31 December of the fifth year after the year of "
        "subscription; a reimbursement or transfer before that date takes the reduction "
        "back.",
    ),
    "ceiling": (
        "Versements retenus dans la limite annuelle de 50 000 € (personne seule) ou "
        "100 000 € (couple soumis à imposition commune), à appliquer par foyer.",
        "Payments count up to 50,000 € a year (single person) or 100,000 € (couple taxed "
        "jointly), to be applied per household.",
    ),
}

GRANT: Table = {
    "title": ("État de la subvention", "Grant statement"),
    "intro": (
        "Situation de la subvention ci-dessous au {day}, d'après les écritures de la coopérative.",
        "Position of the grant below on {day}, from the cooperative's records.",
    ),
    "grant": ("Subvention", "Grant"),
    "funder": ("Financeur", "Funder"),
    "purpose": ("Objet", "Purpose"),
    "operating": ("fonctionnement", "operating"),
    "investment": ("investissement", "investment"),
    "programme": ("Programme", "Programme"),
    "agreement_ref": ("Référence de la convention", "Agreement reference"),
    "awarded_on": ("Attribuée le", "Awarded on"),
    "period": ("Période financée", "Funded period"),
    "period_value": ("du {start} au {end}", "{start} to {end}"),
    "justify_by": ("À justifier avant le", "To be justified by"),
    "figures": ("Montants", "Amounts"),
    "awarded": ("Attribué", "Awarded"),
    "received": ("Reçu", "Received"),
    "justified": ("Justifié", "Justified"),
    "clawed_back": ("Reversé", "Clawed back"),
    "to_receive": ("Reste à recevoir", "Still to receive"),
    "to_justify": ("Reste à justifier", "Left to justify"),
    "history": (
        "Versements, justifications et reversements",
        "Instalments, justifications and clawbacks",
    ),
    "flow": ("Opération", "Operation"),
    "amount": ("Montant", "Amount"),
    "left_rule": (
        "Reste à justifier = reçu − reversé − justifié.",
        "Left to justify = received − clawed back − justified.",
    ),
}

FLOWS: Table = {
    "awarded": ("Attribution ou avenant", "Award or amendment"),
    "received": ("Versement reçu", "Instalment received"),
    "justified": ("Justification", "Justification"),
    "clawed_back": ("Reversement", "Clawback"),
}


class Words:
    """The words of one table in one language: `w["title"]`, `w("intro", day=…)`."""

    def __init__(self, table: Table, lang: Lang) -> None:
        self.table = table
        self.index = 0 if lang == "fr" else 1

    def __getitem__(self, key: str) -> str:
        return self.table[key][self.index]

    def __call__(self, key: str, **values: object) -> str:
        return self[key].format(**values)


def words(table: Table, lang: Lang) -> Words:
    return Words(table, lang)
