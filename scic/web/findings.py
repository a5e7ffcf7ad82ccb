"""Compliance findings in people's words: a sentence per finding code, written from its
figures in the page's language, with names instead of ids and figures formatted by
scic.formats. A code this module does not know keeps the view's own message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scic import formats
from scic.api.public.compliance import figures
from scic.i18n import gettext as _
from scic.i18n import ngettext
from scic.projections.compliance import Finding

Names = Mapping[str, str]
Sentence = Callable[[dict[str, Any], "Context"], str]


class Context:
    """What a sentence may need besides the figures: the date of the report, and the
    names of members and categories."""

    def __init__(self, on: Any, members: Names, categories: Names) -> None:
        self.on = on
        self.members = members
        self.categories = categories

    def member(self, member_id: str | None) -> str:
        return self.members.get(member_id or "", _("un associé"))

    def category_list(self, codes: list[str]) -> str:
        return ", ".join(self.categories.get(c, c) for c in codes) or "—"


def _public_share(f: dict[str, Any], c: Context) -> str:
    return _("Les collectivités publiques détiennent %(share)s du capital (plafond %(cap)s).") % {
        "share": formats.percent(f["share"]),
        "cap": formats.percent(f["cap"]),
    }


def _public_cap_exceeded(f: dict[str, Any], c: Context) -> str:
    values = {
        "start": formats.day(f["from"]),
        "end": formats.day(f["to"]) if f.get("to") else formats.day(c.on),
        "peak": formats.percent(f["peak"]),
    }
    if f.get("to"):
        return (
            _(
                "Du %(start)s au %(end)s, les collectivités publiques ont détenu jusqu'à "
                "%(peak)s du capital, au-dessus du plafond alors en vigueur."
            )
            % values
        )
    return (
        _(
            "Depuis le %(start)s (au moins jusqu'au %(end)s), les collectivités publiques "
            "détiennent jusqu'à %(peak)s du capital, au-dessus du plafond en vigueur."
        )
        % values
    )


def _categories(f: dict[str, Any], c: Context) -> str:
    represented = list(f.get("represented", []))
    return ngettext(
        "%(n)s catégorie d'associés représentée : %(names)s.",
        "%(n)s catégories d'associés représentées : %(names)s.",
        len(represented),
    ) % {"n": len(represented), "names": c.category_list(represented)}


def _too_few_categories(f: dict[str, Any], c: Context) -> str:
    represented = list(f.get("represented", []))
    return ngettext(
        "%(n)s catégorie d'associés représentée (%(names)s) : une SCIC en demande au moins 3.",
        "%(n)s catégories d'associés représentées (%(names)s) : une SCIC en demande au moins 3.",
        len(represented),
    ) % {"n": len(represented), "names": c.category_list(represented)}


def _no_employees(f: dict[str, Any], c: Context) -> str:
    return _("Aucun associé dans une catégorie de salariés ou de producteurs.")


def _no_beneficiaries(f: dict[str, Any], c: Context) -> str:
    return _("Aucun associé dans une catégorie de bénéficiaires.")


def _member_without_shares(f: dict[str, Any], c: Context) -> str:
    return _("%(member)s, admis le %(day)s, ne détient aucune part : pas encore associé.") % {
        "member": c.member(f.get("member_id")),
        "day": formats.day(f["admitted_on"]),
    }


def _floor(f: dict[str, Any], c: Context) -> str:
    return _("Capital de %(capital)s pour un plancher de %(floor)s (marge : %(headroom)s).") % {
        "capital": formats.money(f["capital"]),
        "floor": formats.money(f["floor"]),
        "headroom": formats.money(f["headroom"]),
    }


def _reimbursement_overdue(f: dict[str, Any], c: Context) -> str:
    return _(
        "Le retrait de %(member)s (%(amount)s) devait être remboursé au plus tard le %(day)s."
    ) % {
        "member": c.member(f.get("member_id")),
        "amount": formats.money(f["amount"]),
        "day": formats.day(f["due_on"]),
    }


def _call_overdue(f: dict[str, Any], c: Context) -> str:
    return _(
        "L'appel de %(called)s adressé à %(member)s était dû le %(day)s : %(overdue)s restent "
        "impayés."
    ) % {
        "called": formats.money(f["called"]),
        "member": c.member(f.get("member_id")),
        "day": formats.day(f["due_date"]),
        "overdue": formats.money(f["overdue"]),
    }


def _owed_after_exit(f: dict[str, Any], c: Context) -> str:
    return _(
        "%(member)s, parti le %(day)s, doit encore %(owed)s sur ses appels de fonds, "
        "après compensation avec son remboursement."
    ) % {
        "member": c.member(f.get("member_id")),
        "day": formats.day(f["exited_on"]),
        "owed": formats.money(f["owed"]),
    }


def _unpaid_five_years(f: dict[str, Any], c: Context) -> str:
    return _(
        "La souscription de %(member)s n'est pas entièrement libérée cinq ans après : "
        "%(unpaid)s restent dus depuis le %(day)s."
    ) % {
        "member": c.member(f.get("member_id")),
        "unpaid": formats.money(f["unpaid"]),
        "day": formats.day(f["from"]),
    }


def _last_review(f: dict[str, Any]) -> str:
    if f.get("last_review"):
        return _("dernier rapport mis à disposition le %(day)s") % {
            "day": formats.day(f["last_review"])
        }
    return _("aucune révision enregistrée depuis la constitution")


def _review(f: dict[str, Any], c: Context) -> str:
    values = {"day": formats.day(f["due_on"]), "last": _last_review(f)}
    if f.get("status") == "overdue":
        return (
            _("La révision coopérative périodique est en retard depuis le %(day)s (%(last)s).")
            % values
        )
    return (
        _("La révision coopérative périodique est à faire au plus tard le %(day)s (%(last)s).")
        % values
    )


def _review_triggered(f: dict[str, Any], c: Context) -> str:
    values = {
        "year": f["fiscal_year"],
        "day": formats.day(f["due_on"]),
        "last": _last_review(f),
        "losses": f.get("loss_making_years", ""),
        "result": formats.money(f.get("result")),
    }
    if f.get("trigger") == "loss-half-capital":
        why = _("une perte de %(result)s, la moitié du capital le plus élevé atteint") % values
    else:
        why = _("%(losses)s exercices déficitaires depuis la dernière révision") % values
    values["why"] = why
    if f.get("status") == "overdue":
        return (
            _(
                "Exercice %(year)s : %(why)s ; une révision coopérative est en retard depuis le "
                "%(day)s (%(last)s)."
            )
            % values
        )
    return (
        _(
            "Exercice %(year)s : %(why)s ; une révision coopérative est à faire au plus tard le "
            "%(day)s (%(last)s)."
        )
        % values
    )


def _titles_form(f: dict[str, Any], c: Context) -> str:
    return _(
        "Titres participatifs émis par une %(form)s, forme que l'article L228-36 du Code de "
        "commerce ne nomme pas : %(outstanding)s en circulation depuis le %(day)s."
    ) % {
        "form": f.get("legal_form", ""),
        "outstanding": formats.money(f["outstanding"]),
        "day": formats.day(f["from"]),
    }


def _outside_approval(f: dict[str, Any], c: Context) -> str:
    return _(
        "L'investissement de %(amount)s du %(day)s a été fait sans agrément ESUS en vigueur : "
        "il ne compte pas comme investissement solidaire."
    ) % {"amount": formats.money(f["amount"]), "day": formats.day(f["from"])}


SENTENCES: dict[str, Sentence] = {
    "public-share": _public_share,
    "public-cap-exceeded": _public_cap_exceeded,
    "categories": _categories,
    "fewer-than-three-categories": _too_few_categories,
    "no-employees-or-producers": _no_employees,
    "no-beneficiaries": _no_beneficiaries,
    "member-without-shares": _member_without_shares,
    "floor-headroom": _floor,
    "reimbursement-overdue": _reimbursement_overdue,
    "call-overdue": _call_overdue,
    "owed-after-exit": _owed_after_exit,
    "unpaid-after-five-years": _unpaid_five_years,
    "cooperative-review": _review,
    "cooperative-review-triggered": _review_triggered,
    "titles-form-not-named": _titles_form,
    "investment-outside-approval": _outside_approval,
}


def sentence(found: Finding, context: Context) -> str:
    """The finding in words: its code's sentence, or the view's message if the code is
    unknown here or its figures are not the ones expected."""
    write = SENTENCES.get(found.code)
    if write is None:
        return found.message
    try:
        return write(figures(found), context)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return found.message
