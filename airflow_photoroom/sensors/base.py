"""The deferrable-sensor pattern of the official providers, written once for this provider's sensors."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowException, AirflowSensorTimeout

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.triggers.base import BaseTrigger


def default_deferrable() -> bool:
    """``[operators] default_deferrable``, as the official providers read it."""
    from airflow.sdk.configuration import conf

    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


class DeferrableSensor(BaseSensorOperator):
    """Poke once; if not done and ``deferrable``, hand the wait to :meth:`trigger` (no worker slot).

    The trigger ends with ``{"status": "success", <result_key>: ...}``, ``"timeout"`` (it carries
    its own deadline, so timeouts hold even where nothing enforces the deferral's) or an error.
    """

    result_key: ClassVar[str]

    def __init__(self, *, deferrable: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    def trigger(self) -> BaseTrigger:
        """The trigger that waits in the triggerer, with its deadline ``time.time() + timeout``."""
        raise NotImplementedError

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        if first:  # a PokeReturnValue is truthy when done
            return getattr(first, "xcom_value", None)
        self.defer(
            trigger=self.trigger(),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        status = event.get("status")
        if status == "timeout":
            raise AirflowSensorTimeout(f"{self.task_id}: {event.get('message')}")
        if status == "success":
            return event[self.result_key]
        raise AirflowException(f"{self.task_id}: {event.get('message')}")
