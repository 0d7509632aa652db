"""Images to feed the operators: a real local HTTP server (like a CDN) and local files."""

from __future__ import annotations

import contextlib
import functools
import io
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw


def product_image(index: int, size: int = 96) -> bytes:
    """A small, distinct product shot: a coloured shape on a light backdrop."""
    rng = random.Random(index)
    image = Image.new("RGB", (size, size), (240, 240, 236))
    color = (rng.randrange(30, 200), rng.randrange(30, 200), rng.randrange(30, 200))
    inset = size // 5 + rng.randrange(size // 10)
    draw = ImageDraw.Draw(image)
    if index % 2:
        draw.ellipse((inset, inset, size - inset, size - inset), fill=color)
    else:
        draw.rectangle((inset, inset, size - inset, size - inset), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # A client that hung up (the batch engine after a HEAD) is not an error here.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections under batch load
    daemon_threads = True


@dataclass
class ImageServer:
    """Serves a folder over HTTP with Last-Modified and Content-Length, as a CDN would."""

    base_url: str
    folder: Path

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def add(self, count: int, prefix: str = "item") -> list[str]:
        urls = []
        for index in range(count):
            name = f"{prefix}-{index:04d}.png"
            (self.folder / name).write_bytes(product_image(index))
            urls.append(self.url(name))
        return urls


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[ImageServer]:
    folder = tmp_path / "cdn"
    folder.mkdir()
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ImageServer(base_url=f"http://127.0.0.1:{server.server_port}", folder=folder)
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_images(tmp_path: Path) -> Any:
    def make(count: int, folder: str = "uploads") -> list[Path]:
        target = tmp_path / folder
        target.mkdir(exist_ok=True)
        paths = []
        for index in range(count):
            path = target / f"photo-{index:03d}.png"
            path.write_bytes(product_image(1000 + index))
            paths.append(path)
        return paths

    return make
