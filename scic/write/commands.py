"""Every write by the name a batch item gives as its `type` (the path it has under the
cooperative for a single write). The batch route, the dashboard's forms, register
imports and the demo find a command here; the single-write routes name theirs."""

from __future__ import annotations

from scic.write.cooperative import COOPS, STATUTES
from scic.write.corrections import CORRECTIONS
from scic.write.esus import ESUS_APPROVALS, ESUS_INVESTMENTS
from scic.write.fiscal_years import CARRIED_LOSS_CHARGES, FISCAL_YEAR_CLOSE, SURPLUS_ALLOCATIONS
from scic.write.grants import (
    GRANT_AMENDMENTS,
    GRANT_CLAWBACKS,
    GRANT_CLOSURES,
    GRANT_INSTALMENTS,
    GRANT_JUSTIFICATIONS,
    GRANTS,
)
from scic.write.members import CATEGORY_CHANGES, ERASURES, MEMBERS
from scic.write.pipeline import Command
from scic.write.reviews import REVIEWS
from scic.write.shares import (
    CALLS,
    EXCLUSIONS,
    LOSSES,
    PAYMENTS,
    REIMBURSEMENT_PAYOUTS,
    SUBSCRIPTIONS,
    TRANSFERS,
    WITHDRAWALS,
)
from scic.write.titles import (
    PARTICIPATIVE_TITLE_REDEMPTIONS,
    PARTICIPATIVE_TITLE_REMUNERATIONS,
    PARTICIPATIVE_TITLES,
)

# in the order of the batch's item schemas in the contract (openapi/openapi.json)
COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        COOPS,
        STATUTES,
        MEMBERS,
        ERASURES,
        CATEGORY_CHANGES,
        SUBSCRIPTIONS,
        CALLS,
        PAYMENTS,
        WITHDRAWALS,
        EXCLUSIONS,
        REIMBURSEMENT_PAYOUTS,
        TRANSFERS,
        LOSSES,
        CORRECTIONS,
        GRANTS,
        GRANT_INSTALMENTS,
        GRANT_JUSTIFICATIONS,
        GRANT_CLAWBACKS,
        GRANT_AMENDMENTS,
        GRANT_CLOSURES,
        PARTICIPATIVE_TITLES,
        PARTICIPATIVE_TITLE_REDEMPTIONS,
        PARTICIPATIVE_TITLE_REMUNERATIONS,
        ESUS_APPROVALS,
        ESUS_INVESTMENTS,
        REVIEWS,
        FISCAL_YEAR_CLOSE,
        SURPLUS_ALLOCATIONS,
        CARRIED_LOSS_CHARGES,
    )
}
