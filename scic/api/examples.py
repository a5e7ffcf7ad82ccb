"""One example request body per write, shown in the OpenAPI contract (tested: each one
is valid for its command, tests/api/test_contract.py)."""

from __future__ import annotations

from typing import Any

SUB = "sub_3f2a9c1d4b5e6f70"
MEMBER, OTHER = "mbr_8d41c2a9e0b7f615", "mbr_1b9e77c3a2d04e58"

BODIES: dict[str, dict[str, Any]] = {
    "fiscal-year-close": {
        "result": "10000.00",
        "own_revenue": "84500.00",
        "own_revenue_source": "comptes annuels 2025, chiffre d'affaires et autres produits",
    },
    "surplus-allocations": {
        "legal_reserve": "1500.00",
        "statutory_reserve": "4250.00",
        "interest": "1200.00",
        "other_reserves": "3050.00",
        "decided_on": "2026-06-20",
    },
    "coops": {
        "name": "La Fabrique du Coin",
        "legal_form": "SAS",
        "share_nominal": "50.00",
        "statutory_floor": "5000.00",
        "siren": "732829320",
        "incorporated_on": "2019-03-01",
        "categories": [
            {"code": "salaries", "name": "Salariés", "role": "employees"},
            {"code": "usagers", "name": "Usagers", "role": "beneficiaries"},
            {"code": "collectivites", "name": "Collectivités", "public_body": True},
        ],
        "colleges": [
            {"code": "A", "name": "Salariés", "weight": "0.40", "categories": ["salaries"]},
            {"code": "B", "name": "Usagers", "weight": "0.40", "categories": ["usagers"]},
            {
                "code": "C",
                "name": "Collectivités",
                "weight": "0.20",
                "categories": ["collectivites"],
            },
        ],
    },
    "statutes": {"share_nominal": "100.00", "effective_date": "2026-07-01", "reason": "AGE"},
    "members": {
        "name": "Alice Martin",
        "kind": "person",
        "category": "usagers",
        "admitted_on": "2026-03-01",
        "email": "alice@example.org",
    },
    "erasures": {"reason": "demande RGPD du 12/03"},
    "category-changes": {
        "member_id": MEMBER,
        "category": "salaries",
        "effective_date": "2026-09-01",
    },
    "subscriptions": {
        "member_id": MEMBER,
        "shares": 10,
        "paid": "125.00",
        "effective_date": "2026-03-01",
    },
    "calls": {"subscription_id": SUB, "amount": "125.00", "due_date": "2026-12-31"},
    "payments": {"subscription_id": SUB, "amount": "125.00", "effective_date": "2026-06-15"},
    "withdrawals": {"member_id": MEMBER, "shares": 4, "effective_date": "2026-10-01"},
    "exclusions": {"member_id": MEMBER, "reason": "décision du CA du 3 octobre"},
    "reimbursement-payouts": {
        "amount": "200.00",
        "paid_on": "2026-10-12",
        "bank_reference": "VIR-2026-10-12-0042",
    },
    "transfers": {"from_member_id": MEMBER, "to_member_id": OTHER, "shares": 2},
    "losses": {"amount": "1800.00", "fiscal_year": 2025},
    "reviews": {
        "report_made_available_on": "2026-05-12",
        "reviewer": "Fédération des SCIC (réviseur agréé)",
        "reference": "RC-2026-014",
    },
    "carried-loss-charges": {"amount": "400.00", "reserve": "other", "decided_on": "2026-06-20"},
    "corrections": {"reverses": "5b8e6a3c-0c1d-4f7e-9a21-3d9c1e2f4b60", "reason": "wrong amount"},
    "grants": {
        "funder": {"name": "Région Normandie", "type": "region"},
        "purpose": "operating",
        "amount": "20000.00",
        "awarded_on": "2026-02-01",
        "justify_by": "2027-03-31",
        "agreement_ref": "CP-2026-114",
        "period_start": "2026-01-01",
        "period_end": "2027-12-31",
    },
    "grant-instalments": {"amount": "10000.00", "effective_date": "2026-04-10"},
    "grant-justifications": {"amount": "8000.00", "effective_date": "2027-01-20"},
    "grant-clawbacks": {"amount": "500.00", "reason": "dépenses non éligibles"},
    "grant-amendments": {
        "amount": "26000.00",
        "reason": "avenant n°1",
        "agreement_ref": "CP-2026-114-A1",
    },
    "grant-closures": {"effective_date": "2027-06-30"},
    "participative-titles": {
        "holder": {"name": "France Active Normandie", "type": "private"},
        "count": 20,
        "nominal": "1000.00",
        "fixed_rate": "0.02",
        "variable_rate": "0.05",
        "issued_on": "2026-06-01",
    },
    "participative-title-redemptions": {"count": 5, "effective_date": "2033-06-01"},
    "participative-title-remunerations": {"fiscal_year": 2026, "figure": "42000.00"},
    "esus-approvals": {
        "granted_on": "2026-01-15",
        "expires_on": "2031-01-14",
        "authority": "Préfecture de la Manche",
        "reference": "ESUS-50-2026-007",
    },
    "esus-investments": {
        "investor": {"name": "Normandie Participations", "type": "region"},
        "instrument": "shares",
        "amount": "5000.00",
        "subscription_id": SUB,
    },
}

BATCH = {
    "commands": [
        {"type": "members", "body": BODIES["members"]},
        {"type": "payments", "body": BODIES["payments"]},
    ]
}

BALLOTS = {
    "ballots": [{"member_id": MEMBER, "choice": "yes"}, {"member_id": OTHER, "choice": "no"}]
}


def openapi_examples(value: dict[str, Any]) -> dict[str, Any]:
    return {"example": {"summary": "a typical request", "value": value}}
