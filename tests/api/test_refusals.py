"""Every refusal through HTTP: status, problem type, rule, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import TIERS_LIEU, admit, create_coop, event_count, subscribe


@pytest.fixture
def coop(client: TestClient) -> dict[str, str]:
    """A coop with an employee (10 shares, 25 % paid), a user (fully paid) and a town."""
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    town = admit(client, coop, "Commune de Saint-Lô", "collectivites", kind="organisation")
    sub = subscribe(client, coop, alice, 10, "125.00")["id"]
    subscribe(client, coop, bob, 20, "1000.00")
    return {"coop": coop, "alice": alice, "bob": bob, "town": town, "sub": sub}


def refused(
    client: TestClient,
    service: Service,
    method: str,
    path: str,
    body: Any,
    status: int,
    slug: str,
    rule: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    before = event_count(service)
    response = client.request(method, path, json=body, **kw)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"/errors/{slug}"
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert problem.get("rule") == rule
    assert event_count(service) == before, "a refused command wrote events"
    return problem


# -- statutes --------------------------------------------------------------------------


def _colleges(*weights: str) -> list[dict[str, Any]]:
    cats = ["salaries", "usagers", "collectivites", "soutiens"]
    groups = [[c] for c in cats[: len(weights) - 1]] + [cats[len(weights) - 1 :]]
    return [
        {"code": f"c{i}", "name": f"Collège {i}", "weight": w, "categories": g}
        for i, (w, g) in enumerate(zip(weights, groups, strict=True))
    ]


@pytest.mark.parametrize(
    ("overrides", "slug", "rule"),
    [
        ({"legal_form": "SA", "statutory_floor": "10000.00"}, "capital-below-legal-minimum", "R1"),
        ({"colleges": _colleges("0.50", "0.50")}, "college-count", "R4"),
        ({"colleges": _colleges("0.60", "0.20", "0.20")}, "college-weight-out-of-bounds", "R4"),
        ({"colleges": _colleges("0.40", "0.30", "0.20")}, "college-weights-sum", "R4"),
        (
            {
                "colleges": [
                    *_colleges("0.40", "0.30", "0.30")[:2],
                    {"code": "c2", "name": "x", "weight": "0.30", "categories": ["elus"]},
                ]
            },
            "college-unknown-category",
            "R4",
        ),
        ({"reimbursement_delay_years": 6}, "reimbursement-delay-too-long", "R6"),
        ({"siren": "123456789"}, "invalid-siren", None),
        ({"siren": "732829320\n"}, "invalid-siren", None),  # was a 500: int("\n") in the Luhn sum
        (
            {"siren": "\u0667\u0663\u0662\u0668\u0662\u0669\u0663\u0662\u0660"},
            "invalid-siren",
            None,
        ),
    ],
    ids=[
        "R1-SA-minimum",
        "R4-two-colleges",
        "R4-weight-60",
        "R4-sum-90",
        "R4-unknown-cat",
        "R6-delay",
        "siren",
        "siren-newline",
        "siren-arabic-digits",
    ],
)
def test_statutes_outside_the_law_are_refused(client, service, overrides, slug, rule) -> None:
    refused(client, service, "POST", "/v1/coops", {**TIERS_LIEU, **overrides}, 422, slug, rule)


def test_a_siren_already_registered_is_409(client: TestClient, service: Service) -> None:
    """A SIREN names one company: a second cooperative cannot be registered under it, nor
    under it written with spaces (python-stdnum's form)."""
    create_coop(client, siren="552100554")
    problem = refused(
        client, service, "POST", "/v1/coops", {**TIERS_LIEU, "siren": "552100554"}, 409,
        "siren-taken",
    )  # fmt: skip
    assert "552100554" in problem["detail"]
    spaced = client.post("/v1/coops", json={**TIERS_LIEU, "siren": "552 100 554"})
    assert spaced.status_code in (409, 422), spaced.text
    assert client.post("/v1/coops", json={**TIERS_LIEU, "siren": None}).status_code == 201
    assert client.post("/v1/coops", json={**TIERS_LIEU, "siren": None}).status_code == 201


def test_sa_at_the_legal_minimum_is_accepted(client) -> None:
    create_coop(client, legal_form="SA", statutory_floor="18500.00")


# -- capital rules ---------------------------------------------------------------------


def test_r3_public_bodies_above_half_of_capital(client, service, coop) -> None:
    # capital 500 + 1000 = 1500 €; the town may hold up to 1500 € (50 %): 31 shares = 1550 €.
    path = f"/v1/coops/{coop['coop']}/subscriptions"
    body = {
        "member_id": coop["town"],
        "shares": 31,
        "paid": "1550.00",
        "effective_date": "2019-06-01",
    }
    problem = refused(client, service, "POST", path, body, 409, "public-capital-cap", "R3")
    assert "0.5082" in problem["detail"]
    assert client.post(path, json={**body, "shares": 30, "paid": "1500.00"}).status_code == 201


def test_r3_cap_was_20_percent_through_1_august_2014(client, service) -> None:
    coop = create_coop(client, incorporated_on="2012-01-10", legal_form="SARL")
    user = admit(client, coop, "Usager", "usagers", on="2012-01-10")
    town = admit(client, coop, "Mairie", "collectivites", on="2012-01-10", kind="organisation")
    subscribe(client, coop, user, 80, "4000.00", on="2012-02-01")
    body = {"member_id": town, "shares": 30, "paid": "1500.00", "effective_date": "2014-07-31"}
    path = f"/v1/coops/{coop}/subscriptions"
    refused(client, service, "POST", path, body, 409, "public-capital-cap", "R3")  # 27 % > 20 %
    assert client.post(path, json={**body, "effective_date": "2014-08-02"}).status_code == 201


def test_r3_transfer_to_a_public_body_above_the_cap(client, service, coop) -> None:
    client.post(
        f"/v1/coops/{coop['coop']}/subscriptions",
        json={
            "member_id": coop["town"],
            "shares": 25,
            "paid": "1250.00",
            "effective_date": "2019-06-01",
        },
    )  # 1250 / 2750 = 45 %
    body = {
        "from_member_id": coop["bob"],
        "to_member_id": coop["town"],
        "shares": 5,
        "effective_date": "2019-07-01",
    }  # would make 1500 / 2750 = 54.5 %
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/transfers",
        body,
        409,
        "public-capital-cap",
        "R3",
    )


