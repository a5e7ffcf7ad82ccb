"""Demo data for `scic serve --demo`: one tiers-lieu SCIC and seven years of its life.

La Filature du Vallon is a (fictional) SCIC SAS in a former silk-throwing mill of
Saint-Julien-sur-Dore: a coworking space, a fablab, a café associatif and a repair café.
Every name is invented. Everything is recorded through the command layer
(scic.write.pipeline.execute), so each rule (R2–R7) judges each step exactly as it would an
API call; nothing is written to a projection table directly.

The story, in effective-date order:
- 2019-04-12 constitution: 4 employees, 7 users, 5 volunteers, 3 partners (one of them
  a territorial solidarity fund with 10,000 €); the town joins in July.
- 2020–2025: new members every year, partial payments (a quarter at subscription) paid
  up later, the intercommunality subscribes in two instalments then adds shares.
- 2021-11-15: a volunteer transfers 2 paid-up shares to his grandson.
- 2022-03-01: a coworker is hired as fablab facilitator (category change users →
  employees) and subscribes more shares.
- 2023-06-17: the AG raises the statutory capital floor from 15,000 € to 32,000 €
  (statutes amendment, asked for by the lenders of the fablab extension).
- 2024: a call with a due date on an employee's unpaid shares, paid; a bank payment
  entered twice, the duplicate reversed with its reason; an employee leaves and is
  reimbursed at once.
- 2020-03-31 and 2021-03-30: the fiscal years 2019 and 2020 are closed, and the AGs of
  June allocate their results (R9) with the interest R8 allows.
- 2025: a second call, only partly paid (overdue after 2026-03-31); the solidarity fund
  leaves as planned after six years, but its 10,000 € would take the capital below the
  floor: the withdrawal takes effect, the reimbursement waits (R5). Two later small
  subscriptions do not release it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger.schema import events as events_table
from ledger.store import WriteSession
from scic.money import format_cents
from scic.projections import views
from scic.projections.tables import coops, member_categories, members, parties, withdrawals
from scic.service import Service
from scic.write.commands import COMMANDS
from scic.write.cooperative import COOPS
from scic.write.pipeline import Context, Outcome, execute

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
ACTOR = "demo"

COOP: dict[str, Any] = {
    "name": "La Filature du Vallon",
    "legal_form": "SAS",
    "share_nominal": "50.00",
    "statutory_floor": "15000.00",
    "siren": "852916345",
    "incorporated_on": "2019-04-12",
    "reimbursement_delay_years": 5,
    "categories": [
        {"code": "salaries", "name": "Salariés", "role": "employees"},
        {"code": "usagers", "name": "Usagers et bénéficiaires", "role": "beneficiaries"},
        {"code": "benevoles", "name": "Bénévoles et soutiens", "role": "volunteers"},
        {
            "code": "collectivites",
            "name": "Collectivités territoriales",
            "public_body": True,
            "role": "public_bodies",
        },
        {"code": "partenaires", "name": "Partenaires et financeurs solidaires", "role": "funders"},
    ],
    "colleges": [
        {
            "code": "SAL",
            "name": "Collège des salariés",
            "weight": "0.30",
            "categories": ["salaries"],
        },
        {"code": "USA", "name": "Collège des usagers", "weight": "0.30", "categories": ["usagers"]},
        {
            "code": "SOU",
            "name": "Collège des soutiens et partenaires",
            "weight": "0.20",
            "categories": ["benevoles", "partenaires"],
        },
        {
            "code": "COL",
            "name": "Collège des collectivités",
            "weight": "0.20",
            "categories": ["collectivites"],
        },
    ],
}

FLOOR_AMENDMENT = {
    "statutory_floor": "32000.00",
    "effective_date": "2023-06-17",
    "reason": "AG du 17 juin 2023 : capital plancher porté à 32 000 € pour garantir aux "
    "prêteurs de l'extension du fablab la stabilité des fonds propres",
}

PER, ORG = "person", "organisation"

# name, kind, category, admitted on, shares subscribed on admission (0: none), paid then,
# later payments on that subscription [(date, amount)].
MEMBERS: list[tuple[str, str, str, str, int, str, list[tuple[str, str]]]] = [
    # -- constitution, 12 April 2019 --
    ("Élodie Ferrand", PER, "salaries", "2019-04-12", 20, "1000.00", []),
    (
        "Thomas Chabrier",
        PER,
        "salaries",
        "2019-04-12",
        20,
        "250.00",
        [("2020-04-10", "250.00"), ("2021-04-12", "250.00"), ("2022-04-11", "250.00")],
    ),
    ("Nadia Benali", PER, "salaries", "2019-04-12", 10, "125.00", [("2021-05-03", "125.00")]),
    ("Julien Mazeyrat", PER, "salaries", "2019-04-12", 10, "500.00", []),
    ("Sarah Lemaire", PER, "usagers", "2019-04-12", 4, "200.00", []),
    ("Antoine Brugière", PER, "usagers", "2019-04-12", 2, "100.00", []),
    ("Claire Vidalenc", PER, "usagers", "2019-04-12", 4, "50.00", [("2020-01-15", "150.00")]),
    ("Mathieu Roche", PER, "usagers", "2019-04-12", 2, "25.00", [("2019-10-01", "75.00")]),
    ("Inès Charbonnel", PER, "usagers", "2019-04-12", 2, "100.00", []),
    ("Pierre-Yves Dumas", PER, "usagers", "2019-04-12", 4, "200.00", []),
    ("Laure Costes", PER, "usagers", "2019-04-12", 2, "50.00", []),
    ("Gérard Vialle", PER, "benevoles", "2019-04-12", 6, "300.00", []),
    ("Monique Chambon", PER, "benevoles", "2019-04-12", 4, "200.00", []),
    ("Jean-Louis Pradier", PER, "benevoles", "2019-04-12", 2, "100.00", []),
    ("Sylvie Bouchet", PER, "benevoles", "2019-04-12", 4, "100.00", [("2020-04-14", "100.00")]),
    ("Denis Chazal", PER, "benevoles", "2019-04-12", 2, "100.00", []),
    ("Haut-Vallon Initiatives Solidaires", ORG, "partenaires", "2019-04-12", 200, "10000.00", []),
    (
        "Association Les Amis du Moulinage",
        ORG,
        "partenaires",
        "2019-04-12",
        40,
        "1000.00",
        [("2020-04-12", "1000.00")],
    ),
    ("Brasserie artisanale de la Dore", ORG, "partenaires", "2019-04-12", 20, "1000.00", []),
    ("Commune de Saint-Julien-sur-Dore", ORG, "collectivites", "2019-07-08", 80, "4000.00", []),
    ("Mathilde Sarrazin", PER, "usagers", "2019-11-18", 2, "100.00", []),
    # -- 2020 --
    ("Romain Faure", PER, "usagers", "2020-01-20", 2, "100.00", []),
    (
        "Communauté de communes du Haut-Vallon",
        ORG,
        "collectivites",
        "2020-02-10",
        160,
        "4000.00",
        [("2021-02-08", "4000.00")],
    ),
    ("Amandine Pélissier", PER, "usagers", "2020-06-15", 2, "25.00", [("2021-06-15", "75.00")]),
    ("Yanis Boudjema", PER, "usagers", "2020-09-07", 2, "100.00", []),
    # -- 2021 --
    ("Chloé Tixier", PER, "usagers", "2021-03-08", 2, "100.00", []),
    ("Hugo Marcheix", PER, "usagers", "2021-04-19", 4, "50.00", [("2022-04-19", "150.00")]),
    ("Annie Beaufort", PER, "benevoles", "2021-05-17", 2, "100.00", []),
    ("Fatou Diallo", PER, "usagers", "2021-06-21", 2, "100.00", []),
    ("Manon Roudier", PER, "salaries", "2021-09-01", 10, "125.00", [("2025-10-06", "125.00")]),
    ("François Lachaux", PER, "benevoles", "2021-09-20", 4, "200.00", []),
    ("Émilie Granet", PER, "usagers", "2021-10-04", 2, "25.00", []),
    ("Lucas Vialle", PER, "usagers", "2021-11-15", 0, "", []),
    # -- 2022 --
    ("Kévin Rouchon", PER, "usagers", "2022-01-17", 2, "100.00", []),
    ("Léa Bonnefoy", PER, "usagers", "2022-02-14", 3, "150.00", []),
    ("Samuel Aubert", PER, "usagers", "2022-05-09", 2, "100.00", []),
    ("Cigale des Bords de Dore", ORG, "partenaires", "2022-05-16", 30, "1500.00", []),
    ("Margaux Deschamps", PER, "usagers", "2022-09-12", 2, "25.00", [("2023-09-12", "75.00")]),
    ("Atelier Vélo Solidaire du Vallon", ORG, "usagers", "2022-10-03", 6, "300.00", []),
    ("Imprimerie coopérative du Vallon", ORG, "partenaires", "2022-11-07", 10, "500.00", []),
    # -- 2023 --
    (
        "Karim Aït-Ouali",
        PER,
        "usagers",
        "2023-01-09",
        4,
        "50.00",
        [("2024-02-05", "50.00"), ("2024-09-02", "100.00")],
    ),
    ("Juliette Morange", PER, "usagers", "2023-03-13", 2, "100.00", []),
    ("Commune de Vernières", ORG, "collectivites", "2023-04-03", 20, "1000.00", []),
    ("Noémie Chassang", PER, "usagers", "2023-05-22", 2, "100.00", []),
    ("Martine Rigaud", PER, "benevoles", "2023-06-17", 2, "100.00", []),
    ("Repair Café de Saint-Julien", ORG, "usagers", "2023-10-02", 4, "200.00", []),
    # -- 2024 --
    ("Baptiste Courtial", PER, "usagers", "2024-01-22", 2, "100.00", []),
    ("Océane Ribeyre", PER, "usagers", "2024-04-08", 2, "50.00", []),
    ("Thibault Sauvagnat", PER, "usagers", "2024-10-14", 2, "100.00", []),
    # -- 2025 --
    ("Anaïs Delorme", PER, "usagers", "2025-02-03", 2, "100.00", []),
    ("Rémi Blanchon", PER, "usagers", "2025-05-12", 2, "25.00", []),
    ("Lina Ferreira", PER, "usagers", "2025-11-03", 2, "100.00", []),
    ("Paul Estival", PER, "usagers", "2025-11-17", 2, "50.00", []),
]

FUND = "Haut-Vallon Initiatives Solidaires"
HIRED = "Sarah Lemaire"


@dataclass
class _Run:
    """The ids the steps produce, by member name (ids are random; names are fixed)."""

    session: WriteSession
    ctx: Context
    member_ids: dict[str, str] = field(default_factory=dict)
    subscription_ids: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def run(self, name: str, body: dict[str, Any], label: str | None = None) -> Outcome:
        command = COMMANDS[name]
        outcome = execute(self.session, self.ctx, command, command.model.model_validate(body))
        if label is not None:
            self.outcomes[label] = outcome
        return outcome

    def sub(self, member: str, index: int = 0) -> str:
        return self.subscription_ids[member][index]


Step = Callable[[_Run], None]


class _Plan:
    """Steps sorted by effective date; steps of the same day keep the order given."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int, Step]] = []

    def at(self, on: str, step: Step) -> None:
        self.steps.append((on, len(self.steps), step))

    def ordered(self) -> list[Step]:
        return [step for _, _, step in sorted(self.steps, key=lambda s: (s[0], s[1]))]


