"""The dashboard in a real browser: headless Chromium against uvicorn on 127.0.0.1,
over the demo cooperative. Figures on the pages are compared with the JSON API's in the
same test; no request may leave 127.0.0.1 (the `context` fixture fails the test)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from scic.web import fmt
from tests.web.conftest import Live, Outgoing, Shots, member_account, sign_in, sign_in_with_password

FRENCH_EUROS = re.compile(r"^-?\d{1,3}(\u202f\d{3})*,\d{2}\u00a0€$")


def cells(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def row_texts(page: Any, table: str, key: str) -> list[str]:
    return cells(page, f"{table} tr[data-key='{key}'] td")


def test_manager_changes_the_as_at_date_and_sees_the_api_capital_table(
    context: Any, live: Live, shots: Shots
) -> None:
    page = context.new_page()
    sign_in(page, live.tokens["manager"])
    assert page.url.endswith("/dashboard/capital"), page.locator("main").inner_text()
    cookie = next(c for c in context.cookies() if c["name"] == "scic_token")
    # Secure works over http://127.0.0.1: Chromium counts loopback as a secure origin
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    shots.take(page, "capital-college")

    today = live.api("manager", "/capital-table", group_by="college")
    page.get_by_label("Situation au").fill("2021-12-31")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"as_of=2021-12-31"))
    then = live.api("manager", "/capital-table", group_by="college", as_of="2021-12-31")
    assert then["totals"] != today["totals"]  # the date picker really moved the figures
    assert page.locator("#total-subscribed").inner_text() == fmt.euros(then["totals"]["subscribed"])
    assert page.locator("#total-shares").inner_text() == fmt.number(then["totals"]["shares"])
    for row in then["rows"]:
        texts = row_texts(page, "#capital-table", row["key"])
        assert texts[1:5] == [fmt.euros(row[k]) for k in ("subscribed", "paid", "unpaid")] + [
            fmt.percent(row["share_of_capital"])
        ]
        assert FRENCH_EUROS.match(texts[1]), texts[1]
    mix = live.api("manager", "/funding-mix", as_of="2021-12-31")
    assert page.locator("[data-figure=public_share]").inner_text() == fmt.percent(
        mix["capital"]["public_share"]
    )
    shots.take(page, "capital-college-2021")

    page.get_by_role("link", name="Par associé").click()
    page.wait_for_url(re.compile(r"group_by=member"))
    by_member = live.api("manager", "/capital-table", group_by="member", as_of="2021-12-31")
    assert page.locator("#capital-table tbody tr").count() == len(by_member["rows"])
    first = by_member["rows"][0]
    assert (
        page.locator(f"#capital-table tr[data-key='{first['key']}'] th").inner_text()
        == (first["label"])
    )
    shots.take(page, "capital-member")


def test_funding_mix_shows_the_api_figures(context: Any, live: Live, shots: Shots) -> None:
    page = context.new_page()
    sign_in(page, live.tokens["accountant"])
    page.get_by_role("link", name="Financements").click()
    page.get_by_label("Situation au").fill("2025-12-31")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"as_of=2025-12-31"))
    mix = live.api("accountant", "/funding-mix", as_of="2025-12-31")

    assert page.locator("#total-funding").inner_text() == fmt.euros(mix["total_funding"])
    ratios = mix["ratios"]
    for name in ("largest_funder_share", "multi_year_grant_share", "public_share_of_capital"):
        shown = page.locator(f"[data-ratio={name}]").inner_text()
        assert shown == fmt.percent(ratios[name]), name
    assert page.locator("[data-ratio=herfindahl]").inner_text() == fmt.number(
        ratios["herfindahl"], 4
    )
    for grant_type in mix["grants"]["by_funder_type"]:
        row = page.locator(f"#by-funder-type tr[data-type='{grant_type['type']}'] td").first
        assert row.inner_text() == fmt.euros(grant_type["awarded"])
    assert mix["funding_cliff"], "the demo has grant periods ending in 2026"
    for month in mix["funding_cliff"]:
        cell = page.locator(f"#cliff tr[data-month='{month['month']}'] td")
        assert cell.get_attribute("data-amount") == month["amount"]
    cliff_total = sum(Decimal(m["amount"]) for m in mix["funding_cliff"])
    assert page.locator("#cliff-total").inner_text() == fmt.euros(cliff_total)
    assert page.locator("svg.chart").count() == 2  # the mix and the cliff, drawn as SVG
    shots.take(page, "funding")


def test_manager_pages_render(context: Any, live: Live, shots: Shots) -> None:
    page = context.new_page()
    sign_in(page, live.tokens["manager"])
    page.get_by_role("link", name="Associés").click()
    page.get_by_label("Rechercher un associé").fill("anais")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"q=anais"))
    assert cells(page, "#members tbody th") == ["Anaïs Delorme"]
    shots.take(page, "members-search")
    page.get_by_role("link", name="Anaïs Delorme").click()
    page.wait_for_url(re.compile(r"/dashboard/members/mbr_"))
    member_id = page.url.rsplit("/", 1)[1]
    detail = live.api("manager", f"/members/{member_id}")
    assert page.locator("h1").inner_text() == detail["name"]
    assert page.locator("#history tbody tr").count() == len(detail["history"])
    shots.take(page, "member")
    for slug, heading in (
        ("grants", "Subventions"),
        ("reimbursements", "Remboursements en attente"),
        ("compliance", "Conformité"),
        ("events", "Derniers événements"),
    ):
        page.goto(f"/dashboard/{slug}")
        assert page.locator("h1").inner_text().startswith(heading)
        shots.take(page, slug)
    grants = live.api("manager", "/grants")["grants"]
    page.goto("/dashboard/grants")
    assert page.locator("#grants tbody tr[data-grant]").count() == len(grants)
    pending = live.api("manager", "/reimbursements")["pending"]
    page.goto("/dashboard/reimbursements")
    assert page.locator("#reimbursements tbody tr").count() == max(len(pending), 1)


def test_a_funder_sees_only_what_its_token_may_read(context: Any, live: Live, shots: Shots) -> None:
    names = [r["label"] for r in live.api("manager", "/capital-table", group_by="member")["rows"]]
    page = context.new_page()
    sign_in(page, live.tokens["funder"])
    nav = cells(page, "nav a")
    assert nav == ["Capital", "Financements", "Subventions", "Rapports"]
    seen_text = []
    for path in (
        "/dashboard/capital",
        "/dashboard/capital?group_by=category",
        "/dashboard/funding",
        "/dashboard/reports",
    ):
        page.goto(path)
        seen_text.append(page.locator("body").inner_text())
    shots.take(page, "funder-funding")
    page.goto("/dashboard/grants")
    seen_text.append(page.locator("body").inner_text())
    shots.take(page, "funder-grants")
    funder_id = live.api("manager", "/grants")["grants"]  # every grant, to know whose
    own = {g["id"] for g in funder_id if g["funder"]["type"] == "state"}
    shown = set(
        page.locator("#grants tr[data-grant]").evaluate_all(
            "rows => rows.map(r => r.dataset.grant)"
        )
    )
    assert shown and shown <= own
    assert not [n for n in names if any(n in text for text in seen_text)], "member names leaked"

    for path in (
        "/dashboard/members",
        "/dashboard/capital?group_by=member",
        "/dashboard/events",
        "/dashboard/compliance",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        assert "pas accessible au rôle « financeur »" in page.get_by_role("alert").inner_text()
        assert not [n for n in names if n in page.locator("body").inner_text()]
    shots.take(page, "funder-refused")


def test_a_member_sees_its_holdings(context: Any, live: Live, shots: Shots) -> None:
    page = context.new_page()
    sign_in_with_password(page, member_account(live))  # its account: e-mail and password
    page.get_by_role("link", name="Mes parts").click()
    member_id = page.url.rsplit("/", 1)[1]
    mine = httpx_member(live, member_id)
    assert page.locator("h1").inner_text() == mine["name"]
    shots.take(page, "member-holdings")
    other = live.api("manager", "/capital-table", group_by="member")["rows"]
    stranger = next(r for r in other if r["key"] != member_id)
    response = page.goto(f"/dashboard/members/{stranger['key']}")
    assert response is not None and response.status == 404  # as the API: no probing
    assert stranger["label"] not in page.locator("body").inner_text()


def httpx_member(live: Live, member_id: str) -> Any:
    return live.api("member", f"/members/{member_id}")


def test_expired_and_revoked_tokens_get_a_clear_message(
    context: Any, live: Live, shots: Shots
) -> None:
    issued = live.token("manager", expires_at=live.clock() + live_hours(1))
    page = context.new_page()
    sign_in(page, issued.secret)
    assert page.url.endswith("/dashboard/capital")
    live.clock.advance(hours=2)  # the token expires while the page is open
    response = page.reload()
    assert response is not None and response.status == 401
    assert "Votre jeton a expiré" in page.get_by_role("alert").inner_text()
    assert page.locator("#capital-table").count() == 0
    assert not [c for c in context.cookies() if c["name"] == "scic_token"]
    shots.take(page, "expired")

    revoked = live.token("accountant")
    with live.service.engine.begin() as conn:
        from scic.access import tokens

        tokens.revoke(conn, revoked.token_id, live.clock(), "test")
    sign_in(page, revoked.secret)
    assert "révoqué" in page.get_by_role("alert").inner_text()


def live_hours(hours: int) -> Any:
    from datetime import timedelta

    return timedelta(hours=hours)


def test_sign_out_forgets_the_token(context: Any, live: Live, shots: Shots) -> None:
    page = context.new_page()
    page.goto("/dashboard")
    assert page.url.endswith("/sign-in")
    shots.take(page, "sign-in")
    sign_in(page, live.tokens["manager"])
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    assert "déconnecté" in page.locator("main").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "scic_token"]
    page.goto("/dashboard/capital")
    assert page.url.endswith("/sign-in")


def test_api_docs_load_from_this_server_only(
    context: Any, outgoing: Outgoing, shots: Shots
) -> None:
    page = context.new_page()
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "SCIC ledger" in page.locator(".swagger-ui .info .title").inner_text()
    page.goto("/redoc")
    page.get_by_role("heading", name=re.compile("SCIC ledger")).first.wait_for()
    assert any(u.endswith("/static/vendor/redoc/redoc.standalone.js") for u in outgoing.seen)
    assert any(u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in outgoing.seen)
    # (the context fixture then asserts that no request left 127.0.0.1)


# -- accessibility: axe-core on every main page of every role --------------------------

SERIOUS = frozenset({"serious", "critical"})


def axe_problems(page: Any) -> list[str]:
    """The serious and critical axe-core violations of the page shown, in words (axe is
    in the page already: the context's init script)."""
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    return [
        f"{page.url}: {v['id']} ({v['impact']}) — {v['help']}: "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_every_page_of_every_role_passes_axe_core(context: Any, live: Live) -> None:
    """Each role's menu, walked page by page (a page another role showed already: the
    role's first page only), the sign-in, password and account pages, the member's own
    forms and a few data-entry forms, in French: axe-core finds no serious or critical
    violation."""
    from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]

    context.add_init_script(AXE_SCRIPT)  # axe-core, as packaged by axe-playwright-python
    page = context.new_page()
    problems: list[str] = []
    seen: set[str] = set()

    def check(path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        problems.extend(axe_problems(page))
        seen.add(path)

    for path in ("/sign-in", "/password-reset"):
        check(path)
    for role, extra in (
        (
            "manager",
            [
                "/dashboard/members/new",
                "/dashboard/subscriptions/new",
                "/dashboard/grants/new",
                "/dashboard/people/new",
            ],
        ),
        ("accountant", []),
        ("funder", []),
        ("member", ["/dashboard/account"]),
    ):
        if role == "member":
            sign_in_with_password(page, member_account(live))
        else:
            sign_in(page, live.tokens[role])
        menu = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        # the same page for another role: its first page only (the frame and menu change)
        for path in [menu[0], *(p for p in [*menu, *extra] if p not in seen)]:
            check(path)
        if role == "member":  # its own forms, linked from its page
            own = next(m for m in menu if m.startswith("/dashboard/members/"))
            for form in ("contact", "requests/new"):
                check(f"{own}/{form}")
        context.clear_cookies()
    assert len(seen) > 20
    assert not problems, "\n".join(problems)