def test_r3_category_change_into_public_bodies(client, service, coop) -> None:
    body = {"member_id": coop["bob"], "category": "collectivites", "effective_date": "2020-01-01"}
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/category-changes",
        body,
        409,
        "public-capital-cap",
        "R3",
    )  # 1000 / 1500 = 67 %


def test_r7_first_payment_below_a_quarter(client, service, coop) -> None:
    body = {"member_id": coop["bob"], "shares": 4, "paid": "49.99", "effective_date": "2020-01-01"}
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/subscriptions",
        body,
        409,
        "first-payment-below-quarter",
        "R7",
    )


def test_r7_payment_above_unpaid(client, service, coop) -> None:
    body = {"subscription_id": coop["sub"], "amount": "375.01", "effective_date": "2020-01-01"}
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/payments",
        body,
        409,
        "payment-exceeds-unpaid",
        "R7",
    )


def test_r7_call_above_uncalled_and_due_beyond_five_years(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}/calls"
    base = {"subscription_id": coop["sub"], "effective_date": "2020-01-01"}
    refused(
        client,
        service,
        "POST",
        path,
        {**base, "amount": "375.01", "due_date": "2020-03-01"},
        409,
        "call-exceeds-uncalled",
        "R7",
    )
    refused(
        client,
        service,
        "POST",
        path,
        {**base, "amount": "100.00", "due_date": "2024-03-02"},
        422,
        "call-due-date-out-of-bounds",
        "R7",
    )


