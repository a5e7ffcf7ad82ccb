"""Webhook subscriptions: validation at subscription time, Standard Webhooks signing,
secret rotation, replay and the delivery log (the dispatcher delivers: dispatcher.py).

Signing follows https://www.standardwebhooks.com: the secret is `whsec_<base64 key>`, and
`webhook-signature` is `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`; during a
rotation the previous secret signs as well, the signatures separated by spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa

from scic.errors import NotFound, refuse
from scic.integrations.tables import webhook_deliveries, webhook_subscriptions
from scic.integrations.targets import (
    TargetPolicy,
    TargetRefused,
    embedded_ipv4,
    judge,
    resolve_within,
)

SECRET_PREFIX = "whsec_"
SECRET_PATTERN = r"^whsec_(?:[A-Za-z0-9+/]{4}){8,21}(?:[A-Za-z0-9+/]{2}==)?$"
"""What `secret_key` accepts, as the contract states it: 24 to 64 bytes in base64."""
ALL_TYPES = "*"
T = TypeVar("T")
ROTATION_OVERLAP = timedelta(hours=24)
# A subscription waits this long for its host's name; a name not resolved by then is
# judged again at each delivery, like a name not known yet.
SUBSCRIPTION_LOOKUP_SECONDS = 5.0
"""How long the previous secret keeps signing after a rotation (receivers switch over)."""


# -- secrets and signatures ------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; raises a 422 refusal for a malformed one."""
    if not secret.startswith(SECRET_PREFIX):
        raise refuse("invalid-webhook-secret", "a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise refuse("invalid-webhook-secret", "a webhook secret is 'whsec_' then base64") from None
    if not 24 <= len(key) <= 64:
        raise refuse("invalid-webhook-secret", "a webhook secret holds 24 to 64 bytes")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    signing_secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, msg_id, timestamp, body) for secret in signing_secrets
        ),
    }


