"""Operator extra links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

EDIT_FURTHER_XCOM_KEY = "photoroom_edit_further_url"


class PhotoroomEditFurtherLink(BaseOperatorLink):
    """Opens the first edited image of the task in the Photoroom web app to adjust it by hand."""

    name = "Edit further in Photoroom"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        value = XCom.get_value(ti_key=ti_key, key=EDIT_FURTHER_XCOM_KEY)
        return str(value) if value else ""
