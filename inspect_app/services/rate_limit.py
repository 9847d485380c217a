"""A bounded in-process rate limiter (fixed windows), for the JSON API's
per-token limits.

Each key (a token's hash) may make ``limit`` requests per ``window``
seconds. At most ``max_keys`` keys are tracked; past that the least recently
used key is forgotten (its count starts again), so memory stays bounded
whatever clients send. The counts live in one process: under a WSGI server
with N worker processes a token may make up to N × ``limit`` requests per
window. That is the stated trade-off for not writing to the database on
every request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict


class WindowLimiter:
    def __init__(self, limit: int, window: float, max_keys: int = 10_000):
        if limit < 1 or window <= 0 or max_keys < 1:
            raise ValueError("limit, window and max_keys must be positive")
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """Counts one request for ``key``: (allowed, seconds until the window
        resets). A refused request is not counted."""
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._windows.pop(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            allowed = count < self.limit
            self._windows[key] = (start, count + 1 if allowed else count)
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return allowed, max(1, math.ceil(start + self.window - now))

    def __len__(self) -> int:
        return len(self._windows)