def test_r7_partly_paid_shares_cannot_be_transferred(client, service, coop) -> None:
    body = {
        "from_member_id": coop["alice"],
        "to_member_id": coop["bob"],
        "shares": 3,
        "effective_date": "2020-01-01",
    }  # alice paid 125 €, 3 shares need 150 €
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/transfers",
        body,
        409,
        "shares-not-paid-up",
        "R7",
    )


def test_r2_unknown_category(client, service, coop) -> None:
    body = {"name": "X", "kind": "person", "category": "elus", "admitted_on": "2020-01-01"}
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/members",
        body,
        422,
        "unknown-category",
        "R2",
    )


def test_a_member_who_left_cannot_act(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}"
    assert (
        client.post(
            f"{path}/withdrawals", json={"member_id": coop["bob"], "effective_date": "2021-01-01"}
        ).status_code
        == 201
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/withdrawals",
        {"member_id": coop["bob"], "effective_date": "2021-02-01"},
        409,
        "member-not-active",
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/subscriptions",
        {"member_id": coop["bob"], "shares": 1, "paid": "50.00"},
        409,
        "member-not-active",
    )


def test_withdrawing_more_shares_than_held(client, service, coop) -> None:
    body = {"member_id": coop["bob"], "shares": 21, "effective_date": "2021-01-01"}
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/withdrawals",
        body,
        409,
        "not-enough-shares",
    )


# -- dates, unknowns, malformed input --------------------------------------------------


def test_dates_before_incorporation_or_admission(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}"
    refused(
        client,
        service,
        "POST",
        f"{path}/members",
        {"name": "Early", "kind": "person", "category": "usagers", "admitted_on": "2019-02-28"},
        422,
        "date-before-incorporation",
    )
    late = admit(client, coop["coop"], "Late", "usagers", on="2022-01-01")
    refused(
        client,
        service,
        "POST",
        f"{path}/subscriptions",
        {"member_id": late, "shares": 1, "paid": "50.00", "effective_date": "2021-12-31"},
        422,
        "date-before-admission",
    )


@pytest.mark.parametrize(
    ("path", "body", "slug"),
    [
        (
            "subscriptions",
            {"member_id": "mbr_nobody", "shares": 1, "paid": "50.00"},
            "member-not-found",
        ),
        (
            "payments",
            {"subscription_id": "sub_nothing", "amount": "1.00"},
            "subscription-not-found",
        ),
        (
            "corrections",
            {"reverses": "00000000-0000-0000-0000-000000000000", "reason": "typo"},
            "event-not-found",
        ),
    ],
    ids=["member", "subscription", "event"],
)
def test_unknown_references_are_404(client, service, coop, path, body, slug) -> None:
    refused(client, service, "POST", f"/v1/coops/{coop['coop']}/{path}", body, 404, slug)


def test_unknown_cooperative_is_404(client, service) -> None:
    refused(
        client,
        service,
        "POST",
        "/v1/coops/coop_nowhere/members",
        {"name": "X", "kind": "person", "category": "usagers"},
        404,
        "cooperative-not-found",
    )
    assert client.get("/v1/coops/coop_nowhere/capital-table").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"shares": 0, "paid": "50.00"},
        {"shares": -2, "paid": "50.00"},
        {"shares": 1, "paid": "50.001"},
        {"shares": 1, "paid": 50.0},
        {"shares": 1, "paid": "-50.00"},
        {"shares": 1, "paid": "cinquante"},
        {"shares": 1, "paid": "50.00", "effective_date": "01/03/2020"},
        {"shares": 1, "paid": "50.00", "surprise": True},
        {"paid": "50.00"},
    ],
    ids=[
        "zero-shares",
        "negative-shares",
        "three-decimals",
        "float",
        "negative-amount",
        "words",
        "french-date",
        "unknown-field",
        "missing-field",
    ],
)
def test_malformed_subscriptions_are_422(client, service, coop, body) -> None:
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/subscriptions",
        {"member_id": coop["bob"], **body},
        422,
        "invalid-request",
    )
    assert problem["errors"]


