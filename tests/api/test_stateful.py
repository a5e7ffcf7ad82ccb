"""Stateful contract test (schemathesis): scenarios that follow the OpenAPI links of the
contract (scic/api/links.py) — a member admitted, then read, subscribed for, withdrawn;
a subscription paid, called, corrected; a grant paid in instalments, justified, clawed
back, closed; titles redeemed; a webhook read, replayed, rotated, deleted; a token
revoked — each step on the ids the earlier steps returned.

Each scenario starts on a cooperative of its own (the same history replays the same
way when Hypothesis runs a scenario again). Every step: no 5xx, the response is the one
the contract documents (status, content type, headers, schema), every 4xx is
problem+json, and data the contract allows is never refused by a field check it does not
state (the checks of tests/api/test_fuzz.py). Bounded: SCENARIOS scenarios of at most
STEPS steps; SCIC_STATEFUL_SCENARIOS=500 for a longer hunt."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from scic.api.links import LINKS
from scic.integrations.config import EventsOut
from scic.service import Service
from tests.api.conftest import bearer, create_coop, issue_token
from tests.api.test_fuzz import problem_json, schema_valid_data_is_valid, with_real_ids

SCENARIOS = int(os.environ.get("SCIC_STATEFUL_SCENARIOS", "60"))
STEPS = 8

LINKED = sorted(set(LINKS) | {target for links in LINKS.values() for target, _ in links})


def test_scenarios_follow_the_links_and_keep_the_contract(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    service.events_out = EventsOut(stream_timeout=0)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(operation_id=LINKED)
    schema.config.update(headers=bearer(issue_token(service, "admin").secret))
    schema.config.generation.update(modes=[GenerationMode.POSITIVE], allow_x00=False)
    schema.config.phases.stateful.inference.algorithms = []  # the contract's links only
    # what the first step of a scenario takes from its cooperative (the links, the rest)
    scenario: dict[str, str] = {"category": "salaries"}

    @schema.hook
    def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
        return st.sampled_from([body, with_real_ids(body, scenario)])

    followed: Counter[str] = Counter()

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            scenario["coop_id"] = create_coop(client)

        def before_call(self, case: schemathesis.Case) -> None:
            if "coop_id" in (case.path_parameters or {}):
                case.path_parameters["coop_id"] = scenario["coop_id"]

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            if response.status_code < 300:
                followed[case.operation.definition.raw["operationId"]] += 1

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(
                response,
                additional_checks=[problem_json, schema_valid_data_is_valid],
                excluded_checks=[ignored_auth, positive_data_acceptance],
                recorder=self.recorder,
            )

    Scenarios.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    reached = {op for op in followed if op not in LINKS}
    assert reached, f"no linked operation answered 2xx: {dict(followed)}"
    print(f"2xx per operation: {dict(sorted(followed.items()))}")
