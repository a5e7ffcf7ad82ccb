"""Every form, each way it can go: refused by the command layer (said in French next to
the field it concerns, naming the rule, nothing recorded), sent twice with the same
idempotency key (recorded once), posted without its CSRF token (403, nothing recorded)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.service import Service
from scic.web.forms.catalogue import FORMS
from scic.write.commands import COMMANDS
from tests.api.conftest import admit, create_coop, event_count, issue_token, subscribe
from tests.web.conftest import signed_in


@dataclass
class World:
    coop: str
    ids: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(client: TestClient) -> World:
    coop = create_coop(client)  # incorporated 2019-03-01, shares of 50 €, floor 5 000 €
    w = World(coop)
    api = f"/v1/coops/{coop}"
    w.ids["alice"] = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, w.ids["alice"], 200, "10000.00")
    w.ids["bruno"] = admit(client, coop, "Bruno Petit", "usagers")
    w.ids["bruno_sub"] = subscribe(client, coop, w.ids["bruno"], 10, "125.00", on="2024-01-10")[
        "id"
    ]
    paid = client.post(
        f"{api}/payments",
        json={
            "subscription_id": w.ids["bruno_sub"],
            "amount": "100.00",
            "effective_date": "2024-02-01",
        },
    )
    w.ids["bruno_payment"] = paid.json()["event_ids"][0]
    w.ids["bruno_sub_event"] = client.get(f"{api}/members/{w.ids['bruno']}").json()["history"][0][
        "event_id"
    ]
    w.ids["denise"] = admit(client, coop, "Denise Roy", "soutiens")
    w.ids["alice_party"] = client.get(f"{api}/members/{w.ids['alice']}").json()["party_id"]
    grant = client.post(
        f"{api}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "investment",
            "amount": "20000.00",
            "awarded_on": "2024-01-15",
            "agreement_ref": "CONV-1",
        },
    ).json()
    w.ids["grant"], w.ids["region"] = grant["id"], grant["funder_id"]
    client.post(
        f"{api}/grants/{w.ids['grant']}/instalments",
        json={"amount": "5000.00", "effective_date": "2024-03-01"},
    )
    issue = client.post(
        f"{api}/participative-titles",
        json={
            "holder": {"name": "France Active", "type": "private"},
            "count": 10,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0",
            "issued_on": "2024-02-01",
        },
    ).json()
    w.ids["issue"], w.ids["france_active"] = issue["id"], issue["holder_id"]
    out = client.post(
        f"{api}/withdrawals",
        json={"member_id": w.ids["alice"], "shares": 2, "effective_date": "2024-06-01"},
    )
    assert out.json()["status"] == "reimbursed", out.text  # 100.00 owed to Alice
    w.ids["withdrawal"] = out.json()["id"]
    return w


@dataclass(frozen=True)
class Case:
    good: Callable[[World], dict[str, str]]
    bad: Callable[[World], dict[str, str]]
    where: str | None  # the field the refusal is said next to (None: above the form)
    said: str  # French words of the refusal
    rule: str | None = None
    prepare: Callable[[TestClient, World], None] | None = None


def close_2019(client: TestClient, w: World) -> None:
    closed = client.post(f"/v1/coops/{w.coop}/fiscal-years/2019/close", json={"result": "1000.00"})
    assert closed.status_code == 201, closed.text


def carry_a_loss(client: TestClient, w: World) -> None:
    """2019 in profit (its result to reserves), 2020 at a loss carried forward."""
    api = f"/v1/coops/{w.coop}/fiscal-years"
    for path, body in (
        ("2019/close", {"result": "1000.00"}),
        (
            "2019/surplus-allocation",
            {"legal_reserve": "150.00", "statutory_reserve": "850.00", "decided_on": "2020-06-15"},
        ),
        ("2020/close", {"result": "-500.00"}),
        ("2020/surplus-allocation", {"decided_on": "2021-06-15"}),
    ):
        response = client.post(f"{api}/{path}", json=body)
        assert response.status_code == 201, response.text


CASES: dict[str, Case] = {
    "members": Case(
        lambda w: {"name": "Chloé Durand", "kind": "person", "category": "usagers"},
        lambda w: {
            "name": "Chloé Durand",
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2018-01-01",
        },
        "admitted_on",
        "antérieure à la constitution",
    ),
    "category-changes": Case(
        lambda w: {"member_id": w.ids["bruno"], "category": "soutiens"},
        lambda w: {"member_id": w.ids["bruno"], "category": "usagers"},
        "category",
        "déjà dans cette catégorie",
        "R2",
    ),
    "subscriptions": Case(
        lambda w: {"member_id": w.ids["denise"], "shares": "4", "paid": "200"},
        lambda w: {"member_id": w.ids["denise"], "shares": "4", "paid": "20"},
        "paid",
        "au moins le quart",
        "R7",
    ),
    "calls": Case(
        lambda w: {
            "subscription_id": w.ids["bruno_sub"],
            "amount": "100",
            "due_date": "2027-01-31",
        },
        lambda w: {
            "subscription_id": w.ids["bruno_sub"],
            "amount": "1 000",
            "due_date": "2027-01-31",
        },
        "amount",
        "pas encore appelée",
        "R7",
    ),
    "payments": Case(
        lambda w: {"subscription_id": w.ids["bruno_sub"], "amount": "50,00"},
        lambda w: {"subscription_id": w.ids["bruno_sub"], "amount": "1 000,00"},
        "amount",
        "reste à libérer",
        "R7",
    ),
    "withdrawals": Case(
        lambda w: {"member_id": w.ids["alice"], "shares": "1"},
        lambda w: {"member_id": w.ids["alice"], "shares": "999"},
        "shares",
        "pas autant de parts",
    ),
    "exclusions": Case(
        lambda w: {"member_id": w.ids["alice"], "reason": "décision de l'AG"},
        lambda w: {"member_id": w.ids["denise"], "reason": "décision de l'AG"},
        "member_id",
        "aucune part",
    ),
    "reimbursement-payouts": Case(
        lambda w: {"amount": "100", "paid_on": "2024-06-10", "bank_reference": "VIR-0610"},
        lambda w: {"amount": "90", "paid_on": "2024-06-10"},
        "amount",
        "après compensation de l'appel non versé",
        "R7",
    ),
    "transfers": Case(
        lambda w: {"from_member_id": w.ids["alice"], "to_member_id": w.ids["bruno"], "shares": "2"},
        lambda w: {"from_member_id": w.ids["alice"], "to_member_id": w.ids["alice"], "shares": "2"},
        "to_member_id",
        "à lui-même",
    ),
    "losses": Case(
        lambda w: {"amount": "100", "fiscal_year": "2025"},
        lambda w: {"amount": "100", "fiscal_year": "2025", "effective_date": "2018-05-01"},
        "effective_date",
        "antérieure à la constitution",
    ),
    "carried-loss-charges": Case(
        lambda w: {"amount": "200", "reserve": "statutory", "decided_on": "2021-07-01"},
        lambda w: {"amount": "900", "reserve": "statutory", "decided_on": "2021-07-01"},
        "amount",
        "report à nouveau",
        "R9",
        prepare=carry_a_loss,
    ),
    "reviews": Case(
        lambda w: {
            "report_made_available_on": "2025-05-20",
            "reviewer": "Fédération des SCIC",
            "reference": "REV-2025-03",
        },
        lambda w: {
            "report_made_available_on": "2027-05-20",
            "reviewer": "Fédération des SCIC",
            "reference": "REV-2025-03",
        },
        "report_made_available_on",
        "rapport mis à disposition",
        "R10",
    ),
    "corrections": Case(
        lambda w: {"reverses": w.ids["bruno_payment"], "reason": "versement en double"},
        lambda w: {"reverses": w.ids["bruno_sub_event"], "reason": "souscription erronée"},
        "reverses",
        "annulez d'abord",
    ),
    "statutes": Case(
        lambda w: {"statutory_floor": "6 000"},
        lambda w: {"reimbursement_delay_years": "9"},
        "reimbursement_delay_years",
        "cinq ans au plus",
        "R6",
    ),
    "erasures": Case(
        lambda w: {"reason": "demande RGPD"},
        lambda w: {"reason": "ab"},
        "reason",
        "Trop court",
    ),
    "grants": Case(
        lambda w: {"funder_id": w.ids["region"], "purpose": "operating", "amount": "1 000"},
        lambda w: {"funder_id": w.ids["region"], "purpose": "operating", "amount": "30 000"},
        "agreement_ref",
        "convention écrite",
        "R14",
    ),
    "grant-instalments": Case(
        lambda w: {"amount": "1 000"},
        lambda w: {"amount": "30 000"},
        "amount",
        "dépasseraient le montant accordé",
        "R14",
    ),
    "grant-justifications": Case(
        lambda w: {"amount": "1 000"},
        lambda w: {"amount": "6 000"},
        "amount",
        "dépasserait ce qui a été reçu",
        "R14",
    ),
    "grant-clawbacks": Case(
        lambda w: {"amount": "100", "reason": "dépense non éligible"},
        lambda w: {"amount": "9 000", "reason": "dépense non éligible"},
        "amount",
        "dépasserait ce qui a été reçu",
        "R14",
    ),
    "grant-amendments": Case(
        lambda w: {"amount": "25 000", "reason": "avenant n° 1"},
        lambda w: {"amount": "1 000", "reason": "avenant n° 1"},
        "amount",
        "sous ce qui a déjà été reçu",
        "R14",
    ),
    "grant-closures": Case(
        lambda w: {},
        lambda w: {"effective_date": "2023-01-01"},
        "effective_date",
        "antérieure à l'attribution",
    ),
    "participative-titles": Case(
        lambda w: {
            "holder_id": w.ids["france_active"],
            "count": "5",
            "nominal": "100",
            "fixed_rate": "2",
            "variable_rate": "0",
        },
        lambda w: {
            "holder_id": w.ids["france_active"],
            "count": "5",
            "nominal": "100",
            "fixed_rate": "2",
            "variable_rate": "1",
            "variable_base": "0,5",
        },
        "variable_base",
        "au plus 0,40",
        "R11",
    ),
    "participative-title-redemptions": Case(
        lambda w: {"count": "1", "at_liquidation": "true"},
        lambda w: {"count": "1"},
        "effective_date",
        "sept ans",
        "R11",
    ),
    "participative-title-remunerations": Case(
        lambda w: {"fiscal_year": "2024", "figure": "10 000"},
        lambda w: {"fiscal_year": "2024", "figure": "10 000", "effective_date": "2023-01-01"},
        "effective_date",
        "antérieure à l'émission",
        "R11",
    ),
    "esus-approvals": Case(
        lambda w: {
            "granted_on": "2024-01-01",
            "expires_on": "2028-12-31",
            "authority": "Préfecture du Calvados",
            "reference": "ESUS-14-2024-001",
        },
        lambda w: {
            "granted_on": "2024-01-01",
            "expires_on": "2023-12-31",
            "authority": "Préfecture du Calvados",
            "reference": "ESUS-14-2024-001",
        },
        "expires_on",
        "expirer après",
        "R12",
    ),
    "esus-investments": Case(
        lambda w: {
            "investor_id": w.ids["france_active"],
            "instrument": "loan",
            "amount": "5 000",
            "loan.rate": "2",
            "loan.term_months": "60",
        },
        lambda w: {
            "instrument": "shares",
            "amount": "5 000",
            "subscription_id": w.ids["bruno_sub"],
        },
        "investor_id",
        "investisseur existant",
    ),
    "fiscal-year-close": Case(
        lambda w: {"result": "1 000,00"},
        lambda w: {"result": "1 000,00"},
        None,
        "pas encore terminé",
        "R16",
    ),
    "surplus-allocations": Case(
        lambda w: {"legal_reserve": "150", "statutory_reserve": "850", "decided_on": "2020-06-15"},
        lambda w: {"legal_reserve": "100", "statutory_reserve": "900", "decided_on": "2020-06-15"},
        "legal_reserve",
        "réserve légale",
        "R9",
        prepare=close_2019,
    ),
}


def path_of(name: str, w: World, refused: bool = False) -> str:
    year = "2026" if refused and name == "fiscal-year-close" else "2019"
    values = {
        "grant_id": w.ids["grant"],
        "issue_id": w.ids["issue"],
        "party_id": w.ids["alice_party"],
        "withdrawal_id": w.ids["withdrawal"],
        "year": year,
    }
    return f"/dashboard/{COMMANDS[name].route.format(**values)}/new"


def web_for(app: FastAPI, service: Service, w: World, name: str) -> TestClient:
    role = "accountant" if name in ("fiscal-year-close", "surplus-allocations") else "manager"
    return signed_in(app, issue_token(service, role, w.coop).secret)


def shown(web: TestClient, path: str) -> dict[str, str]:
    page = web.get(path)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert csrf and key
    return {"csrf": csrf[1], "idempotency_key": key[1]}


def test_every_form_has_its_cases() -> None:
    assert set(CASES) == set(FORMS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_refusal_is_said_next_to_its_field(
    name: str, app: FastAPI, service: Service, client: TestClient, world: World
) -> None:
    case = CASES[name]
    if case.prepare:
        case.prepare(client, world)
    web = web_for(app, service, world, name)
    path = path_of(name, world, refused=True)
    before = event_count(service)
    response = web.post(path, data={**shown(web, path), **case.bad(world)}, follow_redirects=False)
    assert response.status_code in (409, 422), response.text
    html = unescape(response.text)
    if case.where is None:
        said = re.search(r'role="alert" id="refusal">\s*<p>[^<]*</p>\s*<p>([^<]*)</p>', html)
        assert said, html
        text = said[1]
    else:
        dom = "f-" + case.where.replace(".", "-")
        said = re.search(rf'<p class="field-error" id="{dom}-error">([^<]*)</p>', html)
        assert said, (name, html[html.find(f'id="{dom}"') :][:900])
        text = said[1]
        assert f'aria-describedby="{dom}-error"' in html or f"{dom}-help {dom}-error" in html
    assert case.said in text, text
    if case.rule:
        assert text.startswith(f"{case.rule} — "), text
    for value in case.bad(world).values():  # what was typed is shown again
        if value not in ("true",) and not value.startswith(("mbr_", "sub_", "fnd_", "grt_")):
            assert f'value="{value}"' in html or f">{value}</textarea>" in html, value
    assert event_count(service) == before


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_double_submit_records_once(
    name: str, app: FastAPI, service: Service, client: TestClient, world: World
) -> None:
    case = CASES[name]
    if case.prepare:
        case.prepare(client, world)
    web = web_for(app, service, world, name)
    path = path_of(name, world)
    data: dict[str, Any] = {**shown(web, path), **case.good(world)}
    if name == "corrections":
        data["confirmed"] = "1"
    before = event_count(service)
    first = web.post(path, data=data, follow_redirects=False)
    assert first.status_code == 303, unescape(first.text)[-2000:]
    recorded = event_count(service)
    assert recorded > before
    second = web.post(path, data=data, follow_redirects=False)
    assert second.status_code == 303 and second.headers["location"] == first.headers["location"]
    assert event_count(service) == recorded
    landing = web.get(first.headers["location"])
    assert 'id="confirmation"' in landing.text


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_post_without_csrf_is_refused(
    name: str, app: FastAPI, service: Service, client: TestClient, world: World
) -> None:
    case = CASES[name]
    web = web_for(app, service, world, name)
    path = path_of(name, world)
    data = {**shown(web, path), **case.good(world)}
    del data["csrf"]
    before = event_count(service)
    response = web.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert event_count(service) == before


@pytest.mark.parametrize(
    ("bad", "french", "english"),
    [
        (
            {"statutory_floor": "6 000", "effective_date": "2018-01-01"},
            "Cette date est antérieure à la constitution de la coopérative.",
            "This date is before the cooperative was incorporated.",
        ),
        (
            {"reimbursement_delay_years": "9"},
            "Le délai de remboursement est de cinq ans au plus.",
            "The reimbursement delay is five years at most.",
        ),
    ],
)
def test_a_refusal_reads_in_the_pages_language(
    bad: dict[str, str],
    french: str,
    english: str,
    app: FastAPI,
    service: Service,
    world: World,
) -> None:
    """A refusal's words come from the refusal catalogue (scic.refusals.DETAILS) in the
    page's language: French by default, English after the switch; never the raiser's
    English words on a French page."""
    web = web_for(app, service, world, "statutes")
    path = path_of("statutes", world)
    refused = web.post(path, data={**shown(web, path), **bad})
    assert refused.status_code in (409, 422)
    html = unescape(refused.text)
    assert french in html and english not in html
    switched = web.post("/language", data={"csrf": shown(web, path)["csrf"], "lang": "en"})
    assert switched.status_code in (200, 303)
    again = web.post(path, data={**shown(web, path), **bad})
    html = unescape(again.text)
    assert english in html and french not in html


def test_every_refusal_of_the_catalogue_has_its_words() -> None:
    from scic.errors import CATALOGUE
    from scic.i18n import translations
    from scic.refusals import DETAILS

    assert sorted(set(CATALOGUE) - set(DETAILS)) == []
    english = translations("en")
    assert [s for s in CATALOGUE if english.gettext(DETAILS[s]) == DETAILS[s]] == []


def test_the_people_page_says_a_refusal_without_words_of_its_own_in_french(
    app: FastAPI, service: Service, world: World
) -> None:
    """`unknown-role` is raised with English words only: the page reads the catalogue's."""
    web = web_for(app, service, world, "statutes")
    form = web.get("/dashboard/people/new")
    refused = web.post(
        "/dashboard/people",
        data={
            "csrf": shown(web, "/dashboard/statutes/new")["csrf"],
            "email": "x@example.org",
            "role": "chef",
        },
    )
    assert refused.status_code == 422 and form.status_code == 200
    said = re.search(r'id="role-error">([^<]*)</p>', unescape(refused.text))
    assert said is not None
    assert said[1] == (
        "Rôle inconnu : Ce rôle n'existe pas : gestionnaire, comptable, financeur ou associé."
    )