def _admit(name: str, kind: str, category: str, on: str) -> Step:
    def step(r: _Run) -> None:
        r.member_ids[name] = r.run(
            "members", {"name": name, "kind": kind, "category": category, "admitted_on": on}
        ).id

    return step


def _subscribe(name: str, shares: int, paid: str, on: str) -> Step:
    def step(r: _Run) -> None:
        outcome = r.run(
            "subscriptions",
            {"member_id": r.member_ids[name], "shares": shares, "paid": paid, "effective_date": on},
        )
        r.subscription_ids.setdefault(name, []).append(outcome.id)

    return step


def _pay(name: str, amount: str, on: str, index: int = 0, label: str | None = None) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "payments",
            {"subscription_id": r.sub(name, index), "amount": amount, "effective_date": on},
            label,
        )

    return step


def _call(name: str, amount: str, on: str, due: str, index: int = 0) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "calls",
            {
                "subscription_id": r.sub(name, index),
                "amount": amount,
                "due_date": due,
                "effective_date": on,
            },
        )

    return step


def _withdraw(name: str, on: str, reason: str, label: str) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "withdrawals",
            {"member_id": r.member_ids[name], "effective_date": on, "reason": reason},
            label,
        )

    return step


def _transfer(giver: str, taker: str, shares: int, on: str) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "transfers",
            {
                "from_member_id": r.member_ids[giver],
                "to_member_id": r.member_ids[taker],
                "shares": shares,
                "effective_date": on,
            },
        )

    return step


