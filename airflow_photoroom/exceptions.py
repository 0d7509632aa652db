"""The errors this provider raises, one family under :class:`PhotoroomError`.

Callers branch on the class (``except PhotoroomCreditsExhaustedError``) rather than on status
codes, and the batch engine records ``str(error)`` as a row's reason, so every message carries
the HTTP status and the API's own words. No message ever contains the API key: errors are built
from the response status and body only, never from request headers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


class PhotoroomError(Exception):
    """Base class of every error raised by this provider."""


class PhotoroomConfigurationError(PhotoroomError):
    """The Airflow connection cannot be used as it is (no API key, malformed extras)."""


class PhotoroomOptionsError(PhotoroomError, ValueError):
    """Options were rejected before any request was sent, so no credit was spent."""


class PhotoroomInsufficientCreditsError(PhotoroomError):
    """The account cannot pay for the planned work (raised before any call is made)."""

    def __init__(self, *, needed: float, available: float, reserve: float, plan: str) -> None:
        self.needed = needed
        self.available = available
        self.reserve = reserve
        self.plan = plan
        usable = max(available - reserve, 0)
        super().__init__(
            f"Not enough Photoroom credits: needed {needed:g}, available {available:g} "
            f"with a reserve of {reserve:g} kept back (usable {usable:g}, plan {plan})."
        )


class PhotoroomTransportError(PhotoroomError):
    """The request never got an answer (connection refused or reset, DNS), after all retries."""


class PhotoroomTimeoutError(PhotoroomTransportError):
    """The API did not answer within the connection's timeout, after all retries."""


class PhotoroomAPIError(PhotoroomError):
    """The API answered with an error status.

    :param status_code: the HTTP status of the answer.
    :param api_message: the API's own explanation, taken from its JSON body when it has one.
    """

    def __init__(self, status_code: int, api_message: str, *, endpoint: str = "") -> None:
        self.status_code = status_code
        self.api_message = api_message
        self.endpoint = endpoint
        where = f" on {endpoint}" if endpoint else ""
        super().__init__(f"Photoroom answered HTTP {status_code}{where}: {api_message}")


class PhotoroomBadRequestError(PhotoroomAPIError):
    """400 (or 404/415): the request was malformed or named something the API refuses."""


class PhotoroomInputTooLargeError(PhotoroomBadRequestError):
    """413, or an image over the endpoint's size limit caught before upload (status 413 too)."""


class PhotoroomUnsupportedAttributesError(PhotoroomBadRequestError):
    """The API accepted the call but ignored some parameters (``pr-unsupported-attributes``).

    Treated as an error: an edit that silently dropped an option is not the edit that was asked
    for, and writing it out would make the wrong image look done.
    """


class PhotoroomAuthenticationError(PhotoroomAPIError):
    """401/403: the API key is missing, unknown or not allowed to call this endpoint."""


class PhotoroomCreditsExhaustedError(PhotoroomAPIError):
    """402: the account has no credits left for this call."""


class PhotoroomRateLimitError(PhotoroomAPIError):
    """429, still answered after all retries."""

    def __init__(
        self, status_code: int, api_message: str, *, endpoint: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(status_code, api_message, endpoint=endpoint)
        self.retry_after = retry_after


class PhotoroomServerError(PhotoroomAPIError):
    """5xx, still answered after all retries."""


def api_message_from(response: httpx.Response) -> str:
    """Extract the API's own explanation from an error response.

    ``/v2/edit`` answers ``{"error": {"message"|"detail": ...}}`` and ``/v1/segment`` answers
    ``{"detail": ..., "type": ...}``; 403 comes with no body at all.
    """
    text = response.text.strip()
    if not text:
        return response.reason_phrase or "no explanation given"
    try:
        body = json.loads(text)
    except ValueError:
        return text[:500]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
            if message:
                return str(message)
        if body.get("detail"):
            kind = body.get("type")
            return f"{body['detail']} ({kind})" if kind else str(body["detail"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return text[:500]


def error_for_response(response: httpx.Response, *, endpoint: str) -> PhotoroomAPIError:
    """Map an error response to the most specific class of the family."""
    status = response.status_code
    message = api_message_from(response)
    if status == 402:
        return PhotoroomCreditsExhaustedError(status, message, endpoint=endpoint)
    if status in (401, 403):
        return PhotoroomAuthenticationError(status, message, endpoint=endpoint)
    if status == 413:
        return PhotoroomInputTooLargeError(status, message, endpoint=endpoint)
    if status == 429:
        from airflow_photoroom.retry import parse_retry_after

        return PhotoroomRateLimitError(
            status, message, endpoint=endpoint, retry_after=parse_retry_after(response)
        )
    if status >= 500:
        return PhotoroomServerError(status, message, endpoint=endpoint)
    return PhotoroomBadRequestError(status, message, endpoint=endpoint)
