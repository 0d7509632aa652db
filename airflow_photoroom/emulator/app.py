"""The emulator's HTTP surface: Photoroom's wire contract, on Starlette (which Airflow ships).

Order of checks per image call, as on the real service: key (403, no body), rate limit (429),
injected failures (5xx), parameters (400), inputs (400/413), credits (402), then the image work.
Failed calls cost nothing; the ledger refunds a reservation whenever the work does not finish.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hashlib
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import anyio.to_thread
import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from airflow_photoroom.emulator.config import FEATURE_SECONDS, EmulatorConfig
from airflow_photoroom.emulator.imaging import (
    EditInputs,
    ImageError,
    Rendered,
    open_image,
    render_edit,
    render_segment,
)
from airflow_photoroom.emulator.ledger import SANDBOX_DAILY_CALLS, Account, InsufficientCredits, Ledger
from airflow_photoroom.exceptions import PhotoroomOptionsError
from airflow_photoroom.options import EditOptions, SegmentOptions, _is_union_member_tag, _WireOptions
from airflow_photoroom.pricing import MAX_INPUT_BYTES, SANDBOX_KEY_PREFIX, Operation

SAMPLES = resources.files("airflow_photoroom.emulator") / "samples"
CREDITS_EXHAUSTED = (
    "API credits exhausted. Visit https://app.photoroom.com/api-dashboard to purchase more API credits"
)


class ApiError(Exception):
    """An error answer, shaped per endpoint by :func:`_error_response`."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_parameter",
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = dict(headers or {})


class ClientGone(Exception):
    """The client disconnected while its image was being made."""


class EmulatorState:
    """Everything the running app shares: settings, ledger, rate windows, counters."""

    def __init__(self, config: EmulatorConfig, ledger: Ledger | None = None) -> None:
        self.config = config
        self.ledger = ledger or Ledger(config.api_keys, config.credits, config.plan)
        self.random = random.Random(config.seed)
        self.lock = threading.Lock()
        self.windows: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        #: (method path, status) -> count, for tests that assert what was (not) called.
        self.requests: collections.Counter[tuple[str, int]] = collections.Counter()
        self.client: httpx.AsyncClient | None = None
        #: The day sandbox calls are counted against (UTC, as the daily cap resets); replaceable.
        self.today: Callable[[], str] = lambda: dt.datetime.now(dt.timezone.utc).date().isoformat()

    def count(self, endpoint: str, status: int) -> None:
        with self.lock:
            self.requests[(endpoint, status)] += 1

    def calls(self, endpoint: str, status: int | None = None) -> int:
        with self.lock:
            return sum(
                n for (e, s), n in self.requests.items() if e == endpoint and (status is None or s == status)
            )

    def admit(self, api_key: str) -> float | None:
        """Record an image call in the key's 60 s window; ``None`` if allowed, else seconds to wait."""
        limit = self.config.rate_limit_per_minute
        if not limit:
            return None
        now = time.monotonic()
        span = self.config.rate_limit_window_s
        with self.lock:
            window = self.windows[api_key]
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                return max(0.0, window[0] + span - now)
            window.append(now)
            return None

    def dice(self) -> float:
        with self.lock:
            return self.random.random()


