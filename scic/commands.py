"""Every write, by the name of its path: parse → load state → decide → append.

Decisions run inside the write transaction, under the append lock, so the state they
read is the state the events land on: no lost update is possible, and a batch of
commands sees the effect of the earlier ones (read-your-writes)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger import AppendRequest, NewEvent, RecordedEvent
from ledger.chain import canonical_json
from ledger.schema import events as events_table
from ledger.store import WriteSession
from scic import contacts, write_model
from scic.access import tokens
from scic.accounting.fiscal_years import (
    as_prior_period_adjustments,
    check_open,
    closed_until,
)
from scic.accounts import users
from scic.bank import mandates
from scic.dates import Day
from scic.domain import cooperative, corrections, members, shares
from scic.domain.facts import Fact
from scic.domain.state import CoopState, MemberState, SubscriptionState
from scic.domain.timeline import Entry, Fold
from scic.errors import NotFound, refuse
from scic.jsontypes import Integer, NonNegativeInteger
from scic.mail import triggers as mail_triggers
from scic.money import Amount, AmountOrZero
from scic.projections.tables import coops, parties
from scic.text_rules import Name
from scic.write_model import Cached

# a day every year has (no 02-29), as the validator of CreateCoop checks
FISCAL_YEAR_END = (
    r"^((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$"
)


@dataclass(frozen=True)
class Context:
    coop_id: str | None
    actor: str
    today: date


@dataclass(frozen=True)
class Decided:
    """What a handler decided. `timeline`: the cooperative's cached timeline the events
    were judged into (told once they are appended)."""

    id: str
    events: list[NewEvent]
    extra: dict[str, Any] = field(default_factory=dict)
    timeline: Cached | None = None


@dataclass(frozen=True)
class Outcome:
    id: str
    event_ids: list[str]
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"id": self.id, "event_ids": self.event_ids, **self.extra}


Handler = Callable[[WriteSession, Context, Any], Decided]


@dataclass(frozen=True)
class CommandType:
    """A write. `model` is what the handler receives (and what a batch item's body
    holds); `route` is its path under the cooperative, and `path_fields` the fields of
    `model` that the single-write route takes from the path instead of the body."""

    name: str
    model: type[BaseModel]
    handler: Handler
    summary: str
    route: str
    path_fields: tuple[str, ...] = ()
    body_model: type[BaseModel] | None = None


COMMANDS: dict[str, CommandType] = {}


def command(
    name: str,
    model: type[BaseModel],
    summary: str,
    route: str | None = None,
    body_model: type[BaseModel] | None = None,
) -> Callable[[Handler], Handler]:
    path_fields = tuple(re.findall(r"{(\w+)}", route or ""))

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = CommandType(
            name, model, handler, summary, route or name, path_fields, body_model or model
        )
        return handler

    return register


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def stream_of(coop_id: str) -> str:
    return f"coop:{coop_id}"


# -- execution -------------------------------------------------------------------------

# Commands decided on the folded timeline alone: they read neither the events nor the
# projections of the transaction (only the fiscal years' closings, which none of them
# moves), so inside `WriteSession.deferred` their appends wait and land together. Every
# other command flushes what waits before and after it.
FOLD_ONLY = frozenset(
    {
        "members",
        "category-changes",
        "subscriptions",
        "calls",
        "payments",
        "withdrawals",
        "exclusions",
        "transfers",
        "losses",
    }
)


def execute(
    session: WriteSession,
    ctx: Context,
    name: str,
    body: BaseModel,
    idempotency_key: str | None = None,
    expected_version: int | None = None,
    fingerprint: str | None = None,
) -> Outcome:
    """`fingerprint`: what the idempotency key stands for (default: this command); a
    batch passes the whole request's, so a key replays only the same request."""
    if idempotency_key is not None:
        fingerprint = fingerprint or fingerprint_of(name, body)
        earlier = session.replay(idempotency_key, fingerprint)
        if earlier is not None:
            result = earlier.result or {}
            return Outcome(
                result["id"],
                [e.event_id for e in earlier.events],
                replayed=True,
                extra=result.get("extra", {}),
            )
    if name not in FOLD_ONLY:
        session.flush()  # it reads the events or the projections: they must be written
    decided = COMMANDS[name].handler(session, ctx, body)
    for event in decided.events:
        if isinstance(event.effective_date, date):
            write_model.check_horizon(event.effective_date, ctx.today)
    coop_id = ctx.coop_id or decided.id
    if _closed_until(session, coop_id) is not None:
        check_open(session.conn, coop_id, decided.events, ctx.today)  # R16 closed-period
    recorded: list[RecordedEvent] = session.append(
        AppendRequest(
            stream_id=stream_of(coop_id),
            events=[replace(e, tenant_id=coop_id) for e in decided.events],
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            result={"id": decided.id, "extra": decided.extra},
            actor=ctx.actor,
            # The id the write returns: a correction may name it to reverse all of it.
            correlation_id=decided.id,
        )
    )
    if decided.timeline is not None:
        write_model.appended(decided.timeline, recorded[-1].position, recorded[-1].hash)
    # the mails these events call for, in the same transaction (scic.mail.triggers)
    mail_triggers.after_append(session.conn, recorded, ctx.today, session.store.clock())
    if name not in FOLD_ONLY:
        session.flush()  # and what comes after may read what it wrote
    return Outcome(decided.id, [e.event_id for e in recorded], extra=decided.extra)


