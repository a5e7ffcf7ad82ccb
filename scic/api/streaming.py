"""Event streams that cannot outstay their welcome: at most a few open per token, and a
whole life bounded by the stream's timeout whether or not the client reads (a client
that stops reading blocks the generator in a send; the bound cancels that too)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from scic.access.errors import TooManyStreams

GRACE = 5.0
"""Seconds past its timeout a stream may take to end before it is cut."""


class StreamSlots:
    """Open streams per token id, in this process."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, token_id: str, limit: int) -> None:
        with self._lock:
            if self._open.get(token_id, 0) >= limit:
                raise TooManyStreams(limit)
            self._open[token_id] = self._open.get(token_id, 0) + 1

    def give_back(self, token_id: str) -> None:
        with self._lock:
            left = self._open.get(token_id, 1) - 1
            if left > 0:
                self._open[token_id] = left
            else:
                self._open.pop(token_id, None)

    def held(self, token_id: str) -> int:
        with self._lock:
            return self._open.get(token_id, 0)


SLOTS = StreamSlots()


class BoundedStream(StreamingResponse):
    """A streaming response cut after `lifetime` seconds, whatever the client does;
    `on_close` runs once it has ended, however it ended."""

    def __init__(
        self,
        content: AsyncIterator[bytes],
        *,
        lifetime: float,
        on_close: Callable[[], None],
        media_type: str,
        headers: dict[str, str],
    ) -> None:
        super().__init__(content, media_type=media_type, headers=headers)
        self.lifetime = lifetime
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with anyio.move_on_after(self.lifetime) as bound:
                await super().__call__(scope, receive, send)
            if bound.cancelled_caught:
                with anyio.move_on_after(1):  # end the body if the client still reads
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.on_close()
