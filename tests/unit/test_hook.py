"""PhotoroomHook against respx: the wire form, every error class, retries and the account."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from airflow_photoroom import exceptions as errors
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.pricing import MAX_INPUT_BYTES
from airflow_photoroom.retry import RetryPolicy
from tests.conftest import API_KEY, BASE_URL
from tests.wire import multipart_parts, text_fields

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
ACCOUNT = {"images": {"available": 842, "subscription": 1000}, "plan": "plus"}


@pytest.fixture
def hook(photoroom_conn: Callable[..., Any]) -> Iterator[PhotoroomHook]:
    photoroom_conn()
    with PhotoroomHook(retry_policy=RetryPolicy(max_retries=4, jitter=lambda: 0.0)) as hook:
        yield hook


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the hook's backoff sleeps instead of waiting them out."""
    slept: list[float] = []
    monkeypatch.setattr("airflow_photoroom.hooks.photoroom.time.sleep", slept.append)
    return slept


def image_response(content: bytes = PNG, **headers: str) -> httpx.Response:
    media = "image/jpeg" if content.startswith(b"\xff\xd8") else "image/png"
    return httpx.Response(200, content=content, headers={"content-type": media, **headers})


# ---------------------------------------------------------------------------------------------
# Connection settings
# ---------------------------------------------------------------------------------------------