def _closed_until(session: WriteSession, coop_id: str) -> date | None:
    """Read once per batch: only a closing (which flushes, clearing the memo) moves it."""
    key = ("closed-until", coop_id)
    if key not in session.memo:
        session.memo[key] = closed_until(session.conn, coop_id)
    until: date | None = session.memo[key]
    return until


def fingerprint_of(name: str, body: BaseModel) -> str:
    return _fingerprint({"command": name, "body": body.model_dump(mode="json")})


def batch_fingerprint(commands: list[tuple[str, BaseModel]]) -> str:
    """A batch is one request: its key means these commands, all of them, in this order."""
    return _fingerprint(
        {"batch": [{"command": n, "body": b.model_dump(mode="json")} for n, b in commands]}
    )


def _fingerprint(described: object) -> str:
    return hashlib.sha256(canonical_json(described).encode()).hexdigest()


def scoped_key(ctx: Context, name: str, key: str | None) -> str | None:
    """Idempotency keys are the client's; scope them so two cooperatives never collide."""
    return None if key is None else f"{ctx.coop_id or '-'}:{name}:{key}"[:200]


def _on(body: Any, ctx: Context) -> date:
    return getattr(body, "effective_date", None) or ctx.today


# -- the write model: decide on the timeline as at the command's date ------------------


def _timeline(session: WriteSession, ctx: Context) -> Cached:
    return write_model.load(session, _coop(ctx))


def _judged(
    session: WriteSession,
    cached: Cached,
    write_id: str,
    facts: list[Fact],
    extra: dict[str, Any] | None = None,
) -> Decided:
    """Insert the decided facts into the timeline (refusing if a later event becomes
    unlawful) and hand their envelopes to `execute`."""
    entries = write_model.entries_of(facts, session, write_id)
    write_model.decide_into(cached, entries)
    return Decided(write_id, [write_model.envelope(e) for e in entries], extra or {}, cached)


def _unjudged(session: WriteSession, write_id: str, facts: list[Fact]) -> list[NewEvent]:
    return [write_model.envelope(e) for e in write_model.entries_of(facts, session, write_id)]


def _member(cached: Cached, state: Fold, member_id: str, on: date) -> MemberState:
    """The member as at `on`; one admitted later is a date error, not an unknown member."""
    found = state.members.get(member_id)
    if found is not None:
        return found
    later = cached.timeline.state.members.get(member_id)
    if later is not None:
        raise refuse(
            "date-before-admission",
            f"{on} is before member {member_id} was admitted ({later.admitted_on})",
        )
    raise NotFound("member", member_id)


def _subscription(cached: Cached, state: Fold, sub_id: str, on: date) -> SubscriptionState:
    """R7 — nothing is called or paid before the subscription exists."""
    found = state.subscriptions.get(sub_id)
    if found is not None:
        return found
    later = cached.timeline.state.subscriptions.get(sub_id)
    if later is not None:
        raise refuse(
            "date-before-subscription",
            f"{on} is before subscription {sub_id} was made ({later.subscribed_on})",
        )
    raise NotFound("subscription", sub_id)


def _coop_at(cached: Cached, on: date) -> tuple[Fold, CoopState]:
    """The timeline as at `on`, and the cooperative's state then."""
    state = cached.timeline.at(on)
    if state.coop is None:
        live = cached.timeline.state.coop
        assert live is not None
        members.check_date(live, on)  # refuses: `on` is before the incorporation
    assert state.coop is not None
    return state, state.coop


