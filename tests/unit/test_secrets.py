"""The API key never appears in a log line, an exception text or a repr."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from airflow_photoroom import exceptions as errors
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.retry import RetryPolicy
from tests.conftest import API_KEY, BASE_URL

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@respx.mock
def test_the_key_never_leaks(
    photoroom_conn: Callable[..., Any], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    photoroom_conn()
    hook = PhotoroomHook(retry_policy=RetryPolicy(max_retries=2, jitter=lambda: 0.0))
    texts: list[str] = [repr(hook), repr(hook.settings), str(hook.settings)]

    respx.get(f"{BASE_URL}/v2/edit").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
        ]
    )
    result = hook.edit("https://x/a.jpg", options={"background.color": "FFFFFF"})
    texts += [repr(result), str(result)]

    failures = [
        ("GET", "/v2/account", httpx.Response(403)),
        ("GET", "/v2/account", httpx.Response(402, json={"error": {"detail": "no credits"}})),
        ("GET", "/v2/account", httpx.Response(500, json={"error": {"message": "boom"}})),
        ("GET", "/v2/account", httpx.ConnectError("refused")),
        ("GET", "/v2/account", httpx.ReadTimeout("slow")),
        ("POST", "/v1/segment", httpx.Response(400, json={"detail": "bad", "status_code": 400, "type": "x"})),
    ]
    for method, path, answer in failures:
        route = respx.route(method=method, url=f"{BASE_URL}{path}")
        if isinstance(answer, Exception):
            route.mock(side_effect=answer)
        else:
            route.mock(return_value=answer)
        call = (lambda: hook.remove_background(PNG)) if path == "/v1/segment" else hook.get_account
        with pytest.raises(errors.PhotoroomError) as caught:
            call()
        error = caught.value
        texts += [str(error), repr(error), *getattr(error, "__notes__", [])]
        texts.append(str(error.__cause__) if error.__cause__ else "")
        _, message = hook.test_connection()
        texts.append(message)

    with pytest.raises(errors.PhotoroomOptionsError) as bad_options:
        hook.edit("https://x/a.jpg", options={"background.colour": "FFF"})
    texts.append(str(bad_options.value))

    captured = capsys.readouterr()
    texts += [caplog.text, captured.out, captured.err]
    logged = caplog.text + captured.out + captured.err
    assert "Photoroom GET /v2/edit: HTTP 503" in logged  # the capture did see the hook's log lines
    assert "Photoroom GET /v2/account: ConnectError" in logged
    for text in texts:
        assert API_KEY not in text


def test_the_key_is_registered_with_airflow_s_log_masker(photoroom_conn: Callable[..., Any]) -> None:
    from airflow.sdk.log import redact  # type: ignore[attr-defined]

    photoroom_conn(password="sk_pr_only_in_this_test_5f2a")
    _ = PhotoroomHook().settings
    assert "sk_pr_only_in_this_test_5f2a" not in str(redact("key is sk_pr_only_in_this_test_5f2a"))
