"""Refusals in people's words: the title of every refusal type and the name of every
rule, in the catalogue's language (French by default, English on request), and a
refusal's detail translated when its raiser gave it as a catalogue message (`says`).
Pages and the API's problem+json read titles and details from here."""

from __future__ import annotations

from scic.errors import DomainError, NotFound
from scic.i18n import N_, Lang, current, translations
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
    "sepa-member-left": N_("Associé sorti, non prélevé"),
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
    "payment-exceeds-owed": N_("Versement supérieur à ce que l'associé sorti doit"),
    "archived-file-altered": N_("Fichier archivé altéré"),
    "public-capital-cap": N_("Plafond du capital public"),
    "redemption-before-seven-years": N_("Remboursement avant sept ans"),
    "redemption-exceeds-outstanding": N_("Remboursement supérieur aux titres en circulation"),
    "reimbursement-above-paid": N_("Remboursement supérieur au montant versé"),
    "reimbursement-set-off-changed": N_("Compensation d'un remboursement déjà enregistré"),
    "reimbursement-below-floor": N_("Capital sous son plancher"),
    "reimbursement-not-released": N_("Remboursement pas encore débloqué"),
    "reimbursement-already-paid-out": N_("Remboursement déjà versé"),
    "payout-amount-mismatch": N_("Montant différent de ce qui est dû"),
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


