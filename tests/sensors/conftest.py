"""A real HTTP server with the awkward cases CDNs present: 404, slow, not an image, redirects,
HEAD refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.operators.conftest import product_image

PNG = product_image(1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "image/png", **headers: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/ok"):
            self._send(200, PNG)
        elif path == "/tiny.png":
            self._send(200, b"\x89PNG")
        elif path == "/text":
            self._send(200, b"<html></html>", "text/html")
        elif path == "/redirect":
            self._send(302, location="/ok-redirected.png")
        elif path == "/slow.png":
            time.sleep(1.5)
            self._send(200, PNG)
        elif path == "/no-head.png":
            if self.command == "HEAD":
                self._send(405, content_type="text/plain")
            elif self.headers.get("range") == "bytes=0-0":
                self._send(206, PNG[:1], content_range=f"bytes 0-0/{len(PNG)}")
            else:
                self._send(200, PNG)
        else:
            self._send(404, b"not found", "text/plain")

    do_GET = _route
    do_HEAD = _route


class _Server(ThreadingHTTPServer):
    request_queue_size = 64
    daemon_threads = True


@pytest.fixture
def cdn() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
