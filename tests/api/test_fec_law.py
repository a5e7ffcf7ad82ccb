"""R17 over HTTP: EcritureNum gapless within each journal, solidarity loans on 168x, the
labels in French."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api import fec_checker
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import close, fec, filename, post


def test_numbers_per_journal_168x_and_french_labels(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    subscribe(client, coop, ana, 10, "500.00", "2020-04-01")
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "9000.00",
            "awarded_on": "2020-03-01",
            "agreement_ref": "CV-1",
        },
    )
    post(
        client,
        f"{c}/esus-investments",
        {
            "investor": {"name": "Fonds Solidaire", "type": "private"},
            "instrument": "loan",
            "amount": "7000.00",
            "effective_date": "2020-05-01",
            "loan": {"rate": "0.01", "term_months": 48},
        },
    )
    close(client, c, 2020, result="100.00")
    response = fec(client, c, 2020)
    assert (
        fec_checker.check(
            filename(response), response.content, date(2020, 1, 2), date(2020, 12, 31)
        )
        == []
    )
    lines = [r.split("\t") for r in response.content.decode("iso-8859-15").split("\r\n")[1:] if r]
    numbers: dict[str, list[str]] = defaultdict(list)
    for f in lines:
        if f[2] not in numbers[f[0]]:
            numbers[f[0]].append(f[2])
    assert dict(numbers) == {"CAP": ["1", "2"], "BQ": ["1", "2", "3"], "SUB": ["1"]}
    loan = [f for f in lines if f[4] == "1681"]
    assert [(f[5], f[12]) for f in loan] == [
        ("Autres emprunts (prêts solidaires, investisseurs ESUS)", "7000,00")
    ]
    assert not any(f[4] == "164" for f in lines)
    granted = [f[10] for f in lines if f[0] == "SUB"]
    assert granted and all(
        label.startswith("Subvention d'exploitation accordée") for label in granted
    )


def _opening(content: bytes) -> dict[str, tuple[int, int]]:
    """The à-nouveaux lines by account: (debit, credit) in cents."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in fec_checker.parse(content)[0]:
        if row.fields["JournalCode"] == "AN":
            found[row.fields["CompteNum"]][0] += row.cents("Debit")
            found[row.fields["CompteNum"]][1] += row.cents("Credit")
    return {a: (d, c) for a, (d, c) in found.items()}


