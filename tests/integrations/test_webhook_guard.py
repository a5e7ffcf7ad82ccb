"""Webhooks against hostile targets and receivers: addresses of this machine or its
networks however spelt, answers that are huge, slow or malformed, a database that goes
away, and changes made while a delivery is on its way."""

from __future__ import annotations

import dataclasses
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from scic.integrations import targets
from scic.integrations.config import EventsOut
from scic.integrations.dispatcher import MAX_RETRY_AFTER, Dispatcher, retry_after
from scic.service import Service
from tests.api.conftest import create_coop
from tests.integrations.conftest import Answer, Receiver, record_members
from tests.integrations.test_webhooks import deliveries, dispatcher, subscribe_hook

ODD_SPELLINGS = [
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://0/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://LOCALHOST./hook",
    f"http://{socket.gethostname()}/hook",
    "http://[::ffff:169.254.169.254]/latest/meta-data",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/hook",
    "http://10.0.0.8/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://[fd12:3456::1]/hook",
    "http://[::ffff:10.0.0.8]/hook",
    "http://[64:ff9b::7f00:1]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://224.0.0.251/hook",
    "http://[ff02::1]/hook",
    "http://255.255.255.255/hook",
]


@pytest.mark.parametrize("url", ODD_SPELLINGS)
def test_every_spelling_of_a_local_or_private_address_is_refused(
    client: TestClient, service: Service, url: str
) -> None:
    coop = create_coop(client)
    response = client.post(f"/v1/coops/{coop}/webhooks", json={"url": url, "event_types": ["*"]})
    assert response.status_code == 422, response.text
    assert response.json()["type"] in (
        "/errors/webhook-url-is-this-server",
        "/errors/webhook-url-not-public",
    )


def test_a_network_the_operator_allows_is_accepted(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    service.events_out = EventsOut(allowed_networks=(targets.ipaddress.ip_network("10.0.0.0/8"),))
    body = {"url": "http://10.0.0.8/hook", "event_types": ["*"]}
    assert client.post(f"/v1/coops/{coop}/webhooks", json=body).status_code == 201
    body["url"] = "http://192.168.1.10/hook"
    assert client.post(f"/v1/coops/{coop}/webhooks", json=body).status_code == 422


def test_each_delivery_judges_the_address_again(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> None:
    # Accepted when loopback was allowed (or when the name resolved elsewhere): the
    # delivery resolves again, and refuses to connect.
    for host in ("127.0.0.1", "localhost", "2130706433"):
        subscribe_hook(client, coop, receiver.url.replace("127.0.0.1", host))
    loopback.events_out = dataclasses.replace(loopback.events_out, allow_loopback_targets=False)
    record_members(client, coop, 1)
    d = dispatcher(loopback)
    assert d.run_once() == 3
    assert receiver.requests == []
    for hook in client.get(f"/v1/coops/{coop}/webhooks").json()["webhooks"]:
        (attempt,) = deliveries(client, coop, hook["id"])
        assert attempt["outcome"] == "failed" and attempt["status_code"] is None
        assert "refused" in attempt["error"] and "loopback" in attempt["error"]


def test_the_policy_unwraps_every_embedded_ipv4_address() -> None:
    policy = targets.TargetPolicy()
    for text in ("::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a00:1::", "::7f00:1"):
        assert policy.refusal(targets.ipaddress.ip_address(text)) is not None, text
    assert policy.refusal(targets.ipaddress.ip_address("93.184.215.14")) is None
    assert policy.refusal(targets.ipaddress.ip_address("2606:4700::6810:85e5")) is None


# -- what comes back -----------------------------------------------------------------------


def test_a_receivers_answer_is_not_echoed_unless_the_operator_keeps_it(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)["id"]
    receiver.then(Answer(500, text="root:x:0:0:secret from an internal service"))
    record_members(client, coop, 1)
    dispatcher(loopback).run_once()
    (attempt,) = deliveries(client, coop, hook)
    assert attempt["response_excerpt"] is None
    assert attempt["response_bytes"] == len("root:x:0:0:secret from an internal service")
    test = client.post(f"/v1/coops/{coop}/webhooks/{hook}/test").json()
    assert set(test) == {
        "webhook_id",
        "delivered",
        "status_code",
        "latency_ms",
        "error",
        "response_bytes",
    }
    loopback.events_out = dataclasses.replace(loopback.events_out, echo_responses=True)
    receiver.then(Answer(500, text="kept"))
    loopback.store.clock.advance(seconds=10)  # type: ignore[attr-defined]
    dispatcher(loopback).run_once()
    assert deliveries(client, coop, hook)[-1]["response_excerpt"] == "kept"


def test_a_huge_answer_is_read_only_a_few_kib(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)["id"]
    receiver.default = Answer(200, stream=64 * 1024 * 1024)
    record_members(client, coop, 1)
    d = dispatcher(loopback, workers=1)
    tracemalloc.start()
    try:
        d.run_once()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        d.close()
    attempts = deliveries(client, coop, hook)
    assert [a["outcome"] for a in attempts] == ["delivered", "delivered"]
    assert {a["response_bytes"] for a in attempts} == {targets.READ_LIMIT}
    assert peak < 8 * 1024 * 1024  # 64 MiB answers, never held


def test_a_trickling_receiver_is_cut_at_the_deadline_and_the_test_endpoint_too(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)["id"]
    loopback.events_out = dataclasses.replace(loopback.events_out, delivery_timeout=1.0)
    receiver.default = Answer(200, trickle=0.2)  # would answer forever
    record_members(client, coop, 1)
    dispatcher(loopback, timeout=None).run_once()
    (attempt,) = deliveries(client, coop, hook)
    assert attempt["outcome"] == "failed" and "deadline" in attempt["error"]
    answer = client.post(f"/v1/coops/{coop}/webhooks/{hook}/test").json()
    assert answer["delivered"] is False and "deadline" in answer["error"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("99999999999999999999", MAX_RETRY_AFTER),
        ("²", None),
        ("١٢", None),
        ("Fri, 31 Dec 99999 23:59:59 GMT", None),
        ("Mon, 01 Jan 0001 00:00:00 -0000", None),
        ("120", timedelta(seconds=120)),
    ],
)
def test_retry_after_never_raises(header: str, expected: timedelta | None, clock: Any) -> None:
    assert retry_after(header, clock()) == expected


@pytest.mark.parametrize("header", ["99999999999999999999", "²"])
def test_a_malformed_retry_after_is_a_plain_failure(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver, header: str
) -> None:
    hook = subscribe_hook(client, coop, receiver.url)["id"]
    receiver.then(Answer(503, headers={"retry-after": header}))
    record_members(client, coop, 1)
    assert dispatcher(loopback).run_once() == 1
    (attempt,) = deliveries(client, coop, hook)
    assert attempt["outcome"] == "failed" and attempt["next_attempt_at"] is not None


# -- the dispatcher keeps going ------------------------------------------------------------


def running(d: Dispatcher) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=d.run, args=(stop,), kwargs={"idle": 0.05}, daemon=True)
    thread.start()
    return stop, thread