# What each refusal means, in a sentence people read next to the field it concerns (a
# page, a form, a mail) and in the API's French problem detail: every slug of the
# catalogue (scic.errors.CATALOGUE) and the "not found" of what a form chooses from. A
# raiser's own `says` (with its figures) comes first when it gave one.
DETAILS = {
    "agreement-required": N_(
        "Une subvention publique de plus de 23 000 € exige une convention écrite : indiquez "
        "sa référence."
    ),
    "already-reversed": N_("Cet événement a déjà été annulé."),
    "amount-too-large": N_("Ce montant est trop élevé."),
    "award-below-received": N_(
        "Le montant accordé ne peut pas descendre sous ce qui a déjà été reçu."
    ),
    "call-due-date-out-of-bounds": N_(
        "L'échéance doit tomber dans les cinq ans de la souscription."
    ),
    "call-exceeds-uncalled": N_(
        "L'appel dépasse la part de la souscription qui n'est pas encore appelée."
    ),
    "capital-below-legal-minimum": N_("Le capital descendrait sous le minimum légal."),
    "date-before-admission": N_("Cette date est antérieure à l'admission de l'associé."),
    "date-before-award": N_("Cette date est antérieure à l'attribution de la subvention."),
    "date-before-incorporation": N_(
        "Cette date est antérieure à la constitution de la coopérative."
    ),
    "date-before-issue": N_("Cette date est antérieure à l'émission des titres."),
    "date-before-subscription": N_("Cette date est antérieure à la souscription."),
    "date-beyond-horizon": N_("Cette date est à plus d'un an : vérifiez l'année."),
    "de-minimis-ceiling": N_(
        "Les aides de minimis dépasseraient leur plafond sur trois ans ; ne l'enregistrez "
        "qu'avec un motif de dépassement."
    ),
    "duplicate-subscription": N_("Cette souscription est déjà enregistrée."),
    "esus-approval-dates": N_("L'agrément doit expirer après avoir été accordé."),
    "esus-approval-too-long": N_("Un agrément ESUS dure cinq ans au plus."),
    "exit-holding-changed": N_("Les parts de l'associé ont changé depuis sa sortie."),
    "first-payment-below-quarter": N_(
        "À la souscription, au moins le quart de la valeur des parts doit être versé."
    ),
    "grant-closed": N_("Cette subvention est soldée."),
    "holder-required": N_(
        "Choisissez un souscripteur existant, ou nommez-en un nouveau (nom et type)."
    ),
    "instalment-exceeds-award": N_("Les versements reçus dépasseraient le montant accordé."),
    "invalid-siren": N_("Ce numéro SIREN n'est pas valide."),
    "investor-required": N_(
        "Choisissez un investisseur existant, ou nommez-en un nouveau (nom et type)."
    ),
    "justification-before-payment": N_(
        "Rien ne peut être justifié avant la réception d'un versement."
    ),
    "justification-exceeds-received": N_("Le montant justifié dépasserait ce qui a été reçu."),
    "charge-above-carried-loss": N_(
        "On imputerait sur les réserves plus que le report à nouveau débiteur."
    ),
    "clawback-exceeds-received": N_("Le reversement dépasserait ce qui a été reçu."),
    "member-number-taken": N_("Un autre associé porte déjà ce numéro."),
    "review-in-future": N_(
        "Une révision s'enregistre une fois son rapport mis à disposition, pas avant."
    ),
    "member-not-active": N_("Cet associé a quitté la coopérative."),
    "no-shares-to-withdraw": N_("Cet associé ne détient aucune part à retirer."),
    "nominal-change-with-shares-outstanding": N_(
        "La valeur nominale ne peut pas changer tant que des parts sont détenues."
    ),
    "not-enough-shares": N_("L'associé ne détient pas autant de parts."),
    "not-reversible": N_("Ce type d'événement ne peut pas être annulé."),
    "payment-already-called": N_(
        "Un appel daté d'avant un versement qui a déjà appelé les parts est refusé."
    ),
    "payment-exceeds-unpaid": N_(
        "Le versement dépasse ce qui reste à libérer sur cette souscription."
    ),
    "archived-file-altered": N_(
        "Le FEC archivé de cet exercice ne correspond plus à l'empreinte SHA-256 prise à "
        "son archivage : il a été modifié dans la base. Il n'est ni servi ni refait ; "
        "restaurez-le depuis une sauvegarde de l'archive."
    ),
    "payment-exceeds-owed": N_(
        "L'associé est sorti : il ne verse plus que ce qu'il reste devoir sur ses appels "
        "de fonds (avant son remboursement, ce qu'il n'a pas versé ; après, ce que la "
        "compensation avec le remboursement a laissé), et pas davantage."
    ),
    "reimbursement-set-off-changed": N_(
        "Un remboursement déjà enregistré a été compensé avec ce que l'associé sorti "
        "avait versé pendant l'attente : datez le versement après ce remboursement."
    ),
    "public-capital-cap": N_(
        "Les collectivités publiques détiendraient plus de la moitié du capital."
    ),
    "redemption-before-seven-years": N_(
        "Les titres participatifs ne sont remboursables qu'après sept ans, sauf à la liquidation."
    ),
    "redemption-exceeds-outstanding": N_("Plus de titres qu'il n'en reste seraient remboursés."),
    "reimbursement-below-floor": N_(
        "Le remboursement ferait descendre le capital sous son plancher."
    ),
    "reimbursement-delay-too-long": N_("Le délai de remboursement est de cinq ans au plus."),
    "reverse-later-events-first": N_(
        "Un événement ultérieur repose sur celui-ci : annulez d'abord l'événement ultérieur."
    ),
    "same-category": N_("L'associé est déjà dans cette catégorie."),
    "shares-not-paid-up": N_("Seules des parts entièrement libérées peuvent être cédées."),
    "transfer-to-self": N_("Un associé ne peut pas se céder des parts à lui-même."),
    "unknown-category": N_("Cette catégorie n'existe pas dans les statuts."),
    "variable-base-above-cap": N_("L'assiette de la part variable est au plus 0,40 du nominal."),
    "allocation-does-not-add-up": N_("L'affectation ne correspond pas au résultat."),
    "already-allocated": N_("Le résultat de cet exercice est déjà affecté."),
    "closed-period": N_(
        "Cette date tombe dans un exercice clôturé : enregistrez une correction dans "
        "l'exercice ouvert."
    ),
    "decision-before-year-end": N_(
        "L'assemblée générale statue sur le résultat après la fin de l'exercice."
    ),
    "earlier-year-open": N_("Un exercice antérieur est encore ouvert : clôturez-le d'abord."),
    "fiscal-year-closed": N_("Cet exercice est déjà clôturé."),
    "fiscal-year-not-ended": N_("Cet exercice n'est pas encore terminé."),
    "fiscal-year-open": N_("Cet exercice n'est pas encore clôturé : clôturez-le d'abord."),
    "interest-above-cap": N_(
        "Les intérêts aux parts dépassent le plafond (TMO moyen plus deux points)."
    ),
    "interest-above-distributable": N_("Les intérêts dépassent l'excédent distribuable."),
    "interest-paid-before-decision": N_(
        "Les intérêts ne peuvent pas être versés avant d'être décidés."
    ),
    "journal-unbalanced": N_("Le journal de l'exercice n'est pas équilibré."),
    "legal-reserve-below-minimum": N_("Au moins 15 % de l'excédent va à la réserve légale."),
    "loss-not-distributable": N_("Une perte ne se distribue pas."),
    "reserves-insufficient": N_("Les réserves ne suffisent pas : reportez le reste à nouveau."),
    "result-differs-from-closing": N_("Le résultat diffère de celui enregistré à la clôture."),
    "result-unknown": N_("Indiquez le résultat de l'exercice."),
    "siren-required": N_("La coopérative doit d'abord avoir un numéro SIREN."),
    "statutory-reserve-below-minimum": N_(
        "Au moins 50 % de l'excédent va à la réserve statutaire."
    ),
    "tmo-unknown": N_("Le TMO des années nécessaires n'est pas enregistré."),
    "party-erased": N_("Les données de cette personne ont été effacées."),
    "member-not-found": N_("Cet associé n'existe pas dans la coopérative."),
    "subscription-not-found": N_("Cette souscription n'existe pas."),
    "funder-not-found": N_("Ce financeur n'existe pas."),
    "grant-not-found": N_("Cette subvention n'existe pas."),
    "title-issue-not-found": N_("Cette émission de titres n'existe pas."),
    "event-not-found": N_("Cet événement n'existe pas."),
    "party-not-found": N_("Cette personne n'existe pas."),
    "fiscal-year-not-found": N_("Cet exercice n'existe pas."),
    "admin-token-is-global": N_(
        "Un administrateur vaut pour toutes les coopératives : il n'appartient à aucune et ne"
        " parle pour personne."
    ),
    "category-in-two-colleges": N_("Une catégorie appartient à un seul collège au plus."),
    "category-without-college": N_("Chaque catégorie d'associés doit appartenir à un collège."),
    "college-count": N_("Une SCIC compte de 3 à 10 collèges de vote."),
    "college-unknown-category": N_(
        "Un collège nomme une catégorie qui n'existe pas dans les statuts."
    ),
    "college-weight-out-of-bounds": N_("Chaque collège pèse entre 10 % et 50 % des voix."),
    "college-weights-sum": N_("Les poids des collèges doivent faire 100 % à eux tous."),
    "cooperative-required": N_("Cette saisie se fait dans une coopérative."),
    "duplicate-ballot": N_("Un associé ne vote qu'une fois."),
    "duplicate-category": N_("Chaque code de catégorie doit être unique."),
    "expiry-in-the-past": N_("La date d'expiration est déjà passée."),
    "siren-taken": N_("Ce numéro SIREN est déjà celui d'une autre coopérative."),
    "party-not-allowed": N_(
        "Ce rôle vaut pour toute la coopérative : il ne parle pour aucun associé ni financeur."
    ),
    "party-required": N_("Ce rôle parle pour un associé ou un financeur : choisissez lequel."),
    "reimbursement-above-paid": N_(
        "Le remboursement dépasserait ce que l'associé a versé sur ses parts."
    ),
    "reimbursement-not-released": N_(
        "Ce retrait n'est pas encore remboursé à cette date : il n'y a rien à verser."
    ),
    "reimbursement-already-paid-out": N_("Ce remboursement a déjà été versé à l'associé."),
    "payout-amount-mismatch": N_(
        "Le montant versé doit être celui que la coopérative doit à l'associé, après "
        "compensation de l'appel non versé."
    ),
    "reimbursement-out-of-turn": N_(
        "Un retrait plus ancien attend son remboursement : les remboursements se font dans "
        "l'ordre des retraits."
    ),
    "unknown-role": N_("Ce rôle n'existe pas : gestionnaire, comptable, financeur ou associé."),
    "voter-not-member": N_("Ce votant n'était pas associé à la date du vote."),
    "voter-without-college": N_("La catégorie de ce votant n'appartient à aucun collège."),
    "withdrawal-not-pending": N_("Ce retrait n'attend pas ce remboursement."),
    "interest-while-loss-carried": N_(
        "Aucun intérêt aux parts tant qu'une perte reste reportée à nouveau."
    ),
    "legal-form-not-open": N_(
        "À cette date, une SCIC ne pouvait pas prendre cette forme juridique."
    ),
    "webhook-url-is-this-server": N_("Un webhook ne peut pas appeler ce serveur lui-même."),
    "webhook-url-not-public": N_("Les webhooks ne vont qu'à des adresses publiques."),
    "webhook-busy": N_("Une livraison à ce webhook est en cours : réessayez dans un instant."),
    "unknown-event-types": N_("La liste nomme des types d'événements qui n'existent pas."),
    "invalid-webhook-url": N_(
        "Cette adresse n'est pas une adresse http(s) valable pour un webhook."
    ),
    "invalid-webhook-secret": N_("Un secret de webhook commence par whsec_."),
    "unsupported-format": N_("Ce rapport n'existe pas dans ce format."),
    "as-of-outside-year": N_("Cette date n'est pas dans l'exercice demandé."),
    "as-of-before-incorporation": N_(
        "Cette date est antérieure à la constitution de la coopérative."
    ),
    "party-kind-mismatch": N_(
        "Ce rôle parle pour un associé ou un financeur de cette sorte : choisissez-en un."
    ),
    "one-party-only": N_(
        "Un accès parle pour une seule personne : choisissez un associé ou un financeur, pas "
        "les deux."
    ),
    "no-own-funder": N_("Seul un financeur peut demander ses propres subventions."),
    "invalid-cursor": N_("Ce curseur n'a pas été donné par cette liste."),
    "password-too-short": N_("Un mot de passe compte au moins 12 caractères."),
    "password-too-common": N_(
        "Ce mot de passe fait partie des mots de passe courants : choisissez-en un autre."
    ),
    "passwords-differ": N_("Les deux mots de passe saisis diffèrent."),
    "invalid-email": N_("Ce n'est pas une adresse e-mail."),
    "account-exists": N_("Un compte existe déjà pour cette adresse."),
    "account-revoked": N_("Ce compte a été fermé."),
    "invitation-expired": N_("Cette invitation a expiré : demandez-en une nouvelle."),
    "invitation-used": N_("Cette invitation a déjà servi : elle ne s'utilise qu'une fois."),
    "invitation-withdrawn": N_("Cette invitation a été retirée par la coopérative."),
    "last-manager": N_(
        "C'est le dernier gestionnaire de la coopérative : donnez d'abord ce rôle à une autre"
        " personne."
    ),
    "invalid-credentials": N_("Ce n'est pas le mot de passe du compte."),
    "wrong-current-password": N_("Ce n'est pas votre mot de passe actuel."),
    "reset-link-used": N_("Ce lien a déjà servi : il ne s'utilise qu'une fois."),
    "reset-link-expired": N_("Ce lien a expiré : il ne vaut qu'une heure."),
    "invalid-iban": N_("Cet IBAN n'est pas valable (clé de contrôle ou longueur)."),
    "invalid-bic": N_("Ce BIC n'est pas valable."),
    "invalid-creditor-id": N_("Cet identifiant créancier SEPA (ICS) n'est pas valable."),
    "invalid-journal-account": N_("Ce n'est pas un compte de banque (512, 5121…)."),
    "bank-account-exists": N_("Ce compte bancaire est déjà enregistré."),
    "bank-account-required": N_("Choisissez le compte bancaire du relevé."),
    "unknown-statement-format": N_(
        "Ce fichier n'est pas un relevé lisible : camt.053 (versions 001.02 ou 001.08), "
        "OFX, ou CSV avec les colonnes date, libellé, débit, crédit."
    ),
    "invalid-column-mapping": N_("La correspondance des colonnes du CSV n'est pas valable."),
    "statement-of-another-account": N_(
        "Ce relevé est celui d'un autre compte que ceux de la coopérative."
    ),
    "statement-does-not-add-up": N_(
        "Le solde d'ouverture plus les opérations ne donnent pas le solde de clôture du relevé."
    ),
    "statement-balance-break": N_(
        "Le solde d'ouverture ne suit pas les relevés déjà importés : un relevé manque entre "
        "les deux."
    ),
    "bank-line-settled": N_("Cette ligne a déjà été rapprochée ou écartée."),
    "bank-line-not-matchable": N_("Cette ligne ne peut pas être rapprochée ainsi."),
    "sepa-mandate-in-force": N_("Un mandat est déjà en vigueur : révoquez-le d'abord."),
    "sepa-mandate-reference-taken": N_("Cette référence de mandat est déjà prise."),
    "sepa-mandate-not-in-force": N_("Ce mandat n'est plus en vigueur."),
    "sepa-mandate-missing": N_("Aucun associé à prélever n'a de mandat SEPA en vigueur."),
    "sepa-mandate-unsigned": N_("Ce mandat SEPA n'a pas de date de signature."),
    "sepa-call-already-collected": N_(
        "Ces appels ont déjà été prélevés : un prélèvement n'est refait qu'après son retour."
    ),
    "sepa-member-left": N_(
        "Les associés qui doivent ces appels ont quitté la coopérative : ils ne sont plus prélevés."
    ),
    "sepa-nothing-due": N_("Aucun appel échu et impayé à cette date."),
    "sepa-creditor-id-required": N_(
        "Le compte n'a pas d'identifiant créancier SEPA (ICS) : pas de prélèvement sans lui."
    ),
    "sepa-bic-required": N_("Le compte n'a pas de BIC, que le format pain.008.001.02 exige."),
    "sepa-payout-already-sent": N_("Ces virements ont déjà été émis."),
    "sepa-payee-account-missing": N_(
        "Aucun IBAN connu pour les bénéficiaires (celui d'un associé est l'IBAN de son mandat "
        "SEPA en vigueur)."
    ),
    "sepa-nothing-to-pay": N_("Aucun remboursement ni aucune rémunération à verser."),
    "as-of-before-admission": N_(
        "Cette date est antérieure à l'admission de l'associé : il ne détenait rien alors."
    ),
    "as-of-before-award": N_("Cette date est antérieure à l'attribution de la subvention."),
    "tax-statement-for-persons": N_(
        "La réduction d'impôt IR-PME concerne les personnes physiques : cet associé est une "
        "personne morale."
    ),
    "nothing-paid-in-year": N_(
        "L'associé n'a rien versé sur ses parts cette année-là : il n'y a pas d'état à établir."
    ),
    "unsupported-language": N_("Les documents existent en français (fr) ou en anglais (en)."),
    "request-not-pending": N_(
        "Cette demande a déjà été traitée : une décision ne se prend qu'une fois."
    ),
    "paid-with-withdrawal": N_("Une demande de retrait ne comporte pas de montant versé."),
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


def detail(error: DomainError, lang: Lang | None = None) -> str:
    """The refusal's detail in `lang` (default: the current language): the raiser's own
    catalogue message when it gave one (with its figures), else what the refusal type
    means (DETAILS), else the raiser's words."""
    say = translations(lang or current()).gettext
    if error.says:
        return say(error.says) % error.values
    if error.slug in DETAILS:
        return say(DETAILS[error.slug])
    if isinstance(error, NotFound) and error.what in THINGS:
        return say("%(thing)s « %(ident)s » introuvable ici.") % {
            "thing": say(THINGS[error.what]).capitalize(),
            "ident": error.ident,
        }
    return error.detail
