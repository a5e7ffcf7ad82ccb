"""Funding views (R15): the funding mix, grants, and what each funder represents.

Flows are summed from `funding_movements`, filtered by effective date (as at D, or
within [from, to]) and by recorded time (as known at T), like the capital views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

import sqlalchemy as sa

from scic.accounting.figures import YearFigures, year_figures
from scic.dates import add_months, add_years
from scic.domain.grants import Depreciation, Release, left_to_justify, release_schedule
from scic.errors import NotFound
from scic.money import ratio
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
FunderType = Literal[
    "state",
    "region",
    "department",
    "intercommunality",
    "municipality",
    "eu",
    "foundation",
    "private",
]
FUNDER_TYPES: tuple[FunderType, ...] = get_args(FunderType)


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


@dataclass(frozen=True, slots=True)
class GrantFigures:
    """What grants came to, in cents, by the four kinds of flow."""

    awarded_cents: int
    received_cents: int
    justified_cents: int
    clawed_back_cents: int


@dataclass(frozen=True, slots=True)
class CapitalMix:
    subscribed_cents: int
    paid_cents: int
    public_share: Decimal
    public_cap: Decimal
    by_category: list[views.CapitalRow]
    by_college: list[views.CapitalRow]


@dataclass(frozen=True, slots=True)
class GrantsMix:
    by_funder_type: list[tuple[str, GrantFigures]]
    """the funder types that have figures, in FUNDER_TYPES order"""
    by_purpose: list[tuple[str, GrantFigures]]
    """operating, then investment"""
    net_awarded_cents: int


@dataclass(frozen=True, slots=True)
class QuasiEquity:
    total_cents: int
    issued_cents: int
    redeemed_cents: int
    account: str


@dataclass(frozen=True, slots=True)
class EsusApproval:
    id: str
    reference: str
    authority: str
    granted_on: date
    expires_on: date
    expires_soon: bool


@dataclass(frozen=True, slots=True)
class EsusMix:
    by_instrument: dict[str, int]
    """shares, titles, loan: cents invested"""
    not_solidarity_cents: int
    approval: EsusApproval | None

    @property
    def total_cents(self) -> int:
        return sum(self.by_instrument.values())

    @property
    def solidarity_cents(self) -> int:
        return self.total_cents - self.not_solidarity_cents


@dataclass(frozen=True, slots=True)
class FundingRatios:
    public_share_of_capital: Decimal
    grants_to_total_funding: Decimal
    capital_to_total_funding: Decimal
    quasi_equity_to_own_funds: Decimal
    subsidies_to_revenue: Decimal | None
    largest_funder_share: Decimal
    herfindahl: Decimal
    multi_year_grant_share: Decimal


@dataclass(frozen=True, slots=True)
class CliffMonth:
    month: str
    """YYYY-MM"""
    amount_cents: int


@dataclass(frozen=True, slots=True)
class FundingMix:
    as_of: date
    known_at: datetime | None
    start: date | None
    end: date | None
    capital: CapitalMix
    grants: GrantsMix
    quasi_equity: QuasiEquity
    esus: EsusMix
    reserves_cents: int | None
    own_revenue_cents: int | None
    total_funding_cents: int
    ratios: FundingRatios
    funding_cliff: list[CliffMonth]


def funding_mix(
    conn: sa.Connection,
    coop_id: str,
    as_of: date,
    known_at: datetime | None,
    start: date | None = None,
    end: date | None = None,
) -> FundingMix:
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
    return FundingMix(
        as_of=as_of,
        known_at=known_at,
        start=start,
        end=end,
        capital=CapitalMix(
            subscribed_cents=capital.totals.subscribed_cents,
            paid_cents=capital.totals.paid_cents,
            public_share=ratio(public, subscribed),
            public_cap=value_at(PUBLIC_CAPITAL_CAP, as_of),
            by_category=capital.rows,
            by_college=colleges.rows,
        ),
        grants=GrantsMix(
            by_funder_type=[(t, _figures(v)) for t, v in by_type.items() if any(v.values())],
            by_purpose=[(p, _figures(v)) for p, v in by_purpose.items()],
            net_awarded_cents=grants_net,
        ),
        quasi_equity=QuasiEquity(quasi, titles_issued, titles_redeemed, "1671"),
        # R12 — invested while no approval was in force: recorded, not solidarity
        esus=EsusMix(
            esus_by_instrument, esus_outside_approval, esus_status(conn, coop_id, as_of, known_at)
        ),
        # R15 — the latest closed year's own revenue and the reserves the AGs allocated
        reserves_cents=year.reserves_cents,
        own_revenue_cents=year.own_revenue_cents,
        total_funding_cents=total,
        ratios=FundingRatios(
            public_share_of_capital=ratio(public, subscribed),
            grants_to_total_funding=ratio(grants_net, total),
            capital_to_total_funding=ratio(subscribed, total),
            quasi_equity_to_own_funds=ratio(quasi, subscribed + quasi),
            subsidies_to_revenue=_subsidies_to_revenue(year),
            largest_funder_share=ratio(largest, funder_total),
            herfindahl=hhi.quantize(Decimal("0.0001")),
            multi_year_grant_share=ratio(multi_year, grants_net),
        ),
        funding_cliff=funding_cliff(
            conn,
            coop_id,
            balance_date,
            grant_net if start is None else _grant_balances(conn, coop_id, balance_date, known_at),
        ),
    )


def _subsidies_to_revenue(year: YearFigures) -> Decimal | None:
    """Subsidies / (subsidies + own revenue) of the latest closed year (census: ~0.5)."""
    if year.own_revenue_cents is None or year.operating_subsidies_cents is None:
        return None
    subsidies = year.operating_subsidies_cents
    return ratio(subsidies, subsidies + year.own_revenue_cents)


def _figures(values: dict[str, int]) -> GrantFigures:
    return GrantFigures(*(values[k] for k in GRANT_KINDS))


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
) -> list[CliffMonth]:
    """Grant money whose funded period ends in the next 12 months, by month (R15)."""
    horizon = add_years(as_of, 1)
    months: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        sa.select(grants.c.grant_id, grants.c.period_end).where(
            grants.c.coop_id == coop_id, grants.c.period_end > as_of, grants.c.period_end <= horizon
        )
    ):
        months[row.period_end.strftime("%Y-%m")] += grant_net.get(row.grant_id, 0)
    return [CliffMonth(m, v) for m, v in sorted(months.items()) if v]


def esus_status(
    conn: sa.Connection, coop_id: str, on: date, known_at: datetime | None = None
) -> EsusApproval | None:
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
    warn_from = add_months(row["expires_on"], -ESUS_EXPIRY_WARNING_MONTHS)
    return EsusApproval(
        id=row["approval_id"],
        reference=row["reference"],
        authority=row["authority"],
        granted_on=row["granted_on"],
        expires_on=row["expires_on"],
        expires_soon=on >= warn_from,
    )


# -- grants ----------------------------------------------------------------------------


def funder_of_party(conn: sa.Connection, coop_id: str, party_id: str) -> str | None:
    """The funder id a party is in a cooperative (a funder is one party)."""
    f = funders.c
    found = conn.execute(
        sa.select(f.funder_id).where(f.coop_id == coop_id, f.party_id == party_id)
    ).scalar()
    return None if found is None else str(found)


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    funder_id: str
    funder_name: str
    funder_type: str
    purpose: str
    status: str
    """open or closed"""
    awarded_on: date
    figures: GrantFigures
    to_justify_cents: int
    justify_by: date | None
    de_minimis: bool
    de_minimis_override: str | None
    de_minimis_regime: str
    agreement_ref: str | None
    programme: str | None
    conditions: str | None
    period_start: date | None
    period_end: date | None
    depreciation: Depreciation | None

    @property
    def to_receive_cents(self) -> int:
        return self.figures.awarded_cents - self.figures.received_cents


@dataclass(frozen=True, slots=True)
class GrantMovement:
    event_id: str
    kind: str
    amount_cents: int
    effective_date: date
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class GrantDetail:
    grant: Grant
    history: list[GrantMovement]
    release_schedule: list[Release] | None
    """investment grants with a depreciation: income by fiscal year"""


def grant_rows(
    conn: sa.Connection,
    coop_id: str,
    funder_id: str | None = None,
    grant_id: str | None = None,
    awarded_by: date | None = None,
) -> list[Grant]:
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


def _grant(row: Any) -> Grant:
    doc = row["doc"]
    depreciation = doc.get("depreciation")
    return Grant(
        id=row["grant_id"],
        funder_id=row["funder_id"],
        funder_name=row["funder_name"] or views.ERASED,
        funder_type=row["funder_type"],
        purpose=row["purpose"],
        status=row["status"],
        awarded_on=row["awarded_on"],
        figures=GrantFigures(
            row["awarded_cents"],
            row["received_cents"],
            row["justified_cents"],
            row["clawed_back_cents"],
        ),
        to_justify_cents=left_to_justify(
            row["received_cents"], row["clawed_back_cents"], row["justified_cents"]
        ),
        justify_by=_day(doc.get("justify_by")),
        de_minimis=doc["de_minimis"],
        de_minimis_override=doc.get("de_minimis_override"),
        de_minimis_regime=doc.get("de_minimis_regime", "general"),
        agreement_ref=doc.get("agreement_ref"),
        programme=doc.get("programme"),
        conditions=doc.get("conditions"),
        period_start=_day(doc.get("period_start")),
        period_end=_day(doc.get("period_end")),
        depreciation=None if depreciation is None else Depreciation.model_validate(depreciation),
    )


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def grant_detail(conn: sa.Connection, coop_id: str, grant_id: str) -> GrantDetail:
    rows = grant_rows(conn, coop_id, grant_id=grant_id)
    if not rows:
        raise NotFound("grant", grant_id)
    grant = rows[0]
    m = funding_movements.c
    history = [
        GrantMovement(r.event_id, r.kind, r.amount_cents, r.effective_date, r.recorded_at)
        for r in conn.execute(
            sa.select(funding_movements).where(m.ref_id == grant_id).order_by(m.position)
        )
    ]
    schedule = None
    if grant.purpose == "investment" and grant.depreciation:
        year_end = conn.execute(
            sa.select(statutes.c.doc)
            .where(statutes.c.coop_id == coop_id)
            .order_by(statutes.c.position.desc())
            .limit(1)
        ).scalar_one()
        net = grant.figures.awarded_cents - grant.figures.clawed_back_cents
        schedule = release_schedule(net, grant.depreciation, year_end["fiscal_year_end"])
    return GrantDetail(grant, history, schedule)


@dataclass(frozen=True, slots=True)
class Remuneration:
    fiscal_year: int
    fixed_cents: int
    variable_cents: int


@dataclass(frozen=True, slots=True)
class TitleIssue:
    id: str
    holder_id: str
    count: int
    outstanding: int
    nominal_cents: int
    issued_on: date
    fixed_rate: Decimal
    variable_rate: Decimal
    variable_base: Decimal
    remunerations: list[Remuneration]

    @property
    def outstanding_cents(self) -> int:
        return self.outstanding * self.nominal_cents

    @property
    def redeemable_from(self) -> date:
        return add_years(self.issued_on, 7)


@dataclass(frozen=True, slots=True)
class EsusInvestment:
    id: str
    instrument: str
    amount_cents: int
    solidarity: bool


@dataclass(frozen=True, slots=True)
class FunderPortfolio:
    id: str
    name: str
    type: str
    as_of: date
    grants: list[Grant]
    participative_titles: list[TitleIssue]
    esus_investments: list[EsusInvestment]
    funding_cents: int
    share_of_total_funding: Decimal


def funder_portfolio(
    conn: sa.Connection, coop_id: str, funder_id: str, as_of: date
) -> FunderPortfolio:
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
    total = funding_mix(conn, coop_id, as_of, None).total_funding_cents
    t = title_issues.c
    issues = conn.execute(
        sa.select(title_issues).where(
            t.coop_id == coop_id, t.holder_id == funder_id, t.issued_on <= as_of
        )
    ).mappings()
    requalified = {f.ref_id for f in flows if f.source == "esus" and f.kind == "requalified"}
    investments = [
        EsusInvestment(
            f.ref_id,
            f.instrument,
            int(f.cents),
            # R12 — judged on the approvals known now, at the investment's date
            f.kind != "not_solidarity" or f.ref_id in requalified,
        )
        for f in flows
        if f.source == "esus" and f.funder_id == funder_id and f.kind != "requalified"
    ]
    return FunderPortfolio(
        id=funder_id,
        name=row["name"] or views.ERASED,
        type=row["type"],
        as_of=as_of,
        grants=grant_rows(conn, coop_id, funder_id=funder_id, awarded_by=as_of),
        participative_titles=[_issue(i, conn) for i in issues],
        esus_investments=investments,
        funding_cents=mine,
        share_of_total_funding=ratio(mine, total),
    )


def _net(flow: Any) -> int:
    cents = int(flow.cents)
    if flow.source == "grant":
        return cents if flow.kind == "awarded" else -cents if flow.kind == "clawed_back" else 0
    if flow.source == "titles":
        return cents if flow.kind == "issued" else -cents
    return cents if flow.instrument == "loan" and flow.kind != "requalified" else 0


def _issue(row: Any, conn: sa.Connection) -> TitleIssue:
    doc = row["doc"]
    r = title_remunerations.c
    paid = conn.execute(
        sa.select(r.fiscal_year, r.fixed_cents, r.variable_cents)
        .where(r.issue_id == row["issue_id"])
        .order_by(r.position)
    ).all()
    return TitleIssue(
        id=row["issue_id"],
        holder_id=row["holder_id"],
        count=row["count"],
        outstanding=row["outstanding"],
        nominal_cents=row["nominal_cents"],
        issued_on=row["issued_on"],
        fixed_rate=Decimal(doc["fixed_rate"]),
        variable_rate=Decimal(doc["variable_rate"]),
        variable_base=Decimal(doc["variable_base"]),
        remunerations=[Remuneration(y, f, v) for y, f, v in paid],
    )


def title_list(conn: sa.Connection, coop_id: str) -> list[TitleIssue]:
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
