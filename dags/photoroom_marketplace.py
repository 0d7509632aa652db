"""Marketplace listings: a seller's photos, cleaned up for a second-hand marketplace.

Photos from an upload folder (``folder``) or a URL list (``images``) -> wait until they are there
-> check the account can pay -> edit with the marketplace preset (clean white background, soft
shadow, hue-preserving relight, square JPEG; or ``blur_background`` to keep the setting, blurred)
-> the edited photos in ``output``, and a QA sheet in ``output/_qa/`` (the task's "QA sheet" link).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from airflow_photoroom.operators.photoroom import PhotoroomEditOperator, PhotoroomQuotaCheckOperator
from airflow_photoroom.sensors.image import ImageAvailableSensor

DEFAULT_OUTPUT = os.environ.get("PHOTOROOM_DEMO_OUTPUT", "/tmp/photoroom-marketplace")


@dag(
    dag_id="photoroom_marketplace",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["photoroom", "example"],
    params={
        "images": Param([], type="array", description="Photo URIs (or leave empty and give a folder)"),
        "folder": Param("", type="string", description="A seller's upload folder (file://, s3://, a path)"),
        "blur_background": Param(False, type="boolean", description="Keep the setting, blurred"),
        "output": Param(DEFAULT_OUTPUT, type="string"),
        "conn_id": Param("", type="string", description="Connection of the folder and output store, if any"),
    },
    doc_md=__doc__,
)
def photoroom_marketplace() -> None:
    @task
    def listing_photos(params: dict[str, Any] | None = None) -> list[str]:
        from airflow_photoroom.storage import list_images

        assert params is not None
        photos = list(params["images"])
        if params["folder"]:
            photos += [uri for uri, _ in list_images(params["folder"], params["conn_id"])]
        if not photos:
            raise ValueError("give photos: params.images or params.folder")
        return photos

    @task
    def listing_options(params: dict[str, Any] | None = None) -> dict[str, Any]:
        from airflow_photoroom.presets import marketplace, marketplace_blur

        assert params is not None
        return marketplace_blur() if params["blur_background"] else marketplace()

    photos = listing_photos()
    options = listing_options()
    conn = "{{ params.conn_id }}"
    ready = ImageAvailableSensor(
        task_id="wait_for_photos", image=photos, conn_id=conn, poke_interval=30, timeout=60 * 60
    )
    storage = {"output": "{{ params.output }}", "input_conn_id": conn, "output_conn_id": conn}
    plan = PhotoroomQuotaCheckOperator(task_id="plan_credits", image=ready.output, options=options, **storage)
    # qa_sheet=True: the before/after sheet lands in <output>/_qa/ and the task links to it.
    edit = PhotoroomEditOperator(
        task_id="edit_photos", image=ready.output, options=options, qa_sheet=True, **storage
    )
    plan >> edit


photoroom_marketplace_dag = photoroom_marketplace()
