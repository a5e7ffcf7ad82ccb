"""Funding views (R15): the funding mix, grants, and what each funder represents.

Flows are summed from `funding_movements`, filtered by effective date (as at D, or
within [from, to]) and by recorded time (as known at T), like the capital views."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from scic.accounting.figures import YearFigures, year_figures
from scic.dates import add_years
from scic.domain.grants import Depreciation, left_to_justify, release_schedule
from scic.errors import NotFound
from scic.money import format_cents, format_ratio
from scic.projections import views
from scic.projections.tables import (
    esus_approvals,
    funders,
    funding_movements,
    grants,
    parties,
    statutes,
    title_issues,
    title_remunerations,
)
from scic.rules.dated import ESUS_EXPIRY_WARNING_MONTHS, PUBLIC_CAPITAL_CAP, value_at

GRANT_KINDS = ("awarded", "received", "justified", "clawed_back")
FUNDER_TYPES = (
    "state",
    "region",
    "department",
    "intercommunality",
    "municipality",
    "eu",
    "foundation",
    "private",
)


def _flows(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    start: date | None,
    end: date | None,
) -> list[Any]:
    m = funding_movements.c
    query = (
        sa.select(
            m.source,
            m.kind,
            m.funder_id,
            m.funder_type,
            m.purpose,
            m.instrument,
            m.ref_id,
            sa.func.sum(m.amount_cents).label("cents"),
        )
        .where(m.coop_id == coop_id, m.effective_date <= min(as_of, end or as_of))
        .group_by(m.source, m.kind, m.funder_id, m.funder_type, m.purpose, m.instrument, m.ref_id)
    )
    if start is not None:
        query = query.where(m.effective_date >= start)
    if known_at is not None:
        query = query.where(m.recorded_at <= known_at)
    return list(conn.execute(query).all())


def funding_mix(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Flows (grants, titles, ESUS) are those effective within [start, end] when given;
    balances (capital, the funding cliff) are taken at the window's end, or `as_of`."""
    views.coop_row(conn, coop_id)
    balance_date = min(as_of, end) if end else as_of
    flows = _flows(conn, coop_id, as_of, known_at, start, end)
    by_type: dict[str, dict[str, int]] = {t: dict.fromkeys(GRANT_KINDS, 0) for t in FUNDER_TYPES}
    by_purpose: dict[str, dict[str, int]] = {
        p: dict.fromkeys(GRANT_KINDS, 0) for p in ("operating", "investment")
    }
    per_funder: dict[str, int] = defaultdict(int)
    grant_net: dict[str, int] = defaultdict(int)
    titles_issued = titles_redeemed = 0
    esus_by_instrument: dict[str, int] = {"shares": 0, "titles": 0, "loan": 0}
    esus_outside_approval = 0
    for f in flows:
        cents = int(f.cents)
        if f.source == "grant":
            by_type[f.funder_type][f.kind] += cents
            by_purpose[f.purpose][f.kind] += cents
            if f.kind in ("awarded", "clawed_back"):
                net = cents if f.kind == "awarded" else -cents
                per_funder[f.funder_id] += net
                grant_net[f.ref_id] += net
        elif f.source == "titles":
            if f.kind == "issued":
                titles_issued += cents
                per_funder[f.funder_id] += cents
            else:
                titles_redeemed += cents
                per_funder[f.funder_id] -= cents
        else:
            if f.kind == "requalified":
                # R12 — an approval recorded later covers it: no longer outside
                esus_outside_approval -= cents
                continue
            esus_by_instrument[f.instrument] += cents
            if f.kind == "not_solidarity":
                esus_outside_approval += cents
            if f.instrument == "loan":  # shares and titles are already counted above
                per_funder[f.funder_id] += cents

    inputs = views.category_inputs(conn, coop_id, balance_date, known_at)
    capital = views.render_capital_table(conn, coop_id, inputs, balance_date, known_at, "category")
    colleges = views.render_capital_table(conn, coop_id, inputs, balance_date, known_at, "college")
    subscribed, public = inputs.subscribed_cents, inputs.public_subscribed_cents
    grants_net = sum(v["awarded"] - v["clawed_back"] for v in by_type.values())
    quasi = titles_issued - titles_redeemed
    loans = esus_by_instrument["loan"]
    total = subscribed + grants_net + quasi + loans
    funder_total = sum(v for v in per_funder.values() if v > 0)
    largest = max(per_funder.values(), default=0)
    hhi = (
        sum(((Decimal(v) / funder_total) ** 2 for v in per_funder.values() if v > 0), Decimal(0))
        if funder_total
        else Decimal(0)
    )
    multi_year = _multi_year_cents(conn, coop_id, grant_net)
    year = year_figures(conn, coop_id, balance_date, known_at)
    return {
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "capital": {
            "subscribed": format_cents(capital.totals.subscribed_cents),
            "paid": format_cents(capital.totals.paid_cents),
            "public_share": format_ratio(public, subscribed),
            "public_cap": str(value_at(PUBLIC_CAPITAL_CAP, as_of)),
            "by_category": _slim(capital.rows),
            "by_college": _slim(colleges.rows),
        },
        "grants": {
            "by_funder_type": [
                {"type": t, **_money(v)} for t, v in by_type.items() if any(v.values())
            ],
            "by_purpose": [{"purpose": p, **_money(v)} for p, v in by_purpose.items()],
            "net_awarded": format_cents(grants_net),
        },
        "quasi_equity": {
            "total": format_cents(quasi),
            "issued": format_cents(titles_issued),
            "redeemed": format_cents(titles_redeemed),
            "account": "1671",
        },
        "esus": {
            "total": format_cents(sum(esus_by_instrument.values())),
            "by_instrument": {k: format_cents(v) for k, v in esus_by_instrument.items()},
            # R12 — invested while no approval was in force: recorded, not solidarity
            "solidarity": format_cents(sum(esus_by_instrument.values()) - esus_outside_approval),
            "not_solidarity": format_cents(esus_outside_approval),
            "approval": esus_status(conn, coop_id, as_of, known_at),
        },
        # R15 — the latest closed year's own revenue and the reserves the AGs allocated
        "reserves": None if year.reserves_cents is None else format_cents(year.reserves_cents),
        "own_revenue": (
            None if year.own_revenue_cents is None else format_cents(year.own_revenue_cents)
        ),
        "total_funding": format_cents(total),
        "ratios": {
            "public_share_of_capital": format_ratio(public, subscribed),
            "grants_to_total_funding": format_ratio(grants_net, total),
            "capital_to_total_funding": format_ratio(subscribed, total),
            "quasi_equity_to_own_funds": format_ratio(quasi, subscribed + quasi),
            "subsidies_to_revenue": _subsidies_to_revenue(year),
            "largest_funder_share": format_ratio(largest, funder_total),
            "herfindahl": str(hhi.quantize(Decimal("0.0001"))),
            "multi_year_grant_share": format_ratio(multi_year, grants_net),
        },
        "funding_cliff": funding_cliff(
            conn,
            coop_id,
            balance_date,
            grant_net if start is None else _grant_balances(conn, coop_id, balance_date, known_at),
        ),
    }


