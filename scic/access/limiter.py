"""Throttles token guessing: a client (IP address) that fails to authenticate `limit`
times within `window` seconds is refused (429) until the oldest of those failures ages
out of the window. In memory, per process: each API worker counts its own failures."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from scic.access.errors import TooManyFailures

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = 60.0
_MAX_CLIENTS = 10_000  # beyond this many tracked clients, forget the idle ones


class FailureLimiter:
    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # authentication runs in worker threads

    def check(self, client: str) -> None:
        """Refuse a client that used up its failures (whatever token it brings now)."""
        with self._lock:
            failures = self._failures.get(client)
            if failures is None or len(failures) < self.limit:
                return
            wait = failures[0] + self.window - self.clock()
            if wait <= 0:
                failures.popleft()
                return
        raise TooManyFailures(max(1, math.ceil(wait)))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) >= _MAX_CLIENTS:
                self._forget_idle(now)
            failures = self._failures.setdefault(client, deque(maxlen=self.limit))
            failures.append(now)

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, f in self._failures.items() if f[-1] + self.window <= now]:
            del self._failures[client]
