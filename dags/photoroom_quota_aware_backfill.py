"""Backfill: edit each day's photo drop, safely, over as many past dates as needed.

Built for ``airflow backfill create --dag-id photoroom_quota_aware_backfill --from-date ...``.
Each run reads the photos of its own date (``<source>/<ds>/``), plans its credits first and
waits (deferred, no worker slot held) until the account can pay, or skips the date when the
``when_short`` param is ``skip``, so a long backfill never runs the account dry mid-date. Edits
run in the ``photoroom`` pool (create it with ``airflow pools set photoroom 2 "Photoroom API"``)
so only a few dates call the API at once, and anything an earlier run finished is skipped at no
cost.

Where it reads and writes is a deployment setting, not a param, so that every date of every
backfill looks in the same places (which is what makes reruns free): ``PHOTOROOM_BACKFILL_SOURCE``
and ``PHOTOROOM_BACKFILL_OUTPUT`` (folder URIs: paths, ``file://``, ``s3://``...),
``PHOTOROOM_BACKFILL_CONN_ID`` (the Airflow connection of that store, if it needs one) and
``PHOTOROOM_POOL``.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from airflow_photoroom.operators.photoroom import PhotoroomEditOperator, PhotoroomQuotaCheckOperator
from airflow_photoroom.presets import google_shopping

SOURCE = os.environ.get("PHOTOROOM_BACKFILL_SOURCE", "/tmp/photoroom-drops")
OUTPUT = os.environ.get("PHOTOROOM_BACKFILL_OUTPUT", "/tmp/photoroom-backfill")
CONN_ID = os.environ.get("PHOTOROOM_BACKFILL_CONN_ID", "")
POOL = os.environ.get("PHOTOROOM_POOL", "photoroom")
OPTIONS = google_shopping(size=1500)


@dag(
    dag_id="photoroom_quota_aware_backfill",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    tags=["photoroom", "example"],
    params={
        "reserve": Param(50, type="number", description="Credits every run leaves for other work"),
        "when_short": Param(
            "wait",
            enum=["wait", "skip"],
            description="When the account cannot pay: wait (deferred, no worker held) or skip the date",
        ),
    },
    doc_md=__doc__,
)
def photoroom_quota_aware_backfill() -> None:
    @task
    def photos_of_the_day(ds: str | None = None) -> list[str]:
        from airflow_photoroom.storage import list_images, to_path

        folder = f"{SOURCE.rstrip('/')}/{ds}"
        return [uri for uri, _ in list_images(folder, CONN_ID)] if to_path(folder, CONN_ID).exists() else []

    photos = photos_of_the_day()
    storage: dict[str, Any] = {
        "output": f"{OUTPUT.rstrip('/')}/{{{{ ds }}}}",
        "input_conn_id": CONN_ID,
        "output_conn_id": CONN_ID,
        "options": OPTIONS,
        "pool": POOL,
    }
    plan = PhotoroomQuotaCheckOperator(
        task_id="plan_credits",
        image=photos,
        reserve="{{ params.reserve }}",
        on_insufficient="{{ params.when_short }}",
        poll_interval=300,
        **storage,
    )
    edit = PhotoroomEditOperator(task_id="edit_photos", image=photos, **storage)
    plan >> edit

    @task
    def report(results: list[dict[str, Any]], plan: dict[str, Any]) -> str:
        spent = sum(row["credits"] for row in results)
        photos = f"{len(results)} photo" + ("" if len(results) == 1 else "s")
        credits = f"{spent:g} credit" + ("" if spent == 1 else "s")
        return f"{photos}, {plan['already_done']} already done, {credits} spent"

    report(edit.output, plan.output)


photoroom_quota_aware_backfill_dag = photoroom_quota_aware_backfill()