def _subsidies_to_revenue(year: YearFigures) -> str | None:
    """Subsidies / (subsidies + own revenue) of the latest closed year (census: ~0.5)."""
    if year.own_revenue_cents is None or year.operating_subsidies_cents is None:
        return None
    subsidies = year.operating_subsidies_cents
    return format_ratio(subsidies, subsidies + year.own_revenue_cents)


def _slim(rows: list[views.CapitalRow]) -> list[dict[str, Any]]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "subscribed": format_cents(r.holding.subscribed_cents),
            "paid": format_cents(r.holding.paid_cents),
            "share_of_capital": str(r.share_of_capital),
        }
        for r in rows
    ]


def _money(values: dict[str, int]) -> dict[str, str]:
    return {k: format_cents(v) for k, v in values.items()}


def _multi_year_cents(conn: sa.Connection, coop_id: str, grant_net: dict[str, int]) -> int:
    """Grants whose funded period exceeds one year: multi-year agreements (R15)."""
    total = 0
    for row in conn.execute(
        sa.select(grants.c.grant_id, grants.c.doc).where(grants.c.coop_id == coop_id)
    ):
        start, end = row.doc.get("period_start"), row.doc.get("period_end")
        if start and end and (date.fromisoformat(end) - date.fromisoformat(start)).days > 366:
            total += grant_net.get(row.grant_id, 0)
    return total


def _grant_balances(
    conn: sa.Connection, coop_id: str, on: date, known_at: datetime | None
) -> dict[str, int]:
    """Net awarded (awarded − clawed back) per grant as at `on`."""
    net: dict[str, int] = defaultdict(int)
    for f in _flows(conn, coop_id, on, known_at, None, None):
        if f.source == "grant" and f.kind in ("awarded", "clawed_back"):
            net[f.ref_id] += int(f.cents) if f.kind == "awarded" else -int(f.cents)
    return net