def _change_category(name: str, category: str, on: str) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "category-changes",
            {"member_id": r.member_ids[name], "category": category, "effective_date": on},
        )

    return step


def _amend(body: dict[str, Any]) -> Step:
    def step(r: _Run) -> None:
        r.run("statutes", body)

    return step


def _reverse(label: str, reason: str) -> Step:
    def step(r: _Run) -> None:
        r.run("corrections", {"reverses": r.outcomes[label].event_ids[0], "reason": reason})

    return step


def _fund(name: str, body: dict[str, Any], label: str | None = None) -> Step:
    def step(r: _Run) -> None:
        r.run(name, body, label)

    return step


def _grant_flow(label: str, flow: str, body: dict[str, Any]) -> Step:
    def step(r: _Run) -> None:
        r.run(f"grant-{flow}", {"grant_id": r.outcomes[label].id, **body})

    return step


REGION = {"name": "Région Auvergne-Rhône-Alpes", "type": "region"}
DEPARTMENT = {"name": "Département de la Haute-Loire", "type": "department"}
FEDER = {"name": "Union européenne — FEDER", "type": "eu"}


def _funding(plan: _Plan) -> None:
    """Grants, titres participatifs and a solidarity loan: the funding mix of a tiers-lieu,
    multi-year where possible, one-off where not."""
    plan.at(
        "2020-02-10",
        _fund(
            "grants",
            {
                "funder": {"name": "État — Fabriques de territoire", "type": "state"},
                "purpose": "operating",
                "amount": "150000.00",
                "awarded_on": "2020-02-10",
                "agreement_ref": "ANCT-FT-2020-0412",
                "programme": "Fabriques de territoire",
                "period_start": "2020-01-01",
                "period_end": "2022-12-31",
                "justify_by": "2023-06-30",
            },
            "state",
        ),
    )
    plan.at(
        "2020-03-01",
        _grant_flow("state", "instalments", {"amount": "50000.00", "effective_date": "2020-03-01"}),
    )
    plan.at(
        "2021-03-01",
        _grant_flow("state", "instalments", {"amount": "50000.00", "effective_date": "2021-03-01"}),
    )
    plan.at(
        "2022-03-01",
        _grant_flow("state", "instalments", {"amount": "50000.00", "effective_date": "2022-03-01"}),
    )
    plan.at(
        "2023-05-30",
        _grant_flow(
            "state", "justifications", {"amount": "150000.00", "effective_date": "2023-05-30"}
        ),
    )
    plan.at(
        "2023-07-01",
        _fund(
            "grants",
            {
                "funder": REGION,
                "purpose": "operating",
                "amount": "60000.00",
                "awarded_on": "2023-07-01",
                "agreement_ref": "AURA-TL-23-118",
                "programme": "Tiers-lieux ruraux",
                "period_start": "2023-07-01",
                "period_end": "2026-06-30",
                "justify_by": "2026-12-31",
            },
            "region",
        ),
    )
    plan.at(
        "2023-09-15",
        _grant_flow(
            "region", "instalments", {"amount": "30000.00", "effective_date": "2023-09-15"}
        ),
    )
    plan.at(
        "2024-10-01",
        _grant_flow(
            "region", "instalments", {"amount": "15000.00", "effective_date": "2024-10-01"}
        ),
    )
    plan.at(
        "2021-05-20",
        _fund(
            "grants",
            {
                "funder": DEPARTMENT,
                "purpose": "investment",
                "amount": "18000.00",
                "awarded_on": "2021-05-20",
                "programme": "Équipement du fablab",
                "depreciation": {"start": "2021-09-01", "years": 5},
            },
            "department",
        ),
    )
    plan.at(
        "2021-09-01",
        _grant_flow(
            "department", "instalments", {"amount": "18000.00", "effective_date": "2021-09-01"}
        ),
    )
    plan.at(
        "2022-02-01",
        _fund(
            "grants",
            {
                "funder": FEDER,
                "purpose": "investment",
                "amount": "45000.00",
                "awarded_on": "2022-02-01",
                "agreement_ref": "FEDER-AURA-2022-0087",
                "programme": "FEDER 2021-2027",
                "period_start": "2022-01-01",
                "period_end": "2024-12-31",
                "depreciation": {"start": "2022-06-01", "years": 10},
            },
            "feder",
        ),
    )
    plan.at(
        "2022-07-01",
        _grant_flow("feder", "instalments", {"amount": "36000.00", "effective_date": "2022-07-01"}),
    )
    plan.at(
        "2025-03-31",
        _grant_flow(
            "feder", "justifications", {"amount": "32000.00", "effective_date": "2025-03-31"}
        ),
    )
    plan.at(
        "2025-06-30",
        _grant_flow(
            "feder",
            "clawbacks",
            {
                "amount": "4000.00",
                "effective_date": "2025-06-30",
                "reason": "Dépenses non éligibles (contrôle de service fait)",
            },
        ),
    )
    plan.at(
        "2024-02-01",
        _fund(
            "grants",
            {
                "funder": {"name": "Commune de Saint-Julien-sur-Dore", "type": "municipality"},
                "purpose": "operating",
                "amount": "8000.00",
                "awarded_on": "2024-02-01",
                "programme": "Animation du café associatif",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
            },
        ),
    )
    plan.at(
        "2022-09-15",
        _fund(
            "esus-approvals",
            {
                "granted_on": "2022-09-15",
                "expires_on": "2027-09-15",
                "authority": "Préfecture de la Haute-Loire",
                "reference": "ESUS-43-2022-017",
            },
        ),
    )
    plan.at(
        "2022-10-03",
        _fund(
            "participative-titles",
            {
                "holder": {"name": "France Active Auvergne", "type": "private"},
                "count": 30,
                "nominal": "1000.00",
                "fixed_rate": "0.02",
                "variable_rate": "0.01",
                "issued_on": "2022-10-03",
            },
        ),
    )
    plan.at(
        "2023-11-20",
        _fund(
            "esus-investments",
            {
                "investor": {"name": "Fonds solidaire Auvergne Avenir", "type": "private"},
                "instrument": "loan",
                "amount": "25000.00",
                "effective_date": "2023-11-20",
                "loan": {"rate": "0.015", "term_months": 84},
            },
        ),
    )


