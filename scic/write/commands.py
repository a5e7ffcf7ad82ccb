"""Every write by the name a batch item gives as its `type` (the path it has under the
cooperative for a single write). The batch route, the dashboard's forms, register
imports and the demo find a command here; the single-write routes name theirs."""

from __future__ import annotations

from scic.write import (
    cooperative,
    corrections,
    esus,
    fiscal_years,
    grants,
    members,
    reviews,
    shares,
    titles,
)
from scic.write.pipeline import Command

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        cooperative.COOPS,
        cooperative.STATUTES,
        members.MEMBERS,
        members.ERASURES,
        members.CATEGORY_CHANGES,
        shares.SUBSCRIPTIONS,
        shares.CALLS,
        shares.PAYMENTS,
        shares.WITHDRAWALS,
        shares.EXCLUSIONS,
        shares.TRANSFERS,
        shares.LOSSES,
        corrections.CORRECTIONS,
        grants.GRANTS,
        grants.GRANT_INSTALMENTS,
        grants.GRANT_JUSTIFICATIONS,
        grants.GRANT_CLAWBACKS,
        grants.GRANT_AMENDMENTS,
        grants.GRANT_CLOSURES,
        titles.PARTICIPATIVE_TITLES,
        titles.PARTICIPATIVE_TITLE_REDEMPTIONS,
        titles.PARTICIPATIVE_TITLE_REMUNERATIONS,
        esus.ESUS_APPROVALS,
        esus.ESUS_INVESTMENTS,
        reviews.REVIEWS,
        fiscal_years.FISCAL_YEAR_CLOSE,
        fiscal_years.SURPLUS_ALLOCATIONS,
        fiscal_years.CARRIED_LOSS_CHARGES,
    )
}
