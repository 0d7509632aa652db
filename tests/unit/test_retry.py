"""RetryPolicy: backoff windows, Retry-After, and what is never retried."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from airflow_photoroom import exceptions as errors
from airflow_photoroom.retry import RetryPolicy, parse_retry_after


def test_full_jitter_stays_inside_the_doubling_window_and_the_cap() -> None:
    policy = RetryPolicy(backoff_base=1, backoff_cap=30, jitter=lambda: 1.0)
    assert [policy.backoff(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert RetryPolicy(jitter=lambda: 0.5).backoff(3) == 4


def test_real_jitter_is_spread_over_the_window() -> None:
    policy = RetryPolicy(backoff_base=1, backoff_cap=30)
    samples = [policy.backoff(2) for _ in range(500)]
    assert all(0 <= s <= 4 for s in samples)
    assert min(samples) < 1 < 3 < max(samples)


@pytest.mark.parametrize(("value", "expected"), [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None)])
def test_retry_after_seconds(value: str, expected: float | None) -> None:
    assert parse_retry_after(httpx.Response(429, headers={"retry-after": value})) == expected


def test_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    delay = parse_retry_after(httpx.Response(429, headers={"retry-after": when}))
    assert delay is not None
    assert 25 < delay <= 31


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 415])
def test_final_statuses_raise_at_once(status: int) -> None:
    state = RetryPolicy().start("GET /v2/edit")
    with pytest.raises(errors.PhotoroomAPIError) as caught:
        state.after_response(httpx.Response(status))
    assert caught.value.status_code == status
    assert state.retries == 0


def test_unexpected_transport_errors_are_not_retried() -> None:
    state = RetryPolicy().start("GET /v2/edit")
    with pytest.raises(errors.PhotoroomTransportError, match="UnsupportedProtocol"):
        state.after_error(httpx.UnsupportedProtocol("ftp"))


def test_a_retry_after_longer_than_the_budget_ends_the_retries() -> None:
    state = RetryPolicy(max_total_wait=60).start("GET /v2/edit")
    with pytest.raises(errors.PhotoroomRateLimitError) as caught:
        state.after_response(httpx.Response(429, headers={"retry-after": "600"}))
    assert caught.value.retry_after == 600
