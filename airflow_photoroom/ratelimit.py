"""Client-side rate limiting, so a busy process stays under the API's per-key limit.

Photoroom allows 500 images a minute per API key and answers 429 past it. Retrying 429s works but
wastes time and connections; pacing requests so they never trip the limit is cheaper. Every hook
in one process that uses the same connection shares one bucket (see :func:`shared_bucket`), so
mapped tasks running in threads, an operator's concurrent batch and a sensor all count together.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """A token bucket that hands out reservations rather than refusals.

    :meth:`reserve` always succeeds and says how long the caller must wait for its token; callers
    queue in the order they asked, and requests leave evenly spaced at the configured rate after
    an initial burst of ``burst`` tokens. The same bucket serves threads (:meth:`acquire`) and
    coroutines (:meth:`aacquire`).

    :param rate_per_minute: the most requests any 60 s may see.
    :param burst: tokens available at once; defaults to half a second's worth of the rate.
    :param clock: a monotonic clock, replaceable in tests.

    Tokens refill at ``rate_per_minute - burst`` a minute, so a full burst plus a minute of
    steady pacing never exceeds ``rate_per_minute`` in any 60 s window: a server that counts
    strictly per sliding minute never answers 429. (At 500/minute: a burst of 4, then 496/minute.)
    """

    def __init__(
        self,
        rate_per_minute: float,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute}")
        self.rate_per_minute = rate_per_minute
        # A small burst: every token of burst is a token less of steady pace (see above).
        self.burst = burst if burst is not None else max(1, int(rate_per_minute / 120))
        self.interval = 60.0 / max(rate_per_minute - self.burst, rate_per_minute / 2)
        self._clock = clock
        self._tokens = float(self.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token now or in the future; return the seconds to wait until it is ours."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) / self.interval)
            self._updated = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens * self.interval

    def acquire(self) -> float:
        """Block the calling thread until a token is ours; return the time waited."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)
        return delay

    async def aacquire(self) -> float:
        """Like :meth:`acquire`, but yields to the event loop while waiting."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
        return delay


_buckets: dict[tuple[str, float], TokenBucket] = {}
_buckets_lock = threading.Lock()


def shared_bucket(key: str, rate_per_minute: float) -> TokenBucket:
    """The process-wide bucket for ``key`` (a connection id) at ``rate_per_minute``."""
    with _buckets_lock:
        bucket = _buckets.get((key, rate_per_minute))
        if bucket is None:
            bucket = _buckets[(key, rate_per_minute)] = TokenBucket(rate_per_minute)
        return bucket