def test_default_base_urls_are_photoroom_s_own(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(host=None)
    settings = PhotoroomHook().settings
    assert settings.edit_base_url == "https://image-api.photoroom.com"
    assert settings.segment_base_url == "https://sdk.photoroom.com"
    assert settings.timeout >= 180
    assert settings.rate_limit_per_minute == 1_000_000  # from the fixture's extra


def test_default_rate_limit_is_the_api_s(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(rate_limit_per_minute=None)
    assert PhotoroomHook().settings.rate_limit_per_minute == 500


def test_host_replaces_every_base_url(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(host="http://127.0.0.1:8080/")
    settings = PhotoroomHook().settings
    assert settings.edit_base_url == settings.segment_base_url == "http://127.0.0.1:8080"


def test_host_without_scheme_is_https(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(host="proxy.internal")
    assert PhotoroomHook().settings.edit_base_url == "https://proxy.internal"


def test_extras_are_read_with_their_exact_names(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(
        timeout=240,
        max_retries=2,
        rate_limit_per_minute=120,
        background_model_version="background-studio-beta-2025-03-17",
        background_removal_model_version="2",
    )
    settings = PhotoroomHook().settings
    assert (settings.timeout, settings.max_retries, settings.rate_limit_per_minute) == (240, 2, 120)
    assert settings.model_headers == {
        "pr-ai-background-model-version": "background-studio-beta-2025-03-17",
        "pr-background-removal-model-version": "2",
    }


def test_missing_key_names_the_connection(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn("photoroom_nokey", password=None)
    with pytest.raises(
        errors.PhotoroomConfigurationError, match="'photoroom_nokey' has no Photoroom API key"
    ):
        _ = PhotoroomHook("photoroom_nokey").settings


def test_malformed_extra_is_a_clear_error(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(timeout="soon")
    with pytest.raises(errors.PhotoroomConfigurationError, match="extra 'timeout' must be a number"):
        _ = PhotoroomHook().settings


def test_sandbox_keys_are_recognised(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(password="sandbox_abc")
    assert PhotoroomHook().settings.is_sandbox


# ---------------------------------------------------------------------------------------------
# Wire form
# ---------------------------------------------------------------------------------------------


@respx.mock
def test_edit_by_url_is_a_get_with_imageurl_and_dotted_parameters(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(background_model_version="3")
    route = respx.get(f"{BASE_URL}/v2/edit").mock(
        return_value=image_response(
            **{
                "pr-ai-background-seed": "117879368",
                "pr-edit-further-url": "https://app.photoroom.com/edit/abc",
                "pr-texts-detected": "2",
                "x-uncertainty-score": "0.12",
            }
        )
    )
    result = PhotoroomHook().edit(
        "https://cdn.example.com/shoe.jpg",
        options={"background.color": "FFFFFF", "outputSize": "1000x1000", "padding": 0.1},
    )
    request = route.calls.last.request
    assert dict(request.url.params) == {
        "imageUrl": "https://cdn.example.com/shoe.jpg",
        "background.color": "FFFFFF",
        "outputSize": "1000x1000",
        "padding": "0.1",
    }
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["pr-ai-background-model-version"] == "3"
    assert result.content == PNG
    assert result.media_type == "image/png"
    assert result.seed == 117879368
    assert result.edit_further_url == "https://app.photoroom.com/edit/abc"
    assert result.texts_detected == 2
    assert result.uncertainty_score == pytest.approx(0.12)


@respx.mock
def test_edit_upload_is_multipart_with_every_parameter_in_the_body(hook: PhotoroomHook) -> None:
    route = respx.post(f"{BASE_URL}/v2/edit").mock(return_value=image_response(JPEG))
    hook.edit(
        image=JPEG, options={"background.imageFile": PNG, "export.format": "jpeg", "shadow.mode": "ai.soft"}
    )
    request = route.calls.last.request
    assert request.url.query == b""
    parts = multipart_parts(request)
    assert parts["imageFile"].content == JPEG
    assert parts["imageFile"].content_type == "image/jpeg"
    assert parts["imageFile"].filename == "image.jpg"
    assert parts["background.imageFile"].content == PNG
    assert text_fields(request) == {"export.format": "jpeg", "shadow.mode": "ai.soft"}


@respx.mock
def test_segment_is_multipart_to_the_segment_endpoint(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(host=None, background_removal_model_version="4")
    route = respx.post("https://sdk.photoroom.com/v1/segment").mock(
        return_value=image_response(**{"x-uncertainty-score": "-1"})
    )
    result = PhotoroomHook().remove_background(
        PNG, options={"format": "png", "crop": True, "bg_color": "white"}
    )
    request = route.calls.last.request
    assert multipart_parts(request)["image_file"].content == PNG
    assert text_fields(request) == {"format": "png", "crop": "true", "bg_color": "white"}
    assert request.headers["pr-background-removal-model-version"] == "4"
    assert result.content == PNG
    assert result.uncertainty_score == -1


@respx.mock
def test_segment_json_base64_answer_is_decoded(hook: PhotoroomHook) -> None:
    respx.post(f"{BASE_URL}/v1/segment").mock(
        return_value=httpx.Response(200, json={"base64img": base64.b64encode(PNG).decode()})
    )
    result = hook.remove_background(PNG)
    assert result.content == PNG
    assert result.media_type == "image/png"


@respx.mock
def test_segment_json_answer_without_image_is_an_error(hook: PhotoroomHook) -> None:
    respx.post(f"{BASE_URL}/v1/segment").mock(return_value=httpx.Response(200, json={"base64img": "%%%"}))
    with pytest.raises(errors.PhotoroomError, match="without a valid base64img"):
        hook.remove_background(PNG)


@respx.mock
def test_invalid_options_send_nothing(hook: PhotoroomHook) -> None:
    route = respx.route().mock(return_value=image_response())
    with pytest.raises(errors.PhotoroomOptionsError):
        hook.edit("https://x/a.jpg", options={"padding": 3})
    with pytest.raises(errors.PhotoroomOptionsError):
        hook.remove_background(PNG, options={"format": "gif"})
    assert route.call_count == 0


@respx.mock
def test_image_url_and_bytes_together_are_refused(hook: PhotoroomHook) -> None:
    with pytest.raises(errors.PhotoroomOptionsError, match="not both"):
        hook.edit("https://x/a.jpg", image=PNG)
    with pytest.raises(errors.PhotoroomOptionsError, match="give image_url or image"):
        hook.edit()


@respx.mock
def test_image_from_prompt_needs_no_main_image(hook: PhotoroomHook) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(return_value=image_response())
    hook.edit(options={"imageFromPrompt.prompt": "a red mug on a table"})
    assert dict(route.calls.last.request.url.params) == {"imageFromPrompt.prompt": "a red mug on a table"}


@respx.mock
def test_inputs_over_the_limit_are_refused_before_upload(hook: PhotoroomHook) -> None:
    route = respx.route().mock(return_value=image_response())
    with pytest.raises(errors.PhotoroomInputTooLargeError, match="accepts at most 30 MB") as caught:
        hook.edit(image=PNG + b"\x00" * MAX_INPUT_BYTES["edit"])
    assert caught.value.status_code == 413
    assert route.call_count == 0


@respx.mock
def test_unsupported_attributes_header_is_an_error(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/edit").mock(
        return_value=image_response(
            **{"pr-unsupported-attributes": "Unsupported attributes: background.inner"}
        )
    )
    with pytest.raises(errors.PhotoroomUnsupportedAttributesError, match=r"background\.inner"):
        hook.edit("https://x/a.jpg")


# ---------------------------------------------------------------------------------------------
# Errors: one class per kind, status and API message in every text, no retry where it cannot help
# ---------------------------------------------------------------------------------------------

ERROR_CASES = [
    (400, {"error": {"message": "removeBackground must be boolean"}}, errors.PhotoroomBadRequestError,
     "HTTP 400 on GET /v2/edit: removeBackground must be boolean"),
    (401, {"error": {"message": "Unauthorized"}}, errors.PhotoroomAuthenticationError, "HTTP 401"),
    (403, None, errors.PhotoroomAuthenticationError, "HTTP 403 on GET /v2/edit: Forbidden"),
    (402, {"error": {"detail": "API credits exhausted. Visit the dashboard"}}, errors.PhotoroomCreditsExhaustedError,
     "HTTP 402 on GET /v2/edit: API credits exhausted"),
    (404, {"error": {"message": "Not found"}}, errors.PhotoroomBadRequestError, "HTTP 404"),
    (413, {"error": {"message": "Image too large"}}, errors.PhotoroomInputTooLargeError, "HTTP 413"),
    (415, {"error": {"message": "Unsupported media type"}}, errors.PhotoroomBadRequestError, "HTTP 415"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "kind", "message"), ERROR_CASES)
@respx.mock
def test_final_errors_are_typed_carry_the_api_message_and_are_not_retried(
    hook: PhotoroomHook, sleeps: list[float], status: int, body: Any, kind: type[Exception], message: str
) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(
        return_value=httpx.Response(status, json=body) if body is not None else httpx.Response(status)
    )
    with pytest.raises(kind) as caught:
        hook.edit("https://x/a.jpg")
    assert message in str(caught.value)
    assert route.call_count == 1
    assert sleeps == []


@respx.mock
def test_segment_error_body_is_read(hook: PhotoroomHook) -> None:
    respx.post(f"{BASE_URL}/v1/segment").mock(
        return_value=httpx.Response(
            402, json={"detail": "Not enough credits", "status_code": 402, "type": "payment_required"}
        )
    )
    with pytest.raises(errors.PhotoroomCreditsExhaustedError, match="Not enough credits"):
        hook.remove_background(PNG)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, errors.PhotoroomRateLimitError),
        (500, errors.PhotoroomServerError),
        (503, errors.PhotoroomServerError),
    ],
)
@respx.mock
def test_retryable_errors_give_up_after_max_retries(
    hook: PhotoroomHook, sleeps: list[float], status: int, kind: type[Exception]
) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(
        return_value=httpx.Response(status, json={"error": {"message": "try later"}})
    )
    with pytest.raises(kind, match=f"HTTP {status}") as caught:
        hook.edit("https://x/a.jpg")
    assert route.call_count == 5  # the first attempt and max_retries=4
    assert "gave up after 5 attempts" in "".join(caught.value.__notes__)


# ---------------------------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------------------------


@respx.mock
def test_a_429_storm_then_success(hook: PhotoroomHook, sleeps: list[float]) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(
        side_effect=[httpx.Response(429, json={"error": {"message": "Too many requests"}})] * 3
        + [image_response()]
    )
    assert hook.edit("https://x/a.jpg").content == PNG
    assert route.call_count == 4
    assert len(sleeps) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@respx.mock
def test_a_server_error_then_success(hook: PhotoroomHook, sleeps: list[float], status: int) -> None:
    route = respx.post(f"{BASE_URL}/v2/edit").mock(
        side_effect=[httpx.Response(status, json={"error": {"message": "boom"}}), image_response()]
    )
    assert hook.edit(image=PNG).content == PNG
    assert route.call_count == 2
    # The upload is rebuilt for the retry: the second request carries the whole image again.
    assert multipart_parts(route.calls[1].request)["imageFile"].content == PNG


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
     httpx.RemoteProtocolError("reset")],
)  # fmt: skip
@respx.mock
def test_transport_failures_then_success(
    hook: PhotoroomHook, sleeps: list[float], failure: Exception
) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(side_effect=[failure, failure, image_response()])
    assert hook.edit("https://x/a.jpg").content == PNG
    assert route.call_count == 3


@respx.mock
def test_timeouts_that_never_end_raise_a_timeout_error(hook: PhotoroomHook, sleeps: list[float]) -> None:
    respx.get(f"{BASE_URL}/v2/edit").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.PhotoroomTimeoutError, match="GET /v2/edit failed: ReadTimeout"):
        hook.edit("https://x/a.jpg")


@respx.mock
def test_retry_after_is_honoured(hook: PhotoroomHook, sleeps: list[float]) -> None:
    respx.get(f"{BASE_URL}/v2/edit").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "7"}), image_response()]
    )
    hook.edit("https://x/a.jpg")
    assert sleeps == [7.0]


