"""Reading requests back the way a server would, for wire-form and contract tests."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

import httpx


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def multipart_parts(request: httpx.Request) -> dict[str, Part]:
    """The parts of a multipart/form-data request, by field name."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data"), content_type
    raw = b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.read()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert name not in parts, f"field {name} sent twice"
        parts[name] = Part(
            name=name,
            filename=filename if isinstance(filename, str) else None,
            content_type=part.get("content-type") if filename else None,
            content=payload if isinstance(payload, bytes) else b"",
        )
    return parts


def text_fields(request: httpx.Request) -> dict[str, str]:
    return {p.name: p.content.decode() for p in multipart_parts(request).values() if p.filename is None}
