"""TokenBucket pacing, on a fake clock so the timing is exact."""

from __future__ import annotations

import asyncio
import threading

import pytest

from airflow_photoroom.ratelimit import TokenBucket, shared_bucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_evenly_spaced_reservations() -> None:
    clock = FakeClock()
    bucket = TokenBucket(62, burst=2, clock=clock)  # two at once, then one a second (62 - 2 a minute)
    assert [bucket.reserve() for _ in range(5)] == [0.0, 0.0, 1.0, 2.0, 3.0]


def test_tokens_come_back_with_time_but_never_past_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(121, burst=1, clock=clock)  # one every 0.5 s
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.5)
    clock.now += 10  # a long pause refills one token only
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.5)


def test_default_burst_is_half_a_second_of_the_rate() -> None:
    assert TokenBucket(2500, clock=FakeClock()).burst == 20
    bucket = TokenBucket(500, clock=FakeClock())
    assert bucket.burst == 4
    delays = [bucket.reserve() for _ in range(500)]
    assert delays[:5] == [0.0, 0.0, 0.0, 0.0, pytest.approx(60 / 496)]
    # The burst and the steady pace together make 500 calls in 60 s: the API's limit exactly.
    assert delays[-1] == pytest.approx(60.0)


def test_rate_over_a_minute_never_exceeds_the_limit() -> None:
    clock = FakeClock()
    bucket = TokenBucket(500, clock=clock)
    sent_at = [clock.now + bucket.reserve() for _ in range(2000)]
    window = 60.0
    start = 0
    for end, moment in enumerate(sent_at):
        while sent_at[start] <= moment - window:
            start += 1
        assert end - start + 1 <= 500  # never more than the limit in any 60 s, burst included


def test_threads_share_one_bucket_without_losing_reservations() -> None:
    clock = FakeClock()
    bucket = TokenBucket(601, burst=1, clock=clock)  # 0.1 s apart
    delays: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            delay = bucket.reserve()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(d, 6) for d in delays) == [round(i * 0.1, 6) for i in range(200)]


async def test_async_acquire_waits_without_blocking_the_loop() -> None:
    bucket = TokenBucket(600, burst=1)  # real clock, 0.1 s apart
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(5):
            await asyncio.sleep(0.01)
            ticks += 1

    waits = await asyncio.gather(bucket.aacquire(), bucket.aacquire(), ticker())
    assert waits[0] == 0.0
    assert waits[1] == pytest.approx(0.1, abs=0.02)
    assert ticks == 5


def test_hooks_on_one_connection_share_a_bucket() -> None:
    assert shared_bucket("conn_a", 500) is shared_bucket("conn_a", 500)
    assert shared_bucket("conn_a", 500) is not shared_bucket("conn_b", 500)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        TokenBucket(0)
