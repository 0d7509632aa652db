"""PhotoroomQuotaSensor: wait until the account can pay for what comes next."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow.sdk import PokeReturnValue

from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.sensors.base import DeferrableSensor
from airflow_photoroom.settings import DEFAULT_CONN_ID
from airflow_photoroom.triggers.photoroom import PhotoroomQuotaTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


class PhotoroomQuotaSensor(DeferrableSensor):
    """Wait until ``images.available - reserve >= min_available``.

    Credits come back with a top-up or a new billing period, so the default poke interval is five
    minutes; in deferrable mode the wait costs no worker slot. Returns the account as a dict.

    :param min_available: credits that must be usable.
    :param reserve: credits to keep back for other work (not counted as usable).
    """

    template_fields = ("min_available", "reserve")
    result_key = "account"

    def __init__(
        self,
        *,
        min_available: float,
        reserve: float = 0,
        photoroom_conn_id: str = DEFAULT_CONN_ID,
        poke_interval: float = 300,
        timeout: float = 6 * 60 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.min_available = min_available
        self.reserve = reserve
        self.photoroom_conn_id = photoroom_conn_id

    def poke(self, context: Context) -> PokeReturnValue:
        account = PhotoroomHook(self.photoroom_conn_id).get_account()
        usable = account.available - float(self.reserve)
        self.log.info(
            "Photoroom: %g usable of %g needed (plan %s)", usable, float(self.min_available), account.plan
        )
        return PokeReturnValue(is_done=usable >= float(self.min_available), xcom_value=account.to_dict())

    def trigger(self) -> PhotoroomQuotaTrigger:
        return PhotoroomQuotaTrigger(
            photoroom_conn_id=self.photoroom_conn_id,
            min_available=float(self.min_available),
            reserve=float(self.reserve),
            poll_interval=self.poke_interval,
            end_at=time.time() + self.timeout,
        )