def test_each_year_opens_with_the_closing_balances_of_the_year_before(
    client: TestClient,
) -> None:
    """2020: Ana pays 120 shares (6,000 €), Ben subscribes 8 (400 €) and pays the quarter
    (100 €), the region awards 9,000 € (not yet received), a solidarity fund lends
    7,000 €. 2021: Ana pays 10 more shares (500 €). Each FEC after the first opens with
    the à-nouveaux (journal AN, the year's first day)."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    ben = admit(client, coop, "Ben", "usagers", on="2020-02-01")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    subscribe(client, coop, ben, 8, "100.00", "2020-02-01")
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "9000.00",
            "awarded_on": "2020-03-01",
            "agreement_ref": "CV-1",
        },
    )
    post(
        client,
        f"{c}/esus-investments",
        {
            "investor": {"name": "Fonds Solidaire", "type": "private"},
            "instrument": "loan",
            "amount": "7000.00",
            "effective_date": "2020-05-01",
            "loan": {"rate": "0.01", "term_months": 48},
        },
    )
    subscribe(client, coop, ana, 10, "500.00", "2021-04-01")
    files = {}
    for year in (2020, 2021, 2022):
        close(client, c, year, result="100.00")
        files[year] = fec(client, c, year).content
        start = date(2020, 1, 2) if year == 2020 else date(year, 1, 1)
        name = filename(fec(client, c, year))
        assert fec_checker.check(name, files[year], start, date(year, 12, 31)) == []
    assert _opening(files[2020]) == {}  # the first year has nothing to carry
    # end of 2020: 1013 = 6,000 + 100 paid; 1011 = 400 − 100 not called; 109 = 300;
    # bank = 6,000 + 100 + 7,000; 4417 = 9,000 to receive; 1681 = 7,000 borrowed;
    # the year's income (740: 9,000) is carried as its result on 120
    assert _opening(files[2021]) == {
        "1011": (0, 30_000),
        "1013": (0, 610_000),
        "109": (30_000, 0),
        "120": (0, 900_000),
        "1681": (0, 700_000),
        "4417": (900_000, 0),
        "512": (1_310_000, 0),
    }
    # the 101x total of the à-nouveaux is the capital: (120 + 8 + 10) shares × 50 €
    capital = sum(c - d for a, (d, c) in _opening(files[2022]).items() if a.startswith("101"))
    assert capital == 138 * 5_000
    assert fec_checker.carried_forward(files[2020], files[2021], date(2021, 1, 1)) == []
    assert fec_checker.carried_forward(files[2021], files[2022], date(2022, 1, 1)) == []
    # the checker sees a year skipped: 2020's closing is not 2022's opening
    skipped = fec_checker.carried_forward(files[2020], files[2022], date(2022, 1, 1))
    assert [f.detail.split(":")[0] for f in skipped] == ["('1013', '')", "('512', '')"]


def _grant(client: TestClient, c: str, amount: str, awarded: str, start: str, end: str) -> Any:
    return post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": amount,
            "awarded_on": awarded,
            "agreement_ref": f"CV-{amount}",
            "period_start": start,
            "period_end": end,
        },
    )


def test_a_multi_year_operating_grant_is_income_of_the_years_it_funds(
    client: TestClient,
) -> None:
    """36,000 € for 2021–2023 (1,095 days, 365 in each year): 12,000 € a year. 10,000 €
    for 2021-07-01 to 2022-06-30 (365 days): 184 days in 2021, 10,000 × 184 / 365 =
    5,041.09 € (cents rounded down), the other 4,958.91 € in 2022. Both awarded in
    January and July 2021: the later years' parts wait on 487."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    _grant(client, c, "36000.00", "2021-01-15", "2021-01-01", "2023-12-31")
    _grant(client, c, "10000.00", "2021-07-10", "2021-07-01", "2022-06-30")
    files = {}
    for year in (2020, 2021, 2022, 2023):
        close(client, c, year, result="100.00", own_revenue="50000.00")
        files[year] = fec(client, c, year).content
        start = date(2020, 1, 2) if year == 2020 else date(year, 1, 1)
        name = f"{filename(fec(client, c, year))}"
        assert fec_checker.check(name, files[year], start, date(year, 12, 31)) == []
        if year > 2020:
            assert fec_checker.carried_forward(files[year - 1], files[year], start) == []
    income = {y: -fec_checker.account_totals(files[y]).get("740", 0) for y in files}
    assert income == {2020: 0, 2021: 1_704_109, 2022: 1_695_891, 2023: 1_200_000}
    deferred = {y: -fec_checker.account_totals(files[y]).get("487", 0) for y in files}
    assert deferred == {2020: 0, 2021: 2_895_891, 2022: 1_200_000, 2023: 0}
    # the release opens each year, on its first day
    released = [
        r.fields["EcritureDate"]
        for r in fec_checker.parse(files[2022])[0]
        if r.fields["CompteNum"] == "487" and r.fields["JournalCode"] != "AN"
    ]
    assert released == ["20220101", "20220101"]
    # R15 — the subsidies/revenue ratio of a year counts the grants it funds: 2022's
    # 16,958.91 € / (16,958.91 + 50,000) = 0.25327… (nothing was awarded in 2022)
    for as_of, expected in (("2022-12-31", "0.2533"), ("2023-12-31", "0.1935")):
        mix = client.get(f"{c}/funding-mix", params={"as_of": as_of}).json()
        assert mix["ratios"]["subsidies_to_revenue"] == expected  # 2023: 12,000 / 62,000