@respx.mock
def test_total_waiting_is_bounded(photoroom_conn: Callable[..., Any], sleeps: list[float]) -> None:
    photoroom_conn()
    hook = PhotoroomHook(retry_policy=RetryPolicy(max_retries=50, max_total_wait=10, jitter=lambda: 1.0))
    route = respx.get(f"{BASE_URL}/v2/edit").mock(return_value=httpx.Response(503))
    with pytest.raises(errors.PhotoroomServerError):
        hook.edit("https://x/a.jpg")
    assert sum(sleeps) <= 10
    assert sleeps == [1.0, 2.0, 4.0]  # the next (8 s) would pass the 10 s budget
    assert route.call_count == 4


@respx.mock
def test_max_retries_comes_from_the_connection(
    photoroom_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    photoroom_conn(max_retries=1)
    route = respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(500))
    with pytest.raises(errors.PhotoroomServerError):
        PhotoroomHook().get_account()
    assert route.call_count == 2


# ---------------------------------------------------------------------------------------------
# Account, quota, prices, test_connection
# ---------------------------------------------------------------------------------------------


@respx.mock
def test_get_account(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(200, json=ACCOUNT))
    account = hook.get_account()
    assert (account.available, account.subscription, account.plan) == (842, 1000, "plus")
    assert account.to_dict() == {"available": 842, "subscription": 1000, "plan": "plus"}


