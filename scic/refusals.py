"""Refusals in people's words: the title of every refusal type and the name of every
rule, in the catalogue's language (French by default, English on request), and a
refusal's detail translated when its raiser gave it as a catalogue message (`says`).
Pages and the API's problem+json read titles and details from here."""

from __future__ import annotations

from scic.errors import DomainError, NotFound
from scic.i18n import N_
from scic.i18n import gettext as _

RULES = {
    "R1": N_("capital minimum et valeur nominale des parts"),
    "R2": N_("catégories d'associés"),
    "R3": N_("plafond de capital des collectivités publiques"),
    "R4": N_("collèges de vote"),
    "R5": N_("retraits et plancher du capital"),
    "R6": N_("remboursement des parts"),
    "R7": N_("libération et appels des parts"),
    "R8": N_("intérêt aux parts"),
    "R9": N_("affectation du résultat"),
    "R10": N_("révision coopérative"),
    "R11": N_("titres participatifs"),
    "R12": N_("agrément ESUS"),
    "R13": N_("réduction d'impôt IR-PME"),
    "R14": N_("subventions et de minimis"),
    "R15": N_("composition des financements"),
    "R16": N_("exercices comptables"),
    "R17": N_("fichier des écritures comptables (FEC)"),
}

TITLES = {
    "invalid-iban": N_("IBAN invalide"),
    "invalid-bic": N_("BIC invalide"),
    "invalid-creditor-id": N_("Identifiant créancier SEPA invalide"),
    "invalid-journal-account": N_("Compte de banque invalide"),
    "bank-account-exists": N_("Compte bancaire déjà enregistré"),
    "bank-account-required": N_("Compte bancaire à préciser"),
    "unknown-statement-format": N_("Relevé illisible"),
    "invalid-column-mapping": N_("Colonnes du CSV invalides"),
    "statement-of-another-account": N_("Relevé d'un autre compte"),
    "statement-does-not-add-up": N_("Relevé incohérent"),
    "statement-balance-break": N_("Solde d'ouverture discontinu"),
    "bank-line-settled": N_("Ligne déjà rapprochée"),
    "bank-line-not-matchable": N_("Rapprochement impossible"),
    "sepa-mandate-in-force": N_("Mandat SEPA déjà en vigueur"),
    "sepa-mandate-reference-taken": N_("Référence de mandat déjà utilisée"),
    "sepa-mandate-not-in-force": N_("Mandat SEPA plus en vigueur"),
    "sepa-mandate-missing": N_("Associé sans mandat SEPA"),
    "sepa-mandate-unsigned": N_("Mandat SEPA sans date de signature"),
    "sepa-call-already-collected": N_("Appel déjà prélevé"),
    "sepa-nothing-due": N_("Rien à prélever"),
    "sepa-creditor-id-required": N_("Identifiant créancier SEPA manquant"),
    "sepa-bic-required": N_("BIC du compte manquant"),
    "sepa-payout-already-sent": N_("Virement déjà émis"),
    "sepa-payee-account-missing": N_("IBAN du bénéficiaire inconnu"),
    "sepa-nothing-to-pay": N_("Rien à verser"),
    "admin-token-is-global": N_("Un administrateur vaut pour toutes les coopératives"),
    "agreement-required": N_("Convention requise"),
    "already-reversed": N_("Déjà annulé"),
    "amount-too-large": N_("Montant trop grand"),
    "award-below-received": N_("Montant accordé inférieur au montant reçu"),
    "call-due-date-out-of-bounds": N_("Échéance d'appel hors délai"),
    "call-exceeds-uncalled": N_("Appel supérieur au capital non appelé"),
    "capital-below-legal-minimum": N_("Capital inférieur au minimum légal"),
    "category-in-two-colleges": N_("Catégorie dans deux collèges"),
    "category-without-college": N_("Catégorie sans collège"),
    "clawback-exceeds-received": N_("Reversement supérieur au montant reçu"),
    "college-count": N_("Nombre de collèges"),
    "college-unknown-category": N_("Catégorie inconnue dans un collège"),
    "college-weight-out-of-bounds": N_("Poids de collège hors limites"),
    "college-weights-sum": N_("Somme des poids des collèges"),
    "cooperative-required": N_("Coopérative requise"),
    "date-before-admission": N_("Date antérieure à l'admission"),
    "date-before-award": N_("Date antérieure à l'attribution"),
    "date-before-incorporation": N_("Date antérieure à la constitution"),
    "date-before-issue": N_("Date antérieure à l'émission"),
    "date-before-subscription": N_("Date antérieure à la souscription"),
    "date-beyond-horizon": N_("Date trop lointaine"),
    "de-minimis-ceiling": N_("Plafond de minimis"),
    "duplicate-ballot": N_("Vote en double"),
    "duplicate-category": N_("Catégorie en double"),
    "duplicate-subscription": N_("Souscription en double"),
    "esus-approval-dates": N_("Dates d'agrément ESUS"),
    "esus-approval-too-long": N_("Agrément ESUS trop long"),
    "exit-holding-changed": N_("Parts modifiées avant la sortie"),
    "expiry-in-the-past": N_("Expiration déjà passée"),
    "first-payment-below-quarter": N_("Premier versement inférieur au quart"),
    "grant-closed": N_("Subvention soldée"),
    "holder-required": N_("Porteur requis"),
    "instalment-exceeds-award": N_("Versement supérieur au montant accordé"),
    "invalid-siren": N_("SIREN invalide"),
    "investor-required": N_("Investisseur requis"),
    "justification-before-payment": N_("Justification avant versement"),
    "justification-exceeds-received": N_("Justification supérieure au montant reçu"),
    "member-not-active": N_("Associé sorti"),
    "no-shares-to-withdraw": N_("Aucune part à retirer"),
    "nominal-change-with-shares-outstanding": N_(
        "Valeur nominale figée tant que des parts existent"
    ),
    "not-enough-shares": N_("Parts insuffisantes"),
    "not-reversible": N_("Événement non annulable"),
    "party-not-allowed": N_("Ce rôle ne parle pour personne"),
    "party-required": N_("Associé ou financeur requis"),
    "payment-already-called": N_("Versement déjà appelé"),
    "payment-exceeds-unpaid": N_("Versement supérieur au montant restant dû"),
    "public-capital-cap": N_("Plafond du capital public"),
    "redemption-before-seven-years": N_("Remboursement avant sept ans"),
    "redemption-exceeds-outstanding": N_("Remboursement supérieur aux titres en circulation"),
    "reimbursement-above-paid": N_("Remboursement supérieur au montant versé"),
    "reimbursement-below-floor": N_("Capital sous son plancher"),
    "reimbursement-delay-too-long": N_("Délai de remboursement trop long"),
    "reimbursement-out-of-turn": N_("Remboursement hors de son tour"),
    "reverse-later-events-first": N_("Annuler d'abord les événements suivants"),
    "same-category": N_("Même catégorie"),
    "shares-not-paid-up": N_("Parts non libérées"),
    "transfer-to-self": N_("Cession à soi-même"),
    "unknown-category": N_("Catégorie inconnue"),
    "unknown-role": N_("Rôle inconnu"),
    "variable-base-above-cap": N_("Partie variable au-dessus du plafond"),
    "voter-not-member": N_("Votant non associé"),
    "voter-without-college": N_("Votant sans collège"),
    "withdrawal-not-pending": N_("Aucun retrait en attente"),
    "allocation-does-not-add-up": N_("Affectation incohérente"),
    "already-allocated": N_("Résultat déjà affecté"),
    "closed-period": N_("Exercice clos"),
    "decision-before-year-end": N_("Décision avant la fin de l'exercice"),
    "earlier-year-open": N_("Exercice précédent encore ouvert"),
    "fiscal-year-closed": N_("Exercice déjà clos"),
    "fiscal-year-not-ended": N_("Exercice non terminé"),
    "fiscal-year-open": N_("Exercice encore ouvert"),
    "interest-above-cap": N_("Intérêt au-dessus du plafond"),
    "interest-above-distributable": N_("Intérêt au-dessus du distribuable"),
    "interest-paid-before-decision": N_("Intérêt payé avant la décision"),
    "journal-unbalanced": N_("Journal déséquilibré"),
    "legal-reserve-below-minimum": N_("Réserve légale insuffisante"),
    "loss-not-distributable": N_("Une perte ne se distribue pas"),
    "reserves-insufficient": N_("Réserves insuffisantes"),
    "result-differs-from-closing": N_("Résultat différent de la clôture"),
    "result-unknown": N_("Résultat inconnu"),
    "siren-required": N_("SIREN requis"),
    "statutory-reserve-below-minimum": N_("Réserve statutaire insuffisante"),
    "tmo-unknown": N_("TMO inconnu"),
    "webhook-url-is-this-server": N_("Adresse de webhook : ce serveur"),
    "unknown-event-types": N_("Types d'événements inconnus"),
    "invalid-webhook-url": N_("Adresse de webhook invalide"),
    "invalid-webhook-secret": N_("Secret de webhook invalide"),
    "unsupported-format": N_("Format non pris en charge"),
    "as-of-outside-year": N_("Date hors de l'exercice"),
    "as-of-before-incorporation": N_("Date antérieure à la constitution"),
    "party-kind-mismatch": N_("Associé ou financeur attendu"),
    "party-erased": N_("Personne effacée"),
    "one-party-only": N_("Une seule personne à la fois"),
    "no-own-funder": N_("Aucun financeur associé"),
    "invalid-cursor": N_("Curseur invalide"),
    "password-too-short": N_("Mot de passe trop court"),
    "password-too-common": N_("Mot de passe trop courant"),
    "passwords-differ": N_("Les mots de passe diffèrent"),
    "invalid-email": N_("Adresse e-mail invalide"),
    "account-exists": N_("Compte existant"),
    "account-revoked": N_("Compte fermé"),
    "invitation-expired": N_("Invitation expirée"),
    "invitation-used": N_("Invitation déjà utilisée"),
    "invitation-withdrawn": N_("Invitation retirée"),
    "last-manager": N_("Dernier gestionnaire"),
    "invalid-credentials": N_("Mot de passe incorrect"),
    "wrong-current-password": N_("Mot de passe actuel incorrect"),
    "reset-link-used": N_("Lien déjà utilisé"),
    "reset-link-expired": N_("Lien expiré"),
}


