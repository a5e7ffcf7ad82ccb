"""The membership scenario, end to end over HTTP: a tiers-lieu SCIC lives six years
(2019–2024) and its capital table is checked, as at three dates and as known at two
instants, against figures computed by hand.

The cooperative (TIERS_LIEU statutes: SAS, shares of 50.00 €, four categories in three
colleges) fixes a statutory floor of 25,000.00 €, so the one departure of the story waits
for its reimbursement (R5) until a later subscription lifts the capital.

Colleges: A = salariés; B = usagers + soutiens; C = collectivités.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.conftest import create_coop
from tests.conftest import SteppingClock

# -- the register ----------------------------------------------------------------------
# Every member subscribes on the day of admission: shares × 50.00 € subscribed, of which
# `paid` is paid at once (R7: at least a quarter). kind: p = person, o = organisation.
#    key          name                        kind  category         admitted   shares  paid
MEMBERS: list[tuple[str, str, str, str, str, int, str]] = [
    # 2019 — the founders (private capital first: R3 caps public bodies at 50 %)
    ("camille", "Camille Martin", "p", "salaries", "2019-03-01", 40, "2000.00"),
    ("julien", "Julien Bernard", "p", "salaries", "2019-03-01", 40, "500.00"),
    ("lea", "Léa Thomas", "p", "salaries", "2019-03-01", 20, "1000.00"),
    ("bricoleurs", "Les Bricoleurs (asso.)", "o", "usagers", "2019-03-01", 20, "1000.00"),
    ("ines", "Inès Moreau", "p", "usagers", "2019-03-01", 4, "200.00"),
    ("paul", "Paul Laurent", "p", "usagers", "2019-03-01", 4, "50.00"),
    ("marc", "Marc Simon", "p", "soutiens", "2019-03-01", 30, "1500.00"),
    ("caisse", "Caisse Solidaire", "o", "soutiens", "2019-03-01", 60, "3000.00"),
    ("commune", "Commune de Saint-Aubin", "o", "collectivites", "2019-03-01", 100, "5000.00"),
    # 2020
    ("emma", "Emma Lefebvre", "p", "usagers", "2020-02-15", 2, "100.00"),
    ("louis", "Louis Leroy", "p", "usagers", "2020-04-01", 2, "100.00"),
    ("sarah", "Sarah Roux", "p", "usagers", "2020-06-10", 4, "100.00"),
    ("hugo", "Hugo Petit", "p", "salaries", "2020-09-01", 20, "250.00"),
    ("fondation", "Fondation Terre Commune", "o", "soutiens", "2020-10-01", 40, "2000.00"),
    # 2021
    ("chloe", "Chloé Robert", "p", "salaries", "2021-02-01", 10, "500.00"),
    ("tom", "Tom Garnier", "p", "usagers", "2021-03-10", 2, "100.00"),
    ("alice", "Alice Faure", "p", "usagers", "2021-05-20", 2, "50.00"),
    ("cc_val", "CC du Val de Vière", "o", "collectivites", "2021-06-01", 60, "1500.00"),
    ("pierre", "Pierre Blanc", "p", "soutiens", "2021-09-01", 20, "1000.00"),
    # 2022
    ("lucas", "Lucas Richard", "p", "salaries", "2022-01-10", 10, "500.00"),
    ("jade", "Jade Girard", "p", "usagers", "2022-02-01", 2, "100.00"),
    ("leo", "Léo Bonnet", "p", "usagers", "2022-03-15", 4, "200.00"),
    ("anne", "Anne Dupont", "p", "soutiens", "2022-04-01", 10, "250.00"),
    ("zoe", "Zoé Lambert", "p", "usagers", "2022-10-01", 2, "100.00"),
    # 2023
    ("energies", "Énergies Citoyennes", "o", "soutiens", "2023-03-15", 16, "800.00"),
    ("manon", "Manon Durand", "p", "salaries", "2023-09-01", 10, "500.00"),
    ("noah", "Noah Mercier", "p", "usagers", "2023-11-05", 2, "100.00"),
    # 2024
    ("nathan", "Nathan Dubois", "p", "salaries", "2024-02-01", 10, "125.00"),
    ("lina", "Lina Fontaine", "p", "usagers", "2024-03-01", 2, "100.00"),
    ("adam", "Adam Chevalier", "p", "usagers", "2024-04-10", 4, "50.00"),
    ("dept", "Département de l'Ardèche", "o", "collectivites", "2024-05-01", 40, "2000.00"),
    ("eve", "Ève Rousseau", "p", "soutiens", "2024-06-15", 10, "500.00"),
]
# Subscribed by year:  2019: 40+40+20+20+4+4+30+60+100 = 318 shares = 15,900.00
#                      2020: 2+2+4+20+40                 =  68 shares =  3,400.00
#                      2021: 10+2+2+60+20                =  94 shares =  4,700.00
#                      2022: 10+2+4+10+2                 =  28 shares =  1,400.00
#                      2023: 16+10+2                     =  28 shares =  1,400.00
#                      2024: 10+2+4+40+10                =  66 shares =  3,300.00
# Paid at subscription: 2019: 2000+500+1000+1000+200+50+1500+3000+5000 = 14,250.00
#                      2020: 100+100+100+250+2000                    =  2,550.00
#                      2021: 500+100+50+1500+1000                    =  3,150.00
#                      2022: 500+100+200+250+100                     =  1,150.00
#                      2023: 800+500+100                             =  1,400.00
#                      2024: 125+100+50+2000+500                     =  2,775.00
#
# Other movements, in the order they are recorded:
#   2020-11-15  Paul pays 150.00 (beyond what was called: calls it implicitly)
#   2021-03-01  Hugo pays 250.00 (implicit call)
#   2021-06-15  call of 1000.00 on Julien's subscription, due 2021-09-30
#   2021-09-20  Julien pays the 1000.00 called
#   2022-06-30  Hugo withdraws (all 20 shares = 1000.00 subscribed, 500.00 paid):
#               capital 25,300.00 − 1,000.00 = 24,300.00 < floor 25,000.00 → pending
#   2022-10-01  Zoé's subscription: 25,400.00 − 1,000.00 = 24,400.00 < 25,000.00 → still pending
#   2023-03-15  Énergies Citoyennes subscribes 800.00: 26,200.00 − 1,000.00 = 25,200.00 ≥ 25,000.00
#               (floor = max(25,000.00, ⌈26,200.00 / 4⌉ = 6,550.00, SAS 0) = 25,000.00)
#               → Hugo reimbursed on 2023-03-15: the 500.00 he paid
#   2023-06-01  Marc transfers 10 fully paid shares (500.00) to Lucas (college B → A)
#   2024-03-31  the CC du Val (communauté de communes) pays its last 1500.00 (implicit call)
#   2024-07-01  Anne pays 250.00 (implicit call) — REVERSED later: the bank rejected it
#   2024-09-01  call of 100.00 on Sarah's subscription, due 2024-12-15 (left unpaid)

STATUTORY_FLOOR = "25000.00"


class Ledger:
    """Posts the scenario's commands; every write must be accepted (201)."""

    def __init__(self, client: TestClient, coop: str) -> None:
        self.client, self.coop = client, coop
        self.members: dict[str, str] = {}
        self.subscriptions: dict[str, str] = {}

    def post(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(f"/v1/coops/{self.coop}/{name}", json=body)
        assert response.status_code == 201, (name, body, response.text)
        return response.json()

    def get(self, path: str, **params: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/coops/{self.coop}/{path}", params=params)
        assert response.status_code == 200, (path, params, response.text)
        return response.json()

    def admit_and_subscribe(
        self, key: str, name: str, kind: str, category: str, on: str, shares: int, paid: str
    ) -> dict[str, Any]:
        member = self.post(
            "members",
            {
                "name": name,
                "kind": "person" if kind == "p" else "organisation",
                "category": category,
                "admitted_on": on,
            },
        )
        self.members[key] = member["id"]
        sub = self.post(
            "subscriptions",
            {"member_id": member["id"], "shares": shares, "paid": paid, "effective_date": on},
        )
        self.subscriptions[key] = sub["id"]
        return sub

    def pay(self, key: str, amount: str, on: str) -> dict[str, Any]:
        return self.post(
            "payments",
            {"subscription_id": self.subscriptions[key], "amount": amount, "effective_date": on},
        )

    def capital(
        self, as_of: str, known_at: str | None = None, group_by: str = "member"
    ) -> dict[str, Any]:
        params = {"as_of": as_of, "group_by": group_by}
        if known_at is not None:
            params["known_at"] = known_at
        return self.get("capital-table", **params)

    def admit(self, key: str) -> dict[str, Any]:
        """Admit the member of the register with this key and record its subscription."""
        return self.admit_and_subscribe(*next(m for m in MEMBERS if m[0] == key))

    def admit_year(self, year: str, but: tuple[str, ...] = ()) -> None:
        for key, *_, on, _shares, _paid in MEMBERS:
            if on.startswith(year) and key not in but:
                self.admit(key)


def money(shares: int, subscribed: str, called: str, paid: str, unpaid: str) -> dict[str, Any]:
    return {
        "shares": shares,
        "subscribed": subscribed,
        "called": called,
        "paid": paid,
        "unpaid": unpaid,
    }


def row(table: dict[str, Any], key: str) -> dict[str, Any]:
    found = [r for r in table["rows"] if r["key"] == key]
    assert len(found) == 1, (key, table["rows"])
    return {k: v for k, v in found[0].items() if k not in ("key", "label")}


def test_tiers_lieu_six_years_of_membership(client: TestClient, clock: SteppingClock) -> None:
    coop = create_coop(client, statutory_floor=STATUTORY_FLOOR)
    ledger = Ledger(client, coop)
    ids = ledger.members

    # -- 2019 – 2021 -------------------------------------------------------------------
    ledger.admit_year("2019")
    ledger.admit_year("2020")
    ledger.pay("paul", "150.00", "2020-11-15")
    ledger.admit_year("2021")
    ledger.pay("hugo", "250.00", "2021-03-01")
    call = ledger.post(
        "calls",
        {
            "subscription_id": ledger.subscriptions["julien"],
            "amount": "1000.00",
            "due_date": "2021-09-30",
            "effective_date": "2021-06-15",
        },
    )
    ledger.pay("julien", "1000.00", "2021-09-20")

    # -- 2022: Hugo leaves; his reimbursement waits on the floor ------------------------
    ledger.admit_year("2022", but=("zoe",))
    withdrawal = ledger.post(
        "withdrawals", {"member_id": ids["hugo"], "effective_date": "2022-06-30"}
    )
    assert withdrawal["status"] == "pending"
    assert len(withdrawal["event_ids"]) == 1  # MemberWithdrew only, no SharesReimbursed
    pending = ledger.get("reimbursements")["pending"]
    assert [
        (p["id"], p["member_id"], p["status"], p["requested_on"], p["due_by"], p["exit"])
        for p in pending
    ] == [(withdrawal["id"], ids["hugo"], "pending", "2022-06-30", "2027-06-30", True)]
    assert {
        k: pending[0][k] for k in ("shares", "subscribed", "called", "paid", "unpaid")
    } == money(20, "1000.00", "500.00", "500.00", "500.00")
    assert pending[0]["reimbursed_on"] is None and pending[0]["amount"] is None
    # The capital still counts Hugo's shares: 15,900 + 3,400 + 4,700 + 1,300 (2022 so far).
    today = ledger.get("capital-table")
    assert today["totals"]["shares"] == 318 + 68 + 94 + 26
    assert today["totals"]["subscribed"] == "25300.00"
    assert row(today, ids["hugo"])["subscribed"] == "1000.00"
    hugo = ledger.get(f"members/{ids['hugo']}")
    assert (hugo["status"], hugo["exited_on"]) == ("withdrawn", "2022-06-30")
    assert hugo["pending_reimbursement"] == money(20, "1000.00", "500.00", "500.00", "500.00")

    # Zoé's 100.00 is not enough: 25,400.00 − 1,000.00 = 24,400.00 < 25,000.00.
    zoe = ledger.admit("zoe")
    assert len(zoe["event_ids"]) == 1
    assert [p["id"] for p in ledger.get("reimbursements")["pending"]] == [withdrawal["id"]]

    # -- 2023: a new subscription releases Hugo's reimbursement -------------------------
    energies = ledger.admit("energies")
    assert len(energies["event_ids"]) == 2  # SharesSubscribed + SharesReimbursed
    assert ledger.get("reimbursements")["pending"] == []
    hugo = ledger.get(f"members/{ids['hugo']}")
    assert hugo["holding"] == money(0, "0.00", "0.00", "0.00", "0.00")
    assert hugo["pending_reimbursement"] == money(0, "0.00", "0.00", "0.00", "0.00")
    [out] = hugo["withdrawals"]
    assert (out["id"], out["status"], out["requested_on"], out["reimbursed_on"]) == (
        withdrawal["id"],
        "reimbursed",
        "2022-06-30",
        "2023-03-15",
    )
    assert (out["shares"], out["subscribed"], out["paid"]) == (20, "1000.00", "500.00")
    assert (out["amount"], out["loss_share"]) == ("500.00", "0.00")  # what he paid, no losses

    transfer = ledger.post(
        "transfers",
        {
            "from_member_id": ids["marc"],
            "to_member_id": ids["lucas"],
            "shares": 10,
            "effective_date": "2023-06-01",
        },
    )
    assert len(transfer["event_ids"]) == 1
    ledger.admit_year("2023", but=("energies",))

    # -- 2024 ----------------------------------------------------------------------------
    ledger.admit_year("2024")
    ledger.pay("cc_val", "1500.00", "2024-03-31")
    rejected = ledger.pay("anne", "250.00", "2024-07-01")
    ledger.post(
        "calls",
        {
            "subscription_id": ledger.subscriptions["sarah"],
            "amount": "100.00",
            "due_date": "2024-12-15",
            "effective_date": "2024-09-01",
        },
    )
    assert len(ids) == 32

    # -- a day later, the bank rejects Anne's transfer: the payment is reversed ---------
    before_correction = clock.now.astimezone(ZoneInfo("Europe/Paris")).isoformat()
    clock.advance(days=1)
    payment_event = rejected["event_ids"][0]
    correction = ledger.post(
        "corrections", {"reverses": payment_event, "reason": "virement rejeté par la banque"}
    )
    after_correction = clock.now.isoformat()
    assert before_correction == "2026-11-23T11:00:00+01:00"
    assert after_correction == "2026-11-24T10:00:00+00:00"

    # == the capital table, as at 31 Dec 2020 ============================================
    t2020 = ledger.capital("2020-12-31")
    assert t2020["totals"] == money(
        318 + 68,  # 386 shares
        "19300.00",  # 15,900 + 3,400
        "16950.00",  # no explicit call yet: called = paid
        "16950.00",  # 14,250 + 2,550 + Paul 150
        "2350.00",
    )  # 19,300 − 16,950 = Julien 1,500 + Hugo 750 + Sarah 100
    assert len(t2020["rows"]) == 14
    assert row(t2020, ids["paul"]) == {  # 50 + 150: fully paid, implicitly called
        **money(4, "200.00", "200.00", "200.00", "0.00"),
        "share_of_capital": "0.0104",
    }
    assert row(t2020, ids["commune"]) == {  # 5,000 / 19,300 = 0.25906…
        **money(100, "5000.00", "5000.00", "5000.00", "0.00"),
        "share_of_capital": "0.2591",
    }

    # == as at 31 Dec 2022: Hugo has left but his shares are still in the capital ========
    t2022 = ledger.capital("2022-12-31")
    assert t2022["totals"] == money(
        386 + 94 + 28,  # 508 shares
        "25400.00",  # 19,300 + 4,700 + 1,400
        "22500.00",  # Julien's call is paid: called = paid
        "22500.00",  # 16,950 + 3,150 + Hugo 250 + Julien 1,000 + 1,150
        "2900.00",
    )  # Julien 500 + Hugo 500 + Sarah 100 + Alice 50
    #                               + CC du Val 1,500 + Anne 250
    assert len(t2022["rows"]) == 24
    assert row(t2022, ids["hugo"]) == {  # pending reimbursement; 1,000 / 25,400
        **money(20, "1000.00", "500.00", "500.00", "500.00"),
        "share_of_capital": "0.0394",
    }
    assert row(t2022, ids["julien"]) == {  # 500 at subscription + 1,000 called and paid
        **money(40, "2000.00", "1500.00", "1500.00", "500.00"),
        "share_of_capital": "0.0787",
    }
    by_college = ledger.capital("2022-12-31", group_by="college")
    assert by_college["totals"] == t2022["totals"]
    assert [r["key"] for r in by_college["rows"]] == ["A", "B", "C"]
    # A: Camille 40/2000/2000 + Julien 40/2000/1500 + Léa 20/1000/1000 + Hugo 20/1000/500
    #    + Chloé 10/500/500 + Lucas 10/500/500 → 140 shares, 7,000; paid 6,000; 7,000/25,400
    assert row(by_college, "A") == {
        **money(140, "7000.00", "6000.00", "6000.00", "1000.00"),
        "share_of_capital": "0.2756",
    }
    # C: Commune 100/5000/5000 + CC du Val 60/3000/1500 → 160 shares, 8,000; paid 6,500
    assert row(by_college, "C") == {
        **money(160, "8000.00", "6500.00", "6500.00", "1500.00"),
        "share_of_capital": "0.3150",
    }
    # B = total − A − C: 508−140−160 = 208; 25,400−7,000−8,000 = 10,400; 22,500−6,000−6,500
    #   = 10,000 paid; unpaid Sarah 100 + Alice 50 + Anne 250 = 400; 10,400/25,400 = 0.4094
    assert row(by_college, "B") == {
        **money(208, "10400.00", "10000.00", "10000.00", "400.00"),
        "share_of_capital": "0.4094",
    }

    # == as at 31 Dec 2024, as known before and after the correction =====================
    # 2023: +800 (Énergies) −1,000 (Hugo reimbursed: −500 called/paid) +500 (Manon) +100 (Noah)
    #       → 508+16−20+10+2 = 516 shares; 25,800 subscribed; 22,500+800−500+500+100 = 23,400 paid
    # 2024: +3,300 subscribed (66 shares) → 582 shares, 29,100.00
    #       paid +2,775 at subscription + CC 1,500 + Anne 250 = 23,400 + 4,525 = 27,925
    #       called = paid + Sarah's unpaid call 100 = 28,025
    known_before = ledger.capital("2024-12-31", known_at=before_correction)
    assert known_before["known_at"] == before_correction  # echoed as given
    assert known_before["totals"] == money(582, "29100.00", "28025.00", "27925.00", "1175.00")
    assert row(known_before, ids["anne"]) == {  # 250 + 250: fully paid; 500 / 29,100
        **money(10, "500.00", "500.00", "500.00", "0.00"),
        "share_of_capital": "0.0172",
    }

    # The reversal takes the payment's effective date: −250 paid, −250 implicitly called.
    known_after = ledger.capital("2024-12-31", known_at=after_correction)
    assert known_after["totals"] == money(
        582,
        "29100.00",
        "27775.00",  # 28,025 − 250
        "27675.00",  # 27,925 − 250
        "1425.00",
    )  # Julien 500 + Sarah 100 + Alice 50 + Anne 250
    #                               + Nathan 375 + Adam 150
    assert ledger.capital("2024-12-31")["totals"] == known_after["totals"]  # default: now
    assert len(known_after["rows"]) == 31  # Hugo's holding is gone
    assert ids["hugo"] not in [r["key"] for r in known_after["rows"]]
    assert row(known_after, ids["anne"]) == {
        **money(10, "500.00", "250.00", "250.00", "250.00"),
        "share_of_capital": "0.0172",
    }
    assert row(known_after, ids["marc"]) == {  # 30 − 10 transferred; 1,000 / 29,100
        **money(20, "1000.00", "1000.00", "1000.00", "0.00"),
        "share_of_capital": "0.0344",
    }
    assert row(known_after, ids["lucas"]) == {  # 10 + 10 received
        **money(20, "1000.00", "1000.00", "1000.00", "0.00"),
        "share_of_capital": "0.0344",
    }
    assert row(known_after, ids["sarah"]) == {  # 100 paid + 100 called, not paid
        **money(4, "200.00", "200.00", "100.00", "100.00"),
        "share_of_capital": "0.0069",
    }

    by_category = ledger.capital("2024-12-31", known_at=after_correction, group_by="category")
    assert [r["key"] for r in by_category["rows"]] == [
        "salaries",
        "usagers",
        "collectivites",
        "soutiens",
    ]
    # salariés: Camille 40/2000 + Julien 40/2000 (paid 1,500) + Léa 20/1000 + Chloé 10/500
    #   + Lucas 20/1000 + Manon 10/500 + Nathan 10/500 (paid 125) → 150 shares, 7,500;
    #   paid 2000+1500+1000+500+1000+500+125 = 6,625; 7,500/29,100 = 0.2577
    assert row(by_category, "salaries") == {
        **money(150, "7500.00", "6625.00", "6625.00", "875.00"),
        "share_of_capital": "0.2577",
    }
    # usagers: 20+4+4+2+2+4+2+2+2+4+2+2+2+4 = 56 shares, 2,800; unpaid Sarah 100 + Alice 50
    #   + Adam 150 = 300 → paid 2,500; called 2,500 + Sarah's call 100 = 2,600
    assert row(by_category, "usagers") == {
        **money(56, "2800.00", "2600.00", "2500.00", "300.00"),
        "share_of_capital": "0.0962",
    }
    # collectivités: Commune 100 + CC du Val 60 + Département 40 = 200 shares, all paid
    assert row(by_category, "collectivites") == {
        **money(200, "10000.00", "10000.00", "10000.00", "0.00"),
        "share_of_capital": "0.3436",
    }
    # soutiens: Marc 20 + Caisse 60 + Fondation 40 + Pierre 20 + Anne 10 + Énergies 16 + Ève 10
    #   = 176 shares, 8,800; unpaid Anne 250 → 8,550
    assert row(by_category, "soutiens") == {
        **money(176, "8800.00", "8550.00", "8550.00", "250.00"),
        "share_of_capital": "0.3024",
    }
    by_college = ledger.capital("2024-12-31", known_at=after_correction, group_by="college")
    # B = usagers + soutiens: 56+176 = 232 shares; 2,800+8,800 = 11,600; 11,600/29,100
    assert row(by_college, "B") == {
        **money(232, "11600.00", "11150.00", "11050.00", "550.00"),
        "share_of_capital": "0.3986",
    }
    assert row(by_college, "A") == row(by_category, "salaries")
    assert row(by_college, "C") == row(by_category, "collectivites")
    before_by_college = ledger.capital("2024-12-31", known_at=before_correction, group_by="college")
    assert row(before_by_college, "B") == {  # Anne's 250 still counted
        **money(232, "11600.00", "11400.00", "11300.00", "300.00"),
        "share_of_capital": "0.3986",
    }

    # == Anne's history: the payment and its reversal, on the payment's date ============
    anne = ledger.get(f"members/{ids['anne']}")
    assert anne["holding"] == money(10, "500.00", "250.00", "250.00", "250.00")
    assert [
        (
            h["kind"],
            h["effective_date"],
            h["recorded_at"],
            h["shares"],
            h["subscribed"],
            h["called"],
            h["paid"],
        )
        for h in anne["history"]
    ] == [
        (
            "subscription",
            "2022-04-01",
            "2026-11-23T10:00:00+00:00",
            10,
            "500.00",
            "250.00",
            "250.00",
        ),
        ("payment", "2024-07-01", "2026-11-23T10:00:00+00:00", 0, "0.00", "250.00", "250.00"),
        ("reversal", "2024-07-01", "2026-11-24T10:00:00+00:00", 0, "0.00", "-250.00", "-250.00"),
    ]
    assert [h["event_id"] for h in anne["history"]][1:] == [
        payment_event,
        correction["event_ids"][0],
    ]

    # == the event feed carries the reversal, naming the event it reverses ===============
    feed = ledger.get("events", limit="1000")
    events = feed["events"]
    assert events[-1]["event_id"] == correction["event_ids"][0]
    reversal = events[-1]
    assert reversal["type"] == "EventReversed"
    assert reversal["reverses"] == payment_event
    assert reversal["effective_date"] == "2024-07-01"
    assert reversal["recorded_at"] == "2026-11-24T10:00:00.000000Z"
    assert reversal["data"] == {
        "reversed_event_id": payment_event,
        "reversed_type": "SharesPaid",
        "reason": "virement rejeté par la banque",
    }
    assert sum(e["reverses"] is not None for e in events) == 1
    reimbursed = [e for e in events if e["type"] == "SharesReimbursed"]
    assert [
        (e["effective_date"], e["data"]["withdrawal_id"], e["data"]["amount_cents"])
        for e in reimbursed
    ] == [("2023-03-15", withdrawal["id"], 50000)]
    assert [e["event_id"] for e in events if e["type"] == "SharesCalled"][0] == call["event_ids"][0]
    # 1 coop + 32 × (admission + subscription) + 5 payments + 2 calls + withdrawal
    # + reimbursement + transfer + reversal
    assert len(events) == 1 + 64 + 5 + 2 + 1 + 1 + 1 + 1
    assert datetime.fromisoformat(events[0]["recorded_at"]) < datetime.fromisoformat(
        reversal["recorded_at"]
    )
