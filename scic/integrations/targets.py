"""Where webhook deliveries may go, and the HTTP client that holds them to it.

A subscriber chooses the URL the server calls: without a check, it could make the server
call its own loopback services, the cloud metadata address or the private network behind
it (SSRF). Host names are resolved and every address is judged — at subscription, and
again at each delivery on the address the socket actually connected to (a name may
resolve elsewhere by then). Odd spellings of an address (`2130706433`, `0x7f000001`,
`0177.0.0.1`, `127.1`, `0`, `[::ffff:127.0.0.1]`) go through the same resolver as the
connection, so they are judged as the address they are.

A delivery reads at most `READ_LIMIT` bytes of the answer and has one total deadline
(name resolution, connection, request and answer together), so a receiver trickling
bytes, or a name server that never answers, cannot hold a dispatcher worker longer than
that.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ResolutionTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

READ_LIMIT = 4096
"""Bytes of a receiver's answer read at most (its status and length are what count)."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class TargetPolicy:
    """Attributes:
    allow_loopback: loopback addresses (127/8, ::1) may receive deliveries (tests, a
      receiver on the same host); SCIC_WEBHOOK_ALLOW_LOOPBACK.
    allowed_networks: networks an operator allows although they are not public (a
      receiver on the private network); SCIC_WEBHOOK_ALLOW_NETWORKS.
    own_netlocs: `host:port` of this server, refused always.
    """

    allow_loopback: bool = False
    allowed_networks: tuple[Network, ...] = ()
    own_netlocs: frozenset[str] = frozenset()

    def refusal(self, address: Address) -> str | None:
        """Why deliveries may not go to `address`; None when they may."""
        inner = embedded_ipv4(address)
        if any(a in n for a in {address, inner} for n in self.allowed_networks):
            return None
        if inner.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if inner.is_unspecified:
            return "the unspecified address"
        if inner.is_link_local:
            return "a link-local address"
        if inner.is_multicast:
            return "a multicast address"
        if inner != address and address.version == 6 and address in _IPV4_COMPATIBLE:
            return "an IPv4-compatible IPv6 address"
        if inner.is_private or inner.is_reserved or not inner.is_global:
            return "a private or reserved address"
        return None


def embedded_ipv4(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped `::ffff:a.b.c.d`, 6to4, NAT64
    `64:ff9b::a.b.c.d`, deprecated compatible `::a.b.c.d`), judged in its place."""
    if address.version == 4:
        return address
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


class TargetRefused(Exception):
    """A host that resolves (or connected) to an address deliveries may not go to."""


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to, by the resolver connections use (so numeric
    spellings resolve as a connection would read them). Raises socket.gaierror."""
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


# The system resolver has no timeout of its own: it runs on these threads, and a delivery
# waits for it no longer than its deadline allows (a stuck lookup keeps its thread, the
# delivery goes on; the pool bounds how many lookups can be stuck at once).
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def resolve_within(host: str, port: int, seconds: float | None) -> list[Address]:
    """`resolve`, given up after `seconds` (None: wait as long as it takes): raises
    TimeoutError then, socket.gaierror when the name does not resolve."""
    lookup = _resolver.submit(resolve, host, port)
    try:
        return lookup.result(timeout=seconds)
    except ResolutionTimeout:
        raise TimeoutError(f"{host} did not resolve within {seconds:g} s") from None


def judge(host: str, addresses: Iterable[Address], policy: TargetPolicy) -> None:
    """Raise TargetRefused when any address of `host` is refused (a name resolving to a
    public and a private address is refused: the connection may pick either)."""
    for address in addresses:
        reason = policy.refusal(address)
        if reason is not None:
            shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
            raise TargetRefused(f"{shown} is {reason}")


# -- the delivery deadline -------------------------------------------------------------

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "webhook_deadline", default=None
)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of the requests made inside shares one total deadline."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining(timeout: float | None, error: type[Exception]) -> float | None:
    until = _deadline.get()
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise error("the delivery's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes never wait past the delivery's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = _remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, wait))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, judges every address, connects to a judged address and
    judges the peer the socket reached; TLS still verifies the host name (SNI)."""

    def __init__(self, policy: TargetPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve_within(host, port, _remaining(timeout, httpcore.ConnectTimeout))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from None
        try:
            judge(host, addresses, self.policy)
        except TargetRefused as exc:
            raise httpcore.ConnectError(f"refused: {exc}") from None
        wait = _remaining(timeout, httpcore.ConnectTimeout)  # what the lookup left
        stream = self.inner.connect_tcp(
            str(addresses[0]), port, wait, local_address, socket_options
        )
        peer = stream.get_extra_info("socket").getpeername()[0]
        try:
            judge(host, [ipaddress.ip_address(str(peer).split("%")[0])], self.policy)
        except TargetRefused as exc:
            stream.close()
            raise httpcore.ConnectError(f"refused: {exc}") from None
        return _DeadlineStream(stream)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on the guarded connection backend (no proxy: a proxy would
    connect on our behalf, out of the guard's sight)."""

    def __init__(self, policy: TargetPolicy) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            retries=0,
            network_backend=_GuardedBackend(policy),
        )


def client(policy: TargetPolicy, timeout: float) -> httpx.Client:
    """The HTTP client deliveries go through."""
    return httpx.Client(
        transport=GuardedTransport(policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
