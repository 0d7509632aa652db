"""The emulator's settings and realism knobs, changeable while it runs (tests turn them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEFAULT_API_KEY = "photoroom-emulator-key"

#: Seconds each feature adds on the real API (Photoroom's published figures), applied scaled by
#: ``feature_latency_scale`` so tests can keep the ratios and drop the waiting.
FEATURE_SECONDS: dict[str, float] = {
    "segment": 0.35,
    "background.prompt": 2.7,
    "shadow": 3.2,
    "lighting": 8.9,
    "textRemoval": 1.7,
    "expand": 8.4,
    "uncrop": 8.4,
    "upscale": 4.0,
    "beautify": 4.0,
    "flatLay": 6.0,
    "ghostMannequin": 6.0,
    "virtualModel": 9.0,
    "editWithAI": 6.0,
    "imageFromPrompt": 4.0,
}


@dataclass
class EmulatorConfig:
    """What the emulator is and how it misbehaves.

    :param credits: the starting balance (and subscription) of every key.
    :param plan: ``plus`` or ``basic``, which sets prices (and ``/v2/account``'s ``plan``).
    :param api_keys: keys that are accepted; ``sandbox_<key>`` is accepted for each, free.
    :param latency_ms: added to every image call.
    :param feature_latency_scale: multiplies Photoroom's per-feature latencies (0 = none).
    :param rate_limit_per_minute: image calls a key may make in any 60 s before 429 (0 = none).
    :param rate_limit_window_s: the window the rate limit counts over (60 s, like Photoroom's per
        minute; shorter windows make a 429 storm quick to produce in tests).
    :param retry_after: seconds to put in ``Retry-After`` on 429 (``None``: no header, like the API).
    :param fail_rate: share of image calls answered 500/502/503 (failed calls cost nothing).
    :param reset_rate: share of image calls whose connection breaks mid-answer.
    :param slow_body_ms: spread each image answer over this long, in chunks.
    :param hold: while true, finished image answers wait before being sent (tests use it to stop
        a client at a moment when no answer is on the wire).
    :param seed: seeds the failure dice, so a run is reproducible.
    :param allow_file_urls: let ``imageUrl`` be ``file://`` (demos on one machine).
    :param files_dir: a folder served at ``/files/...`` (your own test images, with ETag and
        Last-Modified like a CDN).
    """

    credits: float = 1000.0
    plan: Literal["plus", "basic"] = "plus"
    api_keys: list[str] = field(default_factory=lambda: [DEFAULT_API_KEY])
    latency_ms: float = 0.0
    feature_latency_scale: float = 0.0
    rate_limit_per_minute: int = 0
    rate_limit_window_s: float = 60.0
    retry_after: float | None = None
    fail_rate: float = 0.0
    reset_rate: float = 0.0
    slow_body_ms: float = 0.0
    hold: bool = False
    seed: int = 0
    allow_file_urls: bool = True
    files_dir: str | None = None
