"""ImageAvailableSensor: wait for input images to exist before paying to edit them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import PokeReturnValue
from airflow.sdk.exceptions import AirflowException

from airflow_photoroom import availability, storage
from airflow_photoroom.sensors.base import DeferrableSensor
from airflow_photoroom.triggers.image import ImageAvailableTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


class ImageAvailableSensor(DeferrableSensor):
    """Wait for images: ``http(s)://`` URLs (HEAD, or a ranged GET where HEAD is refused; 200
    and an image content type) and object-storage paths (exist, with at least ``min_bytes``).

    Returns the list of available inputs, so downstream mapping runs only over ready images:
    ``PhotoroomEditOperator.partial(...).expand(image=sensor.output)``. Missing ones are logged.

    :param image: one URI or a list, like the operators.
    :param wait_for: ``"all"``, ``"any"``, or a number: at least that many ready.
    :param min_bytes: smaller files count as not there yet (half-uploaded, placeholders).
    :param conn_id: connection for object-storage paths.
    :param concurrency: checks at once (polite to CDNs; there are no retries, only the next poke).
    """

    template_fields = ("image", "conn_id")
    result_key = "ready"

    def __init__(
        self,
        *,
        image: str | Sequence[str],
        wait_for: str | int = "all",
        min_bytes: int = 1,
        conn_id: str | None = None,
        concurrency: int = 16,
        poke_interval: float = 60,
        timeout: float = 6 * 60 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        if wait_for not in ("all", "any") and not (isinstance(wait_for, int) and wait_for >= 1):
            raise ValueError(f"wait_for must be 'all', 'any' or a number >= 1, got {wait_for!r}")
        self.image = image
        self.wait_for = wait_for
        self.min_bytes = min_bytes
        self.conn_id = conn_id
        self.concurrency = concurrency

    def _images(self) -> list[str]:
        images = storage.uri_list(self.image)
        if isinstance(self.wait_for, int) and self.wait_for > len(images):
            raise AirflowException(f"wait_for={self.wait_for} but only {len(images)} images are given")
        return images

    def poke(self, context: Context) -> PokeReturnValue:
        images = self._images()
        results = asyncio.run(
            availability.check_images(
                images, conn_id=self.conn_id, min_bytes=self.min_bytes, concurrency=self.concurrency
            )
        )
        ready = [r.uri for r in results if r.ready]
        missing = [r for r in results if not r.ready]
        if missing:
            self.log.info(
                "%d of %d images ready; not yet: %s",
                len(ready),
                len(images),
                "; ".join(f"{r.uri} ({r.reason})" for r in missing[:20]),
            )
        return PokeReturnValue(
            is_done=availability.enough(len(ready), len(images), self.wait_for), xcom_value=ready
        )

    def trigger(self) -> ImageAvailableTrigger:
        return ImageAvailableTrigger(
            images=self._images(),
            wait_for=self.wait_for,
            conn_id=self.conn_id,
            min_bytes=self.min_bytes,
            poll_interval=self.poke_interval,
            concurrency=self.concurrency,
            end_at=time.time() + self.timeout,
        )