# What a `<what>-not-found` refusal could not find.
THINGS = {
    "cooperative": N_("coopérative"),
    "member": N_("associé"),
    "funder": N_("financeur"),
    "grant": N_("subvention"),
    "party": N_("personne"),
    "subscription": N_("souscription"),
    "event": N_("événement"),
    "withdrawal": N_("retrait"),
    "token": N_("jeton"),
    "user": N_("compte"),
    "invitation": N_("invitation"),
    "password-reset": N_("lien de nouveau mot de passe"),
    "fiscal-year": N_("exercice"),
    "report": N_("rapport"),
    "webhook": N_("abonnement webhook"),
    "bank-account": N_("compte bancaire"),
    "bank-line": N_("ligne de relevé"),
    "sepa-mandate": N_("mandat SEPA"),
    "title-issue": N_("émission de titres participatifs"),
    "file": N_("fichier"),
}


def title(slug: str) -> str:
    """A refusal type's title in the current language (its slug, readable, if unknown)."""
    known = TITLES.get(slug)
    if known:
        return _(known)
    if slug.endswith("-not-found"):
        return _("Introuvable")
    return slug.replace("-", " ").capitalize()


def rule_text(rule: str | None) -> str | None:
    """'R3' → 'R3 — plafond de capital des collectivités publiques'."""
    if rule is None:
        return None
    name = RULES.get(rule)
    return f"{rule} — {_(name)}" if name else rule


def detail(error: DomainError) -> str:
    """The refusal's detail in the current language when the raiser gave it as a
    catalogue message, else its own words."""
    if error.says:
        return _(error.says) % error.values
    if isinstance(error, NotFound) and error.what in THINGS:
        return _("%(thing)s « %(ident)s » introuvable ici.") % {
            "thing": _(THINGS[error.what]).capitalize(),
            "ident": error.ident,
        }
    return error.detail
