"""The forms' pages, one GET (the form) and one POST (record it) per write of the API,
at `/dashboard/<the write's path under the cooperative>/new`; and the page that lists
the forms a viewer may use (`/dashboard/forms`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scic.access.policy import PUBLIC, requires
from scic.api.deps import ServiceDep
from scic.projections.tables import members
from scic.web import pages
from scic.web.forms import choices as lists
from scic.web.forms.catalogue import FORMS
from scic.web.forms.labels import lang_of, tr
from scic.web.forms.links import may_record
from scic.web.forms.machinery import path_of, show, submit
from scic.web.session import Viewer
from scic.write.commands import COMMANDS

router = APIRouter(include_in_schema=False, dependencies=[requires(PUBLIC)])

# The forms as the list page groups them (English headings; French in labels.FRENCH).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Members and shares",
        (
            "members",
            "subscriptions",
            "payments",
            "calls",
            "transfers",
            "withdrawals",
            "exclusions",
            "reimbursement-payouts",
            "category-changes",
            "corrections",
            "erasures",
        ),
    ),
    (
        "Grants",
        (
            "grants",
            "grant-instalments",
            "grant-justifications",
            "grant-clawbacks",
            "grant-amendments",
            "grant-closures",
        ),
    ),
    (
        "Participative titles and ESUS",
        (
            "participative-titles",
            "participative-title-redemptions",
            "participative-title-remunerations",
            "esus-approvals",
            "esus-investments",
        ),
    ),
    (
        "Fiscal years and statutes",
        (
            "fiscal-year-close",
            "surplus-allocations",
            "losses",
            "carried-loss-charges",
            "reviews",
            "statutes",
        ),
    ),
)
# what a path-bound form asks for first, and from which list
PICKED = {
    "grant_id": "grants",
    "issue_id": "issues",
    "party_id": "members",
    "withdrawal_id": "reimbursements",
    "year": None,
}


def offered(v: Viewer) -> list[str]:
    """The forms the viewer's role may send (the API's rule for each write)."""
    return [name for name in FORMS if may_record(v, name)]


@router.get("/dashboard/forms")
def form_list(request: Request, service: ServiceDep) -> Response:
    lang = lang_of(request)

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        mine = set(offered(v))
        if not mine:
            raise pages.Forbidden("this token may record nothing")
        today = service.today()
        picks = {
            source: lists.LISTS[source](conn, v.coop_id, today, lang)
            for source in ("grants", "issues", "members", "reimbursements")
        }
        sections = []
        for heading, names in SECTIONS:
            entries = []
            for name in names:
                if name not in mine:
                    continue
                spec = COMMANDS[name]
                needs = spec.path_fields[0] if spec.path_fields else None
                entries.append(
                    {
                        "name": name,
                        "title": tr(FORMS[name].listed or FORMS[name].title, lang),
                        "href": None if needs else path_of(name, {}),
                        "needs": needs,
                        "choices": picks.get(PICKED.get(needs or "") or "", []),
                    }
                )
            if entries:
                sections.append({"heading": tr(heading, lang), "entries": entries})
        return "forms/list.html", {
            "sections": sections,
            "this_year": today.year,
            "t": lambda msgid: tr(msgid, lang),
        }

    return pages.page(request, service, "forms", build)


@router.get("/dashboard/forms/go")
def form_for(request: Request, service: ServiceDep, form: str, ident: str = "") -> Response:
    """The list page's small choosers: the form of a path-bound write, for the grant, the
    issue, the member or the year chosen."""

    def build(v: Viewer, conn: sa.Connection) -> tuple[str, dict[str, Any]]:
        if form not in FORMS or not COMMANDS[form].path_fields:
            raise pages.PageProblem("Formulaire inconnu.")
        needs = COMMANDS[form].path_fields[0]
        value = ident.strip()
        if needs == "party_id":
            found = conn.execute(
                sa.select(members.c.party_id).where(
                    members.c.member_id == value, members.c.coop_id == v.coop_id
                )
            ).scalar()
            value = found or value
        if not value:
            raise pages.PageProblem("Choisissez d'abord ce que le formulaire concerne.")
        raise pages.Redirect(path_of(form, {needs: value}))

    return pages.page(request, service, "forms", build)


@router.get("/dashboard/statutes/new")
def statutes_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "statutes", {})


@router.post("/dashboard/statutes/new")
async def statutes_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "statutes", {})


@router.get("/dashboard/members/new")
def members_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "members", {})


@router.post("/dashboard/members/new")
async def members_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "members", {})


@router.get("/dashboard/parties/{party_id}/erasure/new")
def erasures_form(request: Request, service: ServiceDep, party_id: str) -> Response:
    return show(request, service, "erasures", {"party_id": party_id})


@router.post("/dashboard/parties/{party_id}/erasure/new")
async def erasures_post(request: Request, service: ServiceDep, party_id: str) -> Response:
    return await submit(request, service, "erasures", {"party_id": party_id})


@router.get("/dashboard/category-changes/new")
def category_changes_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "category-changes", {})


@router.post("/dashboard/category-changes/new")
async def category_changes_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "category-changes", {})


@router.get("/dashboard/subscriptions/new")
def subscriptions_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "subscriptions", {})


@router.post("/dashboard/subscriptions/new")
async def subscriptions_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "subscriptions", {})


@router.get("/dashboard/calls/new")
def calls_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "calls", {})


@router.post("/dashboard/calls/new")
async def calls_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "calls", {})


@router.get("/dashboard/payments/new")
def payments_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "payments", {})


@router.post("/dashboard/payments/new")
async def payments_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "payments", {})


@router.get("/dashboard/withdrawals/new")
def withdrawals_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "withdrawals", {})


@router.post("/dashboard/withdrawals/new")
async def withdrawals_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "withdrawals", {})


@router.get("/dashboard/reimbursements/{withdrawal_id}/payouts/new")
def reimbursement_payouts_form(
    request: Request, service: ServiceDep, withdrawal_id: str
) -> Response:
    return show(request, service, "reimbursement-payouts", {"withdrawal_id": withdrawal_id})


@router.post("/dashboard/reimbursements/{withdrawal_id}/payouts/new")
async def reimbursement_payouts_post(
    request: Request, service: ServiceDep, withdrawal_id: str
) -> Response:
    return await submit(request, service, "reimbursement-payouts", {"withdrawal_id": withdrawal_id})


@router.get("/dashboard/exclusions/new")
def exclusions_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "exclusions", {})


@router.post("/dashboard/exclusions/new")
async def exclusions_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "exclusions", {})


@router.get("/dashboard/transfers/new")
def transfers_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "transfers", {})


@router.post("/dashboard/transfers/new")
async def transfers_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "transfers", {})


@router.get("/dashboard/losses/new")
def losses_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "losses", {})


@router.post("/dashboard/losses/new")
async def losses_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "losses", {})


@router.get("/dashboard/reviews/new")
def reviews_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "reviews", {})


@router.post("/dashboard/reviews/new")
async def reviews_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "reviews", {})


@router.get("/dashboard/carried-loss-charges/new")
def carried_loss_charges_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "carried-loss-charges", {})


@router.post("/dashboard/carried-loss-charges/new")
async def carried_loss_charges_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "carried-loss-charges", {})


@router.get("/dashboard/corrections/new")
def corrections_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "corrections", {})


@router.post("/dashboard/corrections/new")
async def corrections_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "corrections", {})


@router.get("/dashboard/grants/new")
def grants_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "grants", {})


@router.post("/dashboard/grants/new")
async def grants_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "grants", {})


@router.get("/dashboard/grants/{grant_id}/instalments/new")
def grant_instalments_form(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return show(request, service, "grant-instalments", {"grant_id": grant_id})


@router.post("/dashboard/grants/{grant_id}/instalments/new")
async def grant_instalments_post(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return await submit(request, service, "grant-instalments", {"grant_id": grant_id})


@router.get("/dashboard/grants/{grant_id}/justifications/new")
def grant_justifications_form(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return show(request, service, "grant-justifications", {"grant_id": grant_id})


@router.post("/dashboard/grants/{grant_id}/justifications/new")
async def grant_justifications_post(
    request: Request, service: ServiceDep, grant_id: str
) -> Response:
    return await submit(request, service, "grant-justifications", {"grant_id": grant_id})


@router.get("/dashboard/grants/{grant_id}/clawbacks/new")
def grant_clawbacks_form(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return show(request, service, "grant-clawbacks", {"grant_id": grant_id})


@router.post("/dashboard/grants/{grant_id}/clawbacks/new")
async def grant_clawbacks_post(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return await submit(request, service, "grant-clawbacks", {"grant_id": grant_id})


@router.get("/dashboard/grants/{grant_id}/amendments/new")
def grant_amendments_form(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return show(request, service, "grant-amendments", {"grant_id": grant_id})


@router.post("/dashboard/grants/{grant_id}/amendments/new")
async def grant_amendments_post(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return await submit(request, service, "grant-amendments", {"grant_id": grant_id})


@router.get("/dashboard/grants/{grant_id}/closure/new")
def grant_closures_form(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return show(request, service, "grant-closures", {"grant_id": grant_id})


@router.post("/dashboard/grants/{grant_id}/closure/new")
async def grant_closures_post(request: Request, service: ServiceDep, grant_id: str) -> Response:
    return await submit(request, service, "grant-closures", {"grant_id": grant_id})


@router.get("/dashboard/participative-titles/new")
def participative_titles_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "participative-titles", {})


@router.post("/dashboard/participative-titles/new")
async def participative_titles_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "participative-titles", {})


@router.get("/dashboard/participative-titles/{issue_id}/redemptions/new")
def participative_title_redemptions_form(
    request: Request, service: ServiceDep, issue_id: str
) -> Response:
    return show(request, service, "participative-title-redemptions", {"issue_id": issue_id})


@router.post("/dashboard/participative-titles/{issue_id}/redemptions/new")
async def participative_title_redemptions_post(
    request: Request, service: ServiceDep, issue_id: str
) -> Response:
    return await submit(request, service, "participative-title-redemptions", {"issue_id": issue_id})


@router.get("/dashboard/participative-titles/{issue_id}/remunerations/new")
def participative_title_remunerations_form(
    request: Request, service: ServiceDep, issue_id: str
) -> Response:
    return show(request, service, "participative-title-remunerations", {"issue_id": issue_id})


@router.post("/dashboard/participative-titles/{issue_id}/remunerations/new")
async def participative_title_remunerations_post(
    request: Request, service: ServiceDep, issue_id: str
) -> Response:
    return await submit(
        request, service, "participative-title-remunerations", {"issue_id": issue_id}
    )


@router.get("/dashboard/esus-approvals/new")
def esus_approvals_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "esus-approvals", {})


@router.post("/dashboard/esus-approvals/new")
async def esus_approvals_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "esus-approvals", {})


@router.get("/dashboard/esus-investments/new")
def esus_investments_form(request: Request, service: ServiceDep) -> Response:
    return show(request, service, "esus-investments", {})


@router.post("/dashboard/esus-investments/new")
async def esus_investments_post(request: Request, service: ServiceDep) -> Response:
    return await submit(request, service, "esus-investments", {})


@router.get("/dashboard/fiscal-years/{year}/close/new")
def fiscal_year_close_form(request: Request, service: ServiceDep, year: str) -> Response:
    return show(request, service, "fiscal-year-close", {"year": year})


@router.post("/dashboard/fiscal-years/{year}/close/new")
async def fiscal_year_close_post(request: Request, service: ServiceDep, year: str) -> Response:
    return await submit(request, service, "fiscal-year-close", {"year": year})


@router.get("/dashboard/fiscal-years/{year}/surplus-allocation/new")
def surplus_allocations_form(request: Request, service: ServiceDep, year: str) -> Response:
    return show(request, service, "surplus-allocations", {"year": year})


@router.post("/dashboard/fiscal-years/{year}/surplus-allocation/new")
async def surplus_allocations_post(request: Request, service: ServiceDep, year: str) -> Response:
    return await submit(request, service, "surplus-allocations", {"year": year})
