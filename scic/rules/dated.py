"""Rule values with validity intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Dated(Generic[T]):
    valid_from: date
    value: T
    source: str


def entry_at(table: list[Dated[T]], on: date) -> Dated[T]:
    """The entry in force on `on` (tables are sorted by valid_from; an entry is valid
    until the day before the next one's valid_from)."""
    current = None
    for entry in table:
        if entry.valid_from <= on:
            current = entry
    if current is None:
        raise LookupError(f"no rule value in force on {on}")
    return current


def value_at(table: list[Dated[T]], on: date) -> T:
    """The value in force on `on`."""
    return entry_at(table, on).value


# R3 — local public bodies hold at most this share of the capital. Loi 2014-856 of
# 31 July 2014 was published on 1 August: events effective through 2014-08-01 are judged
# at 20 %, from 2014-08-02 at 50 %.
PUBLIC_CAPITAL_CAP: list[Dated[Decimal]] = [
    Dated(date(1900, 1, 1), Decimal("0.20"), "loi 47-1775 art. 19 septies, before loi ESS"),
    Dated(
        date(2014, 8, 2),
        Decimal("0.50"),
        "loi 47-1775 art. 19 septies (now 19 octodecies) as amended by loi 2014-856",
    ),
]

# R1 — the legal forms a SCIC may take, by date: the SCIC exists from loi 2001-624 of
# 17 July 2001 (JO of 18 July 2001, in force the next day, C. civ. art. 1) as SA or SARL;
# SAS from loi ESS 2014-856 (in force 2014-08-02).
SCIC_LEGAL_FORMS: list[Dated[frozenset[str]]] = [
    Dated(date(1900, 1, 1), frozenset(), "no SCIC before loi 2001-624"),
    Dated(
        date(2001, 7, 19),
        frozenset({"SA", "SARL"}),
        "loi 47-1775 titre II ter, art. 19 quinquies (loi 2001-624 of 17 July 2001)",
    ),
    Dated(
        date(2014, 8, 2),
        frozenset({"SA", "SARL", "SAS"}),
        "loi 47-1775 art. 19 quinquies as amended by loi 2014-856 (loi ESS)",
    ),
]

# R1 — legal minimum capital by legal form, in cents.
LEGAL_MINIMUM_CAPITAL_CENTS: dict[str, list[Dated[int]]] = {
    "SA": [
        Dated(
            date(1900, 1, 1),
            1_850_000,
            "DOMAIN.md R1: SCIC in SA form, 18,500 € (verify the article)",
        )
    ],
    "SAS": [Dated(date(1900, 1, 1), 0, "C. com. L227-1: statutes choose")],
    "SARL": [Dated(date(1900, 1, 1), 0, "C. com. L223-2: statutes choose")],
}

# R7 — share of the subscribed amount paid at once, and the delay to pay the rest.
FIRST_PAYMENT_MIN = Decimal("0.25")  # C. com. L225-144 (SA); statutes for SAS/SARL
PAY_UP_YEARS = 5

# R4 — voting colleges.
COLLEGES_MIN, COLLEGES_MAX = 3, 10
COLLEGE_WEIGHT_MIN, COLLEGE_WEIGHT_MAX = Decimal("0.10"), Decimal("0.50")

# R6 — statutory reimbursement delay at most 5 years.
REIMBURSEMENT_DELAY_MAX_YEARS = 5


# R14 — state aid de minimis: the ceiling, and the period the aid is summed over, by the
# date the aid is granted (the new aid's own regime judges it; aid granted under the
# older regulation still counts in a later window).
@dataclass(frozen=True)
class DeMinimisRegime:
    """Attributes:
    ceiling_cents: aid one undertaking may receive over the period.
    period: "fiscal-years" — the fiscal year of the grant and the `years` − 1 before it
      (the beneficiary's fiscal years); "rolling-years" — any `years` years ending on
      the grant's date.
    """

    ceiling_cents: int
    period: Literal["fiscal-years", "rolling-years"]
    years: int


DE_MINIMIS: list[Dated[DeMinimisRegime]] = [
    # aid granted through 2023-12-31
    Dated(
        date(1900, 1, 1),
        DeMinimisRegime(20_000_000, "fiscal-years", 3),
        "EU regulation 1407/2013 art. 3(2): 200,000 € over the current and the two "
        "previous fiscal years (extended to 2023-12-31 by regulation 2020/972)",
    ),
    # aid granted from 2024-01-01
    Dated(
        date(2024, 1, 1),
        DeMinimisRegime(30_000_000, "rolling-years", 3),
        "EU regulation 2023/2831 art. 3(2): 300,000 € over any period of three years",
    ),
]
# R14 — SIEG de minimis (services of general economic interest), by the date the aid is
# granted. Cumulation: general and SIEG de minimis aid together stay within the ceiling
# of the regime of the aid being granted (reg. 2023/2831 art. 5(1), 2023/2832 art. 5(1);
# reg. 360/2012 art. 2(8) before) — verify.
DE_MINIMIS_SIEG: list[Dated[DeMinimisRegime]] = [
    Dated(
        date(1900, 1, 1),
        DeMinimisRegime(50_000_000, "fiscal-years", 3),
        "EU regulation 360/2012 art. 2(2): 500,000 € over the current and the two previous "
        "fiscal years (extended to 2023-12-31 by regulation 2020/1474)",
    ),
    Dated(
        date(2024, 1, 1),
        DeMinimisRegime(75_000_000, "rolling-years", 3),
        "EU regulation 2023/2832 art. 3(2): 750,000 € over any period of three years",
    ),
]
DE_MINIMIS_REGIMES: dict[str, list[Dated[DeMinimisRegime]]] = {
    "general": DE_MINIMIS,
    "sieg": DE_MINIMIS_SIEG,
}
DE_MINIMIS_WARNING = Decimal("0.80")
# R14 — written agreement mandatory when the annual amount of public grants from one
# granting authority exceeds this (décret 2001-495 art. 1: "subventions dont le montant
# annuel dépasse 23 000 €").
AGREEMENT_THRESHOLD_CENTS = 2_300_000
# R14 — investment-grant releases go to 777 until, and 747 for fiscal years opened on or
# after, 1 January 2025 (ANC regulation 2022-06).
GRANT_RELEASE_ACCOUNT: list[Dated[str]] = [
    Dated(date(1900, 1, 1), "777", "PCG before ANC 2022-06"),
    Dated(date(2025, 1, 1), "747", "ANC regulation 2022-06"),
]

# R11 — titres participatifs (C. com. L228-36): redeemable by the issuer after 7 years;
# the variable remuneration is based on at most 40 % of the nominal.
TITLES_MIN_YEARS_BEFORE_REDEMPTION = 7
TITLES_VARIABLE_BASE_MAX = Decimal("0.40")
# R11 — the legal forms C. com. L228-36 names among cooperatives that may issue titres
# participatifs ("sociétés anonymes coopératives", and cooperatives constituted as SARL).
# SAS is not named in the text as last read (an amendment adding it was tabled): an
# issue by a form not named here is recorded with a compliance finding, not refused,
# since the law is uncertain there.
TITLES_LEGAL_FORMS: list[Dated[frozenset[str]]] = [
    Dated(date(1900, 1, 1), frozenset(), "before loi 83-1: no titres participatifs"),
    Dated(
        date(1983, 1, 5),
        frozenset({"SA"}),
        "C. com. L228-36 (loi 83-1 of 3 January 1983): sociétés anonymes coopératives",
    ),
    Dated(
        date(2001, 7, 19),
        frozenset({"SA", "SARL"}),
        "C. com. L228-36 as amended by loi 2001-624 of 17 July 2001 (JO of 18 July; in "
        "force the next day, C. civ. art. 1): SA and SARL cooperatives (verify when SAS is "
        "added)",
    ),
]

# R10 — cooperative review (révision coopérative) every 5 years from the last report made
# available to the members (décret 2015-706 art. 14; the first from incorporation, loi
# 47-1775 art. 25-1 via art. 19 duodecies for SCIC); also "au terme de trois exercices
# déficitaires" (art. 25-1 as in force since 2014-08-02: not necessarily consecutive,
# counted since the last review), or a year's loss of half the highest capital reached.
COOPERATIVE_REVIEW_YEARS = 5
REVIEW_LOSS_YEARS = 3

# R12 — ESUS approval (C. trav. L3332-17-1): 5 years, 2 when the company is younger than 3.
ESUS_YEARS = 5
ESUS_YOUNG_COMPANY_YEARS = 2
ESUS_YOUNG_COMPANY_AGE = 3
ESUS_EXPIRY_WARNING_MONTHS = 6

# R13 — IR-PME (CGI art. 199 terdecies-0 A): income-tax reduction on cash subscriptions
# to an eligible SME's capital, by the date the shares are paid up. 18 % by default; the
# 25 % windows below follow the finance laws as summarised in DOMAIN.md (verify dates).
IR_PME_RATE: list[Dated[Decimal]] = [
    Dated(date(1900, 1, 1), Decimal("0.18"), "CGI art. 199 terdecies-0 A: 18 %"),
    Dated(
        date(2020, 8, 10),
        Decimal("0.25"),
        "LFR 2020-935 art. 4, décret 2020-1013; extended through 2021 by LF 2021 (verify)",
    ),
    Dated(date(2022, 1, 1), Decimal("0.18"), "CGI art. 199 terdecies-0 A: 18 % (verify)"),
    Dated(date(2022, 3, 19), Decimal("0.25"), "LF 2022, décret 2022-346: 25 % (verify)"),
    Dated(date(2023, 1, 1), Decimal("0.18"), "CGI art. 199 terdecies-0 A: 18 % (verify)"),
]
# ESUS companies (and entreprises foncières solidaires): 25 % in 2024–2025 (DOMAIN.md R13,
# LF 2024 art. 6 as summarised there; verify dates). Outside this window: IR_PME_RATE.
IR_PME_RATE_ESUS: list[Dated[Decimal | None]] = [
    Dated(date(1900, 1, 1), None, "no ESUS-specific rate"),
    Dated(date(2024, 1, 1), Decimal("0.25"), "LF 2024: ESUS 25 % (verify dates)"),
    Dated(date(2026, 1, 1), None, "no ESUS-specific rate (verify)"),
]
IR_PME_CEILING_CENTS = 5_000_000  # 50,000 € a year for a single person (100,000 € couple)
IR_PME_HOLDING_YEARS = 5  # shares held 5 years, or the reduction is taken back


def ir_pme_holding_ends(subscribed_on: date) -> date:
    """R13 — shares are held until 31 December of the fifth year after the subscription
    (CGI art. 199 terdecies-0 A; BOI-IR-RICI-90-30 §10): leaving before it takes the
    reduction back."""
    return date(subscribed_on.year + IR_PME_HOLDING_YEARS, 12, 31)


# R9 — surplus allocation (loi 47-1775 art. 16 and 19 nonies): 15 % to the legal reserve
# until it equals the highest capital reached, then at least 50 % of the remainder to the
# statutory indivisible reserve.
LEGAL_RESERVE_SHARE = Decimal("0.15")
STATUTORY_RESERVE_SHARE = Decimal("0.50")
# R9 — public operating subsidies of the year are deducted from what may pay interest
# (art. 19 nonies as practitioners summarise it; verify the exact base). A cooperative's
# rule may differ: this is the default, dated so a later reading can replace it.
SUBSIDIES_OUT_OF_DISTRIBUTABLE: list[Dated[bool]] = [
    Dated(date(1900, 1, 1), True, "loi 47-1775 art. 19 nonies (verify the exact base)"),
]
# R8 — interest on shares ≤ average TMO of the 3 calendar years before the AG, + 2 points
# for AGs held from 2016-12-11 (loi 47-1775 art. 14 as amended by loi 2016-1691 "Sapin 2"
# art. 113, published 10 December 2016; décret 2017-446). Before: the TMO average alone.
INTEREST_CAP_MARGIN: list[Dated[Decimal]] = [
    Dated(date(1900, 1, 1), Decimal("0"), "loi 47-1775 art. 14 before loi 2016-1691"),
    Dated(
        date(2016, 12, 11),
        Decimal("0.02"),
        "loi 47-1775 art. 14 as amended by loi 2016-1691 (Sapin 2) art. 113",
    ),
]
INTEREST_CAP_YEARS = 3

TMO_SOURCE = (
    "avis au Journal officiel: taux moyen de rendement des obligations des sociétés "
    "privées (TMO), semester values S1 {s1} % and S2 {s2} %; the year is their mean "
    "(verify against each avis; an admin records a corrected or missing year through "
    "POST /v1/rules/tmo or `scic rules tmo-set`)"
)
# R8 — the published semester TMO (percent), by calendar year. 2024 onwards were not
# found: an administrator records them, and an allocation needing a missing year is
# refused, naming it.
TMO_SEMESTERS: dict[int, tuple[str, str]] = {
    2012: ("3.15", "2.41"),
    2013: ("2.30", "2.62"),
    2014: ("2.28", "1.50"),
    2015: ("0.96", "1.19"),
    2016: ("0.80", "0.63"),
    2017: ("1.15", "0.95"),
    2018: ("1.04", "0.97"),
    2019: ("0.62", "0.12"),
    2020: ("0.20", "-0.02"),
    2021: ("0.20", "0.27"),
    2022: ("1.325", "2.51"),
    2023: ("3.14", "3.37"),
}
# R8 — the TMO by calendar year, as a decimal rate (0.03255 = 3.255 %).
TMO_BY_YEAR: dict[int, Dated[Decimal]] = {
    year: Dated(
        date(year + 1, 1, 1),
        (Decimal(s1) + Decimal(s2)) / 200,
        TMO_SOURCE.format(s1=s1, s2=s2),
    )
    for year, (s1, s2) in TMO_SEMESTERS.items()
}
