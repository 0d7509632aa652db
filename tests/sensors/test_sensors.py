"""Sensors and triggers: availability checks, quota waits, serialisation, poke and deferrable runs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_photoroom.availability import check_images, enough
from airflow_photoroom.emulator import EmulatorHandle
from airflow_photoroom.triggers.image import ImageArrivalTrigger, ImageAvailableTrigger
from airflow_photoroom.triggers.photoroom import PhotoroomQuotaTrigger
from tests.conftest import dag_source, xcom
from tests.operators.conftest import product_image

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------------------------------------
# Availability checks
# ---------------------------------------------------------------------------------------------


async def test_url_cases(cdn: str) -> None:
    names = ["ok.png", "missing.png", "text", "redirect", "no-head.png", "slow.png", "tiny.png"]
    results = {
        r.uri.rsplit("/", 1)[1]: r for r in await check_images([f"{cdn}/{n}" for n in names], min_bytes=10)
    }
    assert results["ok.png"].ready
    assert results["ok.png"].size == len(product_image(1))
    assert not results["missing.png"].ready
    assert results["missing.png"].reason == "HTTP 404"
    assert not results["text"].ready
    assert "not an image (text/html)" in results["text"].reason
    assert results["redirect"].ready  # followed to /ok-redirected.png
    assert results["no-head.png"].ready  # HEAD refused: a one-byte ranged GET answered 206
    assert results["no-head.png"].size == len(product_image(1))
    assert results["slow.png"].ready
    assert not results["tiny.png"].ready
    assert "fewer than 10" in results["tiny.png"].reason


async def test_a_url_slower_than_the_timeout_is_not_ready(cdn: str) -> None:
    (result,) = await check_images([f"{cdn}/slow.png"], timeout=0.3)
    assert not result.ready
    assert "Timeout" in result.reason


async def test_storage_paths(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(product_image(1))
    (tmp_path / "empty.png").write_bytes(b"")
    results = await check_images(
        [str(tmp_path / "a.png"), str(tmp_path / "empty.png"), str(tmp_path / "b.png")]
    )
    assert [r.ready for r in results] == [True, False, False]
    assert results[2].reason == "does not exist"


def test_wait_for_rules() -> None:
    assert enough(3, 3, "all")
    assert not enough(2, 3, "all")
    assert enough(1, 3, "any")
    assert not enough(0, 3, "any")
    assert enough(2, 5, 2)
    assert not enough(1, 5, 2)


# ---------------------------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trigger",
    [
        PhotoroomQuotaTrigger(photoroom_conn_id="c", min_available=5, reserve=2, poll_interval=7),
        ImageAvailableTrigger(
            images=["s3://b/a.png", "https://x/y.jpg"], wait_for=2, conn_id="aws", min_bytes=3
        ),
        ImageArrivalTrigger(folder="s3://b/incoming", conn_id="aws", poll_interval=30, min_bytes=100),
    ],
    ids=lambda t: type(t).__name__,
)
def test_triggers_serialise_round_trip(trigger: Any) -> None:
    from airflow.sdk.module_loading import import_string

    classpath, kwargs = trigger.serialize()
    rebuilt = import_string(classpath)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert type(rebuilt) is type(trigger)


async def first_event(trigger: Any, timeout: float = 20) -> Any:
    async def take() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    return await asyncio.wait_for(take(), timeout)


async def test_quota_trigger_fires_when_credits_are_topped_up(photoroom_emulator: EmulatorHandle) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 3)
    trigger = PhotoroomQuotaTrigger(
        photoroom_conn_id="photoroom_default", min_available=10, reserve=2, poll_interval=0.2
    )
    threading.Timer(1.0, photoroom_emulator.ledger.top_up, (photoroom_emulator.api_key, 20)).start()
    started = time.monotonic()
    event = await first_event(trigger)
    assert event["status"] == "success"
    assert event["account"]["available"] == 23
    assert time.monotonic() - started >= 0.9


async def test_quota_trigger_reports_a_bad_key(
    photoroom_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in photoroom_emulator.connection_env(api_key="wrong").items():
        monkeypatch.setenv(name, value)
    event = await first_event(PhotoroomQuotaTrigger(photoroom_conn_id="photoroom_default", min_available=1))
    assert event["status"] == "error"
    assert "HTTP 403" in event["message"]


async def test_image_trigger_fires_when_enough_images_exist(tmp_path: Path, cdn: str) -> None:
    late = tmp_path / "late.png"
    trigger = ImageAvailableTrigger(images=[f"{cdn}/ok.png", str(late)], wait_for="all", poll_interval=0.2)
    threading.Timer(0.8, late.write_bytes, (product_image(2),)).start()
    event = await first_event(trigger)
    assert event == {"status": "success", "ready": [f"{cdn}/ok.png", str(late)]}


async def test_arrival_trigger_fires_for_new_images_only(tmp_path: Path) -> None:
    (tmp_path / "old.png").write_bytes(product_image(1))
    trigger = ImageArrivalTrigger(folder=str(tmp_path), poll_interval=0.2)

    def arrive() -> None:
        (tmp_path / "notes.txt").write_text("not an image")
        (tmp_path / "new.png").write_bytes(product_image(2))

    threading.Timer(1.0, arrive).start()
    event = await first_event(trigger)
    assert event == {"folder": str(tmp_path), "images": [f"file://{tmp_path}/new.png"]}
    # The same trigger (re-created by the triggerer) does not fire again for what it has seen.
    with pytest.raises(TimeoutError):
        await first_event(trigger, timeout=0.8)


async def test_arrival_trigger_keeps_its_watermark_in_the_asset_state_store(tmp_path: Path) -> None:
    class StateStore:  # the shape of Airflow 3.3's AssetStateStoreAccessor (aget/aset)
        def __init__(self) -> None:
            self.values: dict[str, str] = {}

        async def aget(self, key: str) -> str | None:
            return self.values.get(key)

        async def aset(self, key: str, value: str) -> None:
            self.values[key] = value

    store = StateStore()
    first = ImageArrivalTrigger(folder=str(tmp_path), poll_interval=0.2)
    first.asset_state_store = store  # type: ignore[assignment]
    threading.Timer(0.5, (tmp_path / "a.png").write_bytes, (product_image(3),)).start()
    assert (await first_event(first))["images"] == [f"file://{tmp_path}/a.png"]
    assert "photoroom_watermark" in store.values
    # A new trigger instance (after a triggerer restart) starts from the stored watermark.
    second = ImageArrivalTrigger(folder=str(tmp_path), poll_interval=0.2)
    second.asset_state_store = store  # type: ignore[assignment]
    with pytest.raises(TimeoutError):
        await first_event(second, timeout=0.8)


# ---------------------------------------------------------------------------------------------
# Sensors in real DAG runs, poke and deferrable
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("deferrable", [False, True])
def test_image_sensor_returns_the_ready_images(
    run_dag: Callable[..., Any], cdn: str, tmp_path: Path, deferrable: bool
) -> None:
    appears = tmp_path / "appears.png"
    images = [f"{cdn}/ok.png", f"{cdn}/missing.png", str(appears)]
    body = (
        f"    ImageAvailableSensor(task_id='wait', image={images!r}, wait_for=2, poke_interval=0.3, "
        f"timeout=30, deferrable={deferrable})"
    )
    threading.Timer(1.5, appears.write_bytes, (product_image(4),)).start()
    dag_run = run_dag(dag_source(f"image_sensor_{deferrable}", body))
    assert dag_run.state == "success"
    assert xcom(dag_run, "wait") == [f"{cdn}/ok.png", str(appears)]


@pytest.mark.parametrize("deferrable", [False, True])
def test_image_sensor_timeout_and_soft_fail(run_dag: Callable[..., Any], cdn: str, deferrable: bool) -> None:
    body = (
        f"    ImageAvailableSensor(task_id='strict', image={cdn + '/missing.png'!r}, poke_interval=0.2, timeout=1, "
        f"deferrable={deferrable})\n"
        f"    ImageAvailableSensor(task_id='lenient', image={cdn + '/missing.png'!r}, poke_interval=0.2, timeout=1, "
        f"deferrable={deferrable}, soft_fail=True)"
    )
    dag_run = run_dag(dag_source(f"image_sensor_timeout_{deferrable}", body))
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states == {"strict": "failed", "lenient": "skipped"}


@pytest.mark.parametrize("deferrable", [False, True])
def test_quota_sensor_waits_for_a_top_up(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, deferrable: bool
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 5)
    body = (
        "    PhotoroomQuotaSensor(task_id='credits', min_available=50, reserve=10, poke_interval=0.3, timeout=30, "
        f"deferrable={deferrable})"
    )
    threading.Timer(1.5, photoroom_emulator.ledger.top_up, (photoroom_emulator.api_key, 100)).start()
    started = time.monotonic()
    dag_run = run_dag(dag_source(f"quota_sensor_{deferrable}", body))
    assert dag_run.state == "success"
    assert time.monotonic() - started >= 1.4
    assert xcom(dag_run, "credits")["available"] == 105


def test_deferrable_defaults_to_the_airflow_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_photoroom.sensors.image import ImageAvailableSensor

    assert ImageAvailableSensor(task_id="a", image="x").deferrable is False
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert ImageAvailableSensor(task_id="b", image="x").deferrable is True
    with pytest.raises(ValueError, match="wait_for"):
        ImageAvailableSensor(task_id="c", image="x", wait_for="most")
