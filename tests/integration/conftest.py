"""A real emulator on 127.0.0.1 for the integration tests, and a connection pointing at it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from airflow_photoroom.emulator import EmulatorHandle
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.retry import RetryPolicy

SAMPLES = Path(__file__).parents[2] / "airflow_photoroom" / "emulator" / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def emulator(photoroom_emulator: EmulatorHandle) -> EmulatorHandle:
    """A fresh emulator per test (the provider's own pytest plugin): its own ledger and knobs."""
    return photoroom_emulator


@pytest.fixture
def hook(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[PhotoroomHook]:
    for name, value in emulator.connection_env(rate_limit_per_minute=1_000_000).items():
        monkeypatch.setenv(name, value)
    with PhotoroomHook(retry_policy=RetryPolicy(max_retries=8, backoff_base=0.01, backoff_cap=0.05)) as hook:
        yield hook
