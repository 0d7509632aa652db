"""The batch engine: many images through one API operation, each paid for at most once.

Per image: *identity* (input URI + a fingerprint of its content + canonical options + operation +
model versions) -> *output key* ``<output>/<stem>-<short hash>.<ext>`` -> if the key exists, the
image is ``skipped`` at no cost -> otherwise the API is called -> the result is checked (it
decodes, in the format and size asked) -> written atomically -> a manifest row.

It knows nothing about Airflow and little about Photoroom: it takes a callable that turns one
input into an image. Workers pull inputs one at a time, so at most ``concurrency`` images are in
memory whatever the batch size, and the hook's shared rate limiter paces the calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from airflow_photoroom import storage
from airflow_photoroom.pricing import MAX_INPUT_BYTES

if TYPE_CHECKING:
    import httpx
    from airflow.sdk import ObjectStoragePath

Status = Literal["edited", "skipped", "failed", "not_attempted"]
T = TypeVar("T")

#: The seconds an AI edit typically takes; with the rate limit it sets how many calls must be in
#: flight to keep the limit busy (500/minute x 5 s = ~42).
TYPICAL_CALL_SECONDS = 5.0


def batched(items: Iterable[T], size: int) -> list[list[T]]:
    """Split ``items`` into lists of at most ``size``, for ``.expand(image=batched(urls, 100))``.

    Batches keep thousands of images under Airflow's ``max_map_length`` (1024) and the number
    of mapped task instances where the scheduler is comfortable. Lists, not tuples, so each batch
    serialises as XCom and renders in the UI like the input did.
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    batch: list[T] = []
    batches: list[list[T]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    return batches


def default_concurrency(rate_limit_per_minute: float) -> int:
    """Calls in flight needed to keep the rate limit busy: rate x typical call time, plus slack."""
    return max(4, min(200, math.ceil(rate_limit_per_minute / 60 * TYPICAL_CALL_SECONDS) + 2))


@dataclass(frozen=True)
class Rendered:
    """What the render callable returns for one image."""

    content: bytes
    media_type: str
    seed: int | None = None
    uncertainty: float | None = None
    edit_further_url: str | None = None


@dataclass(frozen=True)
class Source:
    """One input as the render callable gets it: by URL (``data`` is None) or as bytes."""

    uri: str
    data: bytes | None


@dataclass
class Outcome:
    """A manifest row and an XCom entry: plain, small, never image bytes."""

    input: str
    output: str | None
    status: Status
    credits: float = 0.0
    reason: str | None = None
    seed: int | None = None
    uncertainty: float | None = None
    edit_further_url: str | None = None
    duration_s: float = 0.0
    finished_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Expectation:
    """What every result must be: its format, and its size when the options fix one."""

    format: Literal["png", "jpeg", "webp"]
    size: tuple[int, int] | None = None

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


@dataclass
class BatchReport:
    outcomes: list[Outcome]
    credits: float
    stopped: str | None  # why calls stopped early (credits exhausted), if they did
    manifest: str | None = None

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@dataclass
class _Progress:
    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    skipped: int = 0
    failed: int = 0
    edited: int = 0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else float("inf")
        eta_text = f"{eta:.0f}s" if math.isfinite(eta) else "unknown"
        return (
            f"{self.done}/{self.total} done ({self.edited} edited, {self.skipped} skipped, "
            f"{self.failed} failed), {rate:.1f} images/s, ETA {eta_text}"
        )


class BatchEngine:
    """Run one operation over many inputs into one output folder.

    :param render: turns a :class:`Source` into a :class:`Rendered` (the API call).
    :param output: the folder outputs are written to.
    :param identity: what, besides the input, decides the result (operation, canonical options,
        model versions); part of every output key.
    :param expectation: the format (and size) every result must have.
    :param send_urls: give http(s) inputs to ``render`` as URLs (the API fetches them) rather
        than downloading and uploading them.
    :param input_conn_id: the connection for reading object-storage inputs.
    :param max_input_bytes: inputs larger than the endpoint accepts are not downloaded.
    :param credits_per_image: what one successful call costs, for the report.
    :param stop_on: exception types after which no further call is made (credits exhausted).
    :param progress_every: seconds between progress lines in the log.
    """

    def __init__(
        self,
        *,
        render: Callable[[Source], Awaitable[Rendered]],
        output: ObjectStoragePath,
        identity: dict[str, Any],
        expectation: Expectation,
        concurrency: int,
        send_urls: bool = True,
        input_conn_id: str | None = None,
        max_input_bytes: int = max(MAX_INPUT_BYTES.values()),
        credits_per_image: float = 0.0,
        stop_on: tuple[type[BaseException], ...] = (),
        progress_every: float = 10.0,
        log: logging.Logger | Any = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.render = render
        self.output = output
        self.identity = identity
        self.expectation = expectation
        self.concurrency = concurrency
        self.send_urls = send_urls
        self.input_conn_id = input_conn_id
        self.max_input_bytes = max_input_bytes
        self.credits_per_image = credits_per_image
        self.stop_on = stop_on
        self.progress_every = progress_every
        self.log = log or logging.getLogger(__name__)
        self._stopped: str | None = None

    # ------------------------------------------------------------------------------------------
    # Keys
    # ------------------------------------------------------------------------------------------

    def key_for(self, uri: str, fingerprint: str) -> ObjectStoragePath:
        """The output path of one input: a stem people recognise, and a hash of the identity."""
        identity = json.dumps({**self.identity, "input": uri, "fingerprint": fingerprint}, sort_keys=True)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
        return self.output / f"{storage.stem_of(uri)}-{digest}.{self.expectation.extension}"

    # ------------------------------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------------------------------

    async def run(self, inputs: Sequence[str], manifest_name: str | None = None) -> BatchReport:
        import httpx

        progress = _Progress(total=len(inputs))
        outcomes: list[Outcome | None] = [None] * len(inputs)
        queue: Iterator[tuple[int, str]] = iter(enumerate(inputs))
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=self.concurrency)
        ) as client:

            async def worker() -> None:
                for index, uri in queue:  # one shared iterator: each input is taken once
                    outcome = await self._one(client, uri)
                    outcomes[index] = outcome
                    progress.done += 1
                    if outcome.status == "edited":
                        progress.edited += 1
                    elif outcome.status == "skipped":
                        progress.skipped += 1
                    elif outcome.status == "failed":
                        progress.failed += 1

            reporter = asyncio.create_task(self._report_progress(progress))
            try:
                await asyncio.gather(*(worker() for _ in range(min(self.concurrency, max(1, len(inputs))))))
            finally:
                reporter.cancel()
        rows = [outcome for outcome in outcomes if outcome is not None]
        credits = round(sum(o.credits for o in rows), 6)
        report = BatchReport(outcomes=rows, credits=credits, stopped=self._stopped)
        if manifest_name:
            report.manifest = await asyncio.to_thread(self._write_manifest, rows, manifest_name)
        self.log.info(
            "Photoroom batch finished: %s; %s credits spent%s",
            progress.line(),
            f"{credits:g}",
            f"; stopped early: {self._stopped}" if self._stopped else "",
        )
        return report

    async def plan(self, inputs: Sequence[str]) -> list[bool]:
        """For each input, whether its output exists already (so the next run gets it free).

        Reads only what identifying an input needs (a HEAD, the store's metadata) and calls no
        API. An input that cannot be read counts as still to do: a plan errs on the side of cost.
        """
        import httpx

        limit = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=self.concurrency)
        ) as client:

            async def done(uri: str) -> bool:
                async with limit:
                    try:
                        fingerprint, _ = await self._identify(client, uri)
                        return await asyncio.to_thread(self.key_for(uri, fingerprint).exists)
                    except Exception:
                        return False

            return list(await asyncio.gather(*(done(uri) for uri in inputs)))

    async def _report_progress(self, progress: _Progress) -> None:
        while True:
            await asyncio.sleep(self.progress_every)
            self.log.info("Photoroom batch: %s", progress.line())

    async def _one(self, client: httpx.AsyncClient, uri: str) -> Outcome:
        started = time.monotonic()
        if self._stopped:
            return Outcome(input=uri, output=None, status="not_attempted", reason=self._stopped)
        key: ObjectStoragePath | None = None
        try:
            fingerprint, data = await self._identify(client, uri)
            key = self.key_for(uri, fingerprint)
            if await asyncio.to_thread(key.exists):
                return Outcome(
                    input=uri, output=storage.uri_of(key), status="skipped", reason="output exists"
                )
            if self._stopped:
                return Outcome(input=uri, output=None, status="not_attempted", reason=self._stopped)
            by_url = storage.is_http(uri) and self.send_urls
            if data is None and not by_url:
                data = await self._read(client, uri)
            source = Source(uri, None if by_url else data)
            rendered = await self.render(source)
            await asyncio.to_thread(self._check, rendered)
            await asyncio.to_thread(storage.write_atomically, key, rendered.content)
        except self.stop_on as error:
            self._stopped = f"calls stopped: {error}"
            return self._failed(uri, key, error, started)
        except Exception as error:
            return self._failed(uri, key, error, started)
        return Outcome(
            input=uri,
            output=storage.uri_of(key),
            status="edited",
            credits=self.credits_per_image,
            seed=rendered.seed,
            uncertainty=rendered.uncertainty,
            edit_further_url=rendered.edit_further_url,
            duration_s=round(time.monotonic() - started, 3),
        )

    def _failed(
        self, uri: str, key: ObjectStoragePath | None, error: BaseException, started: float
    ) -> Outcome:
        reason = str(error) or type(error).__name__
        self.log.warning("Photoroom: %s failed: %s", uri, reason)
        return Outcome(
            input=uri,
            output=None,
            status="failed",
            reason=reason,
            duration_s=round(time.monotonic() - started, 3),
        )

    async def _identify(self, client: httpx.AsyncClient, uri: str) -> tuple[str, bytes | None]:
        """The input's content fingerprint, reading as little as possible.

        A HEAD (http) or the store's metadata (ETag, size and mtime) is enough for most inputs, so
        an image whose output already exists is skipped without being downloaded. The bytes come
        back too when they had to be read to be hashed.
        """
        if storage.is_http(uri):
            fingerprint = await storage.fingerprint_url(client, uri)
        else:
            fingerprint = await asyncio.to_thread(storage.fingerprint_path, self._path(uri))
        if fingerprint is not None:
            return fingerprint, None
        data = await self._read(client, uri)
        return storage.content_fingerprint(data), data

    async def _read(self, client: httpx.AsyncClient, uri: str) -> bytes:
        if storage.is_http(uri):
            return await storage.download(client, uri, self.max_input_bytes)
        return await asyncio.to_thread(self._path(uri).read_bytes)

    def _path(self, uri: str) -> ObjectStoragePath:
        return storage.to_path(uri, self.input_conn_id)

    def _check(self, rendered: Rendered) -> None:
        """A result is written only if it decodes, in the format and size that were asked for."""
        from PIL import Image

        try:
            with Image.open(io.BytesIO(rendered.content)) as image:
                image.verify()
                found, size = (image.format or "").lower(), image.size
        except Exception as error:
            raise ValueError(f"the API returned an image that does not decode ({error})") from None
        if found != self.expectation.format:
            raise ValueError(
                f"the API returned {found or 'an unknown format'}, not {self.expectation.format}"
            )
        if self.expectation.size and size != self.expectation.size:
            wanted = "x".join(map(str, self.expectation.size))
            raise ValueError(f"the API returned {size[0]}x{size[1]}, not {wanted}")

    def _write_manifest(self, rows: list[Outcome], name: str) -> str:
        path = self.output / "_manifests" / f"{name}.jsonl"
        body = "".join(json.dumps(row.to_dict(), sort_keys=True) + "\n" for row in rows)
        storage.write_atomically(path, body.encode())
        return storage.uri_of(path)
