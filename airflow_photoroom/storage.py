"""Reading inputs and writing outputs through Airflow's ObjectStoragePath.

Inputs are URIs: ``http(s)://`` (fetched by the API itself, or downloaded here when asked),
``file://``, ``s3://`` and every other scheme an installed provider registers, or plain local
paths. Outputs go to a folder URI. Two guarantees matter for reruns:

- a *fingerprint* of an input's content is read cheaply (a HEAD, or the object store's metadata)
  without downloading it, so an unchanged image is recognised before any bytes move;
- an output appears at its final key whole or not at all: object stores publish an object only
  when its upload completes, and local files are written aside and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    import httpx
    from airflow.sdk import ObjectStoragePath

_LOCAL_PROTOCOLS = ("", "file", "local")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".avif", ".tif", ".tiff", ".bmp", ".gif")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def is_http(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def uri_list(image: str | Sequence[str] | None) -> list[str]:
    """The ``image`` argument of the operators and sensors as a list: one URI, or a batch of them
    (an XCom list arrives as any sequence)."""
    if image is None:
        return []
    return [image] if isinstance(image, str) else [str(item) for item in image]


def normalize_uri(uri: str) -> str:
    """A URI for an input or output as given: local paths become absolute ``file://`` URIs."""
    if "://" in uri:
        return uri
    return f"file://{os.path.abspath(uri)}"


def to_path(uri: str, conn_id: str | None = None) -> ObjectStoragePath:
    """An ObjectStoragePath for a URI or a local path.

    An empty ``conn_id`` means none: templated connection fields render ``""`` when unset.
    """
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(normalize_uri(uri), conn_id=conn_id or None)


def uri_of(path: ObjectStoragePath) -> str:
    """The plain URI of a path (``file:///...``, ``s3://bucket/key``), without the connection id
    that ObjectStoragePath shows in its own text (``s3://conn@bucket/key``)."""
    if path.protocol in _LOCAL_PROTOCOLS:
        return f"file://{path.path}"
    return f"{path.protocol}://{path.path}"


def lineage_dataset(uri: str) -> tuple[str, str]:
    """(namespace, name) of a URI by OpenLineage's naming rules, as Airflow's own providers give them.

    ``s3://bucket/key`` -> (``s3://bucket``, ``key``); ``file:///a/b`` -> (``file``, ``/a/b``);
    ``https://cdn/x.jpg`` -> (``https://cdn``, ``/x.jpg``). Local paths become ``file://`` first.
    Matching the providers matters: lineage joins on these names, and the Assets of the same
    folders are converted by the providers' own rules.
    """
    parsed = urlparse(normalize_uri(uri))
    namespace = f"{parsed.scheme}://{parsed.netloc}"
    if parsed.scheme in _LOCAL_PROTOCOLS:
        return (namespace if parsed.netloc else "file"), parsed.path or "/"
    if parsed.scheme in ("http", "https"):
        return namespace, parsed.path or "/"
    return namespace, parsed.path.lstrip("/") or "/"  # object stores: the key, no leading slash


def stem_of(uri: str) -> str:
    """A file-name-safe stem from an input URI: ``.../red shoe.jpg?x=1`` -> ``red-shoe``."""
    name = PurePosixPath(unquote(urlparse(uri).path)).name if "://" in uri else PurePosixPath(uri).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("-", stem).strip("-.")[:60]
    return stem or "image"


def fingerprint_path(path: ObjectStoragePath) -> str | None:
    """What identifies the content of a stored object without reading it: ETag, or size+mtime."""
    info = path.stat()
    etag = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("crc32c")
    if etag:
        return f"etag:{str(etag).strip(chr(34))}"
    size = info.get("size")
    modified = info.get("mtime") or info.get("LastModified") or info.get("updated") or info.get("created")
    if size is not None and modified is not None:
        return f"size:{size};mtime:{modified}"
    return None


async def fingerprint_url(client: httpx.AsyncClient, url: str) -> str | None:
    """The ETag, or Last-Modified and length, of a URL from a HEAD request (``None`` if absent).

    ``None`` means the caller must hash the bytes instead; so does a server that refuses HEAD.
    """
    import httpx

    try:
        response = await client.head(url, follow_redirects=True)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    if etag := response.headers.get("etag"):
        return f"etag:{etag.removeprefix('W/').strip(chr(34))}"
    modified = response.headers.get("last-modified")
    length = response.headers.get("content-length")
    if modified and length:
        return f"last-modified:{modified};length:{length}"
    return None


def content_fingerprint(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


async def download(client: httpx.AsyncClient, url: str, limit: int) -> bytes:
    """Fetch an http(s) input, refusing bodies over ``limit`` bytes without reading them all."""
    async with client.stream("GET", url, follow_redirects=True) as response:
        if response.status_code != 200:
            raise ValueError(f"could not download {url}: HTTP {response.status_code}")
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > limit:
                raise ValueError(f"{url} is over {limit // 2**20} MB")
        return bytes(data)


def write_atomically(path: ObjectStoragePath, data: bytes) -> None:
    """Write ``data`` so that ``path`` never shows a partial file.

    Object stores (S3, GCS, Azure) publish an object only once its upload completes, so a direct
    write is already atomic there. On a local disk the bytes go to a hidden sibling first and are
    renamed into place (a rename within one folder is atomic).
    """
    if path.protocol not in _LOCAL_PROTOCOLS:
        path.write_bytes(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        partial.write_bytes(data)
        path.fs.mv(partial.path, path.path)
    finally:
        if partial.exists():
            partial.unlink()


def list_images(folder: str, conn_id: str | None = None, min_bytes: int = 1) -> list[tuple[str, float]]:
    """(uri, modified epoch seconds) of the image files directly in ``folder``, sorted by URI.

    Hidden files (``.partial`` uploads and the like) and files under ``min_bytes`` are left out.
    """
    import datetime as dt

    found = []
    for path in to_path(folder, conn_id).iterdir():
        if path.name.startswith(".") or not path.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        info = path.stat()
        if int(info.get("size") or 0) < min_bytes:
            continue
        modified = info.get("mtime") or info.get("LastModified") or info.get("created")
        stamp = modified.timestamp() if isinstance(modified, dt.datetime) else float(modified or 0)
        found.append((uri_of(path), stamp))
    return sorted(found)
