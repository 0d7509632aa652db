"""Operator extra links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

EDIT_FURTHER_XCOM_KEY = "photoroom_edit_further_url"
QA_SHEET_XCOM_KEY = "photoroom_qa_sheet"


def _xcom_link(ti_key: TaskInstanceKey, key: str) -> str:
    from airflow.sdk.execution_time.xcom import XCom

    value = XCom.get_value(ti_key=ti_key, key=key)
    return str(value) if value else ""


class PhotoroomEditFurtherLink(BaseOperatorLink):
    """Opens the first edited image of the task in the Photoroom web app to adjust it by hand."""

    name = "Edit further in Photoroom"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return _xcom_link(ti_key, EDIT_FURTHER_XCOM_KEY)


class PhotoroomQASheetLink(BaseOperatorLink):
    """Opens the batch's QA sheet: before and after of every image (with ``qa_sheet=True``)."""

    name = "QA sheet"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return _xcom_link(ti_key, QA_SHEET_XCOM_KEY)
