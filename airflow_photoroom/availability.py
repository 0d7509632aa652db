"""Whether input images exist yet: one async implementation for poke mode and triggers alike.

http(s) URLs are asked with HEAD, falling back to a one-byte ranged GET when a server or CDN
refuses HEAD; an image counts as available on 200 (or 206) with an ``image/*`` content type.
Object-storage paths must exist with at least ``min_bytes`` bytes. Checks run concurrently, but
politely: a bounded number at once and no retries, because the sensor itself polls again later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from airflow_photoroom import storage

#: Answers to HEAD that mean "ask with GET instead" (some CDNs and signed URLs refuse HEAD).
HEAD_REFUSED = frozenset({403, 405, 501})


@dataclass(frozen=True)
class Availability:
    uri: str
    ready: bool
    reason: str = ""  # why not (yet), for the log
    size: int | None = None


async def check_images(
    uris: Sequence[str],
    *,
    conn_id: str | None = None,
    min_bytes: int = 1,
    concurrency: int = 16,
    timeout: float = 30.0,
) -> list[Availability]:
    """Check every URI, at most ``concurrency`` at a time, in input order."""
    limit = asyncio.Semaphore(max(1, concurrency))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:

        async def one(uri: str) -> Availability:
            async with limit:
                try:
                    if storage.is_http(uri):
                        return await _check_url(client, uri, min_bytes)
                    return await asyncio.to_thread(_check_path, uri, conn_id, min_bytes)
                except Exception as error:  # a check that fails means "not yet"; the sensor asks again
                    return Availability(uri, False, f"{type(error).__name__}: {error}")

        return list(await asyncio.gather(*(one(uri) for uri in uris)))


async def _check_url(client: httpx.AsyncClient, url: str, min_bytes: int) -> Availability:
    response = await client.head(url)
    if response.status_code in HEAD_REFUSED:
        async with client.stream("GET", url, headers={"range": "bytes=0-0"}) as ranged:
            response = ranged  # the headers are enough; the body is never read past one chunk
    if response.status_code not in (200, 206):
        return Availability(url, False, f"HTTP {response.status_code}")
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if not media_type.startswith("image/"):
        return Availability(url, False, f"not an image ({media_type or 'no content type'})")
    size = _size(response)
    if size is not None and size < min_bytes:
        return Availability(url, False, f"{size} bytes, fewer than {min_bytes}", size)
    return Availability(url, True, size=size)


def _size(response: httpx.Response) -> int | None:
    if response.status_code == 206 and "/" in response.headers.get("content-range", ""):
        total = response.headers["content-range"].rsplit("/", 1)[1]
        return int(total) if total.isdigit() else None
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


def _check_path(uri: str, conn_id: str | None, min_bytes: int) -> Availability:
    path = storage.to_path(uri, conn_id)
    if not path.exists():
        return Availability(uri, False, "does not exist")
    size = int(path.stat().get("size") or 0)
    if size < min_bytes:
        return Availability(uri, False, f"{size} bytes, fewer than {min_bytes}", size)
    return Availability(uri, True, size=size)


def enough(ready: int, total: int, wait_for: str | int) -> bool:
    """Whether ``ready`` of ``total`` inputs satisfy ``wait_for`` ("all", "any" or a number)."""
    if wait_for == "all":
        return ready == total
    if wait_for == "any":
        return ready >= 1
    return ready >= int(wait_for)
