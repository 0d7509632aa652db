"""PhotoroomQuotaSensor: wait until the account can pay for what comes next."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowException, AirflowSensorTimeout

from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.settings import DEFAULT_CONN_ID
from airflow_photoroom.triggers.photoroom import PhotoroomQuotaTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


def default_deferrable() -> bool:
    """``[operators] default_deferrable``, as the official providers read it."""
    from airflow.sdk.configuration import conf

    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


class PhotoroomQuotaSensor(BaseSensorOperator):
    """Wait until ``images.available - reserve >= min_available``.

    Credits come back with a top-up or a new billing period, so the default poke interval is five
    minutes; in deferrable mode the wait costs no worker slot. Returns the account as a dict.

    :param min_available: credits that must be usable.
    :param reserve: credits to keep back for other work (not counted as usable).
    """

    template_fields = ("min_available", "reserve")

    def __init__(
        self,
        *,
        min_available: float,
        reserve: float = 0,
        photoroom_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        poke_interval: float = 300,
        timeout: float = 6 * 60 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.min_available = min_available
        self.reserve = reserve
        self.photoroom_conn_id = photoroom_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    def poke(self, context: Context) -> PokeReturnValue:
        account = PhotoroomHook(self.photoroom_conn_id).get_account()
        usable = account.available - float(self.reserve)
        self.log.info(
            "Photoroom: %g usable of %g needed (plan %s)", usable, float(self.min_available), account.plan
        )
        return PokeReturnValue(is_done=usable >= float(self.min_available), xcom_value=account.to_dict())

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        self.defer(
            trigger=PhotoroomQuotaTrigger(
                photoroom_conn_id=self.photoroom_conn_id,
                min_available=float(self.min_available),
                reserve=float(self.reserve),
                poll_interval=self.poke_interval,
                end_at=time.time() + self.timeout,
            ),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        if event.get("status") == "timeout":
            raise AirflowSensorTimeout(f"{self.task_id}: {event.get('message')}")
        if event.get("status") == "success":
            return event["account"]
        raise AirflowException(f"Photoroom quota wait failed: {event.get('message')}")
