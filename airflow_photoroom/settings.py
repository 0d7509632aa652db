"""How an Airflow connection of type ``photoroom`` becomes client settings.

Kept apart from the hook so the rules (which extras exist, their defaults, how ``host`` replaces
the base URLs) are plain data that can be read and tested without a running Airflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_photoroom.exceptions import PhotoroomConfigurationError
from airflow_photoroom.pricing import is_sandbox_key

if TYPE_CHECKING:
    from airflow.sdk import Connection

CONN_TYPE = "photoroom"
DEFAULT_CONN_ID = "photoroom_default"
EDIT_BASE_URL = "https://image-api.photoroom.com"
SEGMENT_BASE_URL = "https://sdk.photoroom.com"

#: AI edits take 2-9 s and can queue behind each other at the API: a read timeout shorter than a
#: few minutes turns slow successes into retried (and so doubled) work.
DEFAULT_TIMEOUT = 180.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 6
DEFAULT_RATE_LIMIT_PER_MINUTE = 500.0

#: The extras a connection may carry, with the form metadata Airflow's UI renders
#: (``conn-fields`` in ``get_provider_info``).
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "timeout": {
        "label": "Timeout (seconds)",
        "description": "Read timeout of one call. AI edits take 2-9 s; keep it well above that.",
        "schema": {"type": ["number", "null"], "default": DEFAULT_TIMEOUT, "minimum": 1},
    },
    "max_retries": {
        "label": "Max retries",
        "description": "Retries of a call answered 429/5xx or cut off (failed calls cost nothing).",
        "schema": {"type": ["integer", "null"], "default": DEFAULT_MAX_RETRIES, "minimum": 0},
    },
    "rate_limit_per_minute": {
        "label": "Rate limit (images per minute)",
        "description": "Client-side pace shared by every task of a worker process using this connection.",
        "schema": {"type": ["number", "null"], "default": DEFAULT_RATE_LIMIT_PER_MINUTE, "minimum": 1},
    },
    "background_model_version": {
        "label": "AI background model version",
        "description": "Sent as the pr-ai-background-model-version header, e.g. "
        "background-studio-beta-2025-03-17. Empty: the API's default model.",
        "schema": {"type": ["string", "null"]},
    },
    "background_removal_model_version": {
        "label": "Background removal model version",
        "description": "Sent as the pr-background-removal-model-version header. Empty: the API's default.",
        "schema": {"type": ["string", "null"]},
    },
}


@dataclass(frozen=True)
class PhotoroomSettings:
    """Everything a client needs from one connection.

    The API key is held here and nowhere else; ``repr`` leaves it out.
    """

    conn_id: str
    api_key: str
    edit_base_url: str
    segment_base_url: str
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    rate_limit_per_minute: float = DEFAULT_RATE_LIMIT_PER_MINUTE
    background_model_version: str | None = None
    background_removal_model_version: str | None = None

    def __repr__(self) -> str:
        return (
            f"PhotoroomSettings(conn_id={self.conn_id!r}, edit_base_url={self.edit_base_url!r}, "
            f"segment_base_url={self.segment_base_url!r}, timeout={self.timeout}, "
            f"max_retries={self.max_retries}, rate_limit_per_minute={self.rate_limit_per_minute}, "
            f"sandbox={self.is_sandbox})"
        )

    @property
    def is_sandbox(self) -> bool:
        """``sandbox_`` keys are free, watermarked and capped at 100 calls a day."""
        return is_sandbox_key(self.api_key)

    @property
    def model_headers(self) -> dict[str, str]:
        """The model-version headers this connection pins, for ``/v2/edit``."""
        headers = {}
        if self.background_model_version:
            headers["pr-ai-background-model-version"] = self.background_model_version
        if self.background_removal_model_version:
            headers["pr-background-removal-model-version"] = self.background_removal_model_version
        return headers

    @classmethod
    def from_connection(cls, conn: Connection) -> PhotoroomSettings:
        conn_id = conn.conn_id or DEFAULT_CONN_ID
        api_key = (conn.password or "").strip()
        if not api_key:
            raise PhotoroomConfigurationError(
                f"Airflow connection {conn_id!r} has no Photoroom API key: put the key in its "
                "password field (labelled 'API key' in the UI)"
            )
        extras = _extras(conn)

        def extra(name: str) -> Any:
            # The UI of older Airflow versions stored form fields as extra__<type>__<name>.
            value = extras.get(name, extras.get(f"extra__{CONN_TYPE}__{name}"))
            return None if value in (None, "") else value

        def number(name: str, default: float, minimum: float, kind: type[float] | type[int]) -> Any:
            value = extra(name)
            if value is None:
                return default
            try:
                parsed = kind(value)
            except (TypeError, ValueError):
                raise PhotoroomConfigurationError(
                    f"connection {conn_id!r}: extra {name!r} must be a number, got {value!r}"
                ) from None
            if parsed < minimum:
                raise PhotoroomConfigurationError(
                    f"connection {conn_id!r}: extra {name!r} must be at least {minimum}, got {value!r}"
                )
            return parsed

        host = _base_url(conn)
        return cls(
            conn_id=conn_id,
            api_key=api_key,
            edit_base_url=host or EDIT_BASE_URL,
            segment_base_url=host or SEGMENT_BASE_URL,
            timeout=number("timeout", DEFAULT_TIMEOUT, 1, float),
            max_retries=number("max_retries", DEFAULT_MAX_RETRIES, 0, int),
            rate_limit_per_minute=number("rate_limit_per_minute", DEFAULT_RATE_LIMIT_PER_MINUTE, 1, float),
            background_model_version=_text(extra("background_model_version")),
            background_removal_model_version=_text(extra("background_removal_model_version")),
        )


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _extras(conn: Connection) -> dict[str, Any]:
    raw = conn.extra
    if not raw:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise PhotoroomConfigurationError(f"connection {conn.conn_id!r}: extra is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise PhotoroomConfigurationError(f"connection {conn.conn_id!r}: extra must be a JSON object")
    return parsed


def _base_url(conn: Connection) -> str | None:
    """``host`` (with ``port`` and ``schema`` as scheme, if given) as one origin for every endpoint.

    Emulators and proxies serve all paths at one origin, so a host replaces both production
    base URLs. ``host`` may carry its scheme (``http://127.0.0.1:8080``); without one it is https.
    """
    host = (conn.host or "").strip().rstrip("/")
    if not host:
        return None
    if "://" not in host:
        host = f"{conn.schema or 'https'}://{host}"
    if conn.port and host.count(":") < 2:
        host = f"{host}:{conn.port}"
    return host
