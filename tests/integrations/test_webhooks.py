"""Webhooks end to end: a subscription over the API, the dispatcher delivering to a real
receiver (uvicorn on 127.0.0.1), Standard Webhooks signatures checked with the
`standardwebhooks` package, retries on a stepped clock, the delivery log, replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from ledger.store import utc_now
from scic.integrations.dispatcher import BACKOFF, Dispatcher
from scic.service import Service
from tests.api.conftest import create_coop
from tests.conftest import SteppingClock
from tests.integrations.conftest import Answer, Receiver, feed, record_members


def subscribe_hook(client: TestClient, coop: str, url: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/coops/{coop}/webhooks", json={"url": url, "event_types": ["*"], **body}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def dispatcher(service: Service, clock: Any = None, **options: Any) -> Dispatcher:
    options.setdefault("timeout", 2.0)
    options.setdefault("jitter", lambda: 0.0)
    return Dispatcher(service, clock=clock, **options)


def drain(d: Dispatcher, rounds: int = 20) -> None:
    for _ in range(rounds):
        if d.run_once() == 0:
            return


def deliveries(client: TestClient, coop: str, hook: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/coops/{coop}/webhooks/{hook}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]  # type: ignore[no-any-return]


# -- subscribing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"url": "ftp://example.org/hook"}, "invalid-webhook-url"),
        ({"url": "not a url"}, "invalid-webhook-url"),
        ({"url": "http://testserver/v1/health"}, "webhook-url-is-this-server"),
        ({"url": "http://127.0.0.1:9/hook"}, "webhook-url-is-this-server"),
        ({"url": "http://localhost/hook"}, "webhook-url-is-this-server"),
        ({"url": "http://[::1]/hook"}, "webhook-url-is-this-server"),
        ({"event_types": ["MemberAdmitted", "NoSuchThing"]}, "unknown-event-types"),
        ({"event_types": []}, "invalid-request"),
        ({"event_types": ["*", "MemberAdmitted"]}, "unknown-event-types"),
        ({"secret": "not-whsec"}, "invalid-webhook-secret"),
        ({"secret": "whsec_%%%"}, "invalid-webhook-secret"),
        ({"secret": "whsec_c2hvcnQ="}, "invalid-webhook-secret"),
    ],
)
def test_bad_subscriptions_are_refused_with_a_clear_422(
    client: TestClient, service: Service, body: dict[str, Any], slug: str
) -> None:
    coop = create_coop(client)
    request = {"url": "https://hooks.example.org/scic", "event_types": ["*"], **body}
    response = client.post(f"/v1/coops/{coop}/webhooks", json=request)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/errors/{slug}"


def test_subscriptions_are_listed_without_their_secret_and_deleted(
    client: TestClient, coop: str, receiver: Receiver
) -> None:
    created = subscribe_hook(client, coop, receiver.url, event_types=["MemberAdmitted"])
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    listed = client.get(f"/v1/coops/{coop}/webhooks").json()["webhooks"]
    assert [h["id"] for h in listed] == [created["id"]]
    assert "secret" not in listed[0] and listed[0]["event_types"] == ["MemberAdmitted"]
    one = client.get(f"/v1/coops/{coop}/webhooks/{created['id']}").json()
    assert one == listed[0]
    assert client.delete(f"/v1/coops/{coop}/webhooks/{created['id']}").json()["deleted"]
    assert client.get(f"/v1/coops/{coop}/webhooks/{created['id']}").status_code == 404


def test_a_client_may_bring_its_own_secret(
    client: TestClient, coop: str, receiver: Receiver, service: Service
) -> None:
    own = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    created = subscribe_hook(client, coop, receiver.url, secret=own)
    assert created["secret"] == own
    record_members(client, coop, 1)
    drain(dispatcher(service, clock=utc_now))
    receiver.wait_for(2)
    for got in receiver.delivered:
        Webhook(own).verify(got.body, got.headers)


# -- delivering ------------------------------------------------------------------------


def test_every_event_is_delivered_in_order_with_a_valid_signature(
    client: TestClient, coop: str, receiver: Receiver, service: Service
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 4)
    drain(dispatcher(service, clock=utc_now))  # real time: receivers check the timestamp
    receiver.wait_for(8)
    expected = [e for e in feed(client, coop) if e["position"] > hook["delivered_through"]]
    verifier = Webhook(hook["secret"])
    for got, event in zip(receiver.delivered, expected, strict=True):
        assert verifier.verify(got.body, got.headers) == event
        assert got.headers["webhook-id"] == event["event_id"]
        assert got.headers["content-type"] == "application/json"
        assert abs(int(got.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    log = deliveries(client, coop, hook["id"])
    assert [d["outcome"] for d in log] == ["delivered"] * 8
    assert [d["position"] for d in log] == [e["position"] for e in expected]
    assert (
        client.get(f"/v1/coops/{coop}/webhooks/{hook['id']}").json()["delivered_through"]
        == (expected[-1]["position"])
    )


def test_only_the_subscribed_types_of_the_own_cooperative_are_sent(
    client: TestClient, coop: str, receiver: Receiver, service: Service
) -> None:
    other = create_coop(client, name="Autre SCIC")
    subscribe_hook(client, coop, receiver.url, event_types=["MemberAdmitted"])
    record_members(client, coop, 2)
    record_members(client, other, 2)
    drain(dispatcher(service))
    bodies = [json.loads(r.body) for r in receiver.requests]
    admitted = [e["event_id"] for e in feed(client, coop) if e["type"] == "MemberAdmitted"]
    assert [b["event_id"] for b in bodies] == admitted and len(admitted) == 2


def test_a_receiver_failing_three_times_then_recovering_gets_everything(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 2)
    receiver.then(Answer(500, text="boom"), Answer(502), Answer(503))
    d = dispatcher(service, clock=clock)
    waits = []
    for _ in range(3):
        assert d.run_once() == 1  # one attempt, held: the later events wait
        row = client.get(f"/v1/coops/{coop}/webhooks/{hook['id']}").json()
        waits.append(datetime.fromisoformat(row["next_attempt_at"]) - clock.now)
        assert d.run_once() == 0  # not due yet
        clock.advance(seconds=waits[-1].total_seconds())
    assert waits == list(BACKOFF[:3])
    drain(d)
    assert len(receiver.delivered) == 4
    bodies = [json.loads(r.body) for r in receiver.delivered]
    assert [b["position"] for b in bodies] == sorted(b["position"] for b in bodies)
    log = deliveries(client, coop, hook["id"])
    assert [(x["attempt"], x["outcome"], x["status_code"]) for x in log[:4]] == [
        (1, "failed", 500),
        (2, "failed", 502),
        (3, "failed", 503),
        (4, "delivered", 200),
    ]
    assert log[0]["response_excerpt"] is None and log[0]["response_bytes"] == len("boom")
    assert log[0]["latency_ms"] >= 0
    assert log[0]["error"] == "HTTP 500"
    assert len({x["event_id"] for x in log[:4]}) == 1  # the same event, retried


def test_a_hanging_or_absent_receiver_is_retried_and_logged(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    slow = subscribe_hook(client, coop, receiver.url)
    down = subscribe_hook(client, coop, "http://127.0.0.1:9/nobody-listens")
    record_members(client, coop, 1)
    receiver.then(Answer(504, delay=1.0))
    d = dispatcher(service, clock=clock, timeout=0.2)
    d.run_once()
    for hook in (slow, down):
        log = deliveries(client, coop, hook["id"])
        assert [(x["outcome"], x["status_code"]) for x in log] == [("failed", None)]
        assert log[0]["next_attempt_at"] is not None
    assert "Timeout" in deliveries(client, coop, slow["id"])[0]["error"]
    assert "Connect" in deliveries(client, coop, down["id"])[0]["error"]
    clock.advance(seconds=6)
    drain(d)
    assert len(receiver.delivered) == 2  # the slow one recovered; the down one keeps trying
    assert client.get(f"/v1/coops/{coop}/webhooks/{down['id']}").json()["failures"] == 2


def test_a_failing_subscription_holds_only_its_own_events(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    subscribe_hook(client, coop, "http://127.0.0.1:9/down")
    healthy = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 3)
    drain(dispatcher(service, clock=clock))
    assert len(receiver.delivered) == 6
    row = client.get(f"/v1/coops/{coop}/webhooks/{healthy['id']}").json()
    assert row["failures"] == 0 and row["status"] == "active"


def test_retry_after_is_honoured(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 1)
    receiver.then(Answer(429, headers={"Retry-After": "120"}))
    d = dispatcher(service, clock=clock)
    d.run_once()
    row = client.get(f"/v1/coops/{coop}/webhooks/{hook['id']}").json()
    assert datetime.fromisoformat(row["next_attempt_at"]) == clock.now + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert d.run_once() == 0
    clock.advance(seconds=1)
    drain(d)
    assert len(receiver.delivered) == 2


def test_gone_disables_and_replay_redelivers(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 1)
    receiver.then(Answer(410))
    d = dispatcher(service, clock=clock)
    drain(d)
    row = client.get(f"/v1/coops/{coop}/webhooks/{hook['id']}").json()
    assert row["status"] == "disabled" and "410" in row["disabled_reason"]
    assert d.run_once() == 0 and receiver.delivered == []
    replayed = client.post(f"/v1/coops/{coop}/webhooks/{hook['id']}/replay", params={"after": 0})
    assert replayed.json()["status"] == "active"
    drain(d)
    positions = [json.loads(r.body)["position"] for r in receiver.delivered]
    assert positions == [e["position"] for e in feed(client, coop)]  # from the first event


def test_the_last_retry_failing_disables_with_its_reason(
    client: TestClient, coop: str, receiver: Receiver, service: Service, clock: SteppingClock
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    record_members(client, coop, 1)
    receiver.default = Answer(500)
    d = dispatcher(service, clock=clock)
    for wait in (*BACKOFF, timedelta(0)):
        assert d.run_once() == 1
        clock.advance(seconds=wait.total_seconds())
    row = client.get(f"/v1/coops/{coop}/webhooks/{hook['id']}").json()
    assert row["status"] == "disabled"
    assert row["disabled_reason"].startswith(f"{len(BACKOFF) + 1} attempts")
    assert len(deliveries(client, coop, hook["id"])) == len(BACKOFF) + 1


def test_during_a_rotation_both_secrets_sign(
    client: TestClient, coop: str, receiver: Receiver, service: Service
) -> None:
    service.store.clock = utc_now  # one clock for the rotation and the receiver's check
    hook = subscribe_hook(client, coop, receiver.url)
    rotated = client.post(f"/v1/coops/{coop}/webhooks/{hook['id']}/secret-rotation")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != hook["secret"]
    record_members(client, coop, 1)
    drain(dispatcher(service, clock=utc_now))
    receiver.wait_for(2)
    got = receiver.delivered[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(got.body, got.headers)
    Webhook(hook["secret"]).verify(got.body, got.headers)


def test_the_test_endpoint_sends_a_signed_message_now(
    client: TestClient, coop: str, receiver: Receiver, loopback: Service
) -> None:
    loopback.store.clock = utc_now  # the receiver below checks the timestamp
    hook = subscribe_hook(client, coop, receiver.url)
    answer = client.post(f"/v1/coops/{coop}/webhooks/{hook['id']}/test").json()
    assert answer["delivered"] and answer["status_code"] == 200
    message = Webhook(hook["secret"]).verify(
        receiver.delivered[0].body, receiver.delivered[0].headers
    )
    assert message["type"] == "webhook.test"
    assert deliveries(client, coop, hook["id"])[0]["outcome"] == "test"


def test_the_accountant_reads_the_log_but_does_not_manage(
    client: TestClient, coop: str, receiver: Receiver, client_for: Any
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)
    accountant = client_for("accountant", coop)
    assert accountant.get(f"/v1/coops/{coop}/webhooks/{hook['id']}/deliveries").status_code == 200
    refused = accountant.post(
        f"/v1/coops/{coop}/webhooks", json={"url": receiver.url, "event_types": ["*"]}
    )
    assert refused.status_code == 403
    manager = client_for("manager", coop)
    assert manager.post(f"/v1/coops/{coop}/webhooks/{hook['id']}/replay").status_code == 200
