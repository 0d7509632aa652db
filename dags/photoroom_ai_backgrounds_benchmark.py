"""Photoroom's AI-backgrounds benchmark, as a DAG you can rerun whenever a new model ships.

Five categories (food, cosmetic, apparel, jewelry, people) of five images, each with the
benchmark's prompt, generated with the Photoroom app's four seeds at 1024x1024 on the original
image's reference box, exactly as Photoroom's published reference script does. The AI-background
model version is a param (``model_version``): a new version is a new identity, so its variants
are generated beside the old ones instead of overwriting them. ``images`` overrides the image
list (category -> [{"image_url", "prompt"}]). Each category gets a QA sheet with every variant.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from airflow_photoroom.benchmark_catalog import CATEGORIES
from airflow_photoroom.operators.photoroom import PhotoroomEditOperator

DEFAULT_OUTPUT = os.environ.get("PHOTOROOM_DEMO_OUTPUT", "/tmp/photoroom-ai-backgrounds-benchmark")


@dag(
    dag_id="photoroom_ai_backgrounds_benchmark",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["photoroom", "example", "benchmark"],
    params={
        "model_version": Param(
            "", type="string", description="pr-ai-background-model-version; empty: the API's"
        ),
        "images": Param(CATEGORIES, type="object", description="category -> [{image_url, prompt}]"),
        "output": Param(DEFAULT_OUTPUT, type="string", description="Folder URI (a path, file://, s3://...)"),
        "conn_id": Param("", type="string", description="Connection of the output store, if any"),
    },
    doc_md=__doc__,
)
def photoroom_ai_backgrounds_benchmark() -> None:
    @task
    def variants(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One edit per image and seed: the kwargs of each mapped task."""
        from airflow_photoroom.benchmark_catalog import NEGATIVE_PROMPT, SEEDS

        assert params is not None
        version = params["model_version"] or "default-model"
        return [
            {
                "image": item["image_url"],
                "output": f"{params['output']}/{version}/{category}",
                "options": {
                    "referenceBox": "originalImage",
                    "outputSize": "1024x1024",
                    "background.prompt": item["prompt"],
                    "background.negativePrompt": NEGATIVE_PROMPT,
                    "background.seed": seed,
                },
            }
            for category, items in params["images"].items()
            for item in items
            for seed in SEEDS
        ]

    plan = variants()
    generate = PhotoroomEditOperator.partial(
        task_id="generate",
        output_conn_id="{{ params.conn_id }}",
        background_model_version="{{ params.model_version }}",
        map_index_template="{{ task.image }} seed {{ task.options['background.seed'] }}",
    ).expand_kwargs(plan)

    @task
    def qa_sheets(
        plan: list[dict[str, Any]], results: list[dict[str, Any]], params: dict[str, Any] | None = None
    ) -> dict[str, dict[str, str]]:
        """A sheet per category: each image once, then its four variants side by side."""
        from airflow_photoroom.qa import write_qa_sheet

        assert params is not None
        by_folder: dict[str, list[dict[str, Any]]] = {}
        # Mapped results keep the plan's order; this task runs only when every variant succeeded
        # (all_success), so both have the same length.
        for variant, row in zip(plan, results, strict=True):
            # A variant an earlier run made is skipped, so no seed comes back: show the one asked for.
            seed = row.get("seed") or variant["options"]["background.seed"]
            by_folder.setdefault(variant["output"], []).append({**row, "seed": seed})
        version = params["model_version"] or "default-model"
        return {
            folder.rsplit("/", 1)[-1]: write_qa_sheet(
                rows,
                folder,
                title=f"AI backgrounds: {folder.rsplit('/', 1)[-1]} ({version})",
                output_conn_id=params["conn_id"],
                group_by_input=True,
            )
            for folder, rows in by_folder.items()
        }

    qa_sheets(plan, generate.output)


photoroom_ai_backgrounds_benchmark_dag = photoroom_ai_backgrounds_benchmark()