def test_the_dispatcher_survives_the_database_going_away(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver, backend: str
) -> None:
    subscribe_hook(client, coop, receiver.url)
    d = dispatcher(loopback)
    with loopback.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE webhook_subscriptions RENAME TO webhook_subs_away")
    stop, thread = running(d)
    try:
        if backend == "postgresql":
            with loopback.engine.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        threading.Event().wait(0.3)  # several failing passes
        assert thread.is_alive()
        with loopback.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE webhook_subs_away RENAME TO webhook_subscriptions")
        record_members(client, coop, 1)
        receiver.wait_for(2)
    finally:
        stop.set()
        thread.join(timeout=20)
        d.close()
    assert not thread.is_alive()


def test_a_slow_subscription_does_not_hold_the_others(
    client: TestClient, loopback: Service, receiver: Receiver
) -> None:
    slow, fast = create_coop(client), create_coop(client)
    other = Receiver()
    try:
        release = threading.Event()
        receiver.default = Answer(200, hold=release)
        subscribe_hook(client, slow, receiver.url)
        subscribe_hook(client, fast, other.url)
        d = dispatcher(loopback, clock=None, timeout=30.0)
        stop, thread = running(d)
        try:
            record_members(client, slow, 1)
            while receiver.holding == 0:
                threading.Event().wait(0.02)
            record_members(client, fast, 3)
            other.wait_for(6)  # while the slow receiver still holds its first request
            assert receiver.holding == 1 and receiver.delivered == []
        finally:
            release.set()
            stop.set()
            thread.join(timeout=30)
            d.close()
        receiver.wait_for(2)
    finally:
        other.stop()


