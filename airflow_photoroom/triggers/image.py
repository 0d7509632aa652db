"""Async halves of ImageAvailableSensor, and an event trigger for AssetWatcher."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, BaseTrigger, TriggerEvent

from airflow_photoroom import availability, storage


class ImageAvailableTrigger(BaseTrigger):
    """Fire when enough of ``images`` exist (see :func:`airflow_photoroom.availability.enough`)."""

    def __init__(
        self,
        *,
        images: list[str],
        wait_for: str | int = "all",
        conn_id: str | None = None,
        min_bytes: int = 1,
        poll_interval: float = 60,
        concurrency: int = 16,
        end_at: float | None = None,
    ) -> None:
        super().__init__()
        self.end_at = end_at  # epoch seconds: past it the trigger reports a timeout itself
        self.images = images
        self.wait_for = wait_for
        self.conn_id = conn_id
        self.min_bytes = min_bytes
        self.poll_interval = poll_interval
        self.concurrency = concurrency

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "images": self.images,
                "wait_for": self.wait_for,
                "conn_id": self.conn_id,
                "min_bytes": self.min_bytes,
                "poll_interval": self.poll_interval,
                "concurrency": self.concurrency,
                "end_at": self.end_at,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            results = await availability.check_images(
                self.images, conn_id=self.conn_id, min_bytes=self.min_bytes, concurrency=self.concurrency
            )
            ready = [r.uri for r in results if r.ready]
            if availability.enough(len(ready), len(self.images), self.wait_for):
                yield TriggerEvent({"status": "success", "ready": ready})
                return
            missing = "; ".join(f"{r.uri} ({r.reason})" for r in results if not r.ready)
            if self.end_at is not None and time.time() >= self.end_at:
                message = (
                    f"{len(ready)} of {len(self.images)} images ready at the timeout; not ready: {missing}"
                )
                yield TriggerEvent({"status": "timeout", "message": message, "ready": ready})
                return
            self.log.info("%d of %d images ready; waiting for: %s", len(ready), len(self.images), missing)
            await asyncio.sleep(self.poll_interval)


class ImageArrivalTrigger(BaseEventTrigger):
    """Fire when new images land in a storage folder: schedule DAGs on arriving product photos.

    Use with ``AssetWatcher`` (``Asset("s3://photos/incoming", watchers=[AssetWatcher(name=...,
    trigger=ImageArrivalTrigger(folder="s3://photos/incoming", conn_id="aws_default"))])``).
    The event carries the new images' URIs. Which images were seen is kept as a modification-time
    watermark: in Airflow's asset state store where the triggerer provides one (Airflow 3.3+),
    otherwise in memory from the moment the watch starts.
    """

    def __init__(
        self, *, folder: str, conn_id: str | None = None, poll_interval: float = 60, min_bytes: int = 1
    ) -> None:
        super().__init__()
        self.folder = folder
        self.conn_id = conn_id
        self.poll_interval = poll_interval
        self.min_bytes = min_bytes
        self._watermark: float | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "folder": self.folder,
                "conn_id": self.conn_id,
                "poll_interval": self.poll_interval,
                "min_bytes": self.min_bytes,
            },
        )

    async def _load_watermark(self) -> float:
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            try:
                value = await store.aget("photoroom_watermark")
                if value is not None:
                    return float(value)
            except Exception as error:  # no store for this watch: fall back to memory
                self.log.debug("no asset state store: %s", error)
        if self._watermark is None:
            self._watermark = dt.datetime.now(dt.timezone.utc).timestamp()
        return self._watermark

    async def _save_watermark(self, value: float) -> None:
        self._watermark = value
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            try:
                await store.aset("photoroom_watermark", str(value))
            except Exception as error:
                self.log.debug("no asset state store: %s", error)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        watermark = await self._load_watermark()
        while True:
            arrived = [
                (uri, stamp)
                for uri, stamp in await asyncio.to_thread(
                    storage.list_images, self.folder, self.conn_id, self.min_bytes
                )
                if stamp > watermark
            ]
            if arrived:
                await self._save_watermark(max(stamp for _, stamp in arrived))
                yield TriggerEvent({"folder": self.folder, "images": sorted(uri for uri, _ in arrived)})
                return
            await asyncio.sleep(self.poll_interval)
