"""Google Shopping: a product feed in, compliant product images and an updated feed out.

feed CSV (id, title, image_link, product_type, apparel) -> wait for the images -> plan the
credits -> edit with the google_shopping preset (background removed, pure white, the product at
75-90% of a 1600x1600 canvas, JPEG) -> check every output against Merchant Center's rules ->
an updated feed with the new image links and a verdict per item, and a QA sheet -> the feed
Asset, for downstream DAGs.

Params: ``feed`` (a CSV URI: http(s), file://, s3://...), ``image_base_url`` (for relative
image links in the feed), ``feed_conn_id`` (for a feed in a store that needs credentials),
``output`` (a folder URI), ``output_conn_id`` (for the output store).
Reruns are free: images already done are skipped at no cost.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, task

from airflow_photoroom.operators.photoroom import PhotoroomEditOperator, PhotoroomQuotaCheckOperator
from airflow_photoroom.presets import google_shopping
from airflow_photoroom.sensors.image import ImageAvailableSensor

OPTIONS = google_shopping()
FEED_ASSET = Asset(name="photoroom_google_shopping_feed", uri="photoroom-feed://google_shopping/feed.csv")
DEFAULT_OUTPUT = os.environ.get("PHOTOROOM_DEMO_OUTPUT", "/tmp/photoroom-google-shopping")


@dag(
    dag_id="photoroom_google_shopping",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["photoroom", "example"],
    params={
        "feed": Param("", type="string", description="The product feed CSV (http(s), file://, s3://...)"),
        "image_base_url": Param("", type="string", description="Base URL for relative image_link values"),
        "feed_conn_id": Param("", type="string", description="Connection of the feed's store, if any"),
        "output": Param(DEFAULT_OUTPUT, type="string", description="Folder for images, feed and QA sheet"),
        "output_conn_id": Param("", type="string", description="Connection of the output store, if any"),
    },
    doc_md=__doc__,
)
def photoroom_google_shopping() -> None:
    @task
    def read_feed(params: dict[str, Any] | None = None) -> list[dict[str, str]]:
        """The feed's rows, with image links made absolute."""
        from airflow_photoroom.feeds import read_feed

        assert params is not None
        return read_feed(params["feed"], params["image_base_url"], params["feed_conn_id"])

    @task
    def image_links(rows: list[dict[str, str]]) -> list[str]:
        return [row["image_link"] for row in rows]

    rows = read_feed()
    links = image_links(rows)
    ready = ImageAvailableSensor(task_id="wait_for_images", image=links, poke_interval=30, timeout=60 * 60)
    storage: dict[str, Any] = {
        "image": ready.output,
        "output": "{{ params.output }}",
        "output_conn_id": "{{ params.output_conn_id }}",
        "options": OPTIONS,
    }
    plan = PhotoroomQuotaCheckOperator(task_id="plan_credits", on_insufficient="fail", **storage)
    edit = PhotoroomEditOperator(task_id="edit_images", **storage)
    plan >> edit

    @task
    def check_compliance(
        rows: list[dict[str, str]], results: list[dict[str, Any]], params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Each result with its Merchant Center verdict."""
        from airflow_photoroom.compliance import check_google_shopping_file

        assert params is not None
        apparel = {row["image_link"]: row.get("apparel", "").lower() in ("yes", "true", "1") for row in rows}
        checked = []
        for result in results:
            report = None
            if result.get("output"):
                apparel_item = apparel.get(result["input"], False)
                report = check_google_shopping_file(
                    result["output"], params["output_conn_id"], apparel=apparel_item
                ).to_dict()
            checked.append({**result, "compliance": report})
        return checked

    @task(outlets=[FEED_ASSET])
    def write_feed(
        rows: list[dict[str, str]], checked: list[dict[str, Any]], params: dict[str, Any] | None = None
    ) -> str:
        """The feed again, with the new image links and a verdict per item."""
        import csv
        import io

        from airflow_photoroom import storage

        assert params is not None
        by_input = {result["input"]: result for result in checked}
        buffer = io.StringIO()
        fields = [*rows[0].keys(), "original_image_link", "photoroom_status", "compliance"] if rows else []
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            result = by_input.get(row["image_link"], {"status": "not_available"})
            report = result.get("compliance") or {}
            verdict = (
                "pass" if report.get("passed") else "fail: " + "; ".join(report.get("failures", ["no image"]))
            )
            writer.writerow(
                {
                    **row,
                    "image_link": result.get("output") or row["image_link"],
                    "original_image_link": row["image_link"],
                    "photoroom_status": result["status"],
                    "compliance": verdict,
                }
            )
        path = storage.to_path(params["output"], params["output_conn_id"]) / "google_shopping_feed.csv"
        storage.write_atomically(path, buffer.getvalue().encode())
        return storage.uri_of(path)

    @task
    def qa_sheet(checked: list[dict[str, Any]], params: dict[str, Any] | None = None) -> dict[str, str]:
        from airflow_photoroom.qa import write_qa_sheet

        assert params is not None
        return write_qa_sheet(
            checked,
            params["output"],
            title="Google Shopping",
            output_conn_id=params["output_conn_id"],
        )

    @task
    def summary(checked: list[dict[str, Any]], feed: str, sheet: dict[str, str]) -> dict[str, Any]:
        """What the run did, in one place (the demo prints it)."""
        return {
            "images": len(checked),
            "edited": sum(1 for r in checked if r["status"] == "edited"),
            "skipped": sum(1 for r in checked if r["status"] == "skipped"),
            "credits_spent": round(sum(r["credits"] for r in checked), 6),
            "compliant": sum(1 for r in checked if (r.get("compliance") or {}).get("passed")),
            "feed": feed,
            "qa_sheet": sheet,
        }

    checked = check_compliance(rows, edit.output)
    summary(checked, write_feed(rows, checked), qa_sheet(checked))


photoroom_google_shopping_dag = photoroom_google_shopping()