def test_a_delivery_cannot_outlive_its_lease(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> None:
    d = Dispatcher(loopback, timeout=30.0, lease=timedelta(seconds=1.5))
    assert d.timeout == 0.5
    d.close()
    loopback.store.clock = _real_clock()  # type: ignore[method-assign]
    subscription = subscribe_hook(client, coop, receiver.url)["id"]
    release = threading.Event()
    receiver.then(Answer(200, hold=release))
    record_members(client, coop, 1)
    first = dispatcher(loopback, clock=None, lease=timedelta(seconds=1.5))
    second = dispatcher(loopback, clock=None, lease=timedelta(seconds=1.5))
    stop1, t1 = running(first)
    stop2, t2 = running(second)
    try:
        receiver.wait_for(2)
    finally:
        release.set()
        for stop, thread in ((stop1, t1), (stop2, t2)):
            stop.set()
            thread.join(timeout=20)
        first.close()
        second.close()
    # The held request was given up at its deadline (a third of the lease) while the lease
    # was still held: the other dispatcher never sent the same event beside it, and each
    # event is logged delivered once.
    log = deliveries(client, coop, subscription)
    assert "deadline" in log[0]["error"]
    assert sorted(a["position"] for a in log if a["outcome"] == "delivered") == sorted(
        {a["position"] for a in log}
    )
    for one, following in zip(log, log[1:], strict=False):
        ended = datetime.fromisoformat(one["attempted_at"]) + timedelta(
            milliseconds=one["latency_ms"]
        )
        assert ended <= datetime.fromisoformat(following["attempted_at"]) + timedelta(
            milliseconds=5
        )


@pytest.fixture
def in_flight(
    client: TestClient, loopback: Service, coop: str, receiver: Receiver
) -> Iterator[tuple[str, threading.Event, Dispatcher]]:
    """A subscription whose receiver holds a delivery until the test releases it."""
    loopback.store.clock = _real_clock()  # type: ignore[method-assign]
    hook = subscribe_hook(client, coop, receiver.url)["id"]
    release = threading.Event()
    receiver.then(Answer(200, hold=release))
    d = dispatcher(loopback, clock=None, timeout=30.0)
    stop, thread = running(d)
    record_members(client, coop, 1)
    while receiver.holding == 0:
        threading.Event().wait(0.02)
    try:
        yield hook, release, d
    finally:
        release.set()
        stop.set()
        thread.join(timeout=30)
        d.close()


def _real_clock() -> Any:
    from ledger.store import utc_now

    return utc_now


def _release_later(release: threading.Event, seconds: float) -> None:
    threading.Timer(seconds, release.set).start()


def test_delete_waits_for_the_delivery_in_flight(
    client: TestClient, coop: str, receiver: Receiver, in_flight: Any
) -> None:
    hook, release, _ = in_flight
    _release_later(release, 0.5)
    response = client.delete(f"/v1/coops/{coop}/webhooks/{hook}")
    assert response.status_code == 200, response.text
    assert release.is_set() and receiver.holding == 0
    count = len(receiver.requests)
    record_members(client, coop, 2)
    threading.Event().wait(0.5)
    assert len(receiver.requests) == count
    assert client.get(f"/v1/coops/{coop}/webhooks/{hook}").status_code == 404


def test_rotation_waits_and_the_next_delivery_carries_the_new_secret(
    client: TestClient, coop: str, receiver: Receiver, in_flight: Any
) -> None:
    hook, release, _ = in_flight
    _release_later(release, 0.5)
    response = client.post(f"/v1/coops/{coop}/webhooks/{hook}/secret-rotation", json={})
    assert response.status_code == 200, response.text
    assert release.is_set()
    receiver.wait_for(2)
    later = receiver.delivered[-1]
    Webhook(response.json()["secret"]).verify(later.body, later.headers)


def test_a_delivery_outlasting_the_patience_answers_409_not_500(
    client: TestClient, loopback: Service, coop: str, in_flight: Any
) -> None:
    hook, _, _ = in_flight
    loopback.events_out = dataclasses.replace(loopback.events_out, delivery_timeout=0.2)
    response = client.delete(f"/v1/coops/{coop}/webhooks/{hook}")
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/errors/webhook-busy"
    assert client.get(f"/v1/coops/{coop}/webhooks/{hook}").status_code == 200


def test_the_delivery_log_of_a_refused_target_holds_no_answer(
    client: TestClient, loopback: Service, coop: str
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    hook = subscribe_hook(client, coop, f"http://127.0.0.1:{port}/hook")["id"]
    record_members(client, coop, 1)
    d = dispatcher(loopback)
    d.run_once()
    (attempt,) = deliveries(client, coop, hook)
    assert attempt["response_excerpt"] is None and attempt["response_bytes"] is None
    with loopback.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM webhook_deliveries")).scalar() == 1


def test_a_name_server_that_never_answers_is_cut_at_the_delivery_deadline(
    client: TestClient,
    loopback: Service,
    coop: str,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system resolver has no timeout: the lookup counts against the delivery's
    deadline like the connection and the answer do."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    released = threading.Event()
    slow = {"on": False}
    real_resolve = targets.resolve

    def lookup(host: str, port_: int) -> list[Any]:
        if slow["on"]:
            released.wait(10)  # a name server that does not answer
        return real_resolve("127.0.0.1", port_)

    monkeypatch.setattr(targets, "resolve", lookup)
    url = receiver.url.replace("127.0.0.1", "hooks.slow-dns.test")
    hook = subscribe_hook(client, coop, url)["id"]
    loopback.events_out = dataclasses.replace(loopback.events_out, delivery_timeout=1.0)
    record_members(client, coop, 1)
    dispatcher(loopback, timeout=None).run_once()  # the name answers: delivered
    assert [a["outcome"] for a in deliveries(client, coop, hook)] == ["delivered", "delivered"]
    assert port and len(receiver.delivered) == 2

    slow["on"] = True
    try:
        record_members(client, coop, 1)
        dispatcher(loopback, timeout=None).run_once()
        *_, attempt = deliveries(client, coop, hook)
        answer = client.post(f"/v1/coops/{coop}/webhooks/{hook}/test").json()
    finally:
        released.set()
    assert attempt["outcome"] == "failed"
    assert "did not resolve" in attempt["error"] and "deadline" in attempt["error"]
    assert attempt["latency_ms"] < 5000  # given up at the 1 s deadline, not after 10 s
    assert answer["latency_ms"] < 5000
    assert answer["delivered"] is False and "did not resolve" in answer["error"]
    assert len(receiver.delivered) == 2
