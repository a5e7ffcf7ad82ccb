"""A bound on request bodies, enforced while they stream in and before authentication:
nobody, with or without a token, makes the server hold more than `max_bytes` of one
request. A declared Content-Length above the bound is refused without reading a byte."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scic.api.problems import problem

READ_SECONDS = 30.0
"""A request body arrives whole within this (a body trickled in is answered 408)."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, read_seconds: float = READ_SECONDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_seconds = read_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        with anyio.move_on_after(self.read_seconds):
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
        if more:
            detail = f"the request body did not arrive within {self.read_seconds:g} s"
            await problem(408, "request-timeout", detail, headers={"Connection": "close"})(
                scope, receive, send
            )
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:  # the app may wait for a disconnect once it has the body
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than the {self.max_bytes:,} bytes this server accepts"
        await problem(413, "payload-too-large", detail)(scope, receive, send)
