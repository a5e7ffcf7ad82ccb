"""The words people read for the codes the ledger stores: event types, movements,
statuses, funder types, grant purposes. French message ids (scic.i18n): show them
through `_()` (a template's `_(…)`, or `label(TABLE, code)` here)."""

from __future__ import annotations

from collections.abc import Mapping

from scic.i18n import N_
from scic.i18n import gettext as _

EVENT_TYPES = {
    "CarriedLossCharged": N_("Perte imputée"),
    "CoopRegistered": N_("Coopérative enregistrée"),
    "CooperativeReviewRecorded": N_("Révision coopérative enregistrée"),
    "EsusApproved": N_("Agrément ESUS"),
    "EsusInvested": N_("Investissement ESUS"),
    "EventReversed": N_("Correction"),
    "FiscalYearClosed": N_("Exercice clos"),
    "FunderRegistered": N_("Financeur enregistré"),
    "GrantAmended": N_("Subvention modifiée"),
    "GrantAwarded": N_("Subvention accordée"),
    "GrantClawedBack": N_("Subvention reversée"),
    "GrantClosed": N_("Subvention soldée"),
    "GrantInstalmentReceived": N_("Versement de subvention reçu"),
    "GrantJustified": N_("Subvention justifiée"),
    "LedgerVerified": N_("Registre vérifié"),
    "LossesRecorded": N_("Pertes enregistrées"),
    "MemberAdmitted": N_("Associé admis"),
    "MemberCategoryChanged": N_("Changement de catégorie"),
    "MemberWithdrew": N_("Retrait d'associé"),
    "OwedCallPaid": N_("Versement d'un associé sorti"),
    "PartyErased": N_("Données personnelles effacées"),
    "ReminderDue": N_("Rappel d'échéance"),
    "SharesCalled": N_("Appel de fonds"),
    "SharesPaid": N_("Versement sur parts"),
    "SharesReimbursed": N_("Parts remboursées"),
    "SharesSubscribed": N_("Souscription de parts"),
    "SharesTransferred": N_("Cession de parts"),
    "StatutesAmended": N_("Statuts modifiés"),
    "SurplusAllocated": N_("Affectation du résultat"),
    "TitlesIssued": N_("Titres participatifs émis"),
    "TitlesRedeemed": N_("Titres participatifs remboursés"),
    "TitlesRemunerated": N_("Titres participatifs rémunérés"),
    "TmoRateSet": N_("Taux TMO publié"),
}

MOVEMENTS = {
    "subscription": N_("souscription"),
    "call": N_("appel de fonds"),
    "payment": N_("versement"),
    "reimbursement": N_("remboursement"),
    "transfer-in": N_("cession reçue"),
    "transfer-out": N_("cession consentie"),
    "reversal": N_("correction"),
}

MEMBER_STATUSES = {
    "active": N_("associé"),
    "exited": N_("sorti"),
    "excluded": N_("exclu"),
}

FUNDER_TYPES = {
    "state": N_("État"),
    "region": N_("Région"),
    "department": N_("Département"),
    "intercommunality": N_("Intercommunalité"),
    "municipality": N_("Commune"),
    "eu": N_("Union européenne"),
    "foundation": N_("Fondation"),
    "private": N_("Privé"),
}

PURPOSES = {"operating": N_("Fonctionnement"), "investment": N_("Investissement")}
GRANT_STATUSES = {"open": N_("en cours"), "closed": N_("soldée")}


def label(table: Mapping[str, str], code: str | None) -> str:
    """The word for `code` in the current language (the code itself if unknown)."""
    if code is None:
        return "—"
    word = table.get(code)
    return _(word) if word else code
