"""The HTTP/1.1 protocol `scic serve` runs: uvicorn's h11 one, with a deadline for each
request's line and headers.

uvicorn bounds an idle keep-alive connection (`timeout_keep_alive`) but not a request
whose headers trickle in: its keep-alive timer stops at the first byte, and nothing
starts one on a new connection. A client sending one header byte every few seconds
would keep the connection (and its slot among `limit_concurrency`) for ever. Here the
request line and headers are due within `header_timeout` seconds of the connection, or
of the previous response on a kept-alive one; past it the connection is answered `408`
and closed. The body has its own deadline (scic.api.limits)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("scic.connections")


class HeaderDeadline(H11Protocol):
    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request's headers, if the connection is kept alive

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._late)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _waiting_for_headers(self) -> bool:
        cycle: Any = self.cycle
        return cycle is None or cycle.response_complete

    def _late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._waiting_for_headers():
            return
        log.info("connection from %s closed: headers not complete in time", self.client)
        self.transport.write(TIMED_OUT)
        self.transport.close()


_SAID = b"the request headers did not arrive in time\n"
TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(_SAID), _SAID)
)


def with_header_timeout(seconds: float) -> type[HeaderDeadline]:
    """The protocol class uvicorn takes as `http=`, with this deadline."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_timeout": seconds})
