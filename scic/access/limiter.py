"""Throttles token guessing, per (client address, token id): a client that fails to
authenticate `limit` times within `window` seconds with one token id (or with malformed
tokens, one key for all of them) is answered 429 instead of 401 on that key until the
oldest of those failures ages out of the window. In memory, per process: each API worker
counts its own failures.

A valid token is never refused: the guard verifies it first and only a failure is
judged here, so neither guessing at an admin's token id nor a neighbour behind the same
address locks its holder out. (Secrets are 256 random bits: guessing is hopeless
whatever the throttle; it makes a misbehaving client back off, per key.)"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from scic.access.errors import TooManyFailures

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = 60.0
_MAX_KEYS = 10_000  # beyond this many tracked keys, forget the idle ones

Key = tuple[str, str]
"""(client address, token id; "" for a token too malformed to have one; `email:<address>`
for a password sign-in)."""


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
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()  # authentication runs in worker threads

    def failed(self, key: Key) -> None:
        """Count one more failure of `key`, or raise TooManyFailures when it has used up
        its failures (the refusal is not counted: the lockout does not grow)."""
        with self._lock:
            now = self.clock()
            failures = self._failures.get(key)
            if failures is not None and len(failures) >= self.limit:
                wait = failures[0] + self.window - now
                if wait > 0:
                    raise TooManyFailures(max(1, math.ceil(wait)))
            if failures is None:
                if len(self._failures) >= _MAX_KEYS:
                    self._forget_idle(now)
                failures = self._failures[key] = deque(maxlen=self.limit)
            failures.append(now)

    def check(self, key: Key) -> None:
        """Raise TooManyFailures while `key` has used up its failures, without counting.
        Passwords are checked with it first: unlike a token's secret, a password can be
        guessed, so a locked-out key gets no answer about the password it sends."""
        with self._lock:
            failures = self._failures.get(key)
            if failures is not None and len(failures) >= self.limit:
                wait = failures[0] + self.window - self.clock()
                if wait > 0:
                    raise TooManyFailures(max(1, math.ceil(wait)))

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, f in self._failures.items() if f[-1] + self.window <= now]:
            del self._failures[key]
