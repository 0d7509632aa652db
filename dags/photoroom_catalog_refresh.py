"""Daily catalog refresh: every product image on a clean white square, paying only for changes.

Each day the catalog feed is read and every image goes through the edit; images already done
(same URL, same content, same options) are skipped at no cost, so a day costs only the new and
changed products, and any rerun is free. The run is quota-aware: when the account cannot pay
for today's changes, the refresh is skipped rather than half done. The output folder is an
Asset, so storefront DAGs can run when it changes.

Where it writes is a deployment setting, not a param: a daily refresh pays only for changes
because every day looks in the same place, and the Asset names that place. Set
``PHOTOROOM_CATALOG_OUTPUT`` (a folder URI: a path, ``file://``, ``s3://``...) and, for a store
that needs credentials, ``PHOTOROOM_CATALOG_CONN_ID`` (an Airflow connection, used for the
output, and for a feed and images kept in the same store).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, task

from airflow_photoroom.operators.photoroom import PhotoroomEditOperator, PhotoroomQuotaCheckOperator
from airflow_photoroom.storage import normalize_uri

OUTPUT = os.environ.get("PHOTOROOM_CATALOG_OUTPUT", "/tmp/photoroom-catalog")
CONN_ID = os.environ.get("PHOTOROOM_CATALOG_CONN_ID", "")
CATALOG = Asset(name="photoroom_catalog_images", uri=normalize_uri(OUTPUT))
OPTIONS = {"background.color": "FFFFFF", "padding": 0.08, "outputSize": "1200x1200", "export.format": "jpeg"}


@dag(
    dag_id="photoroom_catalog_refresh",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["photoroom", "example"],
    params={
        "feed": Param(
            os.environ.get("PHOTOROOM_CATALOG_FEED", ""), type="string", description="Catalog CSV (any URI)"
        ),
        "image_base_url": Param("", type="string"),
    },
    doc_md=__doc__,
)
def photoroom_catalog_refresh() -> None:
    @task
    def catalog_images(params: dict[str, Any] | None = None) -> list[str]:
        from airflow_photoroom.feeds import read_feed

        assert params is not None
        return [row["image_link"] for row in read_feed(params["feed"], params["image_base_url"], CONN_ID)]

    images = catalog_images()
    storage: dict[str, Any] = {
        "output": OUTPUT,
        "output_conn_id": CONN_ID,
        "input_conn_id": CONN_ID,  # for image_links kept in the same store
        "options": OPTIONS,
    }
    plan = PhotoroomQuotaCheckOperator(
        task_id="plan_credits", image=images, on_insufficient="skip", **storage
    )
    edit = PhotoroomEditOperator(task_id="refresh_images", image=images, outlets=[CATALOG], **storage)
    plan >> edit


photoroom_catalog_refresh_dag = photoroom_catalog_refresh()
