"""What the hook returns: the account, and the images the API made with their metadata."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from airflow_photoroom.media import sniff_media_type


@dataclass(frozen=True)
class Account:
    """``/v2/account``: the images (credits) left this period and the plan's allowance."""

    available: float
    subscription: float
    plan: str

    @classmethod
    def from_json(cls, body: Any) -> Account:
        try:
            images = body["images"]
            return cls(
                available=float(images["available"]),
                subscription=float(images["subscription"]),
                plan=str(body["plan"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"unexpected /v2/account answer: {body!r:.200}") from error

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for XCom."""
        return asdict(self)


def _header_float(headers: httpx.Headers, name: str) -> float | None:
    value = headers.get(name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    number = _header_float(headers, name)
    return int(number) if number is not None else None


@dataclass(frozen=True)
class EditResult:
    """An image made by ``/v2/edit`` and the response headers worth keeping.

    :param seed: ``pr-ai-background-seed``, to reproduce an AI background.
    :param edit_further_url: ``pr-edit-further-url``, opens the result in the Photoroom web app.
    :param texts_detected: ``pr-texts-detected``, when text removal ran.
    :param uncertainty_score: ``x-uncertainty-score``: 0 sure of the cutout, 1 unsure, -1 humans.
    """

    content: bytes = field(repr=False)
    media_type: str
    seed: int | None = None
    edit_further_url: str | None = None
    texts_detected: int | None = None
    uncertainty_score: float | None = None

    @classmethod
    def from_response(cls, response: httpx.Response) -> EditResult:
        headers = response.headers
        return cls(
            content=response.content,
            media_type=_media_type(response),
            seed=_header_int(headers, "pr-ai-background-seed"),
            edit_further_url=headers.get("pr-edit-further-url"),
            texts_detected=_header_int(headers, "pr-texts-detected"),
            uncertainty_score=_header_float(headers, "x-uncertainty-score"),
        )

    def __repr__(self) -> str:
        return f"EditResult(<{len(self.content)} bytes {self.media_type}>, seed={self.seed})"


@dataclass(frozen=True)
class SegmentResult:
    """An image made by ``/v1/segment`` (background removed)."""

    content: bytes = field(repr=False)
    media_type: str
    uncertainty_score: float | None = None

    @classmethod
    def from_response(cls, response: httpx.Response) -> SegmentResult:
        """``/v1/segment`` answers with image bytes, or with JSON ``{"base64img": ...}``.

        :raises ValueError: for a JSON answer without a valid image.
        """
        media_type = _media_type(response)
        content = response.content
        if media_type == "application/json":
            try:
                content = base64.b64decode(response.json()["base64img"], validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error):
                raise ValueError("JSON answer without a valid base64img") from None
            media_type = sniff_media_type(content) or "application/octet-stream"
        return cls(content, media_type, _header_float(response.headers, "x-uncertainty-score"))

    def __repr__(self) -> str:
        return f"SegmentResult(<{len(self.content)} bytes {self.media_type}>)"


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "application/octet-stream")
    return content_type.split(";")[0].strip()
