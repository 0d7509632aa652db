"""When to try a Photoroom call again, and how long to wait first.

One policy serves the sync and the async hook: the loops that send requests only ask a
:class:`RetryState` what to do next, so the rules live here once. Retrying is safe because the API
charges nothing for a failed call. Only answers that may succeed on a second try are retried: 429,
500, 502, 503, 504, connection failures and timeouts. A 400/401/402/403/404/413/415 answer will be
the same next time, so it is raised at once.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from airflow_photoroom.exceptions import (
    PhotoroomError,
    PhotoroomTimeoutError,
    PhotoroomTransportError,
    error_for_response,
)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Transport failures worth another try: nothing reached the API, the connection broke, or the
#: answer did not come in time.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


def parse_retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total waiting time.

    :param max_retries: retries after the first attempt (0 disables retrying).
    :param backoff_base: the first backoff window, in seconds; it doubles each retry.
    :param backoff_cap: the largest backoff window, in seconds.
    :param max_total_wait: the most time one call may spend waiting between attempts; a wait
        that would go past it (a long ``Retry-After``, say) ends the retries instead.
    """

    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_total_wait: float = 180.0
    jitter: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def start(self, endpoint: str) -> RetryState:
        return RetryState(self, endpoint)

    def backoff(self, retry_number: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**n)] (AWS architecture blog)."""
        window = min(self.backoff_cap, self.backoff_base * (2**retry_number))
        return float(window * self.jitter())


class RetryState:
    """The retry bookkeeping of one call: attempts made and time waited so far."""

    def __init__(self, policy: RetryPolicy, endpoint: str) -> None:
        self.policy = policy
        self.endpoint = endpoint
        self.retries = 0
        self.waited = 0.0
        self.last_problem = ""

    def after_response(self, response: httpx.Response) -> float | None:
        """``None`` if ``response`` is the answer to return; else seconds to wait before retrying.

        :raises PhotoroomAPIError: for an error answer that is final (not retryable, or retries
            are used up).
        """
        if response.is_success:
            return None
        error = error_for_response(response, endpoint=self.endpoint)
        if response.status_code not in RETRYABLE_STATUSES:
            raise error
        self.last_problem = f"HTTP {response.status_code}"
        return self._next_delay(error, parse_retry_after(response))

    def after_error(self, error: Exception) -> float:
        """Seconds to wait before retrying after a transport failure.

        :raises PhotoroomTransportError: when the failure is final.
        """
        kind = PhotoroomTimeoutError if isinstance(error, httpx.TimeoutException) else PhotoroomTransportError
        final = kind(f"{self.endpoint} failed: {type(error).__name__}: {error}")
        if not isinstance(error, RETRYABLE_ERRORS):
            raise final from error
        self.last_problem = type(error).__name__
        return self._next_delay(final, None, cause=error)

    def _next_delay(
        self, error: PhotoroomError, retry_after: float | None, cause: Exception | None = None
    ) -> float:
        delay = retry_after if retry_after is not None else self.policy.backoff(self.retries)
        if self.retries >= self.policy.max_retries or self.waited + delay > self.policy.max_total_wait:
            error.add_note(f"gave up after {self.retries + 1} attempts and {self.waited:.1f}s of waiting")
            raise error from cause
        self.retries += 1
        self.waited += delay
        return delay
