"""The words of every mail, French and English side by side (the member's language),
rendered to a subject, a plain-text body and an HTML body. Placeholders take values
already formatted for the language (amounts, dates); the HTML escapes them."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from scic.documents.lang import Lang

Text = tuple[str, str]  # (French, English)


@dataclass(frozen=True)
class Template:
    subject: Text
    body: tuple[Text, ...]  # paragraphs
    when: tuple[tuple[str, Text], ...] = ()
    """Paragraphs said only when their value is there (the value's name, the words)."""


GREETING: Text = ("Bonjour {name},", "Hello {name},")
SIGNATURE: Text = ("— {coop}", "— {coop}")
MEMBER_FOOTER: Text = (
    "Vous recevez ce courriel en tant qu'associé de {coop}. Vous pouvez refuser ces "
    "courriels depuis votre espace associé, sauf les avis que la loi impose.",
    "You receive this e-mail as a member of {coop}. You may refuse these e-mails from "
    "your member space, except the notices the law requires.",
)
ADDRESS_FOOTER: Text = (
    "Courriel envoyé par le registre de {coop}.",
    "E-mail sent by the register of {coop}.",
)
MANAGERS_FOOTER: Text = (
    "Avis envoyé à l'adresse de gestion de {coop} par son registre.",
    "Notice sent to the management address of {coop} by its register.",
)
FOOTERS = {"managers": MANAGERS_FOOTER, "address": ADDRESS_FOOTER}
NOTICES: dict[str, Text] = {
    "30-days": ("dans 30 jours", "in 30 days"),
    "7-days": ("dans 7 jours", "in 7 days"),
    "90-days": ("dans 90 jours", "in 90 days"),
    "6-months": ("dans 6 mois", "in 6 months"),
    "due": ("aujourd'hui", "today"),
    "overdue": ("dépassée", "passed"),
    "expired": ("dépassée", "passed"),
}

TEMPLATES: dict[str, Template] = {
    "subscription-confirmed": Template(
        (
            "Votre souscription de {shares} parts — {coop}",
            "Your subscription of {shares} shares — {coop}",
        ),
        (
            (
                "{coop} a enregistré le {on} votre souscription de {shares} parts sociales, "
                "soit {amount}, dont {paid} versés à la souscription.",
                "{coop} recorded on {on} your subscription of {shares} shares, {amount} in "
                "all, of which {paid} paid at subscription.",
            ),
            (
                "Reste à libérer sur cette souscription : {unpaid}, sur appel de la coopérative.",
                "Still to pay on this subscription: {unpaid}, when the cooperative calls it.",
            ),
            (
                "Vous trouverez ci-joints le bulletin de souscription et l'attestation de "
                "détention de vos parts.",
                "Attached are the subscription form and the certificate of your shares.",
            ),
        ),
    ),
    "payment-received": Template(
        (
            "Reçu de votre versement de {amount} — {coop}",
            "Receipt for your payment of {amount} — {coop}",
        ),
        (
            (
                "{coop} a reçu le {on} votre versement de {amount} sur vos parts sociales.",
                "{coop} received on {on} your payment of {amount} on your shares.",
            ),
            (
                "Ce courriel vaut reçu. Votre attestation de détention de parts est "
                "disponible dans votre espace associé.",
                "This e-mail is your receipt. Your share certificate is in your member space.",
            ),
        ),
    ),
    "reimbursement-released": Template(
        ("Remboursement de vos parts — {coop}", "Reimbursement of your shares — {coop}"),
        (
            (
                "Le remboursement de vos {shares} parts a été libéré le {on} : {amount} vous "
                "seront versés.",
                "The reimbursement of your {shares} shares was released on {on}: {amount} "
                "will be paid to you.",
            ),
            (
                "Part des pertes imputée : {loss}.",
                "Share of losses charged: {loss}.",
            ),
        ),
        (
            (
                "set_off",
                (
                    "L'appel de fonds que vous n'aviez pas versé a été compensé avec ce que "
                    "la coopérative vous doit, à hauteur de {set_off} (art. 1347 du Code "
                    "civil) : cette somme est déduite de votre remboursement.",
                    "The call for funds you had not paid was set against what the "
                    "cooperative owes you, up to {set_off} (French Civil Code, art. 1347): "
                    "it is deducted from your reimbursement.",
                ),
            ),
            (
                "still_owed",
                (
                    "Il vous reste à verser {still_owed} sur vos appels de fonds : l'associé "
                    "sorti en reste tenu pendant cinq ans (art. L231-6 du Code de commerce).",
                    "You still owe {still_owed} on your calls for funds: a former member "
                    "remains bound for five years (French Commercial Code, art. L231-6).",
                ),
            ),
        ),
    ),
    "call-due": Template(
        ("Appel de fonds : {amount} à verser — {coop}", "Call for funds: {amount} to pay — {coop}"),
        (
            (
                "La coopérative a appelé {amount} sur vos parts sociales, à verser au plus "
                "tard le {due}.",
                "The cooperative called {amount} on your shares, to be paid by {due}.",
            ),
        ),
    ),
    "call-overdue": Template(
        (
            "Rappel : appel de fonds échu le {due} — {coop}",
            "Reminder: call for funds due on {due} — {coop}",
        ),
        (
            (
                "L'appel de fonds de {amount} sur vos parts sociales était à verser au plus "
                "tard le {due} ; nous n'avons pas reçu la totalité de ce montant.",
                "The call for funds of {amount} on your shares was due by {due}; we have not "
                "received all of it.",
            ),
        ),
    ),
    "payment-due": Template(
        (
            "Libération de vos parts avant le {due} — {coop}",
            "Paying up your shares by {due} — {coop}",
        ),
        (
            (
                "Il reste {amount} à libérer sur votre souscription, au plus tard le {due} "
                "(échéance {notice}).",
                "{amount} is still to be paid on your subscription, by {due} (deadline {notice}).",
            ),
        ),
    ),
    "justification-due": Template(
        (
            "Subvention de {funder} : justification avant le {due}",
            "Grant from {funder}: justify by {due}",
        ),
        (
            (
                "La subvention de {funder} doit être justifiée au plus tard le {due} "
                "(échéance {notice}). Reste à justifier : {amount}.",
                "The grant from {funder} must be justified by {due} (deadline {notice}). "
                "Left to justify: {amount}.",
            ),
        ),
    ),
    "esus-expiry": Template(
        ("Agrément ESUS : expiration le {due}", "ESUS approval: expires on {due}"),
        (
            (
                "L'agrément ESUS de {coop} expire le {due} (échéance {notice}). Pensez à en "
                "demander le renouvellement à la préfecture.",
                "The ESUS approval of {coop} expires on {due} (deadline {notice}). Apply to the "
                "préfecture for its renewal.",
            ),
        ),
    ),
    "review-due": Template(
        ("Révision coopérative due le {due}", "Cooperative review due on {due}"),
        (
            (
                "La révision coopérative de {coop} est due le {due} (échéance {notice}).",
                "The cooperative review of {coop} is due on {due} (deadline {notice}).",
            ),
        ),
    ),
    "invitation": Template(
        ("Invitation au registre de {coop}", "Invitation to the register of {coop}"),
        (
            (
                "Vous êtes invité(e) à rejoindre le registre de {coop} ({role}). Choisissez "
                "votre mot de passe en ouvrant ce lien, valable jusqu'au {expires} et une seule "
                "fois : {link}",
                "You are invited to join the register of {coop} ({role}). Choose your password "
                "by opening this link, valid until {expires} and only once: {link}",
            ),
            (
                "Si vous n'attendiez pas cette invitation, ignorez ce courriel.",
                "If you did not expect this invitation, ignore this e-mail.",
            ),
        ),
    ),
    "password-reset": Template(
        ("Nouveau mot de passe — {coop}", "New password — {coop}"),
        (
            (
                "Un nouveau mot de passe a été demandé pour votre compte ({email}). "
                "Choisissez-le en ouvrant ce lien, valable une heure et une seule fois : {link}",
                "A new password was asked for your account ({email}). Choose it by opening "
                "this link, valid for one hour and only once: {link}",
            ),
            (
                "Si vous n'avez rien demandé, ignorez ce courriel : votre mot de passe ne "
                "change pas.",
                "If you asked for nothing, ignore this e-mail: your password does not change.",
            ),
        ),
    ),
    "request-received": Template(
        ("Demande d'associé : {request} ({member})", "Member's request: {request} ({member})"),
        (
            (
                "{member} demande : {request}. La demande attend votre décision dans la "
                "boîte des demandes du registre.",
                "{member} asks for: {request}. The request waits for your decision in the "
                "register's requests inbox.",
            ),
        ),
    ),
    "request-accepted": Template(
        ("Votre demande est acceptée — {coop}", "Your request is accepted — {coop}"),
        (
            (
                "Votre demande ({request}) a été acceptée et enregistrée au registre de la "
                "coopérative.",
                "Your request ({request}) was accepted and recorded in the cooperative's register.",
            ),
        ),
    ),
    "request-declined": Template(
        ("Votre demande n'a pas été acceptée — {coop}", "Your request was not accepted — {coop}"),
        (
            (
                "Votre demande ({request}) n'a pas été acceptée : {reason}",
                "Your request ({request}) was not accepted: {reason}",
            ),
        ),
    ),
}

REQUESTS: dict[str, Text] = {
    "subscription": (
        "souscription de {shares} parts supplémentaires",
        "subscription of {shares} more shares",
    ),
    "withdrawal": ("retrait de {shares} parts", "withdrawal of {shares} shares"),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, lang: Lang, values: dict[str, str], recipient: str) -> Rendered:
    """`recipient`: the outbox's (member, party, managers or address), which says why
    the person gets it (the footer)."""
    template = TEMPLATES[kind]
    i = 0 if lang == "fr" else 1
    paragraphs = [GREETING[i].format(**values)] if values.get("name") else []
    paragraphs += [p[i].format(**values) for p in template.body]
    paragraphs += [p[i].format(**values) for key, p in template.when if values.get(key)]
    paragraphs.append(SIGNATURE[i].format(**values))
    footer = FOOTERS.get(recipient, MEMBER_FOOTER)[i].format(**values)
    subject = template.subject[i].format(**values)
    text = "\n\n".join([*paragraphs, "--", footer]) + "\n"
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family:sans-serif;line-height:1.5;max-width:40em">'
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        + f'<hr><p style="color:#555;font-size:small">{escape(footer)}</p></body></html>'
    )
    return Rendered(subject, text, html)