def test_the_a_nouveaux_carry_each_years_result_on_its_own_account(
    client: TestClient,
) -> None:
    """2020: the titres participatifs' holder is paid its remuneration (6611), the only
    income or expense of the year: a loss, which the 2021 assembly carries forward
    (119 debited, 129 credited). 2021: the region's 900 € (740): a profit. The 2022
    à-nouveaux carry 2020's loss on 129, which its allocation cleared, and 2021's profit on
    120 — not the two years netted on 120 with 129 left in credit."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 10, "500.00", "2020-01-02")
    issue = post(
        client,
        f"{c}/participative-titles",
        {
            "holder": {"name": "France Active Normandie", "type": "private"},
            "count": 20,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2020-03-01",
        },
    )["id"]
    paid = post(
        client,
        f"{c}/participative-titles/{issue}/remunerations",
        {"fiscal_year": 2020, "figure": "1.00", "effective_date": "2020-12-15"},
    )
    loss = int(Decimal(paid["fixed"]) * 100 + Decimal(paid["variable"]) * 100)
    assert loss > 0
    close(client, c, 2020, result=f"-{Decimal(loss) / 100:.2f}")
    post(client, f"{c}/fiscal-years/2020/surplus-allocation", {"decided_on": "2021-04-01"})
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "900.00",
            "awarded_on": "2021-05-01",
            "agreement_ref": "CV-900",
        },
    )
    close(client, c, 2021, result="900.00")
    close(client, c, 2022, result="0.00")
    files = {year: fec(client, c, year).content for year in (2021, 2022)}
    opened = _opening(files[2022])
    assert opened["120"] == (0, 90_000)  # 2021's profit, whole
    assert opened["119"] == (loss, 0)  # 2020's loss, carried forward by its assembly
    assert "129" not in opened  # 2020's loss was there, and its allocation took it off
    assert fec_checker.carried_forward(files[2021], files[2022], date(2022, 1, 1)) == []


def test_a_grant_for_a_later_year_waits_whole_on_487(client: TestClient) -> None:
    """Awarded in November 2021 for 2022 alone: nothing is 2021's income, the whole
    5,000 € waits on 487, and the award's entry has no line of 0,00."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    _grant(client, c, "5000.00", "2021-11-02", "2022-01-01", "2022-12-31")
    for year in (2020, 2021):
        close(client, c, year, result="0.00")
    content = fec(client, c, 2021).content
    name = filename(fec(client, c, 2021))
    assert fec_checker.check(name, content, date(2021, 1, 1), date(2021, 12, 31)) == []
    totals = fec_checker.account_totals(content)
    assert (totals.get("740", 0), totals["487"]) == (0, -500_000)


def test_an_amendment_and_a_clawback_of_a_multi_year_grant_follow_its_funded_years(
    client: TestClient,
) -> None:
    """36,000 € for 2021–2023 (12,000 € a year), raised to 45,000 € on 2021-06-01: the
    9,000 € more is 3,000 € a year, 2021's at once, 6,000 € on 487. 5,000 € clawed back
    on 2022-03-01 comes from the part not yet released, 2023's (15,000 € → 10,000 €);
    1,000 € more clawed back on 2023-06-01 finds nothing left on 487: 2023's income."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    grant = _grant(client, c, "36000.00", "2021-01-15", "2021-01-01", "2023-12-31")["id"]
    g = f"{c}/grants/{grant}"
    post(client, f"{g}/instalments", {"amount": "36000.00", "effective_date": "2021-02-01"})
    post(
        client,
        f"{g}/amendments",
        {"amount": "45000.00", "reason": "avenant n° 1", "effective_date": "2021-06-01"},
    )
    post(client, f"{g}/instalments", {"amount": "9000.00", "effective_date": "2021-07-01"})
    post(
        client,
        f"{g}/clawbacks",
        {"amount": "5000.00", "reason": "action réduite", "effective_date": "2022-03-01"},
    )
    post(
        client,
        f"{g}/clawbacks",
        {"amount": "1000.00", "reason": "dépenses non justifiées", "effective_date": "2023-06-01"},
    )
    files = {}
    for year in (2020, 2021, 2022, 2023):
        close(client, c, year, result="0.00")
        files[year] = fec(client, c, year).content
        start = date(2020, 1, 2) if year == 2020 else date(year, 1, 1)
        name = filename(fec(client, c, year))
        assert fec_checker.check(name, files[year], start, date(year, 12, 31)) == []
        if year > 2020:
            assert fec_checker.carried_forward(files[year - 1], files[year], start) == []
    income = {y: -fec_checker.account_totals(files[y]).get("740", 0) for y in files}
    assert income == {2020: 0, 2021: 1_500_000, 2022: 1_500_000, 2023: 900_000}
    assert sum(income.values()) == 4_500_000 - 600_000  # the award net of clawbacks
    deferred = {y: -fec_checker.account_totals(files[y]).get("487", 0) for y in files}
    assert deferred == {2020: 0, 2021: 3_000_000, 2022: 1_000_000, 2023: 0}
    # the clawback of 2022 debits 487 (the later year's part) and the bank
    rows = [
        (r.fields["CompteNum"], r.cents("Debit"), r.cents("Credit"))
        for r in fec_checker.parse(files[2022])[0]
        if r.fields["EcritureDate"] == "20220301"
    ]
    assert sorted(rows) == [("487", 500_000, 0), ("512", 0, 500_000)]


def test_a_clawback_undone_gives_the_later_years_their_parts_back(client: TestClient) -> None:
    """30,000 € for 2021–2023, 10,000 € clawed back on 2021-09-01 (2023's part, then 2022's
    would follow), then the clawback reversed: each year has its 10,000 € again."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    grant = _grant(client, c, "30000.00", "2021-01-15", "2021-01-01", "2023-12-31")["id"]
    g = f"{c}/grants/{grant}"
    post(client, f"{g}/instalments", {"amount": "30000.00", "effective_date": "2021-02-01"})
    clawed = post(
        client,
        f"{g}/clawbacks",
        {"amount": "10000.00", "reason": "action réduite", "effective_date": "2021-09-01"},
    )
    post(client, f"{c}/corrections", {"reverses": clawed["id"], "reason": "erreur de saisie"})
    files = {}
    for year in (2020, 2021, 2022, 2023):
        close(client, c, year, result="0.00")
        files[year] = fec(client, c, year).content
        start = date(2020, 1, 2) if year == 2020 else date(year, 1, 1)
        assert (
            fec_checker.check(
                filename(fec(client, c, year)), files[year], start, date(year, 12, 31)
            )
            == []
        )
        if year > 2020:
            assert fec_checker.carried_forward(files[year - 1], files[year], start) == []
    income = {y: -fec_checker.account_totals(files[y]).get("740", 0) for y in files}
    assert income == {2020: 0, 2021: 1_000_000, 2022: 1_000_000, 2023: 1_000_000}
    assert -fec_checker.account_totals(files[2023]).get("487", 0) == 0


