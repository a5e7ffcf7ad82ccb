"""The registry of every SCIC event type and its payload model."""

from __future__ import annotations

from ledger import EventRegistry
from scic.domain.cooperative import CoopRegistered, StatutesAmended
from scic.domain.corrections import EventReversed
from scic.domain.members import MemberAdmitted, MemberCategoryChanged
from scic.domain.shares import (
    LossesRecorded,
    MemberWithdrew,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)

EVENT_MODELS = [
    CoopRegistered, StatutesAmended, MemberAdmitted, MemberCategoryChanged, SharesSubscribed,
    SharesCalled, SharesPaid, MemberWithdrew, SharesReimbursed, SharesTransferred,
    LossesRecorded, EventReversed,
]


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    for model in EVENT_MODELS:
        registry.register(model.__name__, model)
    return registry
