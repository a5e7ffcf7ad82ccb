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
from scic.access.tables import api_tokens
from scic.accounting.fiscal_years import as_prior_period_adjustments, check_open
from scic.dates import Day
from scic.domain import cooperative, corrections, members, shares
from scic.errors import NotFound, refuse
from scic.money import Amount, AmountOrZero
from scic.projections import snapshot
from scic.projections.tables import parties, reversals


@dataclass(frozen=True)
class Context:
    coop_id: str | None
    actor: str
    today: date


@dataclass(frozen=True)
class Decided:
    id: str
    events: list[NewEvent]
    extra: dict[str, Any] = field(default_factory=dict)


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


def execute(
    session: WriteSession,
    ctx: Context,
    name: str,
    body: BaseModel,
    idempotency_key: str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    fingerprint = fingerprint_of(name, body)
    if idempotency_key is not None:
        earlier = session.replay(idempotency_key, fingerprint)
        if earlier is not None:
            result = earlier.result or {}
            return Outcome(
                result["id"],
                [e.event_id for e in earlier.events],
                replayed=True,
                extra=result.get("extra", {}),
            )
    decided = COMMANDS[name].handler(session, ctx, body)
    coop_id = ctx.coop_id or decided.id
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
        )
    )
    return Outcome(decided.id, [e.event_id for e in recorded], extra=decided.extra)


def fingerprint_of(name: str, body: BaseModel) -> str:
    described = {"command": name, "body": body.model_dump(mode="json")}
    return hashlib.sha256(canonical_json(described).encode()).hexdigest()


def scoped_key(ctx: Context, name: str, key: str | None) -> str | None:
    """Idempotency keys are the client's; scope them so two cooperatives never collide."""
    return None if key is None else f"{ctx.coop_id or '-'}:{name}:{key}"[:200]


def _on(body: Any, ctx: Context) -> date:
    return getattr(body, "effective_date", None) or ctx.today


# -- cooperative -----------------------------------------------------------------------


class CreateCoop(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    legal_form: cooperative.LegalForm
    share_nominal: Amount
    statutory_floor: AmountOrZero
    siren: str | None = None
    categories: list[cooperative.Category] = Field(min_length=1)
    colleges: list[cooperative.College] = Field(default_factory=list)
    incorporated_on: Day
    reimbursement_delay_years: int = Field(default=5, ge=0)
    fiscal_year_end: str = Field(
        default="12-31", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
    )

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


@command("coops", CreateCoop, "Register a cooperative and its statutes")
def _create_coop(session: WriteSession, ctx: Context, body: CreateCoop) -> Decided:
    cooperative.check_siren(body.siren)
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
    return Decided(
        coop_id,
        [
            NewEvent(
                "CoopRegistered",
                data.model_dump(mode="json"),
                body.incorporated_on,
                subject_id=coop_id,
            )
        ],
    )


class AmendStatutes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share_nominal: Amount | None = None
    statutory_floor: AmountOrZero | None = None
    categories: list[cooperative.Category] | None = Field(default=None, min_length=1)
    colleges: list[cooperative.College] | None = None
    reimbursement_delay_years: int | None = Field(default=None, ge=0)
    effective_date: Day | None = None
    reason: str | None = Field(default=None, max_length=1000)


@command("statutes", AmendStatutes, "Amend the statutes from a date (AG decision)")
def _amend_statutes(session: WriteSession, ctx: Context, body: AmendStatutes) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = _on(body, ctx)
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
    data = cooperative.StatutesAmended(coop_id=state.coop_id, statutes=amended, reason=body.reason)
    amendment = NewEvent(
        "StatutesAmended", data.model_dump(mode="json"), on, subject_id=state.coop_id
    )
    # R5 — a lower floor may let waiting reimbursements go at once.
    amended_state = replace(state, statutes_versions=[*state.statutes_versions, (on, amended)])
    return Decided(state.coop_id, [amendment, *shares.release_pending(amended_state, on, 0)])


# -- members ---------------------------------------------------------------------------


@command("members", members.AdmitMember, "Admit a member")
def _admit(session: WriteSession, ctx: Context, body: members.AdmitMember) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = body.admitted_on or ctx.today
    member_id, party_id = new_id("mbr"), new_id("pty")
    decided = members.admit(state, body, member_id, party_id, on)
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
    return Decided(member_id, decided, {"party_id": party_id})


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
        .values(name=None, email=None, address=None, erased_at=session.store.clock())
    )
    if erased.rowcount != 1:
        raise NotFound("party", body.party_id)
    # Nobody speaks for an erased party any more: its tokens go with its name.
    t = api_tokens.c
    session.conn.execute(
        api_tokens.update()
        .where(t.party_id == body.party_id, t.revoked_at.is_(None))
        .values(revoked_at=session.store.clock(), revoked_by=ctx.actor)
    )
    data = members.PartyErased(party_id=body.party_id, reason=body.reason)
    return Decided(
        body.party_id,
        [NewEvent("PartyErased", data.model_dump(), ctx.today, subject_id=body.party_id)],
    )


class ChangeCategory(members.ChangeCategory):
    member_id: str


@command("category-changes", ChangeCategory, "Move a member to another category")
def _change_category(session: WriteSession, ctx: Context, body: ChangeCategory) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    member = snapshot.load_member(session.conn, state.coop_id, body.member_id)
    return Decided(
        body.member_id, members.change_category(state, member, body.category, _on(body, ctx))
    )