# -- cooperative -----------------------------------------------------------------------


class CreateCoop(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(min_length=1, max_length=200)
    legal_form: cooperative.LegalForm
    share_nominal: Amount
    statutory_floor: AmountOrZero
    siren: str | None = None
    categories: list[cooperative.Category] = Field(min_length=1)
    # R4 — 3 to 10 colleges, or none; the schema states the range (refused with its rule).
    colleges: list[cooperative.College] = Field(
        default_factory=list,
        description="the voting colleges: none, or 3 to 10 (R4)",
        json_schema_extra={
            "minItems": cooperative.COLLEGES_MIN,
            "maxItems": cooperative.COLLEGES_MAX,
        },
    )
    incorporated_on: Day
    reimbursement_delay_years: Integer = Field(default=5, ge=0)
    fiscal_year_end: str = Field(default="12-31", pattern=FISCAL_YEAR_END)

    @field_validator("fiscal_year_end")
    @classmethod
    def _a_day_every_year_has(cls, value: str) -> str:
        month, day = (int(p) for p in value.split("-"))
        try:  # 2001 is not a leap year: a year ending on 02-29 would end 1 year in 4
            date(2001, month, day)
        except ValueError:
            raise ValueError(f"{value} is not a day every year has (e.g. 12-31, 02-28)") from None
        return value

    def statutes(self) -> cooperative.Statutes:
        return cooperative.Statutes(
            legal_form=self.legal_form,
            share_nominal_cents=self.share_nominal,
            statutory_floor_cents=self.statutory_floor,
            categories=self.categories,
            colleges=self.colleges,
            reimbursement_delay_years=self.reimbursement_delay_years,
            fiscal_year_end=self.fiscal_year_end,
        )


def _check_siren_free(session: WriteSession, siren: str | None) -> None:
    """A SIREN names one company: two cooperatives cannot have the same. Read under the
    append lock, so two registrations cannot both find it free."""
    if siren is None:
        return
    holder = session.conn.execute(
        sa.select(coops.c.coop_id).where(coops.c.siren == siren).limit(1)
    ).scalar()
    if holder is not None:
        raise refuse("siren-taken", f"SIREN {siren} is already cooperative {holder}'s")


@command("coops", CreateCoop, "Register a cooperative and its statutes")
def _create_coop(session: WriteSession, ctx: Context, body: CreateCoop) -> Decided:
    cooperative.check_siren(body.siren)
    _check_siren_free(session, body.siren)
    statutes = body.statutes()
    cooperative.check_statutes(statutes, body.incorporated_on)
    coop_id = new_id("coop")
    data = cooperative.CoopRegistered(
        coop_id=coop_id,
        name=body.name,
        siren=body.siren,
        incorporated_on=body.incorporated_on,
        statutes=statutes,
    )
    return Decided(coop_id, _unjudged(session, coop_id, [Fact(data, body.incorporated_on)]))


class AmendStatutes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share_nominal: Amount | None = None
    statutory_floor: AmountOrZero | None = None
    categories: list[cooperative.Category] | None = Field(default=None, min_length=1)
    colleges: list[cooperative.College] | None = None
    reimbursement_delay_years: NonNegativeInteger | None = None
    effective_date: Day | None = None
    reason: str | None = Field(default=None, max_length=1000)


@command("statutes", AmendStatutes, "Amend the statutes from a date (AG decision)")
def _amend_statutes(session: WriteSession, ctx: Context, body: AmendStatutes) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    _, state = _coop_at(cached, on)
    members.check_date(state, on)
    current = state.statutes_at(on)
    changes: dict[str, Any] = {}
    if body.share_nominal is not None:
        changes["share_nominal_cents"] = body.share_nominal
    if body.statutory_floor is not None:
        changes["statutory_floor_cents"] = body.statutory_floor
    if body.categories is not None:
        changes["categories"] = body.categories
    if body.colleges is not None:
        changes["colleges"] = body.colleges
    if body.reimbursement_delay_years is not None:
        changes["reimbursement_delay_years"] = body.reimbursement_delay_years
    amended = cooperative.Statutes.model_validate({**current.model_dump(), **changes})
    cooperative.check_statutes(amended, on)
    cooperative.check_nominal_kept(current, amended, state.capital.shares, on)
    data = cooperative.StatutesAmended(coop_id=state.coop_id, statutes=amended, reason=body.reason)
    # R5 — a lower floor may let waiting reimbursements go at once.
    amended_state = replace(state, statutes_versions=[*state.statutes_versions, (on, amended)])
    released = shares.release_pending(amended_state, on, 0)
    return _judged(session, cached, state.coop_id, [Fact(data, on), *released])


# -- members ---------------------------------------------------------------------------


@command("members", members.AdmitMember, "Admit a member")
def _admit(session: WriteSession, ctx: Context, body: members.AdmitMember) -> Decided:
    cached = _timeline(session, ctx)
    on = body.admitted_on or ctx.today
    _, state = _coop_at(cached, on)
    member_id, party_id = new_id("mbr"), new_id("pty")
    known = cached.timeline.state.members.values()  # a number is unique whatever the date
    facts = members.admit(state, body, member_id, party_id, on, known)
    decided = _judged(session, cached, member_id, facts, {"party_id": party_id})
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


class EraseParty(members.Erase):
    party_id: str


@command(
    "erasures",
    EraseParty,
    "Erase a party's personal data (GDPR); the ledger stays intact",
    route="parties/{party_id}/erasure",
    body_model=members.Erase,
)
def _erase(session: WriteSession, ctx: Context, body: EraseParty) -> Decided:
    coop_id = _coop(ctx)
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
    return Decided(body.party_id, _unjudged(session, body.party_id, [Fact(data, ctx.today)]))


class ChangeCategory(members.ChangeCategory):
    member_id: str


@command("category-changes", ChangeCategory, "Move a member to another category")
def _change_category(session: WriteSession, ctx: Context, body: ChangeCategory) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    member = _member(cached, fold, body.member_id, on)
    facts = members.change_category(state, member, body.category, on)
    return _judged(session, cached, body.member_id, facts)


# -- shares ----------------------------------------------------------------------------


@command("subscriptions", shares.Subscribe, "Subscribe shares (R3, R7)")
def _subscribe(session: WriteSession, ctx: Context, body: shares.Subscribe) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    member = _member(cached, fold, body.member_id, on)
    sub_id = new_id("sub")
    return _judged(session, cached, sub_id, shares.subscribe(state, member, body, sub_id, on))


@command("calls", shares.Call, "Call the unpaid part of a subscription (R7)")
def _call(session: WriteSession, ctx: Context, body: shares.Call) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    sub = _subscription(cached, fold, body.subscription_id, on)
    member = _member(cached, fold, sub.member_id, on)
    call_id = new_id("call")
    return _judged(session, cached, call_id, shares.call(state, member, sub, body, call_id, on))


@command("payments", shares.Pay, "Record a payment on a subscription (R7)")
def _pay(session: WriteSession, ctx: Context, body: shares.Pay) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    sub = _subscription(cached, fold, body.subscription_id, on)
    member = _member(cached, fold, sub.member_id, on)
    pay_id = new_id("pay")
    return _judged(session, cached, pay_id, shares.pay(state, member, sub, body, pay_id, on))


@command("withdrawals", shares.Withdraw, "Withdraw shares; reimbursement waits on the floor (R5)")
def _withdraw(session: WriteSession, ctx: Context, body: shares.Withdraw) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    member = _member(cached, fold, body.member_id, on)
    wid = new_id("wdr")
    facts = shares.withdraw(state, member, body.shares, wid, on, body.reason)
    return _withdrawn(session, cached, wid, facts)


def _withdrawn(session: WriteSession, cached: Cached, wid: str, facts: list[Fact]) -> Decided:
    """R5 — a withdrawal is never refused on the floor's grounds (Cass. com. 18 Dec 2024,
    n° 23-10.695), back-dated or not: when the reimbursements it would release make a
    later one unlawful (below the floor, out of turn), it is recorded alone and its
    reimbursement waits in the queue; reimbursements already recorded stay (they
    happened). Any other violation still refuses."""
    entries = write_model.entries_of(facts, session, wid)
    found = cached.timeline.insert(entries, dry_run=True)
    if found and all(v.kind == "R5" for v in found):
        facts = [f for f in facts if not isinstance(f.event, shares.SharesReimbursed)]
        entries = write_model.entries_of(facts, session, wid)
        write_model.decide_into(cached, entries, tolerate={"R5"})
        decided = [write_model.envelope(e) for e in entries]
        return Decided(wid, decided, {"status": "pending"}, cached)
    reimbursed = any(
        isinstance(f.event, shares.SharesReimbursed) and f.event.withdrawal_id == wid for f in facts
    )
    status = "reimbursed" if reimbursed else "pending"
    return _judged(session, cached, wid, facts, {"status": status})


class ExcludeMember(shares.Exclude):
    member_id: str


@command("exclusions", ExcludeMember, "Exclude a member (AG decision): all shares withdrawn")
def _exclude(session: WriteSession, ctx: Context, body: ExcludeMember) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    member = _member(cached, fold, body.member_id, on)
    wid = new_id("wdr")
    facts = shares.withdraw(state, member, None, wid, on, body.reason, excluded=True)
    return _withdrawn(session, cached, wid, facts)


@command("transfers", shares.Transfer, "Transfer fully paid shares between members (R3)")
def _transfer(session: WriteSession, ctx: Context, body: shares.Transfer) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    giver = _member(cached, fold, body.from_member_id, on)
    taker = _member(cached, fold, body.to_member_id, on)
    tid = new_id("trf")
    return _judged(session, cached, tid, shares.transfer(state, giver, taker, body, tid, on))


class RecordLosses(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    fiscal_year: Integer = Field(ge=1900, le=2200)
    effective_date: Day | None = None


@command("losses", RecordLosses, "Record losses not absorbed by reserves (R6)")
def _losses(session: WriteSession, ctx: Context, body: RecordLosses) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    _, state = _coop_at(cached, on)
    members.check_date(state, on)
    data = shares.LossesRecorded(amount_cents=body.amount, fiscal_year=body.fiscal_year)
    return _judged(session, cached, new_id("loss"), [Fact(data, on)])


# -- corrections -----------------------------------------------------------------------


@command("corrections", corrections.Correct, "Reverse an event (corrections never edit)")
def _correct(session: WriteSession, ctx: Context, body: corrections.Correct) -> Decided:
    cached = _timeline(session, ctx)
    timeline = cached.timeline
    targets = corrections.targets(timeline, body.reverses)
    cor_id = new_id("cor")
    facts = corrections.reverse(timeline, targets, body.reason)
    # Re-judge the corrected history: reimbursements that only the mistake let go are
    # compensated (R5); an R3 breach is recorded and reported, never a reason to keep a
    # false record; anything else (a later payment on a reversed subscription) refuses.
    while True:
        entries = write_model.entries_of(facts, session, cor_id)
        violations = timeline.insert(entries, tolerate={"R3", "R5"}, dry_run=True)
        blocking = [v for v in violations if v.kind == "structural"]
        if blocking:
            raise corrections.later_events_first(blocking[0])
        unfloored = [v for v in violations if v.kind == "R5"]
        if not unfloored:
            break
        facts = [*facts, corrections.compensate(timeline, unfloored[0], cor_id)]
    write_model.decide_into(cached, entries, tolerate={"R3"})
    envelopes = [_reversal_envelope(session, e) for e in entries]
    # R5 — a reversed withdrawal at the head of the queue, or a lower highest capital,
    # may let waiting reimbursements go now.
    _, after = _coop_at(cached, ctx.today)
    released = write_model.entries_of(shares.release_pending(after, ctx.today, 0), session, cor_id)
    if released:
        write_model.decide_into(cached, released)
        envelopes += [write_model.envelope(e) for e in released]
    adjusted = as_prior_period_adjustments(session.conn, _coop(ctx), envelopes, ctx.today)  # R16
    # A prior-period adjustment is stored in the open year, not where it was judged: leave
    # the cached fold in flight so the next command refolds it from the ledger.
    return Decided(cor_id, adjusted, {}, cached if adjusted == envelopes else None)


def _reversal_envelope(session: WriteSession, entry: Entry) -> NewEvent:
    """A reversal keeps the promoted columns of the event it reverses."""
    e = events_table.c
    original = session.conn.execute(
        sa.select(e.subject_id, e.amount_cents).where(e.event_id == entry.reverses)
    ).one()
    return replace(
        write_model.envelope(entry),
        subject_id=original.subject_id,
        amount_cents=original.amount_cents,
    )


def _coop(ctx: Context) -> str:
    if ctx.coop_id is None:
        raise refuse("cooperative-required", "this command belongs to a cooperative")
    return ctx.coop_id


# Funding commands register themselves in COMMANDS on import.
from scic import commands_funding, commands_reviews  # noqa: E402, F401
from scic.accounting import commands as accounting_commands  # noqa: E402, F401
