"""R4 weighted votes: the worked example of DOMAIN.md, weight redistribution, and the
voters of a past assembly (the associates of its date, R2/R4)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import TIERS_LIEU, admit, create_coop, subscribe

COLLEGES = [
    {"code": "A", "name": "Salariés", "weight": "0.50", "categories": ["salaries"]},
    {"code": "B", "name": "Usagers", "weight": "0.30", "categories": ["usagers", "soutiens"]},
    {"code": "C", "name": "Collectivités", "weight": "0.20", "categories": ["collectivites"]},
]


def members(client: TestClient, coop: str, category: str, count: int) -> list[str]:
    body = {
        "commands": [
            {
                "type": "members",
                "body": {
                    "name": f"{category} {i}",
                    "kind": "person",
                    "category": category,
                    "admitted_on": "2020-01-01",
                },
            }
            for i in range(count)
        ]
    }
    response = client.post(f"/v1/coops/{coop}/batch", json=body)
    assert response.status_code == 201, response.text
    ids = [r["id"] for r in response.json()["results"]]
    # each takes one share: an admitted member without a share does not vote (R4)
    one_share = {
        "commands": [
            {
                "type": "subscriptions",
                "body": {
                    "member_id": m,
                    "shares": 1,
                    "paid": "50.00",
                    "effective_date": "2020-01-01",
                },
            }
            for m in ids
        ]
    }
    response = client.post(f"/v1/coops/{coop}/batch", json=one_share)
    assert response.status_code == 201, response.text
    return ids


def ballots(voters: list[str], yes: int, abstain: int = 0) -> list[dict[str, str]]:
    choices = ["yes"] * yes + ["abstain"] * abstain
    choices += ["no"] * (len(voters) - len(choices))
    return [{"member_id": m, "choice": c} for m, c in zip(voters, choices, strict=True)]


def test_worked_example_of_domain_md(client: TestClient) -> None:
    coop = create_coop(client, colleges=COLLEGES)
    a = members(client, coop, "salaries", 5)
    b = members(client, coop, "usagers", 20)
    c = members(client, coop, "collectivites", 2)
    body = {"ballots": ballots(a, 3) + ballots(b, 5) + ballots(c, 2)}
    response = client.post(f"/v1/coops/{coop}/votes/tally", json=body)
    assert response.status_code == 200, response.text
    tally = response.json()
    # 0.5 × 3/5 + 0.3 × 5/20 + 0.2 × 2/2 = 0.3 + 0.075 + 0.2
    assert tally["result"] == "0.575" and tally["result_exact"] == "23/40"
    assert tally["adopted"] is True
    assert tally["redistribution"] is None
    assert tally["colleges"] == [
        {"code": "A", "weight": "0.50", "yes": 3, "cast": 5, "applied_weight": "0.5"},
        {"code": "B", "weight": "0.30", "yes": 5, "cast": 20, "applied_weight": "0.3"},
        {"code": "C", "weight": "0.20", "yes": 2, "cast": 2, "applied_weight": "0.2"},
    ]


def test_silent_college_weight_is_shared_and_abstentions_are_not_cast(client) -> None:
    coop = create_coop(client, colleges=COLLEGES)
    a = members(client, coop, "salaries", 5)
    b = members(client, coop, "usagers", 20)
    c = members(client, coop, "collectivites", 2)
    body = {
        "ballots": ballots(a, 3)
        + ballots(b, 5, abstain=4)
        + [{"member_id": m, "choice": "abstain"} for m in c]
    }
    tally = client.post(f"/v1/coops/{coop}/votes/tally", json=body).json()
    # C cast nothing: pro rata A would weigh 0.5/0.8 = 62.5 %, above the 50 % maximum of
    # a college (R4); it stops at 0.5 and B takes the other 0.5. B cast 16 (4 abstained).
    # 0.5 × 3/5 + 0.5 × 5/16 = 0.3 + 0.15625 = 0.45625 → 0.4562 (half to even)
    assert tally["result"] == "0.4562" and tally["result_exact"] == "73/160"
    assert tally["adopted"] is False
    assert tally["redistribution"] == "pro-rata-within-bounds"
    assert [c["applied_weight"] for c in tally["colleges"]] == ["0.5", "0.5", "0.0"]
    assert tally["colleges"][1]["cast"] == 16
    assert tally["colleges"][2]["cast"] == 0


def test_one_member_one_vote_without_colleges(client) -> None:
    coop = create_coop(client, colleges=[])
    voters = members(client, coop, "usagers", 3)
    tally = client.post(
        f"/v1/coops/{coop}/votes/tally", json={"ballots": ballots(voters, 2)}
    ).json()
    assert tally["result"] == "0.6667" and tally["adopted"] is True
    assert TIERS_LIEU["colleges"]  # the default fixture keeps its colleges


# -- the voters of a past assembly: that day's associates (R2, R4) ----------------------


def _tally(client: TestClient, coop: str, on: str, votes: dict[str, str]) -> Any:
    return client.post(
        f"/v1/coops/{coop}/votes/tally",
        params={"as_of": on},
        json={"ballots": [{"member_id": m, "choice": c} for m, c in votes.items()]},
    )


def _with_share(client: TestClient, coop: str, name: str, category: str, on: str) -> str:
    member = admit(client, coop, name, category, on)
    subscribe(client, coop, member, 1, "50.00", on=on)
    return member


def test_a_past_tally_counts_the_associates_of_its_date(client: TestClient) -> None:
    coop = create_coop(client)  # colleges A 40 % salariés, B 40 % usagers, C 20 % communes
    alice = _with_share(client, coop, "Alice Martin", "salaries", "2020-01-01")
    carl = _with_share(client, coop, "Carl Petit", "salaries", "2020-01-01")
    dana = _with_share(client, coop, "Dana Roux", "usagers", "2020-01-01")
    town = _with_share(client, coop, "Commune de Saint-Lô", "collectivites", "2020-01-01")
    fay = _with_share(client, coop, "Fay Blanc", "usagers", "2020-01-01")
    eve = _with_share(client, coop, "Eve Morel", "usagers", "2021-09-01")  # admitted after
    gus = admit(client, coop, "Gus Lenoir", "usagers", "2020-01-01")  # never a share
    path = f"/v1/coops/{coop}"
    left = [(fay, "2021-03-01"), (carl, "2022-01-10")]  # Fay before the AG, Carl after it
    for member, on in left:
        response = client.post(
            f"{path}/withdrawals", json={"member_id": member, "effective_date": on}
        )
        assert response.status_code == 201, response.text
    moved = client.post(
        f"{path}/category-changes",
        json={"member_id": dana, "category": "salaries", "effective_date": "2022-02-01"},
    )
    assert moved.status_code == 201, moved.text

    # AG of 2021-06-30: Carl had not left yet and votes; Dana is in college B that day.
    # A: 1 yes of 2 cast, B: 1 of 1, C: 0 of 1 → 0.4 × 1/2 + 0.4 × 1 + 0.2 × 0 = 3/5
    response = _tally(
        client, coop, "2021-06-30", {alice: "yes", carl: "no", dana: "yes", town: "no"}
    )
    assert response.status_code == 200, response.text
    tally = response.json()
    assert tally["as_of"] == "2021-06-30"
    assert [(c["code"], c["yes"], c["cast"]) for c in tally["colleges"]] == [
        ("A", 1, 2),
        ("B", 1, 1),
        ("C", 0, 1),
    ]
    assert tally["result_exact"] == "3/5" and tally["adopted"] is True

    # that day, Eve was not admitted yet, Fay had left, Gus held no share: no vote
    for voter, why in ((eve, "not admitted"), (fay, "had left on 2021-03-01"), (gus, "no share")):
        refused = _tally(client, coop, "2021-06-30", {alice: "yes", voter: "yes"})
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"] == "/errors/voter-not-member" and problem["rule"] == "R4"
        assert why in problem["detail"]

    # AG of 2022-03-01: Carl has left; Dana votes in A now, Eve in B.
    # A: 2 yes of 2, B: 0 of 1, C: 0 of 1 → 0.4 × 1 + 0.4 × 0 + 0.2 × 0 = 2/5
    later = _tally(client, coop, "2022-03-01", {alice: "yes", dana: "yes", eve: "no", town: "no"})
    assert later.status_code == 200, later.text
    assert [(c["code"], c["yes"], c["cast"]) for c in later.json()["colleges"]] == [
        ("A", 2, 2),
        ("B", 0, 1),
        ("C", 0, 1),
    ]
    assert later.json()["result_exact"] == "2/5" and later.json()["adopted"] is False
    gone = _tally(client, coop, "2022-03-01", {alice: "yes", carl: "no"})
    assert gone.status_code == 409 and "had left on 2022-01-10" in gone.json()["detail"]