def _plan() -> _Plan:
    plan = _Plan()
    for name, kind, category, on, shares, paid, payments in MEMBERS:
        plan.at(on, _admit(name, kind, category, on))
        if shares:
            plan.at(on, _subscribe(name, shares, paid, on))
        for paid_on, amount in payments:
            plan.at(paid_on, _pay(name, amount, paid_on))
    # More shares from members already in.
    plan.at(
        "2022-06-25", _subscribe("Association Les Amis du Moulinage", 20, "1000.00", "2022-06-25")
    )
    plan.at(
        "2023-06-26",
        _subscribe("Communauté de communes du Haut-Vallon", 40, "2000.00", "2023-06-26"),
    )
    # A volunteer passes 2 paid-up shares to his grandson, admitted the same day.
    plan.at("2021-11-15", _transfer("Gérard Vialle", "Lucas Vialle", 2, "2021-11-15"))
    # A coworker is hired: users → employees, and she subscribes more as an employee.
    plan.at("2022-03-01", _change_category(HIRED, "salaries", "2022-03-01"))
    plan.at("2022-03-01", _subscribe(HIRED, 6, "75.00", "2022-03-01"))
    plan.at("2023-03-01", _pay(HIRED, "225.00", "2023-03-01", index=1))
    # The AG raises the capital floor.
    plan.at("2023-06-17", _amend(FLOOR_AMENDMENT))
    # Calls on unpaid shares: one paid before its due date, one only partly paid.
    plan.at("2024-01-15", _call("Nadia Benali", "250.00", "2024-01-15", due="2024-03-31"))
    plan.at("2024-03-22", _pay("Nadia Benali", "250.00", "2024-03-22"))
    plan.at("2025-06-02", _call("Manon Roudier", "375.00", "2025-06-02", due="2026-03-31"))
    # The bank statement of February 2024 was imported twice: the duplicate is reversed.
    plan.at("2024-02-05", _pay("Karim Aït-Ouali", "50.00", "2024-02-05", label="duplicate"))
    plan.at(
        "2024-02-05",
        _reverse(
            "duplicate",
            "Virement du 5 février 2024 saisi deux fois (relevé bancaire importé en "
            "double) : la seconde écriture est annulée",
        ),
    )
    # An employee leaves: reimbursed at once, the capital is well above the floor.
    plan.at(
        "2024-08-31",
        _withdraw("Julien Mazeyrat", "2024-08-31", "Démission (départ de la région)", "reimbursed"),
    )
    # The solidarity fund leaves after six years: its reimbursement waits for the floor.
    plan.at(
        "2025-09-30",
        _withdraw(
            FUND,
            "2025-09-30",
            "Sortie prévue du fonds solidaire au terme de son engagement de six ans",
            "pending",
        ),
    )
    _funding(plan)
    _accounts(plan)
    return plan