# -- shares ----------------------------------------------------------------------------


@command("subscriptions", shares.Subscribe, "Subscribe shares (R3, R7)")
def _subscribe(session: WriteSession, ctx: Context, body: shares.Subscribe) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    member = snapshot.load_member(session.conn, state.coop_id, body.member_id)
    sub_id = new_id("sub")
    return Decided(sub_id, shares.subscribe(state, member, body, sub_id, _on(body, ctx)))


@command("calls", shares.Call, "Call the unpaid part of a subscription (R7)")
def _call(session: WriteSession, ctx: Context, body: shares.Call) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    sub = snapshot.load_subscription(session.conn, state.coop_id, body.subscription_id)
    member = snapshot.load_member(session.conn, state.coop_id, sub.member_id)
    call_id = new_id("call")
    return Decided(call_id, shares.call(state, member, sub, body, call_id, _on(body, ctx)))


@command("payments", shares.Pay, "Record a payment on a subscription (R7)")
def _pay(session: WriteSession, ctx: Context, body: shares.Pay) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    sub = snapshot.load_subscription(session.conn, state.coop_id, body.subscription_id)
    member = snapshot.load_member(session.conn, state.coop_id, sub.member_id)
    pay_id = new_id("pay")
    return Decided(pay_id, shares.pay(state, member, sub, body, pay_id, _on(body, ctx)))


@command("withdrawals", shares.Withdraw, "Withdraw shares; reimbursement waits on the floor (R5)")
def _withdraw(session: WriteSession, ctx: Context, body: shares.Withdraw) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    member = snapshot.load_member(session.conn, state.coop_id, body.member_id)
    wid = new_id("wdr")
    decided = shares.withdraw(state, member, body.shares, wid, _on(body, ctx), body.reason)
    status = (
        "reimbursed"
        if any(e.type == "SharesReimbursed" and e.data["withdrawal_id"] == wid for e in decided)
        else "pending"
    )
    return Decided(wid, decided, {"status": status})


class ExcludeMember(shares.Exclude):
    member_id: str


@command("exclusions", ExcludeMember, "Exclude a member (AG decision): all shares withdrawn")
def _exclude(session: WriteSession, ctx: Context, body: ExcludeMember) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    member = snapshot.load_member(session.conn, state.coop_id, body.member_id)
    wid = new_id("wdr")
    return Decided(
        wid, shares.withdraw(state, member, None, wid, _on(body, ctx), body.reason, excluded=True)
    )


@command("transfers", shares.Transfer, "Transfer fully paid shares between members (R3)")
def _transfer(session: WriteSession, ctx: Context, body: shares.Transfer) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    giver = snapshot.load_member(session.conn, state.coop_id, body.from_member_id)
    taker = snapshot.load_member(session.conn, state.coop_id, body.to_member_id)
    tid = new_id("trf")
    return Decided(tid, shares.transfer(state, giver, taker, body, tid, _on(body, ctx)))


class RecordLosses(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    fiscal_year: int = Field(ge=1900, le=2200)
    effective_date: Day | None = None


@command("losses", RecordLosses, "Record losses not absorbed by reserves (R6)")
def _losses(session: WriteSession, ctx: Context, body: RecordLosses) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = _on(body, ctx)
    members.check_date(state, on)
    data = shares.LossesRecorded(amount_cents=body.amount, fiscal_year=body.fiscal_year)
    return Decided(
        new_id("loss"),
        [NewEvent("LossesRecorded", data.model_dump(mode="json"), on, amount_cents=body.amount)],
    )


# -- corrections -----------------------------------------------------------------------


@command("corrections", corrections.Correct, "Reverse an event (corrections never edit)")
def _correct(session: WriteSession, ctx: Context, body: corrections.Correct) -> Decided:
    coop_id = _coop(ctx)
    state = snapshot.load_coop(session.conn, coop_id)
    row = (
        session.conn.execute(
            sa.select(events_table).where(
                events_table.c.event_id == body.reverses, events_table.c.tenant_id == coop_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("event", body.reverses)
    original = session.store.to_event(row)
    already = (
        session.conn.execute(
            sa.select(reversals.c.reversal_event_id).where(
                reversals.c.reversed_event_id == original.event_id
            )
        ).first()
        is not None
    )
    data = original.data
    member_ids = {data[k] for k in ("member_id", "from_member_id", "to_member_id") if k in data}
    involved = {m: snapshot.load_member(session.conn, coop_id, m) for m in member_ids}
    sub = (
        snapshot.load_subscription(session.conn, coop_id, data["subscription_id"])
        if "subscription_id" in data
        else None
    )
    grant = (
        snapshot.load_grant(session.conn, coop_id, data["grant_id"]) if "grant_id" in data else None
    )
    decided = corrections.reverse(state, original, already, involved, sub, body.reason, grant)
    decided = as_prior_period_adjustments(session.conn, coop_id, decided, ctx.today)  # R16
    return Decided(new_id("cor"), decided)


def _coop(ctx: Context) -> str:
    if ctx.coop_id is None:
        raise refuse(None, "cooperative-required", "this command belongs to a cooperative")
    return ctx.coop_id


# Funding commands register themselves in COMMANDS on import.
from scic import commands_funding  # noqa: E402, F401
from scic.accounting import commands as accounting_commands  # noqa: E402, F401
