"""The example DAGs: they parse cleanly and fast, and run end to end against the emulator."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from airflow_photoroom.compliance import check_google_shopping
from airflow_photoroom.emulator import EmulatorHandle
from tests.conftest import DAGS_FOLDER, S3, xcom

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).parents[2] / "dags"


def load(name: str) -> Any:
    """Copy an example DAG into the test dags folder (dag.test runs DAGs from a bundle) and import it."""
    target = DAGS_FOLDER / f"{name}.py"
    shutil.copy(EXAMPLES / f"{name}.py", target)
    spec = importlib.util.spec_from_file_location(f"example_{name}", target)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_dag_parses_without_errors_or_api_calls(
    airflow_db: None, photoroom_emulator: EmulatorHandle
) -> None:
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=str(EXAMPLES))  # AIRFLOW__CORE__LOAD_EXAMPLES is False in the tests
    assert bag.import_errors == {}
    assert "photoroom_google_shopping" in bag.dag_ids
    assert sum(photoroom_emulator.state.requests.values()) == 0  # parsing called nothing


def google_shopping(module: Any, emulator: EmulatorHandle, output: str, output_conn_id: str = "") -> Any:
    conf = {
        "feed": f"{emulator.base_url}/samples/catalog.csv",
        "image_base_url": emulator.base_url,
        "output": output,
        "output_conn_id": output_conn_id,
    }
    return module.photoroom_google_shopping_dag.test(run_conf=conf)


def test_google_shopping_to_local_files_then_a_free_rerun(
    airflow_db: None, photoroom_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    module = load("photoroom_google_shopping")
    dag_run = google_shopping(module, photoroom_emulator, str(tmp_path))
    assert dag_run.state == "success"
    summary = xcom(dag_run, "summary")
    assert summary["images"] == 13
    assert summary["edited"] == 13
    assert summary["compliant"] == 13
    assert summary["credits_spent"] == 13

    rows = list(csv.DictReader((tmp_path / "google_shopping_feed.csv").open()))
    assert len(rows) == 13
    for row in rows:
        assert row["photoroom_status"] == "edited"
        assert row["compliance"] == "pass"
        assert row["original_image_link"].startswith(photoroom_emulator.base_url)
        output = Path(row["image_link"].removeprefix("file://"))
        report = check_google_shopping(output.read_bytes(), filename=output.name, min_side=500)
        assert report.passed, report.failures
        assert Image.open(output).size == (1600, 1600)
    assert (tmp_path / "qa-sheet.png").stat().st_size > 10_000
    assert "Google Shopping" in (tmp_path / "qa-sheet.html").read_text()

    again = google_shopping(module, photoroom_emulator, str(tmp_path))
    assert again.state == "success"
    assert xcom(again, "summary")["credits_spent"] == 0
    assert xcom(again, "summary")["skipped"] == 13
    assert photoroom_emulator.calls("GET /v2/edit") == 13


def test_google_shopping_to_s3(airflow_db: None, photoroom_emulator: EmulatorHandle, s3: S3) -> None:
    module = load("photoroom_google_shopping")
    dag_run = google_shopping(module, photoroom_emulator, s3.uri("shopping"), s3.conn_id)
    assert dag_run.state == "success"
    keys = s3.keys("shopping/")
    images = [key for key in keys if key.endswith(".jpg")]
    assert len(images) == 13
    assert "shopping/google_shopping_feed.csv" in keys
    assert "shopping/qa-sheet.html" in keys
    feed = list(csv.DictReader(io.StringIO(s3.get("shopping/google_shopping_feed.csv").decode())))
    assert {row["compliance"] for row in feed} == {"pass"}
    assert all(row["image_link"].startswith(f"s3://{s3.bucket}/shopping/") for row in feed)
