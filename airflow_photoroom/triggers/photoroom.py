"""The async half of PhotoroomQuotaSensor and of PhotoroomQuotaCheckOperator(on_insufficient="wait")."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_photoroom.exceptions import (
    PhotoroomAuthenticationError,
    PhotoroomConfigurationError,
    PhotoroomError,
)


class PhotoroomQuotaTrigger(BaseTrigger):
    """Fire when ``images.available - reserve >= min_available`` on the connection's account.

    Polls ``/v2/account`` with the async hook (never blocking the triggerer's event loop). A bad
    key or connection ends the wait with an error at once; passing API trouble is waited out.
    """

    def __init__(
        self,
        *,
        photoroom_conn_id: str,
        min_available: float,
        reserve: float = 0,
        poll_interval: float = 60,
        end_at: float | None = None,
        echo: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.echo = echo  # handed back in the event, for the task that resumes
        self.end_at = end_at  # epoch seconds: past it the trigger reports a timeout itself
        self.photoroom_conn_id = photoroom_conn_id
        self.min_available = min_available
        self.reserve = reserve
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "photoroom_conn_id": self.photoroom_conn_id,
                "min_available": self.min_available,
                "reserve": self.reserve,
                "poll_interval": self.poll_interval,
                "end_at": self.end_at,
                "echo": self.echo,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_photoroom.hooks.photoroom import PhotoroomHook

        hook = PhotoroomHook(self.photoroom_conn_id)
        try:
            while True:
                try:
                    account = await hook.aget_account()
                except (PhotoroomAuthenticationError, PhotoroomConfigurationError) as error:
                    yield TriggerEvent({"status": "error", "message": str(error)})
                    return
                except PhotoroomError as error:
                    self.log.warning("Photoroom account check failed, trying again: %s", error)
                else:
                    usable = account.available - self.reserve
                    if usable >= self.min_available:
                        yield TriggerEvent(
                            {"status": "success", "account": account.to_dict(), "echo": self.echo}
                        )
                        return
                    self.log.info(
                        "Photoroom: %g images usable (%g available, %g reserved), waiting for %g",
                        usable,
                        account.available,
                        self.reserve,
                        self.min_available,
                    )
                if self.end_at is not None and time.time() >= self.end_at:
                    message = f"the account did not reach {self.min_available:g} usable credits in time"
                    yield TriggerEvent({"status": "timeout", "message": message})
                    return
                await asyncio.sleep(self.poll_interval)
        finally:
            await hook.aclose()