# -- the accountant's years (R8, R9, R16) ------------------------------------------------
# The first two fiscal years are closed with their result and own revenue (from the
# general accounts), and each AG allocates its result at the legal minimums, the most
# interest R8 and R9 allow, and the rest to further indivisible reserves.
YEARS = [
    # year  closed on     result     own revenue  AG on
    (2019, "2020-03-31", "4200.00", "38500.00", "2020-06-20"),
    (2020, "2021-03-30", "2650.00", "41200.00", "2021-06-19"),
]


def _close_year(year: int, result: str, own_revenue: str) -> Step:
    def step(r: _Run) -> None:
        r.run(
            "fiscal-year-close",
            {
                "year": str(year),
                "result": result,
                "own_revenue": own_revenue,
                "own_revenue_source": f"comptes annuels {year} (liasse fiscale)",
            },
        )

    return step


def _allocate(year: int, result: str, decided_on: str) -> Step:
    def step(r: _Run) -> None:
        from scic.accounting import reads
        from scic.money import format_cents, parse_cents

        conn = r.session.conn
        cal = reads.calendar(conn, r.ctx.coop_id or "")
        b = reads.bounds_for(
            conn, cal, cal.year(year), parse_cents(result), date.fromisoformat(decided_on)
        )
        rest = b.result_cents - b.reserves_min_cents - b.interest_max_cents
        r.run(
            "surplus-allocations",
            {
                "year": str(year),
                "decided_on": decided_on,
                "legal_reserve": format_cents(b.legal_reserve_min_cents),
                "statutory_reserve": format_cents(b.statutory_reserve_min_cents),
                "interest": format_cents(b.interest_max_cents),
                "other_reserves": format_cents(rest),
                "interest_paid_on": decided_on if b.interest_max_cents else None,
            },
        )

    return step


