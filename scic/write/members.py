"""Writes about members: admission, a category change (R2, R3), a party's erasure."""

from __future__ import annotations

from ledger.store import WriteSession
from scic import contacts
from scic.access import tokens
from scic.accounts import users
from scic.bank import mandates
from scic.domain import members
from scic.domain.facts import Fact
from scic.errors import NotFound
from scic.projections.tables import parties
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided


def admit(session: WriteSession, ctx: Context, body: members.AdmitMember) -> Decided:
    on = body.admitted_on or ctx.today
    cached, _, state = store.as_at(session, ctx.cooperative(), on)
    member_id, party_id = new_id("mbr"), new_id("pty")
    known = cached.timeline.state.members.values()  # a number is unique whatever the date
    facts = members.admit(state, body, member_id, party_id, on, known)
    decided = store.judged(session, cached, member_id, facts, {"party_id": party_id})
    session.conn.execute(
        parties.insert().values(
            party_id=party_id,
            coop_id=state.coop_id,
            kind=body.kind,
            name=body.name,
            email=body.email,
            address=body.address,
        )
    )
    return decided


# It writes its party's row, but reads only the timeline.
MEMBERS = Command("members", admit, members.AdmitMember, reads_tables=False)


class EraseParty(members.Erase):
    party_id: str


def erase(session: WriteSession, ctx: Context, body: EraseParty) -> Decided:
    coop_id = ctx.cooperative()
    p = parties.c
    erased = session.conn.execute(
        parties.update()
        .where(p.party_id == body.party_id, p.coop_id == coop_id, p.erased_at.is_(None))
        .values(name=None, email=None, address=None, phone=None, erased_at=session.store.clock())
    )
    if erased.rowcount != 1:
        raise NotFound("party", body.party_id)
    contacts.erase_log(session.conn, body.party_id)  # the corrected values go with the party
    mandates.erase(session.conn, body.party_id, session.store.clock())  # and its SEPA mandates
    # Nobody speaks for an erased party any more: its tokens and accounts go with its name.
    tokens.revoke_party(session.conn, body.party_id, session.store.clock(), ctx.actor)
    users.revoke_party(session.conn, body.party_id, session.store.clock(), ctx.actor)
    data = members.PartyErased(party_id=body.party_id, reason=body.reason)
    return store.unjudged(session, body.party_id, [Fact(data, ctx.today)])


ERASURES = Command("erasures", erase, EraseParty, "parties/{party_id}/erasure", members.Erase)


class ChangeCategory(members.ChangeCategory):
    member_id: str


def change_category(session: WriteSession, ctx: Context, body: ChangeCategory) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    member = store.member_at(cached, fold, body.member_id, on)
    facts = members.change_category(state, member, body.category, on)
    return store.judged(session, cached, body.member_id, facts)


CATEGORY_CHANGES = Command("category-changes", change_category, ChangeCategory, reads_tables=False)
