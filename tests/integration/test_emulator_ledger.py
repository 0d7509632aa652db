"""Credits like Photoroom charges them, and the realism knobs: 429, 5xx, resets, latency."""

from __future__ import annotations

import asyncio
import io
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from airflow_photoroom import exceptions as errors
from airflow_photoroom.emulator import EmulatorHandle, run_emulator
from airflow_photoroom.emulator.ledger import SANDBOX_DAILY_CALLS
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.retry import RetryPolicy
from tests.integration.conftest import decode, sample_bytes


def _tiny() -> bytes:
    """The ring sample at 200x200: cheap to process when a test needs many calls."""
    image = decode(sample_bytes("ring.jpg")).resize((200, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


TINY = _tiny()


def balance(emulator: EmulatorHandle, key: str | None = None) -> float:
    return emulator.ledger.account(key or emulator.api_key).available


@pytest.mark.parametrize(("plan", "edit", "segment"), [("plus", 1, 0.2), ("basic", 5, 1)])
def test_prices_by_plan(plan: str, edit: float, segment: float, monkeypatch: pytest.MonkeyPatch) -> None:
    with run_emulator(credits=100, plan=plan) as emulator:
        monkeypatch.setenv(*next(iter(emulator.connection_env().items())))
        hook = PhotoroomHook()
        hook.edit(emulator.sample_url("mug.jpg"))
        assert balance(emulator) == 100 - edit
        hook.remove_background(TINY)
        assert balance(emulator) == pytest.approx(100 - edit - segment)
        account = hook.get_account()
        assert account.plan == plan
        assert account.available == pytest.approx(100 - edit - segment)
        assert hook.credits_for("edit", 10) == 10 * edit


def test_failed_calls_cost_nothing(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    with pytest.raises(errors.PhotoroomBadRequestError):
        hook.edit(emulator.sample_url("nope.jpg"))
    with pytest.raises(errors.PhotoroomBadRequestError):
        hook.remove_background(b"\xff\xd8\xff not really a jpeg")
    assert balance(emulator) == 1000
    assert emulator.ledger.account(emulator.api_key).calls == {"edit": 0, "segment": 0}


def test_402_when_the_balance_is_short_and_after_a_top_up(
    hook: PhotoroomHook, emulator: EmulatorHandle
) -> None:
    emulator.ledger.set_credits(emulator.api_key, 0.5)
    with pytest.raises(errors.PhotoroomCreditsExhaustedError, match="HTTP 402"):
        hook.edit(emulator.sample_url("mug.jpg"))
    hook.remove_background(TINY)  # 0.2 still fits
    assert balance(emulator) == pytest.approx(0.3)
    with pytest.raises(errors.PhotoroomInsufficientCreditsError):
        hook.check_quota(1)
    emulator.ledger.top_up(emulator.api_key, 10)
    hook.edit(emulator.sample_url("mug.jpg"))
    assert balance(emulator) == pytest.approx(9.3)


def test_sandbox_keys_are_free_and_capped_per_day(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.state.today = lambda: "2026-11-20"  # one day throughout, even across midnight
    sandbox_key = f"sandbox_{emulator.api_key}"
    for name, value in emulator.connection_env(api_key=sandbox_key, rate_limit_per_minute=1_000_000).items():
        monkeypatch.setenv(name, value)
    hook = PhotoroomHook()
    assert hook.settings.is_sandbox
    assert hook.credits_for("edit", 50) == 0

    def one(_: int) -> None:
        hook.remove_background(TINY, options={"size": "preview"})

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(one, range(SANDBOX_DAILY_CALLS)))
    assert balance(emulator) == 1000
    no_retries = PhotoroomHook(retry_policy=RetryPolicy(max_retries=0))  # independent of the hour
    with pytest.raises(errors.PhotoroomRateLimitError, match="100 calls a day") as caught:
        no_retries.remove_background(TINY)
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 24 * 3600  # until the next UTC midnight


def test_50_parallel_clients_leave_an_exact_balance(emulator: EmulatorHandle) -> None:
    emulator.ledger.set_credits(emulator.api_key, 30)
    headers = {"x-api-key": emulator.api_key}

    def call(index: int) -> int:
        with httpx.Client(timeout=60) as client:
            if index % 2:
                files = {"image_file": ("r.jpg", TINY, "image/jpeg")}
                return client.post(
                    f"{emulator.base_url}/v1/segment", files=files, headers=headers
                ).status_code
            params = {"imageUrl": emulator.sample_url("ring.jpg"), "outputSize": "200x200"}
            return client.get(f"{emulator.base_url}/v2/edit", params=params, headers=headers).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(call, range(100)))
    edits_ok = sum(1 for i, s in enumerate(statuses) if s == 200 and i % 2 == 0)
    segments_ok = sum(1 for i, s in enumerate(statuses) if s == 200 and i % 2)
    assert set(statuses) <= {200, 402}
    assert statuses.count(402) > 0  # 50 edits + 50 segments cost 60 > 30: some were refused
    assert balance(emulator) == pytest.approx(30 - edits_ok - 0.2 * segments_ok)
    assert balance(emulator) >= 0
    assert balance(emulator) < 1  # the refused calls were refused because the money was gone


def test_rate_limit_answers_429_and_optionally_retry_after(emulator: EmulatorHandle) -> None:
    emulator.config.rate_limit_per_minute = 3
    headers = {"x-api-key": emulator.api_key}
    files = {"image_file": ("r.jpg", TINY, "image/jpeg")}
    statuses = [
        httpx.post(f"{emulator.base_url}/v1/segment", files=files, headers=headers).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert (
        httpx.get(f"{emulator.base_url}/v2/account", headers=headers).status_code == 200
    )  # not an image call
    response = httpx.post(f"{emulator.base_url}/v1/segment", files=files, headers=headers)
    assert "retry-after" not in response.headers  # as the real API: none documented
    emulator.config.retry_after = 2
    response = httpx.post(f"{emulator.base_url}/v1/segment", files=files, headers=headers)
    assert response.headers["retry-after"] == "2"
    assert response.json()["type"] == "rate_limited"


def test_the_hook_rides_out_5xx_and_resets_and_each_image_is_charged_once(
    hook: PhotoroomHook, emulator: EmulatorHandle
) -> None:
    emulator.config.fail_rate = 0.3
    emulator.config.reset_rate = 0.2
    for _ in range(12):
        hook.edit(emulator.sample_url("ring.jpg"), options={"outputSize": "200x200"})
    assert emulator.calls("GET /v2/edit", 200) >= 12
    failures = sum(emulator.calls("GET /v2/edit", s) for s in (500, 502, 503))
    assert failures > 0
    # A reset happens after the work is done (the answer is cut off), so the emulator charged it,
    # as a real service might; 5xx answers were free.
    account = emulator.ledger.account(emulator.api_key)
    assert account.calls["edit"] == emulator.calls("GET /v2/edit", 200)
    assert account.available == 1000 - account.calls["edit"]


def test_the_hook_gives_up_on_a_server_that_always_fails(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in emulator.connection_env().items():
        monkeypatch.setenv(name, value)
    emulator.config.fail_rate = 1.0
    hook = PhotoroomHook(retry_policy=RetryPolicy(max_retries=2, backoff_base=0.01))
    with pytest.raises(errors.PhotoroomServerError):
        hook.edit(emulator.sample_url("ring.jpg"))
    assert sum(emulator.calls("GET /v2/edit", s) for s in (500, 502, 503)) == 3
    assert balance(emulator) == 1000


def test_the_client_side_limiter_keeps_a_burst_under_the_server_limit(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.config.rate_limit_per_minute = 600
    for name, value in emulator.connection_env("photoroom_paced", rate_limit_per_minute=600).items():
        monkeypatch.setenv(name, value)
    hook = PhotoroomHook("photoroom_paced")

    async def burst() -> None:
        await asyncio.gather(*(hook.aremove_background(TINY, options={"size": "preview"}) for _ in range(30)))
        await hook.aclose()

    started = time.monotonic()
    asyncio.run(burst())
    elapsed = time.monotonic() - started
    assert emulator.calls("POST /v1/segment", 429) == 0
    assert emulator.calls("POST /v1/segment", 200) == 30
    assert elapsed >= (30 - hook.rate_limiter.burst) * 0.1 * 0.9  # paced at 10 a second after the burst


def test_latency_knobs(emulator: EmulatorHandle, hook: PhotoroomHook) -> None:
    emulator.config.latency_ms = 300
    started = time.monotonic()
    hook.remove_background(TINY, options={"size": "preview"})
    assert time.monotonic() - started >= 0.3
    emulator.config.latency_ms = 0
    emulator.config.feature_latency_scale = 0.1  # relight is 8.9 s on the real API
    started = time.monotonic()
    hook.edit(emulator.sample_url("ring.jpg"), options={"lighting.mode": "ai.auto", "outputSize": "100x100"})
    assert time.monotonic() - started >= 0.89


def test_slow_bodies_arrive_whole(emulator: EmulatorHandle, hook: PhotoroomHook) -> None:
    emulator.config.slow_body_ms = 400
    started = time.monotonic()
    result = hook.remove_background(TINY)
    assert time.monotonic() - started >= 0.35
    assert result.content.startswith(b"\x89PNG")