def test_malformed_json_is_422(client, service, coop) -> None:
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/subscriptions",
        None,
        422,
        "invalid-request",
        content=b'{"member_id": ',
        headers={"content-type": "application/json"},
    )


# -- input that crashed the API (found fuzzing it: tests/api/test_fuzz.py) -------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/coops", {**TIERS_LIEU, "incorporated_on": "1899-12-31"}),
        (
            "POST",
            "{coop}/withdrawals",
            {"member_id": "{bob}", "shares": 1, "effective_date": "9999-12-31"},
        ),
        ("GET", "{coop}/compliance?as_of=1899-01-01", None),
        ("GET", "{coop}/funding-mix?as_of=1899-01-01", None),
        ("GET", "{coop}/funding-mix?as_of=9999-12-31", None),
        ("GET", "{coop}/capital-table?known_at=9999-12-31T23:00:00-05:00", None),
    ],
    ids=[
        "incorporated-1899",
        "withdrawn-9999",
        "compliance-1899",
        "funding-mix-1899",
        "funding-mix-9999",
        "known-at-overflow",
    ],
)
def test_dates_outside_1900_2200_are_422(client, service, coop, method, path, body) -> None:
    """No rule value is known before 1900 (LookupError: 500) and date arithmetic on
    9999-12-31 overflows: business dates run from 1900-01-01 to 2200-12-31."""
    values = {**coop, "coop": f"/v1/coops/{coop['coop']}"}
    path = path.format(**values)
    if body is not None:
        body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    refused(client, service, method, path, body, 422, "invalid-request")


@pytest.mark.parametrize("feed", ["events", "audit"])
def test_feed_positions_beyond_bigint_are_422(client, service, coop, feed) -> None:
    """after=2**63 overflowed the BIGINT comparison (500 on SQLite)."""
    path = f"/v1/coops/{coop['coop']}/{feed}"
    refused(client, service, "GET", f"{path}?after={2**63}", None, 422, "invalid-request")
    assert client.get(f"{path}?after={2**63 - 1}").json()["next_after"] == 2**63 - 1


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("POST", "members", {"name": "Alice\x00", "kind": "person", "category": "usagers"}, "name"),
        ("POST", "subscriptions", {"member_id": "\x00", "shares": 1, "paid": "50.00"}, "member_id"),
        (
            "POST",
            "votes/tally",
            {"ballots": [{"member_id": "mbr\x00", "choice": "yes"}]},
            "ballots.0.member_id",
        ),
        ("GET", "grants?funder=%00", None, "query.funder"),
        ("GET", "members/mbr%00", None, "path.member_id"),
    ],
    ids=["body-name", "body-id", "nested", "query", "path"],
)
def test_nul_characters_are_422(client, service, coop, method, path, body, where) -> None:
    """PostgreSQL refuses U+0000 in text (a DataError: 500); every backend refuses it."""
    problem = refused(
        client, service, method, f"/v1/coops/{coop['coop']}/{path}", body, 422, "invalid-request"
    )
    assert problem["detail"].startswith(f"{where}: ") and "NUL" in problem["detail"]


def test_a_backslash_u0000_that_is_not_nul_is_fine(client, coop) -> None:
    response = client.post(
        f"/v1/coops/{coop['coop']}/members",
        json={"name": "C:\\u0000", "kind": "person", "category": "usagers"},
    )
    assert response.status_code == 201, response.text


def test_amending_statutes_to_no_category_is_422(client, service, coop) -> None:
    """`categories: []` passed the request model and failed Statutes inside the handler."""
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/statutes",
        {"categories": []},
        422,
        "invalid-request",
    )


