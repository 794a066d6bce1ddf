"""Per-user request rate limiting (sliding window) for the portal.

A public web application must not let one account (or one address, before log-in) flood
the triage queue or guess passwords quickly. Each key (``user:NAME`` or ``ip:ADDRESS``)
may make ``limit`` counted requests in any ``period_seconds``; the next one is refused
with HTTP 429 and a ``Retry-After`` header.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class RateLimiter:
    """Sliding-window limiter: ``limit`` hits per ``period_seconds`` per key.

    Examples
    --------
    >>> limiter = RateLimiter(2, 60)
    >>> limiter.hit("10.0.0.1"), limiter.hit("10.0.0.1")          # two allowed
    (0.0, 0.0)
    >>> wait = limiter.hit("10.0.0.1")                             # the third waits for the window
    >>> 59 < wait <= 60, limiter.hit("10.0.0.2"), RateLimiter.retry_after(wait)
    (True, 0.0, '60')
    """

    def __init__(self, limit: int, period_seconds: float):
        if limit < 1 or period_seconds <= 0:
            raise ValueError(f"rate limit must be at least 1 per positive period; got {limit} per {period_seconds} s.")
        self.limit = limit
        self.period = period_seconds
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count a request for ``key``; return 0 when allowed, else the seconds until it would be."""
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] >= self.period:
                q.popleft()
            if len(q) >= self.limit:
                return max(0.001, self.period - (now - q[0]))
            q.append(now)
            if len(self._hits) > 10_000:
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.period]:
                    del self._hits[k]
            return 0.0

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