def create_app(config: EmulatorConfig | None = None, ledger: Ledger | None = None) -> Starlette:
    """The emulator as an ASGI app (serve it with uvicorn, or use :func:`run_emulator`)."""
    state = EmulatorState(config or EmulatorConfig(), ledger)

    async def edit(request: Request) -> Response:
        return await _image_call(state, request, "edit")

    async def segment(request: Request) -> Response:
        return await _image_call(state, request, "segment")

    async def account_v2(request: Request) -> Response:
        return _account(state, request, "/v2/account", _account_v2_body)

    async def account_v1(request: Request) -> Response:
        return _account(state, request, "/v1/account", _account_v1_body)

    async def sample(request: Request) -> Response:
        name = request.path_params["name"]
        path = Path(str(SAMPLES / name))
        if "/" in name or not path.is_file():
            return JSONResponse({"error": {"message": "no such sample"}}, status_code=404)
        return FileResponse(path)

    async def edit_further(request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><title>Photoroom emulator</title><p>This link stands in for "
            "<code>pr-edit-further-url</code>, which opens the result in the Photoroom web app.</p>"
        )

    async def served_file(request: Request) -> Response:
        root = state.config.files_dir
        if root is None:
            return JSONResponse(
                {"error": {"message": "the emulator serves no files (--files DIR)"}}, status_code=404
            )
        base = Path(root).resolve()
        path = (base / request.path_params["path"]).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return JSONResponse({"error": {"message": "no such file"}}, status_code=404)
        return FileResponse(path)

    async def stats(request: Request) -> Response:
        with state.lock:
            counts = [
                {"endpoint": e, "status": s, "count": n} for (e, s), n in sorted(state.requests.items())
            ]
        accounts = {key: vars(state.ledger.account(key)) for key in state.config.api_keys}
        return JSONResponse({"requests": counts, "accounts": accounts})

    async def samples_index(request: Request) -> Response:
        names = sorted(p.name for p in SAMPLES.iterdir() if p.name.endswith((".jpg", ".png", ".csv")))
        return JSONResponse({"samples": names})

    app = Starlette(
        routes=[
            Route("/v2/edit", edit, methods=["GET", "POST"]),
            Route("/v1/segment", segment, methods=["POST"]),
            Route("/v2/account", account_v2, methods=["GET"]),
            Route("/v1/account", account_v1, methods=["GET"]),
            Route("/edit-further/{digest}", edit_further, methods=["GET"]),
            Route("/files/{path:path}", served_file, methods=["GET", "HEAD"]),
            Route("/_emulator/stats", stats, methods=["GET"]),
            Route("/samples/", samples_index, methods=["GET"]),
            Route("/samples/{name}", sample, methods=["GET", "HEAD"]),
        ],
    )
    app.state.emulator = state
    return app


def _api_key(state: EmulatorState, request: Request) -> str | None:
    key = request.headers.get("x-api-key", "")
    return key if key and state.ledger.account_key(key) is not None else None


def _account_v2_body(account: Account) -> dict[str, Any]:
    return {
        "images": {"available": account.available, "subscription": account.subscription},
        "plan": account.plan,
    }


def _account_v1_body(account: Account) -> dict[str, Any]:
    return {"credits": {"available": account.available, "subscription": account.subscription}}


def _account(
    state: EmulatorState, request: Request, path: str, shape: Callable[[Account], dict[str, Any]]
) -> Response:
    key = _api_key(state, request)
    if key is None:
        state.count(f"GET {path}", 403)
        return Response(status_code=403)
    state.count(f"GET {path}", 200)
    return JSONResponse(shape(state.ledger.account(key)))


