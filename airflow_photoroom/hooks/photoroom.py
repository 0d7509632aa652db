"""PhotoroomHook: the one place in this provider that speaks HTTP to Photoroom.

Each public call exists twice, sync (``edit``) for operators and async (``aedit``) for triggers
and concurrent batches. Both build the same request, go through the same rate limiter and the same
:class:`~airflow_photoroom.retry.RetryPolicy`, and parse the answer the same way; only the
sending loop differs, because one blocks and the other awaits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from airflow.sdk import BaseHook

from airflow_photoroom import __version__
from airflow_photoroom.exceptions import (
    PhotoroomError,
    PhotoroomInputTooLargeError,
    PhotoroomInsufficientCreditsError,
    PhotoroomOptionsError,
    PhotoroomUnsupportedAttributesError,
)
from airflow_photoroom.media import EXTENSIONS, sniff_media_type
from airflow_photoroom.options import EditOptions, SegmentOptions
from airflow_photoroom.pricing import MAX_INPUT_BYTES, Operation, credits_for
from airflow_photoroom.ratelimit import TokenBucket, shared_bucket
from airflow_photoroom.results import Account, EditResult, SegmentResult
from airflow_photoroom.retry import RetryPolicy
from airflow_photoroom.settings import (
    CONN_TYPE,
    DEFAULT_CONN_ID,
    DEFAULT_CONNECT_TIMEOUT,
    PhotoroomSettings,
)

if TYPE_CHECKING:
    from airflow.sdk import Connection

_USER_AGENT = f"airflow-provider-photoroom/{__version__}"


@dataclass
class _Request:
    """One API call, kept as parts so every retry builds a fresh request from them."""

    endpoint: str  # "GET /v2/edit": names the call in messages without its parameters
    method: str
    url: str
    counts_as_image: bool
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def build(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return client.build_request(
            self.method,
            self.url,
            params=self.params or None,
            data=self.data or None,
            files=self.files or None,
            headers=self.headers or None,
        )


class PhotoroomHook(BaseHook):
    """Talk to the Photoroom API with the key of an Airflow connection.

    The connection's password is the API key. Its ``host``, when set, replaces the base URL of
    every endpoint (for the bundled emulator or a proxy). Extras: ``timeout``, ``max_retries``,
    ``rate_limit_per_minute``, ``background_model_version``, ``background_removal_model_version``.

    :param photoroom_conn_id: the Airflow connection to use.
    :param retry_policy: override the backoff built from the connection's ``max_retries``.
    :param background_model_version: override the connection's AI-background model version
        (``pr-ai-background-model-version``), e.g. to compare a new model in a benchmark.
    """

    conn_name_attr = "photoroom_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "Photoroom"

    def __init__(
        self,
        photoroom_conn_id: str = DEFAULT_CONN_ID,
        *,
        retry_policy: RetryPolicy | None = None,
        background_model_version: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.photoroom_conn_id = photoroom_conn_id
        self._background_model_version = background_model_version
        self._retry_policy_override = retry_policy
        self._settings: PhotoroomSettings | None = None
        self._plan: str | None = None  # the account's plan, once any account call has read it
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None
        self._async_client_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(photoroom_conn_id={self.photoroom_conn_id!r})"

    # ----------------------------------------------------------------------------------------
    # Connection and clients
    # ----------------------------------------------------------------------------------------

    @property
    def settings(self) -> PhotoroomSettings:
        """The connection's settings, read once per hook."""
        if self._settings is None:
            self._settings = self._settings_from(self.get_connection(self.photoroom_conn_id))
        return self._settings

    async def asettings(self) -> PhotoroomSettings:
        """Like :attr:`settings`, without blocking the event loop to read the connection."""
        if self._settings is None:
            conn = await self.aget_connection(self.photoroom_conn_id)
            self._settings = self._settings_from(conn)
        return self._settings

    def _settings_from(self, conn: Connection) -> PhotoroomSettings:
        settings = PhotoroomSettings.from_connection(conn)
        _mask(settings.api_key)
        if self._background_model_version:
            settings = dataclasses.replace(settings, background_model_version=self._background_model_version)
        return settings

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry_policy_override or RetryPolicy(max_retries=self.settings.max_retries)

    @property
    def rate_limiter(self) -> TokenBucket:
        """The bucket shared by every hook of this process on the same connection."""
        return shared_bucket(self.photoroom_conn_id, self.settings.rate_limit_per_minute)

    def _client_options(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "timeout": httpx.Timeout(settings.timeout, connect=DEFAULT_CONNECT_TIMEOUT),
            "limits": httpx.Limits(max_connections=200, max_keepalive_connections=100),
            "headers": {"x-api-key": settings.api_key, "user-agent": _USER_AGENT},
            "follow_redirects": False,
        }

    def get_conn(self) -> httpx.Client:
        """The hook's pooled HTTP client (created on first use)."""
        if self._client is None:
            self._client = httpx.Client(**self._client_options())
        return self._client

    async def aget_conn(self) -> httpx.AsyncClient:
        """The hook's pooled async client for the running event loop."""
        await self.asettings()
        loop = asyncio.get_running_loop()
        if self._async_client is None or self._async_client_loop is not loop:
            # A client's connections belong to the loop that opened them; a new loop needs a new client.
            self._async_client = httpx.AsyncClient(**self._client_options())
            self._async_client_loop = loop
        return self._async_client

    def close(self) -> None:
        """Close the sync client (the async one is closed by :meth:`aclose`)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None
            self._async_client_loop = None

    def __enter__(self) -> PhotoroomHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # Sending, with rate limiting and retries
    # ----------------------------------------------------------------------------------------

    def _send(self, request: _Request) -> httpx.Response:
        client = self.get_conn()
        state = self.retry_policy.start(request.endpoint)
        while True:
            if request.counts_as_image:
                self.rate_limiter.acquire()
            try:
                response = client.send(request.build(client))
            except httpx.TransportError as error:
                delay = state.after_error(error)
            else:
                retry_in = state.after_response(response)
                if retry_in is None:
                    return response
                delay = retry_in
            self._log_retry(request, state.last_problem, delay, state.retries)
            time.sleep(delay)

    async def _asend(self, request: _Request) -> httpx.Response:
        client = await self.aget_conn()
        state = self.retry_policy.start(request.endpoint)
        while True:
            if request.counts_as_image:
                await self.rate_limiter.aacquire()
            try:
                response = await client.send(request.build(client))
            except httpx.TransportError as error:
                delay = state.after_error(error)
            else:
                retry_in = state.after_response(response)
                if retry_in is None:
                    return response
                delay = retry_in
            self._log_retry(request, state.last_problem, delay, state.retries)
            await asyncio.sleep(delay)

    def _log_retry(self, request: _Request, problem: str, delay: float, retry: int) -> None:
        self.log.warning(
            "Photoroom %s: %s; retry %d of %d in %.2fs",
            request.endpoint,
            problem,
            retry,
            self.retry_policy.max_retries,
            delay,
        )

    # ----------------------------------------------------------------------------------------
    # Account and quota
    # ----------------------------------------------------------------------------------------

    def _account_request(self) -> _Request:
        url = f"{self.settings.edit_base_url}/v2/account"
        return _Request("GET /v2/account", "GET", url, counts_as_image=False)

    def get_account(self) -> Account:
        """The account's plan and the images (credits) it has left."""
        return self._remember_plan(_account_from(self._send(self._account_request())))

    async def aget_account(self) -> Account:
        await self.asettings()
        return self._remember_plan(_account_from(await self._asend(self._account_request())))

    def _remember_plan(self, account: Account) -> Account:
        # Kept for this hook's life (one task try): pricing after a balance check needs no
        # second call, and a new try builds a new hook, so a changed plan is read afresh.
        self._plan = account.plan
        return account

    def credits_for(self, operation: Operation, count: float, plan: str | None = None) -> float:
        """Credits ``count`` calls of ``operation`` cost on ``plan`` (the account's if omitted).

        A ``sandbox_`` key costs nothing whatever the plan.
        """
        if self.settings.is_sandbox:
            plan = "sandbox"
        elif plan is None:
            plan = self._plan or self.get_account().plan
        return credits_for(operation, count, plan)

    def check_quota(self, required: float, reserve: float = 0) -> Account:
        """Return the account if it can spend ``required`` credits and keep ``reserve`` back.

        :raises PhotoroomInsufficientCreditsError: stating needed, available and reserve.
        """
        if required < 0 or reserve < 0:
            raise ValueError("required and reserve must not be negative")
        account = self.get_account()
        if required > 0 and account.available - reserve < required:
            raise PhotoroomInsufficientCreditsError(
                needed=required, available=account.available, reserve=reserve, plan=account.plan
            )
        return account

    def test_connection(self) -> tuple[bool, str]:
        """Call ``/v2/account`` with the connection's key: Airflow's "Test" button."""
        try:
            account = self.get_account()
        except PhotoroomError as error:
            return False, str(error)
        balance = f"{account.available:g} of {account.subscription:g} images available"
        sandbox = " (sandbox key: free, watermarked)" if self.settings.is_sandbox else ""
        return True, f"plan {account.plan}: {balance}{sandbox}"

    # ----------------------------------------------------------------------------------------
    # /v2/edit
    # ----------------------------------------------------------------------------------------

    def _edit_request(
        self, image_url: str | None, image: bytes | None, options: EditOptions | Mapping[str, Any] | None
    ) -> _Request:
        opts = EditOptions.coerce(options)
        if image_url is not None and image is not None:
            raise PhotoroomOptionsError("give image_url or image, not both")
        if image_url is None and image is None and opts.needs_main_image:
            raise PhotoroomOptionsError(
                "give image_url or image (or options.imageFromPrompt to generate one)"
            )
        url = f"{self.settings.edit_base_url}/v2/edit"
        headers = self.settings.model_headers
        if image is None:
            params = opts.query_params()
            if image_url is not None:
                params = {"imageUrl": image_url, **params}
            return _Request("GET /v2/edit", "GET", url, True, params=params, headers=headers)
        _check_size(image, MAX_INPUT_BYTES["edit"], "/v2/edit")
        data, extra_files = opts.multipart_fields()
        files = {"imageFile": _file_part("image", image)}
        files.update({name: _file_part(name, content) for name, content in extra_files.items()})
        return _Request("POST /v2/edit", "POST", url, True, data=data, files=files, headers=headers)

    def edit(
        self,
        image_url: str | None = None,
        *,
        image: bytes | None = None,
        options: EditOptions | Mapping[str, Any] | None = None,
    ) -> EditResult:
        """Edit one image with ``/v2/edit``.

        :param image_url: an image the API fetches itself (GET with ``imageUrl``).
        :param image: the image's bytes, uploaded (POST multipart ``imageFile``).
        :param options: :class:`EditOptions` or a dict of wire names, validated before sending.
        :raises PhotoroomOptionsError: before any request, if the options are invalid.
        """
        return _edit_result(self._send(self._edit_request(image_url, image, options)))

    async def aedit(
        self,
        image_url: str | None = None,
        *,
        image: bytes | None = None,
        options: EditOptions | Mapping[str, Any] | None = None,
    ) -> EditResult:
        await self.asettings()
        return _edit_result(await self._asend(self._edit_request(image_url, image, options)))

    # ----------------------------------------------------------------------------------------
    # /v1/segment
    # ----------------------------------------------------------------------------------------

    def _segment_request(self, image: bytes, options: SegmentOptions | Mapping[str, Any] | None) -> _Request:
        opts = SegmentOptions.coerce(options)
        if not isinstance(image, bytes | bytearray):
            raise PhotoroomOptionsError("remove_background needs the image's bytes (image=...)")
        _check_size(image, MAX_INPUT_BYTES["segment"], "/v1/segment")
        headers = {}
        if version := self.settings.background_removal_model_version:
            headers["pr-background-removal-model-version"] = version
        return _Request(
            "POST /v1/segment",
            "POST",
            f"{self.settings.segment_base_url}/v1/segment",
            True,
            data=opts.to_wire(),
            files={"image_file": _file_part("image", bytes(image))},
            headers=headers,
        )

    def remove_background(
        self, image: bytes, options: SegmentOptions | Mapping[str, Any] | None = None
    ) -> SegmentResult:
        """Cut the subject out with ``/v1/segment``.

        :param image: the image's bytes (the endpoint only takes uploads).
        :param options: :class:`SegmentOptions` or a dict (format, channels, bg_color, size, crop,
            despill), validated before sending.
        """
        return _segment_result(self._send(self._segment_request(image, options)))

    async def aremove_background(
        self, image: bytes, options: SegmentOptions | Mapping[str, Any] | None = None
    ) -> SegmentResult:
        await self.asettings()
        return _segment_result(await self._asend(self._segment_request(image, options)))


