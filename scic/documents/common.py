"""What several documents share: the issuer's identity, the member's, and the refusals
of a document asked for a date it cannot speak of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from scic.documents.lang import Lang
from scic.documents.model import Block, Issuer, Item
from scic.documents.tables import coop_profiles
from scic.documents.texts import COMMON, words
from scic.errors import DomainError, NotFound, refuse
from scic.projections import views
from scic.projections.tables import members, parties


def issuer(conn: sa.Connection, coop_id: str) -> Issuer:
    coop = views.coop_row(conn, coop_id)
    profile = (
        conn.execute(sa.select(coop_profiles).where(coop_profiles.c.coop_id == coop_id))
        .mappings()
        .first()
    )
    return Issuer(
        coop_id,
        coop["name"],
        coop["legal_form"],
        coop["siren"],
        profile["registered_office"] if profile else None,
        profile["purpose"] if profile else None,
    )


def issuer_block(who: Issuer, lang: Lang, with_purpose: bool = False) -> Block:
    w = words(COMMON, lang)
    items = [
        Item("name", w["name"], who.name),
        Item("legal_form", w["legal_form"], w("form_value", form=who.legal_form)),
        Item("siren", w["siren"], who.siren or w["not_recorded"]),
        Item(
            "registered_office", w["registered_office"], who.registered_office or w["not_recorded"]
        ),
    ]
    if with_purpose:
        items.append(Item("purpose", w["purpose"], who.purpose or w["not_recorded"]))
    return Block("issuer", w["issuer"], items)


@dataclass(frozen=True)
class MemberInfo:
    member_id: str
    number: str | None
    name: str
    kind: str
    address: str | None
    email: str | None
    admitted_on: date
    party_id: str


def member_info(conn: sa.Connection, coop_id: str, member_id: str) -> MemberInfo:
    columns: list[Any] = [
        members.c.member_id,
        members.c.number,
        members.c.kind,
        members.c.admitted_on,
        members.c.party_id,
        parties.c.name,
        parties.c.address,
        parties.c.email,
    ]
    row = (
        conn.execute(
            sa.select(*columns)
            .join(parties, parties.c.party_id == members.c.party_id)
            .where(members.c.member_id == member_id, members.c.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("member", member_id)
    return MemberInfo(
        member_id,
        row["number"],
        row["name"] or views.ERASED,
        row["kind"],
        row["address"],
        row["email"],
        row["admitted_on"],
        row["party_id"],
    )


def refused(slug: str, detail: str, french: str) -> DomainError:
    """A refusal with the words a page shows (the API gives `detail`)."""
    error = refuse(slug, detail)
    error.french = french  # type: ignore[attr-defined]
    return error


def check_admitted(member: MemberInfo, on: date) -> None:
    """A document speaks of a member from its admission on: before it, 422 with the date."""
    if on < member.admitted_on:
        raise refused(
            "as-of-before-admission",
            f"{on.isoformat()} is before the member's admission on "
            f"{member.admitted_on.isoformat()}: the member held nothing then",
            f"Le {on:%d/%m/%Y} est antérieur à l'admission de l'associé, le "
            f"{member.admitted_on:%d/%m/%Y} : il ne détenait alors aucune part.",
        )


def member_block(
    conn: sa.Connection, coop_id: str, member: MemberInfo, on: date, lang: Lang
) -> Block:
    """Identity, category and college as at `on` (the statutes then name them)."""
    w = words(COMMON, lang)
    statutes = views.statutes_at(conn, coop_id, on, None)
    code = views.categories_at(conn, coop_id, on, None).get(member.member_id)
    category = statutes.category(code) if statutes and code else None
    college = statutes.college_of(code) if statutes and code else None
    items = [Item("name", w["member_name"], member.name)]
    if member.number is not None:
        items.append(Item("number", w["member_number"], member.number))
    items += [
        Item(
            "kind",
            w["kind"],
            w[member.kind] if member.kind in ("person", "organisation") else member.kind,
        ),
        Item("address", w["address"], member.address or "—"),
        Item("category", w["category"], category.name if category else code),
        Item("college", w["college"], college.name if college else "—"),
        Item("admitted_on", w["admitted_on"], member.admitted_on, "date"),
    ]
    return Block("member", w["member"], items)


def holding_items(amounts: dict[str, int], nominal_cents: int, lang: Lang) -> list[Item]:
    w = words(COMMON, lang)
    return [
        Item("shares", w["shares"], amounts.get("shares", 0), "int"),
        Item("nominal", w["nominal"], nominal_cents, "money"),
        Item("subscribed", w["subscribed"], amounts.get("subscribed_cents", 0), "money"),
        Item("called", w["called"], amounts.get("called_cents", 0), "money"),
        Item("paid", w["paid"], amounts.get("paid_cents", 0), "money"),
        Item(
            "unpaid",
            w["unpaid"],
            amounts.get("subscribed_cents", 0) - amounts.get("paid_cents", 0),
            "money",
        ),
    ]