def _accounts(plan: _Plan) -> None:
    for year, closed_on, result, own_revenue, decided_on in YEARS:
        plan.at(closed_on, _close_year(year, result, own_revenue))
        plan.at(decided_on, _allocate(year, result, decided_on))


# -- entry point -----------------------------------------------------------------------


def seed_demo(service: Service, base_url: str = DEFAULT_BASE_URL) -> str:
    """Seed the demo cooperative if the database has none; say where to look either way."""
    today = service.today()
    with service.store.write() as session:  # holds the append lock: no double seeding
        coop_id = _first_coop(session.conn)
        seeded = coop_id is None
        if coop_id is None:
            coop_id = execute(
                session,
                Context(None, actor=ACTOR, today=today),
                COOPS,
                COOPS.model.model_validate(COOP),
            ).id
            run = _Run(session, Context(coop_id, actor=ACTOR, today=today))
            for step in _plan().ordered():
                step(run)
    with service.engine.connect() as conn:
        name = conn.execute(sa.select(coops.c.name).where(coops.c.coop_id == coop_id)).scalar_one()
        if seeded:
            head = f"Demo seeded: {name} (SCIC SAS, tiers-lieu), cooperative id {coop_id}"
        else:
            head = (
                f"Demo already there: the database already holds cooperative {name!r} "
                f"({coop_id}); nothing seeded."
            )
        return "\n".join([head, *_where_to_look(conn, coop_id, base_url, today)])