def funding_cliff(
    conn: sa.Connection, coop_id: str, as_of: date, grant_net: dict[str, int]
) -> list[dict[str, str]]:
    """Grant money whose funded period ends in the next 12 months, by month (R15)."""
    horizon = add_years(as_of, 1)
    months: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        sa.select(grants.c.grant_id, grants.c.period_end).where(
            grants.c.coop_id == coop_id, grants.c.period_end > as_of, grants.c.period_end <= horizon
        )
    ):
        months[row.period_end.strftime("%Y-%m")] += grant_net.get(row.grant_id, 0)
    return [{"month": m, "amount": format_cents(v)} for m, v in sorted(months.items()) if v]


def esus_status(
    conn: sa.Connection, coop_id: str, on: date, known_at: datetime | None = None
) -> dict[str, Any] | None:
    """R12 — the approval in force on `on` (as known at `known_at`), and whether it
    expires within 6 months."""
    a = esus_approvals.c
    query = sa.select(esus_approvals).where(
        a.coop_id == coop_id, a.granted_on <= on, a.expires_on >= on
    )
    if known_at is not None:
        query = query.where(a.recorded_at <= known_at)
    row = conn.execute(query.order_by(a.expires_on.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    warn_from = _add_months(row["expires_on"], -ESUS_EXPIRY_WARNING_MONTHS)
    return {
        "id": row["approval_id"],
        "reference": row["reference"],
        "authority": row["authority"],
        "granted_on": row["granted_on"].isoformat(),
        "expires_on": row["expires_on"].isoformat(),
        "expires_soon": on >= warn_from,
    }


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# -- grants ----------------------------------------------------------------------------


def funder_of_party(conn: sa.Connection, coop_id: str, party_id: str) -> str | None:
    """The funder id a party is in a cooperative (a funder is one party)."""
    f = funders.c
    found = conn.execute(
        sa.select(f.funder_id).where(f.coop_id == coop_id, f.party_id == party_id)
    ).scalar()
    return None if found is None else str(found)


def grant_rows(
    conn: sa.Connection,
    coop_id: str,
    funder_id: str | None = None,
    grant_id: str | None = None,
    awarded_by: date | None = None,
) -> list[dict[str, Any]]:
    views.coop_row(conn, coop_id)
    g = grants.c
    query = (
        sa.select(grants, parties.c.name.label("funder_name"))
        .join(funders, funders.c.funder_id == g.funder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(g.coop_id == coop_id)
        .order_by(g.awarded_on, g.grant_id)
    )
    if funder_id is not None:
        query = query.where(g.funder_id == funder_id)
    if grant_id is not None:
        query = query.where(g.grant_id == grant_id)
    if awarded_by is not None:
        query = query.where(g.awarded_on <= awarded_by)
    return [_grant(row) for row in conn.execute(query).mappings()]


def _grant(row: Any) -> dict[str, Any]:
    doc = row["doc"]
    return {
        "id": row["grant_id"],
        "funder_id": row["funder_id"],
        "funder": {"name": row["funder_name"] or views.ERASED, "type": row["funder_type"]},
        "purpose": row["purpose"],
        "status": row["status"],
        "awarded_on": row["awarded_on"].isoformat(),
        "awarded": format_cents(row["awarded_cents"]),
        "received": format_cents(row["received_cents"]),
        "justified": format_cents(row["justified_cents"]),
        "clawed_back": format_cents(row["clawed_back_cents"]),
        "to_receive": format_cents(row["awarded_cents"] - row["received_cents"]),
        "to_justify": format_cents(
            left_to_justify(row["received_cents"], row["clawed_back_cents"], row["justified_cents"])
        ),
        "justify_by": doc.get("justify_by"),
        "de_minimis": doc["de_minimis"],
        "de_minimis_override": doc.get("de_minimis_override"),
        "de_minimis_regime": doc.get("de_minimis_regime", "general"),
        "agreement_ref": doc.get("agreement_ref"),
        "programme": doc.get("programme"),
        "conditions": doc.get("conditions"),
        "period_start": doc.get("period_start"),
        "period_end": doc.get("period_end"),
        "depreciation": doc.get("depreciation"),
    }


def grant_detail(conn: sa.Connection, coop_id: str, grant_id: str) -> dict[str, Any]:
    rows = grant_rows(conn, coop_id, grant_id=grant_id)
    if not rows:
        raise NotFound("grant", grant_id)
    grant = rows[0]
    m = funding_movements.c
    grant["history"] = [
        {
            "event_id": r.event_id,
            "kind": r.kind,
            "amount": format_cents(r.amount_cents),
            "effective_date": r.effective_date.isoformat(),
            "recorded_at": r.recorded_at.isoformat(),
        }
        for r in conn.execute(
            sa.select(funding_movements).where(m.ref_id == grant_id).order_by(m.position)
        )
    ]
    if grant["purpose"] == "investment" and grant["depreciation"]:
        year_end = conn.execute(
            sa.select(statutes.c.doc)
            .where(statutes.c.coop_id == coop_id)
            .order_by(statutes.c.position.desc())
            .limit(1)
        ).scalar_one()
        net = _cents(grant["awarded"]) - _cents(grant["clawed_back"])
        grant["release_schedule"] = release_schedule(
            net, Depreciation.model_validate(grant["depreciation"]), year_end["fiscal_year_end"]
        )
    return grant


def _cents(text: str) -> int:
    """Back to cents from a figure this module formatted: a sum may exceed what the API
    takes as input (parse_cents refuses more than 13 digits), so it is not re-parsed."""
    return int(Decimal(text) * 100)


def funder_portfolio(
    conn: sa.Connection, coop_id: str, funder_id: str, as_of: date
) -> dict[str, Any]:
    """What one funder gave or holds, and its share of the cooperative's funding."""
    row = (
        conn.execute(
            sa.select(funders, parties.c.name)
            .join(parties, parties.c.party_id == funders.c.party_id)
            .where(funders.c.funder_id == funder_id, funders.c.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("funder", funder_id)
    flows = _flows(conn, coop_id, as_of, None, None, None)
    mine = sum(_net(f) for f in flows if f.funder_id == funder_id)
    mix = funding_mix(conn, coop_id, as_of, None)
    total = _cents(mix["total_funding"])
    t = title_issues.c
    issues = conn.execute(
        sa.select(title_issues).where(
            t.coop_id == coop_id, t.holder_id == funder_id, t.issued_on <= as_of
        )
    ).mappings()
    requalified = {f.ref_id for f in flows if f.source == "esus" and f.kind == "requalified"}
    investments = [
        {
            "id": f.ref_id,
            "instrument": f.instrument,
            "amount": format_cents(int(f.cents)),
            # R12 — judged on the approvals known now, at the investment's date
            "solidarity": f.kind != "not_solidarity" or f.ref_id in requalified,
        }
        for f in flows
        if f.source == "esus" and f.funder_id == funder_id and f.kind != "requalified"
    ]
    return {
        "id": funder_id,
        "name": row["name"] or views.ERASED,
        "type": row["type"],
        "as_of": as_of.isoformat(),
        "grants": grant_rows(conn, coop_id, funder_id=funder_id, awarded_by=as_of),
        "participative_titles": [_issue(i, conn) for i in issues],
        "esus_investments": investments,
        "funding": format_cents(mine),
        "share_of_total_funding": format_ratio(mine, total),
    }


def _net(flow: Any) -> int:
    cents = int(flow.cents)
    if flow.source == "grant":
        return cents if flow.kind == "awarded" else -cents if flow.kind == "clawed_back" else 0
    if flow.source == "titles":
        return cents if flow.kind == "issued" else -cents
    return cents if flow.instrument == "loan" and flow.kind != "requalified" else 0


def _issue(row: Any, conn: sa.Connection) -> dict[str, Any]:
    doc = row["doc"]
    r = title_remunerations.c
    paid = conn.execute(
        sa.select(r.fiscal_year, r.fixed_cents, r.variable_cents)
        .where(r.issue_id == row["issue_id"])
        .order_by(r.position)
    ).all()
    return {
        "id": row["issue_id"],
        "holder_id": row["holder_id"],
        "count": row["count"],
        "outstanding": row["outstanding"],
        "nominal": format_cents(row["nominal_cents"]),
        "outstanding_amount": format_cents(row["outstanding"] * row["nominal_cents"]),
        "issued_on": row["issued_on"].isoformat(),
        "fixed_rate": doc["fixed_rate"],
        "variable_rate": doc["variable_rate"],
        "variable_base": doc["variable_base"],
        "redeemable_from": add_years(row["issued_on"], 7).isoformat(),
        "remunerations": [
            {"fiscal_year": y, "fixed": format_cents(f), "variable": format_cents(v)}
            for y, f, v in paid
        ],
    }


def title_list(conn: sa.Connection, coop_id: str) -> list[dict[str, Any]]:
    views.coop_row(conn, coop_id)
    rows = (
        conn.execute(
            sa.select(title_issues)
            .where(title_issues.c.coop_id == coop_id)
            .order_by(title_issues.c.issued_on)
        )
        .mappings()
        .all()
    )
    return [_issue(r, conn) for r in rows]