def _error_response(operation: Operation, error: ApiError) -> Response:
    """``/v2/edit`` errors are ``{"error": {"message"|"detail"}}``; ``/v1/segment`` errors are
    ``{"detail", "status_code", "type"}``; 402 on edit uses ``detail`` (the spec's payment-error)."""
    if operation == "segment":
        body: dict[str, Any] = {"detail": error.message, "status_code": error.status, "type": error.kind}
    elif error.status == 402:
        body = {"error": {"detail": error.message}}
    else:
        body = {"error": {"message": error.message}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


async def _image_call(state: EmulatorState, request: Request, operation: Operation) -> Response:
    endpoint = f"{request.method} {request.url.path}"
    key = _api_key(state, request)
    if key is None:
        state.count(endpoint, 403)
        return Response(status_code=403)
    try:
        response = await _checked_image_call(state, request, operation, key)
    except ApiError as error:
        state.count(endpoint, error.status)
        return _error_response(operation, error)
    state.count(endpoint, response.status_code)
    return response


async def _checked_image_call(
    state: EmulatorState, request: Request, operation: Operation, key: str
) -> Response:
    config = state.config
    day = state.today()
    if key.startswith(SANDBOX_KEY_PREFIX) and state.ledger.sandbox_calls_left(key, day) <= 0:
        now = dt.datetime.now(dt.timezone.utc)
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
        until_midnight = int((midnight - now).total_seconds()) + 1
        message = f"sandbox keys are limited to {SANDBOX_DAILY_CALLS} calls a day"
        raise ApiError(429, message, "rate_limited", {"retry-after": str(until_midnight)})
    if state.admit(key) is not None:
        headers = (
            {"retry-after": str(max(1, round(config.retry_after)))} if config.retry_after is not None else {}
        )
        raise ApiError(
            429, "Too many requests: the rate limit of this API key was reached", "rate_limited", headers
        )
    if config.fail_rate and state.dice() < config.fail_rate:
        status = state.random.choice((500, 502, 503))
        raise ApiError(
            status, "An unexpected error occurred. Please try again later or contact support.", "server_error"
        )

    fields, files = await _parameters(request)
    if operation == "edit":
        work, features, headers = await _prepare_edit(state, request, fields, files, key)
    else:
        work, features, headers = await _prepare_segment(fields, files, key)

    try:
        with state.ledger.charge(key, operation, day):
            rendered: Rendered = await anyio.to_thread.run_sync(work)
            await _latency(config, features)
            while config.hold:
                await asyncio.sleep(0.05)
            if await request.is_disconnected():
                # Nobody is left to receive the image: the call failed, and failed calls are free.
                raise ClientGone
    except ClientGone:
        raise ApiError(499, "the client closed the connection before the answer", "client_closed") from None
    except InsufficientCredits:
        raise ApiError(402, CREDITS_EXHAUSTED, "payment_required") from None
    except ImageError as error:
        raise ApiError(400, str(error)) from None
    headers.update(_result_headers(rendered, request, operation))
    return _image_response(state, rendered, headers)


async def _parameters(request: Request) -> tuple[dict[str, str], dict[str, bytes]]:
    """Query (GET) or multipart (POST) parameters; a name given twice is a 400 like the API's."""
    if request.method == "GET":
        items = request.query_params.multi_items()
        names = [name for name, _ in items]
        if duplicated := sorted({n for n in names if names.count(n) > 1}):
            raise ApiError(400, f"{', '.join(duplicated)} can only be provided once")
        return dict(items), {}
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, "the body must be multipart/form-data", "invalid_body")
    if request.query_params:
        raise ApiError(400, "parameters must be passed in the body, not the query string")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    async with request.form(max_files=64, max_fields=512) as form:
        for name, value in form.multi_items():
            if name in fields or name in files:
                raise ApiError(400, f"{name} can only be provided once")
            if isinstance(value, UploadFile):
                files[name] = await value.read()
            else:
                fields[name] = value
    return fields, files