def _first_coop(conn: sa.Connection) -> str | None:
    return conn.execute(
        sa.select(coops.c.coop_id).order_by(coops.c.registered_at, coops.c.coop_id).limit(1)
    ).scalar()


def _where_to_look(conn: sa.Connection, coop_id: str, base_url: str, today: date) -> list[str]:
    rules = views.statutes_at(conn, coop_id, today, None)
    m = members.c
    count = conn.execute(sa.select(sa.func.count()).where(m.coop_id == coop_id)).scalar_one()
    active = conn.execute(
        sa.select(sa.func.count()).where(m.coop_id == coop_id, m.status == "active")
    ).scalar_one()
    n_events = conn.execute(
        sa.select(sa.func.count()).where(events_table.c.tenant_id == coop_id)
    ).scalar_one()
    totals = views.capital_table(conn, coop_id, today, None, "member").totals
    pending = conn.execute(
        sa.select(withdrawals.c.member_id, parties.c.name)
        .join(members, members.c.member_id == withdrawals.c.member_id)
        .join(parties, parties.c.party_id == members.c.party_id)
        .where(withdrawals.c.coop_id == coop_id, withdrawals.c.status == "pending")
        .order_by(withdrawals.c.position)
        .limit(1)
    ).first()
    moved = conn.execute(
        sa.select(member_categories.c.member_id, parties.c.name)
        .join(members, members.c.member_id == member_categories.c.member_id)
        .join(parties, parties.c.party_id == members.c.party_id)
        .where(member_categories.c.coop_id == coop_id)
        .group_by(member_categories.c.member_id, parties.c.name)
        .having(sa.func.count() > 1)
        .order_by(member_categories.c.member_id)
        .limit(1)
    ).first()
    api = f"{base_url}/v1/coops/{coop_id}"
    lines = [
        f"  {count} members ({active} active) in {len(rules.categories) if rules else 0} "
        f"categories and {len(rules.colleges) if rules else 0} colleges; {n_events} events",
        f"  capital {format_cents(totals.subscribed_cents)} € subscribed, "
        f"{format_cents(totals.paid_cents)} € paid, "
        f"{format_cents(totals.unpaid_cents)} € unpaid ({totals.shares} shares)",
        "Look at (send one of the tokens below as `Authorization: Bearer <token>`):",
        f"  {base_url}/docs",
        f"  {api}",
        f"  {api}/capital-table?group_by=college",
        f"  {api}/capital-table?group_by=category",
        f"  {api}/capital-table?as_of=2021-12-31",
    ]
    if pending is not None:
        lines.append(
            f"  {api}/members/{pending.member_id}   ({pending.name}: withdrawn, "
            "reimbursement waiting for the capital floor)"
        )
    if moved is not None:
        lines.append(f"  {api}/members/{moved.member_id}   ({moved.name}: category change)")
    lines += [
        f"  {api}/reimbursements",
        f"  {api}/funding-mix",
        f"  {api}/grants",
        f"  {api}/compliance",
        f"  {api}/events?limit=50",
    ]
    return lines