# -- concurrency and idempotency -------------------------------------------------------


def test_idempotent_retry_and_key_reuse(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}/payments"
    body = {"subscription_id": coop["sub"], "amount": "100.00", "effective_date": "2020-01-01"}
    first = client.post(path, json=body, headers={"Idempotency-Key": "pay-42"})
    assert first.status_code == 201
    again = client.post(path, json=body, headers={"Idempotency-Key": "pay-42"})
    assert again.status_code == 200 and again.json() == first.json()
    refused(
        client,
        service,
        "POST",
        path,
        {**body, "amount": "50.00"},
        409,
        "idempotency-conflict",
        headers={"Idempotency-Key": "pay-42"},
    )


def test_a_batch_key_stands_for_the_whole_request(client, service, coop) -> None:
    """The key was checked per command position: [1,2,3] then [1,2,3,4] appended the 4th,
    and [1,2] replayed as 200. The same key with another request is refused."""
    path = f"/v1/coops/{coop['coop']}/batch"

    def payment(cents: int) -> dict[str, Any]:
        body = {"subscription_id": coop["sub"], "amount": f"{cents}.00"}
        return {"type": "payments", "body": {**body, "effective_date": "2020-01-01"}}

    three = {"commands": [payment(1), payment(2), payment(3)]}
    key = {"Idempotency-Key": "batch-7"}
    first = client.post(path, json=three, headers=key)
    assert first.status_code == 201, first.text
    again = client.post(path, json=three, headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    for other in (
        {"commands": [*three["commands"], payment(4)]},
        {"commands": three["commands"][:2]},
        {"commands": [payment(3), payment(2), payment(1)]},
    ):
        refused(client, service, "POST", path, other, 409, "idempotency-conflict", headers=key)


def test_stale_if_match_is_a_conflict(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}/payments"
    body = {"subscription_id": coop["sub"], "amount": "10.00", "effective_date": "2020-01-01"}
    response = client.post(path, json=body)
    version = response.headers["ETag"]
    client.post(path, json=body)
    refused(
        client, service, "POST", path, body, 409, "version-conflict", headers={"If-Match": version}
    )
    current = client.post(path, json=body, headers={"If-Match": str(int(version.strip('"')) + 1)})
    assert current.status_code == 201


def test_batch_is_all_or_nothing(client, service, coop) -> None:
    body: dict[str, Any] = {
        "commands": [
            {"type": "payments", "body": {"subscription_id": coop["sub"], "amount": "100.00"}},
            {"type": "members", "body": {"name": "Zoé", "kind": "person", "category": "usagers"}},
            {"type": "payments", "body": {"subscription_id": coop["sub"], "amount": "300.00"}},
        ]
    }  # 100 + 300 > 375 unpaid: the third is refused, so none lands
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/batch",
        body,
        409,
        "payment-exceeds-unpaid",
        "R7",
    )
    assert problem["command_index"] == 2 and problem["detail"].startswith("commands[2]: ")
    body["commands"][1]["body"]["category"] = "nope"  # now the second one fails first
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/batch",
        body,
        422,
        "unknown-category",
        "R2",
    )
    assert problem["command_index"] == 1 and problem["detail"].startswith("commands[1]: ")
    body["commands"][1]["body"]["category"] = "usagers"
    body["commands"][0]["body"]["subscription_id"] = "sub_nope"
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop['coop']}/batch",
        body,
        404,
        "subscription-not-found",
    )
    assert problem["command_index"] == 0 and problem["detail"].startswith("commands[0]: ")
    body["commands"][0]["body"]["subscription_id"] = coop["sub"]
    body["commands"][2]["body"]["amount"] = "275.00"
    response = client.post(f"/v1/coops/{coop['coop']}/batch", json=body)
    assert response.status_code == 201
    assert [len(r["event_ids"]) for r in response.json()["results"]] == [1, 1, 1]
    capital = client.get(f"/v1/coops/{coop['coop']}/capital-table").json()
    assert capital["totals"]["unpaid"] == "0.00"