def signing_secrets(row: Any, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    found = [row["secret"]]
    until = row["previous_secret_until"]
    if row["previous_secret"] and until is not None and now < until:
        found.append(row["previous_secret"])
    return found


# -- subscription-time checks -----------------------------------------------------------


def check_url(url: str, policy: TargetPolicy) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refuse("invalid-webhook-url", f"{url!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise refuse("invalid-webhook-url", "a webhook URL carries no credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise refuse("invalid-webhook-url", f"{url!r} has an invalid port") from None
    host = parts.hostname.lower().rstrip(".")
    if f"{host}:{port}" in policy.own_netlocs:
        raise refuse("webhook-url-is-this-server", "a webhook may not call this server itself")
    if not policy.allow_loopback and (host == "localhost" or host.endswith(".localhost")):
        raise refuse("webhook-url-is-this-server", f"{host} is this machine (loopback)")
    try:
        addresses = resolve_within(host, port, SUBSCRIPTION_LOOKUP_SECONDS)
    except (OSError, UnicodeError):  # TimeoutError included
        # Not known yet (or the resolver is down): each delivery resolves and judges again.
        return url
    try:
        judge(host, addresses, policy)
    except TargetRefused as exc:
        loopback = any(embedded_ipv4(a).is_loopback for a in addresses)
        slug = "webhook-url-is-this-server" if loopback else "webhook-url-not-public"
        raise refuse(slug, f"{exc}: deliveries go to public addresses only") from None
    return url


def check_event_types(types: Sequence[str], known: Collection[str]) -> list[str]:
    if not types:
        raise refuse("unknown-event-types", 'event_types lists event types, or ["*"]')
    if ALL_TYPES in types:
        if len(types) > 1:
            raise refuse("unknown-event-types", '"*" means every type: list it alone')
        return [ALL_TYPES]
    unknown = sorted(set(types) - set(known))
    if unknown:
        raise refuse(
            "unknown-event-types",
            f"unknown event types: {', '.join(unknown)} (known: {', '.join(sorted(known))})",
        )
    return sorted(set(types))


# -- subscriptions ---------------------------------------------------------------------


def create(
    conn: sa.Connection,
    *,
    coop_id: str,
    url: str,
    event_types: list[str],
    secret: str | None,
    description: str | None,
    now: datetime,
    head: int,
    created_by: str | None,
) -> tuple[str, str]:
    """A new subscription, delivering events recorded after `head`. Returns (id, secret)."""
    if secret is not None:
        secret_key(secret)
    chosen = secret or new_secret()
    subscription_id = f"whk_{uuid.uuid4().hex[:16]}"
    conn.execute(
        webhook_subscriptions.insert().values(
            subscription_id=subscription_id,
            coop_id=coop_id,
            url=url,
            event_types=event_types,
            description=description,
            secret=chosen,
            status="active",
            created_at=now,
            created_by=created_by,
            cursor=head,
            failures=0,
        )
    )
    return subscription_id, chosen


def get_row(conn: sa.Connection, coop_id: str, subscription_id: str) -> Any:
    w = webhook_subscriptions.c
    row = (
        conn.execute(
            sa.select(webhook_subscriptions).where(
                w.subscription_id == subscription_id, w.coop_id == coop_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("webhook", subscription_id)
    return row


def list_rows(conn: sa.Connection, coop_id: str) -> list[Any]:
    w = webhook_subscriptions.c
    query = sa.select(webhook_subscriptions).where(w.coop_id == coop_id)
    return list(conn.execute(query.order_by(w.created_at, w.subscription_id)).mappings())


def _idle(now: datetime) -> sa.ColumnElement[bool]:
    """No delivery in flight (or the mark of one whose dispatcher died has expired)."""
    w = webhook_subscriptions.c
    return sa.or_(w.delivering_until.is_(None), w.delivering_until < now)


def when_idle(
    engine: sa.Engine,
    clock: Callable[[], datetime],
    coop_id: str,
    subscription_id: str,
    patience: float,
    change: Callable[[sa.Connection], T],
) -> T:
    """Run `change` once no delivery to the subscription is in flight, so a deleted
    subscription or a dropped secret is never used by a request still on its way.

    The subscription's lease is taken first: no dispatcher starts a new delivery, the one
    in flight ends by its deadline, and then `change` runs (in a write transaction) and
    the lease is given back. A delivery outlasting `patience` seconds: 409 `webhook-busy`."""
    w = webhook_subscriptions.c
    this = w.subscription_id == subscription_id
    with engine.begin() as conn:
        get_row(conn, coop_id, subscription_id)
        hold = clock() + timedelta(seconds=patience + 1)
        conn.execute(webhook_subscriptions.update().where(this).values(lease_until=hold))
    give_up = time.monotonic() + patience
    while True:
        with engine.begin() as conn:
            if conn.execute(sa.select(w.subscription_id).where(this, _idle(clock()))).first():
                done = change(conn)
                conn.execute(webhook_subscriptions.update().where(this).values(lease_until=None))
                return done
        if time.monotonic() > give_up:
            with engine.begin() as conn:
                conn.execute(webhook_subscriptions.update().where(this).values(lease_until=None))
            raise refuse("webhook-busy", "a delivery to this webhook is in flight: try again")
        time.sleep(0.05)


def delete(conn: sa.Connection, coop_id: str, subscription_id: str) -> None:
    get_row(conn, coop_id, subscription_id)
    conn.execute(
        webhook_deliveries.delete().where(webhook_deliveries.c.subscription_id == subscription_id)
    )
    conn.execute(
        webhook_subscriptions.delete().where(
            webhook_subscriptions.c.subscription_id == subscription_id
        )
    )


def rotate(
    conn: sa.Connection, coop_id: str, subscription_id: str, secret: str | None, now: datetime
) -> tuple[str, datetime]:
    """A new secret; the old one keeps signing for ROTATION_OVERLAP. Returns both ends."""
    row = get_row(conn, coop_id, subscription_id)
    if secret is not None:
        secret_key(secret)
    chosen = secret or new_secret()
    until = now + ROTATION_OVERLAP
    _update(
        conn,
        subscription_id,
        secret=chosen,
        previous_secret=row["secret"],
        previous_secret_until=until,
    )
    return chosen, until


def replay(conn: sa.Connection, coop_id: str, subscription_id: str, after: int) -> None:
    """Deliver again every event after `after`, and re-enable a disabled subscription."""
    get_row(conn, coop_id, subscription_id)
    _update(
        conn,
        subscription_id,
        cursor=after,
        failures=0,
        next_attempt_at=None,
        status="active",
        disabled_reason=None,
        disabled_at=None,
    )


def _update(conn: sa.Connection, subscription_id: str, **values: Any) -> None:
    conn.execute(
        webhook_subscriptions.update()
        .where(webhook_subscriptions.c.subscription_id == subscription_id)
        .values(**values)
    )


def deliveries(
    conn: sa.Connection, subscription_id: str, after: int = 0, limit: int = 100
) -> list[Any]:
    d = webhook_deliveries.c
    return list(
        conn.execute(
            sa.select(webhook_deliveries)
            .where(d.subscription_id == subscription_id, d.delivery_id > after)
            .order_by(d.delivery_id)
            .limit(limit)
        ).mappings()
    )