# --------------------------------------------------------------------------------------------
# Parsing answers (shared by the sync and async calls)
# --------------------------------------------------------------------------------------------


def _account_from(response: httpx.Response) -> Account:
    try:
        return Account.from_json(response.json())
    except ValueError as error:
        raise PhotoroomError(f"GET /v2/account: {error}") from None


def _edit_result(response: httpx.Response) -> EditResult:
    if unsupported := response.headers.get("pr-unsupported-attributes"):
        raise PhotoroomUnsupportedAttributesError(
            response.status_code,
            f"the API ignored some parameters ({unsupported}); the image was not used",
            endpoint=f"{response.request.method} /v2/edit",
        )
    return EditResult.from_response(response)


def _segment_result(response: httpx.Response) -> SegmentResult:
    try:
        return SegmentResult.from_response(response)
    except ValueError as error:
        raise PhotoroomError(f"POST /v1/segment: {error}") from None


def _check_size(image: bytes | bytearray, limit: int, endpoint: str) -> None:
    if len(image) > limit:
        raise PhotoroomInputTooLargeError(
            413,
            f"the image is {len(image) / 2**20:.1f} MB and {endpoint} accepts at most "
            f"{limit // 2**20} MB (checked before upload; nothing was sent)",
            endpoint=endpoint,
        )


def _file_part(name: str, content: bytes) -> tuple[str, bytes, str]:
    media_type = sniff_media_type(content) or "application/octet-stream"
    stem = name.rsplit(".", 1)[-1] if "." in name else name
    return (f"{stem}.{EXTENSIONS.get(media_type, 'bin')}", content, media_type)


def _mask(secret: str) -> None:
    """Register the key with Airflow's log masker, so no task log can print it."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - always present on supported Airflow versions
        return
    mask_secret(secret)


__all__ = ["PhotoroomHook"]