@respx.mock
def test_check_quota_passes_and_fails_with_the_figures(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(200, json=ACCOUNT))
    assert hook.check_quota(800, reserve=42).available == 842
    with pytest.raises(errors.PhotoroomInsufficientCreditsError) as caught:
        hook.check_quota(801, reserve=42)
    error = caught.value
    assert (error.needed, error.available, error.reserve) == (801, 842, 42)
    assert "needed 801, available 842 with a reserve of 42 kept back (usable 800, plan plus)" in str(error)


@respx.mock
def test_credits_for_reads_the_plan_from_the_account(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(
        return_value=httpx.Response(200, json={**ACCOUNT, "plan": "basic"})
    )
    assert hook.credits_for("edit", 10) == 50
    assert hook.credits_for("segment", 10) == 10
    assert hook.credits_for("segment", 3, plan="plus") == 0.6
    assert hook.credits_for("edit", 3, plan="plus") == 3


@respx.mock
def test_credits_for_prices_with_the_plan_a_balance_check_already_read(hook: PhotoroomHook) -> None:
    account = respx.get(f"{BASE_URL}/v2/account").mock(
        return_value=httpx.Response(200, json={**ACCOUNT, "plan": "basic"})
    )
    hook.get_account()
    assert hook.credits_for("edit", 2) == 10
    assert account.call_count == 1


def test_sandbox_keys_cost_nothing(photoroom_conn: Callable[..., Any]) -> None:
    photoroom_conn(password="sandbox_key")
    assert PhotoroomHook().credits_for("edit", 100, plan="plus") == 0


@respx.mock
def test_test_connection_reports_plan_and_balance(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(200, json=ACCOUNT))
    assert hook.test_connection() == (True, "plan plus: 842 of 1000 images available")


@respx.mock
def test_test_connection_reports_a_bad_key(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(403))
    ok, message = hook.test_connection()
    assert not ok
    assert message == "Photoroom answered HTTP 403 on GET /v2/account: Forbidden"


# ---------------------------------------------------------------------------------------------
# Async twins: same requests, same policy
# ---------------------------------------------------------------------------------------------


@respx.mock
async def test_async_twins(hook: PhotoroomHook) -> None:
    respx.get(f"{BASE_URL}/v2/account").mock(return_value=httpx.Response(200, json=ACCOUNT))
    edit = respx.get(f"{BASE_URL}/v2/edit").mock(
        return_value=image_response(**{"pr-ai-background-seed": "5"})
    )
    respx.post(f"{BASE_URL}/v1/segment").mock(return_value=image_response())
    assert (await hook.aget_account()).plan == "plus"
    result = await hook.aedit("https://x/a.jpg", options={"background.prompt": "on a beach"})
    assert result.seed == 5
    assert dict(edit.calls.last.request.url.params)["background.prompt"] == "on a beach"
    assert (await hook.aremove_background(PNG)).content == PNG
    await hook.aclose()


@respx.mock
async def test_async_retries_follow_the_same_policy(
    hook: PhotoroomHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("airflow_photoroom.hooks.photoroom.asyncio.sleep", record)
    route = respx.get(f"{BASE_URL}/v2/edit").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "3"}), httpx.Response(502), image_response()]
    )
    await hook.aedit("https://x/a.jpg")
    assert route.call_count == 3
    assert waits[0] == 3.0
    respx.get(f"{BASE_URL}/v2/account").mock(
        return_value=httpx.Response(402, json={"error": {"detail": "none"}})
    )
    with pytest.raises(errors.PhotoroomCreditsExhaustedError):
        await hook.aget_account()
    await hook.aclose()


async def test_async_client_is_renewed_for_a_new_event_loop(hook: PhotoroomHook) -> None:
    first = await hook.aget_conn()
    assert await hook.aget_conn() is first

    def in_another_loop() -> httpx.AsyncClient:
        return asyncio.run(hook.aget_conn())

    other = await asyncio.to_thread(in_another_loop)
    assert other is not first


def test_one_pooled_client_per_hook(hook: PhotoroomHook) -> None:
    assert hook.get_conn() is hook.get_conn()
    hook.close()
    assert hook._client is None


def test_requests_name_the_provider_in_the_user_agent(hook: PhotoroomHook) -> None:
    assert hook.get_conn().headers["user-agent"].startswith("airflow-provider-photoroom/")
