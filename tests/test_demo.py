"""The `scic serve --demo` cooperative: seeded through the command layer, consistent,
and seeded once only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ledger.schema import events
from scic.demo import seed_demo
from scic.projections import funding_views, views
from scic.projections.tables import coops, members, withdrawals
from scic.service import Service, open_service

TODAY = date(2026, 11, 23)  # any date after the demo's last event (2025-11-17)
AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents", "unpaid_cents")


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    service = open_service(database_url)
    yield service
    service.close()


@pytest.fixture
def seeded(service: Service) -> tuple[str, str]:
    message = seed_demo(service, base_url="http://127.0.0.1:8765")
    with service.engine.connect() as conn:
        coop_id = conn.execute(sa.select(coops.c.coop_id)).scalar_one()
    return coop_id, message


def _event_types(service: Service, coop_id: str) -> Counter[str]:
    with service.engine.connect() as conn:
        return Counter(
            conn.execute(sa.select(events.c.type).where(events.c.tenant_id == coop_id)).scalars()
        )


def _check_sums(table: views.CapitalTable) -> None:
    rows, totals = table.rows, table.totals
    for key in AMOUNTS:
        assert sum(getattr(r.holding, key) for r in rows) == getattr(totals, key), key
    assert totals.unpaid_cents == totals.subscribed_cents - totals.paid_cents
    if totals.subscribed_cents:  # each share is rounded to 4 places
        drift = abs(sum((r.share_of_capital for r in rows), Decimal(0)) - 1)
        assert drift <= len(rows) * Decimal("0.00005")


def test_demo_is_a_realistic_consistent_cooperative(
    service: Service, seeded: tuple[str, str]
) -> None:
    coop_id, message = seeded
    assert coop_id in message
    assert f"http://127.0.0.1:8765/v1/coops/{coop_id}/capital-table?group_by=college" in message
    assert f"http://127.0.0.1:8765/v1/coops/{coop_id}/reimbursements" in message
    assert f"/v1/coops/{coop_id}/members/mbr_" in message
    assert "/docs" in message and f"/v1/coops/{coop_id}/events" in message

    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(coops)).scalar_one() == 1
        coop = views.coop_row(conn, coop_id)
        assert coop["legal_form"] == "SAS"
        rules = views.statutes_at(conn, coop_id, TODAY, None)
        assert rules is not None
        assert rules.share_nominal_cents == 5000
        roles = {c.role for c in rules.categories}
        assert {"employees", "beneficiaries", "public_bodies"} <= roles
        assert len(rules.colleges) >= 3
        assert sum(c.weight for c in rules.colleges) == 1
        assert all(Decimal("0.10") <= c.weight <= Decimal("0.50") for c in rules.colleges)

        member_categories = (
            conn.execute(sa.select(members.c.category).where(members.c.coop_id == coop_id))
            .scalars()
            .all()
        )
        assert len(member_categories) >= 40
        assert len(set(member_categories)) >= 4

        # R5: one withdrawal reimbursed at once, one waiting for the capital floor.
        pending = views.pending_reimbursements(conn, coop_id)
        assert len(pending) >= 1 and pending[0].status == "pending"
        statuses = Counter(
            conn.execute(
                sa.select(withdrawals.c.status).where(withdrawals.c.coop_id == coop_id)
            ).scalars()
        )
        assert statuses["reimbursed"] >= 1 and statuses["pending"] >= 1
        waiting = pending[0].holding.subscribed_cents

        tables = {
            group: views.capital_table(conn, coop_id, TODAY, None, group) for group in views.GROUPS
        }
        for table in tables.values():
            _check_sums(table)
        assert tables["member"].totals == tables["category"].totals == tables["college"].totals
        totals = tables["college"].totals
        assert totals.shares > 0 and totals.unpaid_cents > 0  # partial payments
        # The pending reimbursement would take the capital below the (amended) floor.
        assert totals.subscribed_cents - waiting < rules.statutory_floor_cents
        # R3: public bodies hold at most half the capital.
        public = {c.code for c in rules.categories if c.public_body}
        public_capital = sum(
            r.holding.subscribed_cents for r in tables["category"].rows if r.key in public
        )
        assert 0 < public_capital <= totals.subscribed_cents / 2
        # Every category and college holds capital.
        assert all(r.holding.subscribed_cents > 0 for r in tables["college"].rows)

        # Seven years of history: the table as at the end of 2021 is smaller.
        earlier = views.capital_table(conn, coop_id, date(2021, 12, 31), None, "college")
        _check_sums(earlier)
        assert 0 < earlier.totals.shares < totals.shares

    types = _event_types(service, coop_id)
    for kind in (
        "CoopRegistered",
        "StatutesAmended",
        "MemberAdmitted",
        "SharesSubscribed",
        "SharesPaid",
        "SharesCalled",
        "MemberWithdrew",
        "SharesReimbursed",
        "SharesTransferred",
        "MemberCategoryChanged",
        "EventReversed",
        "GrantAwarded",
        "GrantInstalmentReceived",
        "GrantJustified",
        "GrantClawedBack",
        "TitlesIssued",
        "EsusApproved",
        "EsusInvested",
    ):
        assert types[kind] >= 1, kind
    assert types["MemberAdmitted"] >= 40

    # The funding mix adds up: capital + net grants + titles + solidarity loans.
    with service.engine.connect() as conn:
        mix = funding_views.funding_mix(conn, coop_id, TODAY, None)
    by_type = mix.grants.by_funder_type
    grants_net = sum(g.awarded_cents - g.clawed_back_cents for _, g in by_type)
    assert {t for t, _ in by_type} >= {
        "state",
        "region",
        "department",
        "eu",
        "municipality",
    }
    assert mix.total_funding_cents == (
        mix.capital.subscribed_cents
        + grants_net
        + mix.quasi_equity.total_cents
        + mix.esus.by_instrument["loan"]
    )
    assert mix.esus.approval is not None

    report = service.store.verify()
    assert report.ok, report

    # The projections are exactly what the events say: a rebuild changes nothing.
    service.store.rebuild()
    with service.engine.connect() as conn:
        for group, table in tables.items():
            assert views.capital_table(conn, coop_id, TODAY, None, group) == table


def test_seeding_twice_adds_nothing(service: Service, seeded: tuple[str, str]) -> None:
    coop_id, _ = seeded
    before = _event_types(service, coop_id)
    with service.engine.connect() as conn:
        head = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()

    message = seed_demo(service)

    assert "already" in message and coop_id in message
    assert "http://127.0.0.1:8000/v1/coops/" in message
    assert _event_types(service, coop_id) == before
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one() == head
        assert conn.execute(sa.select(sa.func.count()).select_from(coops)).scalar_one() == 1


def test_demo_has_two_closed_years_whose_fec_passes_the_strict_checker(
    service: Service, seeded: tuple[str, str]
) -> None:
    from scic.accounting import reads
    from scic.accounting.exports import fec_export
    from tests.api import fec_checker

    coop_id, _ = seeded
    with service.engine.connect() as conn:
        closed = reads.closings(conn, coop_id)
        allocated = reads.allocations(conn, coop_id)
        assert sorted(closed) == [2019, 2020] and sorted(allocated) == [2019, 2020]
        files: list[bytes] = []
        deferred_before = 0
        for year, start in ((2019, date(2019, 4, 12)), (2020, date(2020, 1, 1))):
            exported = fec_export(service.store, conn, coop_id, year)
            assert exported.name == f"852916345FEC{year}1231.txt"
            end = date(year, 12, 31)
            assert fec_checker.check(exported.name, exported.content, start, end) == []
            files.append(exported.content)
            totals = fec_checker.account_totals(exported.content)
            mix = funding_views.funding_mix(conn, coop_id, end, None, start, end)
            operating = dict(mix.grants.by_purpose)["operating"]
            net = operating.awarded_cents - operating.clawed_back_cents
            # the year's grants (by award) = their income of the year (74) + what they
            # deferred to the years they fund, less what earlier ones released (487, R14)
            deferred_in_year = -(totals.get("487", 0) - deferred_before)
            assert -totals.get("740", 0) + deferred_in_year == net
            deferred_before = totals.get("487", 0)
            # R17 — the year's FEC alone (its à-nouveaux and its entries) gives the balances:
            # 101x = subscribed capital at the year end
            table = views.capital_table(conn, coop_id, end, None, "category")
            capital = -sum(v for k, v in totals.items() if k.startswith("101"))
            assert capital == table.totals.subscribed_cents
            balances = funding_views.funding_mix(conn, coop_id, end, None)
            assert -totals.get("1671", 0) == balances.quasi_equity.total_cents
        assert fec_checker.carried_forward(files[0], files[1], date(2020, 1, 1)) == []
        # the reserves the two AGs allocated are in the funding mix, with the census ratio
        mix = funding_views.funding_mix(conn, coop_id, TODAY, None)
        assert mix.reserves_cents == sum(
            a.result_cents - a.interest_cents for a in allocated.values()
        )
        assert mix.ratios.subsidies_to_revenue is not None
