"""Domain refusals: one catalogue of refusal types, each with its slug, the DOMAIN.md
rule it enforces and its kind. The API maps a kind to an HTTP status in one place
(scic/api/problems.py); call sites only name the slug and say what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["conflict", "invalid", "not-found"]
"""conflict: refused because of the ledger's state (the same request could succeed on
another history); invalid: wrong whatever the state; not-found: names nothing here."""


@dataclass(frozen=True)
class Refusal:
    """A type of refusal. Attributes: slug (the problem `type` is `/errors/<slug>`),
    rule (the DOMAIN.md rule, or None for a structural or input error), kind."""

    slug: str
    rule: str | None
    kind: Kind


CATALOGUE: dict[str, Refusal] = {
    r.slug: r
    for r in [
        Refusal("admin-token-is-global", None, "invalid"),
        Refusal("agreement-required", "R14", "invalid"),
        Refusal("already-reversed", None, "conflict"),
        Refusal("amount-too-large", None, "invalid"),
        Refusal("award-below-received", "R14", "conflict"),
        Refusal("call-due-date-out-of-bounds", "R7", "invalid"),
        Refusal("call-exceeds-uncalled", "R7", "conflict"),
        Refusal("capital-below-legal-minimum", "R1", "invalid"),
        Refusal("category-in-two-colleges", "R4", "invalid"),
        Refusal("category-without-college", "R4", "invalid"),
        Refusal("clawback-exceeds-received", "R14", "conflict"),
        Refusal("college-count", "R4", "invalid"),
        Refusal("college-unknown-category", "R4", "invalid"),
        Refusal("college-weight-out-of-bounds", "R4", "invalid"),
        Refusal("college-weights-sum", "R4", "invalid"),
        Refusal("cooperative-required", None, "invalid"),
        Refusal("date-before-admission", None, "invalid"),
        Refusal("date-before-award", None, "invalid"),
        Refusal("date-before-incorporation", None, "invalid"),
        Refusal("date-before-issue", "R11", "invalid"),
        Refusal("date-before-subscription", "R7", "invalid"),
        Refusal("date-beyond-horizon", None, "invalid"),
        Refusal("de-minimis-ceiling", "R14", "conflict"),
        Refusal("duplicate-ballot", "R4", "invalid"),
        Refusal("duplicate-category", "R2", "invalid"),
        Refusal("duplicate-subscription", None, "conflict"),
        Refusal("esus-approval-dates", "R12", "invalid"),
        Refusal("esus-approval-too-long", "R12", "invalid"),
        Refusal("exit-holding-changed", "R5", "conflict"),
        Refusal("expiry-in-the-past", None, "invalid"),
        Refusal("first-payment-below-quarter", "R7", "conflict"),
        Refusal("grant-closed", "R14", "conflict"),
        Refusal("holder-required", None, "invalid"),
        Refusal("instalment-exceeds-award", "R14", "conflict"),
        Refusal("invalid-siren", None, "invalid"),
        Refusal("siren-taken", None, "conflict"),
        Refusal("investor-required", None, "invalid"),
        Refusal("justification-before-payment", "R14", "conflict"),
        Refusal("justification-exceeds-received", "R14", "conflict"),
        Refusal("member-not-active", None, "conflict"),
        Refusal("member-number-taken", None, "conflict"),
        Refusal("no-shares-to-withdraw", None, "conflict"),
        Refusal("nominal-change-with-shares-outstanding", "R1", "conflict"),
        Refusal("not-enough-shares", None, "conflict"),
        Refusal("not-reversible", None, "conflict"),
        Refusal("party-not-allowed", None, "invalid"),
        Refusal("party-required", None, "invalid"),
        Refusal("payment-already-called", "R7", "conflict"),
        Refusal("payment-exceeds-unpaid", "R7", "conflict"),
        Refusal("payment-exceeds-owed", "R7", "conflict"),
        Refusal("public-capital-cap", "R3", "conflict"),
        Refusal("redemption-before-seven-years", "R11", "conflict"),
        Refusal("redemption-exceeds-outstanding", "R11", "conflict"),
        Refusal("reimbursement-above-paid", "R6", "conflict"),
        Refusal("reimbursement-set-off-changed", "R7", "conflict"),
        Refusal("reimbursement-below-floor", "R5", "conflict"),
        Refusal("reimbursement-not-released", "R5", "conflict"),
        Refusal("reimbursement-already-paid-out", "R5", "conflict"),
        Refusal("payout-amount-mismatch", "R7", "conflict"),
        Refusal("reimbursement-delay-too-long", "R6", "invalid"),
        Refusal("reimbursement-out-of-turn", "R5", "conflict"),
        Refusal("reverse-later-events-first", None, "conflict"),
        Refusal("same-category", "R2", "invalid"),
        Refusal("shares-not-paid-up", "R7", "conflict"),
        Refusal("transfer-to-self", None, "invalid"),
        Refusal("unknown-category", "R2", "invalid"),
        Refusal("unknown-role", None, "invalid"),
        Refusal("variable-base-above-cap", "R11", "invalid"),
        Refusal("voter-not-member", "R4", "conflict"),
        Refusal("voter-without-college", "R4", "invalid"),
        Refusal("withdrawal-not-pending", None, "conflict"),
        Refusal("allocation-does-not-add-up", "R9", "invalid"),
        Refusal("already-allocated", "R9", "conflict"),
        Refusal("closed-period", "R16", "conflict"),
        Refusal("archived-file-altered", "R16", "conflict"),
        Refusal("decision-before-year-end", "R9", "invalid"),
        Refusal("earlier-year-open", "R16", "conflict"),
        Refusal("fiscal-year-closed", "R16", "conflict"),
        Refusal("fiscal-year-not-ended", "R16", "conflict"),
        Refusal("fiscal-year-open", "R9", "conflict"),
        Refusal("interest-above-cap", "R8", "conflict"),
        Refusal("interest-above-distributable", "R9", "conflict"),
        Refusal("interest-paid-before-decision", None, "invalid"),
        Refusal("journal-unbalanced", "R17", "conflict"),
        Refusal("legal-reserve-below-minimum", "R9", "conflict"),
        Refusal("loss-not-distributable", "R9", "invalid"),
        Refusal("reserves-insufficient", "R9", "conflict"),
        Refusal("result-differs-from-closing", "R9", "conflict"),
        Refusal("result-unknown", "R9", "invalid"),
        Refusal("siren-required", "R17", "conflict"),
        Refusal("statutory-reserve-below-minimum", "R9", "conflict"),
        Refusal("tmo-unknown", "R8", "conflict"),
        Refusal("interest-while-loss-carried", "R9", "conflict"),
        Refusal("charge-above-carried-loss", "R9", "conflict"),
        Refusal("review-in-future", "R10", "invalid"),
        Refusal("legal-form-not-open", "R1", "invalid"),
        Refusal("webhook-url-is-this-server", None, "invalid"),
        Refusal("webhook-url-not-public", None, "invalid"),
        Refusal("webhook-busy", None, "conflict"),
        Refusal("unknown-event-types", None, "invalid"),
        Refusal("invalid-webhook-url", None, "invalid"),
        Refusal("invalid-webhook-secret", None, "invalid"),
        Refusal("unsupported-format", None, "invalid"),
        Refusal("as-of-outside-year", None, "invalid"),
        Refusal("as-of-before-incorporation", None, "invalid"),
        Refusal("party-kind-mismatch", None, "invalid"),
        Refusal("party-erased", None, "conflict"),
        Refusal("one-party-only", None, "invalid"),
        Refusal("no-own-funder", None, "invalid"),
        Refusal("invalid-cursor", None, "invalid"),
        # people's accounts (scic/accounts)
        Refusal("password-too-short", None, "invalid"),
        Refusal("password-too-common", None, "invalid"),
        Refusal("passwords-differ", None, "invalid"),
        Refusal("invalid-email", None, "invalid"),
        Refusal("account-exists", None, "conflict"),
        Refusal("account-revoked", None, "conflict"),
        Refusal("invitation-expired", None, "conflict"),
        Refusal("invitation-used", None, "conflict"),
        Refusal("invitation-withdrawn", None, "conflict"),
        Refusal("last-manager", None, "conflict"),
        Refusal("invalid-credentials", None, "invalid"),
        Refusal("wrong-current-password", None, "invalid"),
        Refusal("reset-link-used", None, "conflict"),
        Refusal("reset-link-expired", None, "conflict"),
        Refusal("invalid-iban", None, "invalid"),
        Refusal("invalid-bic", None, "invalid"),
        Refusal("invalid-creditor-id", None, "invalid"),
        Refusal("invalid-journal-account", None, "invalid"),
        Refusal("bank-account-exists", None, "conflict"),
        Refusal("bank-account-required", None, "invalid"),
        Refusal("unknown-statement-format", None, "invalid"),
        Refusal("invalid-column-mapping", None, "invalid"),
        Refusal("statement-of-another-account", None, "invalid"),
        Refusal("statement-does-not-add-up", None, "invalid"),
        Refusal("statement-balance-break", None, "conflict"),
        Refusal("bank-line-settled", None, "conflict"),
        Refusal("bank-line-not-matchable", None, "invalid"),
        Refusal("sepa-mandate-in-force", None, "conflict"),
        Refusal("sepa-mandate-reference-taken", None, "conflict"),
        Refusal("sepa-mandate-not-in-force", None, "conflict"),
        Refusal("sepa-mandate-missing", None, "conflict"),
        Refusal("sepa-mandate-unsigned", None, "conflict"),
        Refusal("sepa-call-already-collected", None, "conflict"),
        Refusal("sepa-member-left", None, "conflict"),
        Refusal("sepa-nothing-due", None, "conflict"),
        Refusal("sepa-creditor-id-required", None, "conflict"),
        Refusal("sepa-bic-required", None, "conflict"),
        Refusal("sepa-payout-already-sent", None, "conflict"),
        Refusal("sepa-payee-account-missing", None, "conflict"),
        Refusal("sepa-nothing-to-pay", None, "conflict"),
        Refusal("as-of-before-admission", None, "invalid"),
        Refusal("as-of-before-award", None, "invalid"),
        Refusal("tax-statement-for-persons", "R13", "invalid"),
        Refusal("nothing-paid-in-year", "R13", "invalid"),
        Refusal("unsupported-language", None, "invalid"),
        Refusal("request-not-pending", None, "conflict"),
        Refusal("paid-with-withdrawal", None, "invalid"),
    ]
}


class DomainError(Exception):
    """A command refused: its refusal type and what went wrong, in words. `says` is the
    same in the message catalogue's words (French, with `%(name)s` placeholders filled
    from `values`), for people: scic.refusals.detail translates it."""

    def __init__(
        self,
        refusal: Refusal,
        detail: str,
        rule: str | None = None,
        says: str | None = None,
        values: dict[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.refusal = refusal
        self.slug = refusal.slug
        self.detail = detail
        self.rule = rule or refusal.rule
        self.kind: Kind = refusal.kind
        self.says = says
        self.values = values or {}


def named(slug: str, rule: str | None, detail: str) -> DomainError:
    """A refusal rebuilt from what was kept of it (its slug, rule and words)."""
    refusal = CATALOGUE.get(slug) or Refusal(slug, rule, "conflict")
    return DomainError(refusal, detail, rule)


class NotFound(DomainError):
    def __init__(self, what: str, ident: str) -> None:
        refusal = Refusal(f"{what}-not-found", None, "not-found")
        super().__init__(refusal, f"no {what.replace('-', ' ')} {ident!r} here")
        self.what = what
        self.ident = ident


def refuse(slug: str, detail: str, says: str | None = None, **values: object) -> DomainError:
    """The refusal of type `slug` (KeyError for a slug not in the catalogue: a test runs
    every refusal path, so a new slug cannot reach production unlisted). `says`: the
    detail as a catalogue message (`N_("…%(x)s…")`), its placeholders in `values`."""
    return DomainError(CATALOGUE[slug], detail, says=says, values=values)


def refused_by_history(slug: str, detail: str, rule: str | None) -> DomainError:
    """A refusal found by re-judging history (scic/domain/timeline.py): it depends on the
    events already recorded, so it is a conflict whatever the slug's own kind."""
    refusal = CATALOGUE.get(slug, Refusal(slug, rule, "conflict"))
    return DomainError(Refusal(refusal.slug, rule or refusal.rule, "conflict"), detail)