def test_batch_with_an_invalid_body_names_its_index(client, service, coop) -> None:
    body = {
        "commands": [
            {"type": "members", "body": {"name": "Zoé", "kind": "person", "category": "usagers"}},
            {"type": "payments", "body": {"subscription_id": coop["sub"], "amount": "1.001"}},
        ]
    }
    problem = refused(
        client, service, "POST", f"/v1/coops/{coop['coop']}/batch", body, 422, "invalid-request"
    )
    assert problem["errors"][0]["loc"][:4] == ["body", "commands", 1, "body"]
    assert problem["command_index"] == 1 and problem["detail"].startswith("commands[1]: ")


# -- corrections -----------------------------------------------------------------------


def test_corrections_that_cannot_be_made(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}"
    events = client.get(f"{path}/events").json()["events"]
    admitted = next(e for e in events if e["type"] == "MemberAdmitted")
    refused(
        client,
        service,
        "POST",
        f"{path}/corrections",
        {"reverses": admitted["event_id"], "reason": "wrong person"},
        409,
        "not-reversible",
    )
    paid = client.post(
        f"{path}/payments", json={"subscription_id": coop["sub"], "amount": "50.00"}
    ).json()
    alice_sub = next(
        e
        for e in events
        if e["type"] == "SharesSubscribed" and e["data"]["subscription_id"] == coop["sub"]
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/corrections",
        {"reverses": alice_sub["event_id"], "reason": "typo"},
        409,
        "reverse-later-events-first",
    )
    assert (
        client.post(
            f"{path}/corrections",
            json={"reverses": paid["event_ids"][0], "reason": "bank reversal"},
        ).status_code
        == 201
    )
    refused(
        client,
        service,
        "POST",
        f"{path}/corrections",
        {"reverses": paid["event_ids"][0], "reason": "again"},
        409,
        "already-reversed",
    )


# -- votes -----------------------------------------------------------------------------


def test_vote_ballots_must_be_from_distinct_members(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}/votes/tally"
    ballot = {"member_id": coop["bob"], "choice": "yes"}
    refused(
        client, service, "POST", path, {"ballots": [ballot, ballot]}, 422, "duplicate-ballot", "R4"
    )
    refused(
        client,
        service,
        "POST",
        path,
        {"ballots": [{"member_id": "mbr_x", "choice": "yes"}]},
        404,
        "member-not-found",
    )
    refused(
        client,
        service,
        "POST",
        path,
        {"ballots": [{"member_id": coop["bob"], "choice": "maybe"}]},
        422,
        "invalid-request",
    )


# -- personal data ---------------------------------------------------------------------


def test_erasing_a_party_keeps_the_chain_and_the_figures(client, service, coop) -> None:
    path = f"/v1/coops/{coop['coop']}"
    before = client.get(f"{path}/capital-table").json()
    party = client.get(f"{path}/members/{coop['bob']}").json()["party_id"]
    response = client.post(f"{path}/parties/{party}/erasure", json={"reason": "RGPD art. 17"})
    assert response.status_code == 201, response.text
    member = client.get(f"{path}/members/{coop['bob']}").json()
    assert member["name"] == "[effacé]"
    after = client.get(f"{path}/capital-table").json()
    assert after["totals"] == before["totals"]
    assert "Bob Leroy" not in str(after) and "[effacé]" in str(after)
    assert service.store.verify().ok
    events = client.get(f"{path}/events", params={"limit": 1000}).json()["events"]
    assert "Bob Leroy" not in str(events)
    refused(
        client,
        service,
        "POST",
        f"{path}/parties/{party}/erasure",
        {"reason": "twice"},
        404,
        "party-not-found",
    )
