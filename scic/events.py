"""The registry of every SCIC event type and its payload model."""

from __future__ import annotations

from pydantic import BaseModel

from ledger import EventRegistry
from scic.accounting.fiscal_years import FiscalYearClosed
from scic.accounting.surplus import SurplusAllocated, TmoRateSet
from scic.domain.cooperative import CoopRegistered, StatutesAmended
from scic.domain.corrections import EventReversed
from scic.domain.esus import EsusApproved, EsusInvested
from scic.domain.funders import FunderRegistered
from scic.domain.grants import GrantAmended, GrantAwarded, GrantClosed, GrantFlow
from scic.domain.losses import CarriedLossCharged
from scic.domain.members import MemberAdmitted, MemberCategoryChanged, PartyErased
from scic.domain.reviews import CooperativeReviewRecorded
from scic.domain.shares import (
    LossesRecorded,
    MemberWithdrew,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.domain.titles import TitlesIssued, TitlesRedeemed, TitlesRemunerated
from scic.integrations.reminders import LedgerVerified, ReminderDue

EVENT_MODELS: list[type[BaseModel]] = [
    CoopRegistered,
    StatutesAmended,
    MemberAdmitted,
    MemberCategoryChanged,
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    MemberWithdrew,
    SharesReimbursed,
    SharesTransferred,
    LossesRecorded,
    EventReversed,
    FunderRegistered,
    GrantAwarded,
    GrantAmended,
    GrantClosed,
    TitlesIssued,
    TitlesRedeemed,
    TitlesRemunerated,
    EsusApproved,
    EsusInvested,
    PartyErased,
    ReminderDue,
    LedgerVerified,
    FiscalYearClosed,
    SurplusAllocated,
    CarriedLossCharged,
    CooperativeReviewRecorded,
    TmoRateSet,
]
# Instalments, justifications and clawbacks share one payload shape.
GRANT_FLOW_TYPES = ["GrantInstalmentReceived", "GrantJustified", "GrantClawedBack"]


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    for model in EVENT_MODELS:
        registry.register(model.__name__, model)
    for name in GRANT_FLOW_TYPES:
        registry.register(name, GrantFlow)
    return registry
