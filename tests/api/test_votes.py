"""R4 weighted votes: the worked example of DOMAIN.md, and weight redistribution."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import TIERS_LIEU, create_coop

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
    return [r["id"] for r in response.json()["results"]]


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