def _validate(model: type[_WireOptions], params: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """Validate like the API: unknown names are reported (``pr-unsupported-attributes``), not
    refused; wrong values are a 400."""
    params = dict(params)
    unsupported: list[str] = []
    for _ in range(len(params) + 1):
        try:
            return model.model_validate(params), unsupported
        except PhotoroomOptionsError as error:
            raise ApiError(400, str(error)) from None
        except ValidationError as error:
            unknown = [
                ".".join(str(p) for p in e["loc"] if isinstance(p, str) and not _is_union_member_tag(p))
                for e in error.errors()
                if e["type"] == "extra_forbidden"
            ]
            if not unknown:
                raise ApiError(
                    400, model._describe(error).removeprefix(f"invalid {model.__name__}: ")
                ) from None
            for name in unknown:
                unsupported.append(name)
                for param in [p for p in params if p == name or p.startswith(name + ".")]:
                    del params[param]
    raise ApiError(400, "could not read the parameters")  # pragma: no cover - loop always returns


async def _prepare_edit(
    state: EmulatorState, request: Request, fields: dict[str, str], files: dict[str, bytes], key: str
) -> tuple[Any, list[str], dict[str, str]]:
    image_url = fields.pop("imageUrl", None)
    image_bytes = files.pop("imageFile", None)
    if request.method == "POST" and image_url is not None:
        raise ApiError(400, "imageUrl is not accepted by POST /v2/edit: send imageFile, or use GET")
    options, unsupported = _validate(EditOptions, {**fields, **files})
    assert isinstance(options, EditOptions)
    try:  # the client's own rule for which parameters each form of the endpoint takes
        options.multipart_fields() if request.method == "POST" else options.query_params()
    except PhotoroomOptionsError as error:
        raise ApiError(400, str(error)) from None
    if image_url is None and image_bytes is None and options.needs_main_image:
        raise ApiError(
            400, "imageUrl: must be provided" if request.method == "GET" else "imageFile: must be provided"
        )
    if image_bytes is not None and len(image_bytes) > MAX_INPUT_BYTES["edit"]:
        raise ApiError(413, _too_large("edit"), "file_too_large")
    if image_url is not None:
        image_bytes = await _download(state, image_url, "imageUrl", MAX_INPUT_BYTES["edit"])
    background_bytes = options.background.image_file if options.background else None
    if options.background and options.background.image_url:
        background_bytes = await _download(
            state, options.background.image_url, "background.imageUrl", MAX_INPUT_BYTES["edit"]
        )
    try:
        image = open_image(image_bytes) if image_bytes is not None else None
        background = open_image(background_bytes) if background_bytes is not None else None
    except ImageError as error:
        raise ApiError(400, f"{'imageUrl' if image_url else 'imageFile'}: {error}") from None
    identity = hashlib.sha256(options.canonical().encode() + (image_bytes or b"")).hexdigest()
    inputs = EditInputs(
        image=image, background=background, sandbox=key.startswith(SANDBOX_KEY_PREFIX), identity=identity
    )
    headers = (
        {"pr-unsupported-attributes": f"Unsupported attributes: {', '.join(unsupported)}"}
        if unsupported
        else {}
    )
    return (lambda: render_edit(options, inputs)), _edit_features(options), headers


async def _prepare_segment(
    fields: dict[str, str], files: dict[str, bytes], key: str
) -> tuple[Any, list[str], dict[str, str]]:
    image_bytes = files.pop("image_file", None)
    if image_bytes is None:
        raise ApiError(400, "Please provide an image.", "missing_image")
    if len(image_bytes) > MAX_INPUT_BYTES["segment"]:
        raise ApiError(413, _too_large("segment"), "file_too_large")
    options, unsupported = _validate(SegmentOptions, {**fields, **files})
    if unsupported:
        raise ApiError(400, f"unknown parameters: {', '.join(unsupported)}")
    try:
        image = open_image(image_bytes)
    except ImageError as error:
        raise ApiError(400, str(error), "invalid_image") from None
    sandbox = key.startswith(SANDBOX_KEY_PREFIX)
    return (lambda: render_segment(options, image, sandbox)), ["segment"], {}


def _edit_features(options: EditOptions) -> list[str]:
    features = [name for name in ("shadow", "lighting", "expand", "uncrop", "upscale", "beautify", "flat_lay",
                                  "ghost_mannequin", "virtual_model", "edit_with_ai", "image_from_prompt")
                if getattr(options, name) is not None]  # fmt: skip
    camel = {"flat_lay": "flatLay", "ghost_mannequin": "ghostMannequin", "virtual_model": "virtualModel",
             "edit_with_ai": "editWithAI", "image_from_prompt": "imageFromPrompt"}  # fmt: skip
    features = [camel.get(name, name) for name in features]
    if options.text_removal is not None:
        features.append("textRemoval")
    if options.background is not None and options.background.prompt is not None:
        features.append("background.prompt")
    return features


async def _latency(config: EmulatorConfig, features: list[str]) -> None:
    seconds = config.latency_ms / 1000 + config.feature_latency_scale * sum(
        FEATURE_SECONDS[f] for f in features
    )
    if seconds > 0:
        await asyncio.sleep(seconds)


def _too_large(operation: Operation) -> str:
    return f"Image too large: the maximum size is {MAX_INPUT_BYTES[operation] // 2**20}MB"


async def _download(state: EmulatorState, url: str, name: str, limit: int) -> bytes:
    """Fetch an image the request names by URL: http(s), or file:// when allowed."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if not state.config.allow_file_urls:
            raise ApiError(400, f"{name}: file:// URLs are not allowed")
        path = Path(unquote(parsed.path))
        if not path.is_file():
            raise ApiError(400, f"{name}: could not download the image (no file at {path})")
        if path.stat().st_size > limit:
            raise ApiError(413, f"Image too large: the maximum size is {limit // 2**20}MB", "file_too_large")
        return path.read_bytes()
    if parsed.scheme not in ("http", "https"):
        raise ApiError(400, f"{name}: must be an http(s) URL")
    if state.client is None:
        state.client = httpx.AsyncClient(
            timeout=30, follow_redirects=True, limits=httpx.Limits(max_connections=100)
        )
    for attempt in (1, 2):  # one retry: a kept-alive connection the server just closed is routine
        try:
            return await _fetch(state.client, url, name, limit)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError) as error:
            if attempt == 2:
                raise ApiError(
                    400, f"{name}: could not download the image ({type(error).__name__})"
                ) from None
        except httpx.HTTPError as error:
            raise ApiError(400, f"{name}: could not download the image ({type(error).__name__})") from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _fetch(client: httpx.AsyncClient, url: str, name: str, limit: int) -> bytes:
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise ApiError(400, f"{name}: could not download the image (HTTP {response.status_code})")
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > limit:
                raise ApiError(
                    413, f"Image too large: the maximum size is {limit // 2**20}MB", "file_too_large"
                )
        return bytes(data)


def _result_headers(rendered: Rendered, request: Request, operation: Operation) -> dict[str, str]:
    headers: dict[str, str] = {}
    if rendered.uncertainty is not None:
        headers["x-uncertainty-score"] = str(rendered.uncertainty)
    if rendered.seed is not None:
        headers["pr-ai-background-seed"] = str(rendered.seed)
    if rendered.texts_detected is not None:
        headers["pr-texts-detected"] = str(rendered.texts_detected)
    if operation == "edit" and request.method == "GET":
        digest = hashlib.sha256(rendered.content).hexdigest()[:16]
        headers["pr-edit-further-url"] = f"{request.base_url}edit-further/{digest}"
    return headers


def _image_response(state: EmulatorState, rendered: Rendered, headers: dict[str, str]) -> Response:
    """The image, whole; or slowly, in chunks; or cut off mid-body (a connection reset)."""
    config = state.config
    reset = config.reset_rate and state.dice() < config.reset_rate
    if not reset and not config.slow_body_ms:
        return Response(rendered.content, media_type=rendered.media_type, headers=headers)
    content = rendered.content
    chunks = 8

    async def body() -> AsyncIterator[bytes]:
        step = max(1, len(content) // chunks)
        for index, start in enumerate(range(0, len(content), step)):
            if reset and index == chunks // 2:
                raise ConnectionResetError("emulated connection reset")
            if config.slow_body_ms:
                await asyncio.sleep(config.slow_body_ms / 1000 / chunks)
            yield content[start : start + step]

    headers = {**headers, "content-length": str(len(content))}
    return StreamingResponse(body(), media_type=rendered.media_type, headers=headers)