def test_a_clawback_undone_after_its_year_closed_catches_the_income_up(
    client: TestClient,
) -> None:
    """30,000 € for 2021–2023, 10,000 € clawed back on 2021-09-01 (taken from 2023's part),
    2021 closed, then the clawback reversed: a prior-period adjustment dated in the open
    year (R16). 2022 keeps its 10,000 €; 2023's part was released short while the
    clawback stood, so the 10,000 € leave 487 for 740 with the adjustment: 487 ends at
    nothing and the grant's whole 30,000 € is income."""
    coop = create_coop(client, incorporated_on="2020-01-02")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2020-01-02")
    subscribe(client, coop, ana, 120, "6000.00", "2020-01-02")
    grant = _grant(client, c, "30000.00", "2021-01-15", "2021-01-01", "2023-12-31")["id"]
    g = f"{c}/grants/{grant}"
    post(client, f"{g}/instalments", {"amount": "30000.00", "effective_date": "2021-02-01"})
    clawed = post(
        client,
        f"{g}/clawbacks",
        {"amount": "10000.00", "reason": "action réduite", "effective_date": "2021-09-01"},
    )
    for year in (2020, 2021, 2022, 2023):
        close(client, c, year, result="0.00")
    post(client, f"{c}/corrections", {"reverses": clawed["id"], "reason": "erreur de saisie"})
    entries = client.get(f"{c}/journal", params={"to": "2030-12-31"}).json()["entries"]
    net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for x in entries:
        for li in x["lines"]:
            if li["account"] in ("487", "740"):
                key = (li["account"], x["date"][:4] if x["date"] < "2024" else "after")
                net[key] += Decimal(li["credit"]) - Decimal(li["debit"])
    assert {k: v for k, v in net.items() if v} == {
        ("487", "2021"): Decimal("10000.00"),  # 20,000 deferred, 10,000 clawed back
        ("487", "2022"): Decimal("-10000.00"),
        ("740", "2021"): Decimal("10000.00"),
        ("740", "2022"): Decimal("10000.00"),
        ("740", "after"): Decimal("10000.00"),  # the adjustment: 2023's part, caught up
    }
