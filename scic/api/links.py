"""OpenAPI links: how the id one operation returns feeds the next ones (a member admitted →
its holdings, its subscriptions; a subscription → its payments; a grant → its
instalments…). Client generators read them, and the stateful contract test walks them
(tests/api/test_stateful.py)."""

from __future__ import annotations

from typing import Any

ID = "$response.body#/id"
COOP = {"path.coop_id": "$request.path.coop_id"}


def _on(id_field: str, *targets: str) -> list[tuple[str, dict[str, Any]]]:
    """Targets taking the new resource's id in their path parameter `id_field`."""
    return [(target, {"parameters": {**COOP, f"path.{id_field}": ID}}) for target in targets]


def _into(field: str, *targets: str, value: str = ID) -> list[tuple[str, dict[str, Any]]]:
    """Targets taking `value` in their body's `field` (the rest of the body generated)."""
    return [(target, {"parameters": COOP, "requestBody": {field: value}}) for target in targets]


# source operation → [(target operation, link definition without operationId)]. A new
# cooperative links nowhere: its id is the path of everything, and every scenario of the
# stateful test starts on a cooperative of its own.
LINKS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "post_members": [
        *_on("member_id", "get_member"),
        *_into(
            "member_id",
            "post_subscriptions",
            "post_withdrawals",
            "post_category_changes",
            "post_exclusions",
        ),
        *_into("to_member_id", "post_transfers"),
    ],
    "post_subscriptions": [
        *_into("subscription_id", "post_payments", "post_calls"),
        *_into("reverses", "post_corrections"),
        ("get_member", {"parameters": {**COOP, "path.member_id": "$request.body#/member_id"}}),
    ],
    "post_payments": _into("reverses", "post_corrections"),
    "post_withdrawals": _on("withdrawal_id", "post_reimbursement_payouts"),
    "post_grants": [
        *_on(
            "grant_id",
            "get_grant",
            "post_grant_instalments",
            "post_grant_justifications",
            "post_grant_clawbacks",
            "post_grant_amendments",
            "post_grant_closures",
        ),
        ("get_funder", {"parameters": {**COOP, "path.funder_id": "$response.body#/funder_id"}}),
    ],
    "post_participative_titles": _on(
        "issue_id", "post_participative_title_redemptions", "post_participative_title_remunerations"
    ),
    # not webhooks/{id}/test: it would call whatever URL was generated
    "post_webhooks": _on(
        "webhook_id",
        "get_webhook",
        "get_webhook_deliveries",
        "post_webhook_replay",
        "post_webhook_secret_rotation",
        "delete_webhook",
    ),
    "post_tokens": [
        (target, {"parameters": {"path.token_id": ID}})
        for target in ("post_token_revoke", "delete_token")
    ],
}


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Put LINKS on the 201 response of each source operation of `document`."""
    operations = {
        op["operationId"]: op
        for methods in document["paths"].values()
        for op in methods.values()
        if "operationId" in op
    }
    for source, links in LINKS.items():
        created = operations[source]["responses"]["201"]
        created["links"] = {
            target: {"operationId": operations[target]["operationId"], **definition}
            for target, definition in links  # a renamed operation fails here, loudly
        }
    return document
