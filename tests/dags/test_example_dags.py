"""The example DAGs: they parse cleanly and fast, and run end to end against the emulator."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from airflow_photoroom.benchmark_catalog import SEEDS
from airflow_photoroom.compliance import check_google_shopping_file
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
    from airflow.dag_processing.dagbag import DagBag

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
        report = check_google_shopping_file(row["image_link"], min_side=500)  # the 2027 minimum
        assert report.passed, report.failures
        assert Image.open(row["image_link"].removeprefix("file://")).size == (1600, 1600)
    assert (tmp_path / "qa-sheet.png").stat().st_size > 10_000
    assert "Google Shopping" in (tmp_path / "qa-sheet.html").read_text()

    again = google_shopping(module, photoroom_emulator, str(tmp_path))
    assert again.state == "success"
    assert xcom(again, "summary")["credits_spent"] == 0
    assert xcom(again, "summary")["skipped"] == 13
    assert photoroom_emulator.calls("GET /v2/edit") == 13


def test_google_shopping_from_a_feed_in_s3_to_s3(
    airflow_db: None, photoroom_emulator: EmulatorHandle, s3: S3
) -> None:
    import httpx

    catalog = httpx.get(f"{photoroom_emulator.base_url}/samples/catalog.csv").raise_for_status().content
    s3.client.put_object(Bucket=s3.bucket, Key="feeds/catalog.csv", Body=catalog)
    conf = {
        "feed": s3.uri("feeds/catalog.csv"),
        "feed_conn_id": s3.conn_id,
        "image_base_url": photoroom_emulator.base_url,
        "output": s3.uri("shopping"),
        "output_conn_id": s3.conn_id,
    }
    dag_run = load("photoroom_google_shopping").photoroom_google_shopping_dag.test(run_conf=conf)
    assert dag_run.state == "success"
    keys = s3.keys("shopping/")
    images = [key for key in keys if key.endswith(".jpg")]
    assert len(images) == 13
    assert "shopping/google_shopping_feed.csv" in keys
    assert "shopping/qa-sheet.html" in keys
    feed = list(csv.DictReader(io.StringIO(s3.get("shopping/google_shopping_feed.csv").decode())))
    assert {row["compliance"] for row in feed} == {"pass"}
    assert all(row["image_link"].startswith(f"s3://{s3.bucket}/shopping/") for row in feed)
    for row in feed:  # checked again here, straight from S3, against the 2027 minimum
        report = check_google_shopping_file(row["image_link"], s3.conn_id, min_side=500)
        assert report.passed, report.failures


def test_marketplace_from_an_upload_folder(
    airflow_db: None, photoroom_emulator: EmulatorHandle, local_images: Any, tmp_path: Path
) -> None:
    photos = local_images(3, folder="seller-uploads")
    module = load("photoroom_marketplace")
    conf = {"folder": str(photos[0].parent), "output": str(tmp_path / "listing")}
    dag_run = module.photoroom_marketplace_dag.test(run_conf=conf)
    assert dag_run.state == "success"
    edited = sorted((tmp_path / "listing").glob("*.jpg"))
    assert len(edited) == 3
    assert Image.open(edited[0]).size == (1200, 1200)
    sheets = list((tmp_path / "listing" / "_qa").glob("*.html"))
    assert len(sheets) == 1
    assert xcom(dag_run, "edit_photos", key="photoroom_qa_sheet") == f"file://{sheets[0]}"  # the task's link
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 3
    assert module.photoroom_marketplace_dag.test(run_conf=conf).state == "success"
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 3  # the rerun was free


def test_catalog_refresh_pays_only_for_changes_and_skips_when_short(
    airflow_db: None,
    photoroom_emulator: EmulatorHandle,
    image_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHOTOROOM_CATALOG_OUTPUT", str(tmp_path / "catalog"))
    urls = image_server.add(5)
    feed = tmp_path / "feed.csv"
    feed.write_text("id,title,image_link\n" + "".join(f"{i},item {i},{url}\n" for i, url in enumerate(urls)))
    module = load("photoroom_catalog_refresh")
    dag = module.photoroom_catalog_refresh_dag
    assert dag.test(run_conf={"feed": str(feed)}).state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 5
    (image_server.folder / "item-0002.png").write_bytes(_png())
    dag_run = dag.test(run_conf={"feed": str(feed)})
    assert dag_run.state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 6  # only the changed image
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 0)
    (image_server.folder / "item-0003.png").write_bytes(_png("orange"))
    short = dag.test(run_conf={"feed": str(feed)})
    states = {ti.task_id: ti.state for ti in short.get_task_instances()}
    assert states["plan_credits"] == "skipped"
    assert states["refresh_images"] == "skipped"


def _png(colour: str = "navy") -> bytes:
    image = Image.new("RGB", (90, 90), (240, 240, 236))
    image.paste(Image.new("RGB", (40, 40), colour), (25, 25))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_ai_backgrounds_benchmark_by_model_version(
    airflow_db: None, photoroom_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    images = {
        "food": [
            {"image_url": photoroom_emulator.sample_url("food-plate.jpg"), "prompt": "on a wooden table"}
        ],
        "jewelry": [{"image_url": photoroom_emulator.sample_url("ring.jpg"), "prompt": "on black velvet"}],
    }
    dag = load("photoroom_ai_backgrounds_benchmark").photoroom_ai_backgrounds_benchmark_dag
    conf = {"images": images, "output": str(tmp_path), "model_version": "background-studio-beta-2025-03-17"}
    dag_run = dag.test(run_conf=conf)
    assert dag_run.state == "success"
    food = sorted((tmp_path / "background-studio-beta-2025-03-17" / "food").glob("food-plate-*.png"))
    assert len(food) == 4  # the four app seeds
    assert len({path.read_bytes() for path in food}) == 4  # four different backgrounds
    assert Image.open(food[0]).size == (1024, 1024)
    assert (tmp_path / "background-studio-beta-2025-03-17" / "jewelry" / "qa-sheet.png").exists()
    instances = [ti for ti in dag_run.get_task_instances() if ti.task_id == "generate"]
    assert len(instances) == 8
    assert any("seed 117879368" in (ti.rendered_map_index or "") for ti in instances)
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 8
    assert dag.test(run_conf=conf).state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 8  # same model: free
    sheet = (tmp_path / "background-studio-beta-2025-03-17" / "food" / "qa-sheet.html").read_text()
    assert sheet.count('alt="before"') == 1  # the image once, its variants beside it
    assert sheet.count('alt="after"') == 4
    assert all(f"seed {seed}" in sheet for seed in SEEDS)  # skipped variants show the seed asked for
    assert dag.test(run_conf={**conf, "model_version": "next-model"}).state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 16  # a new model: new variants


def test_marketplace_from_s3_to_s3(
    airflow_db: None, photoroom_emulator: EmulatorHandle, local_images: Any, s3: S3
) -> None:
    for index, path in enumerate(local_images(2, folder="s3-seller")):
        s3.client.put_object(Bucket=s3.bucket, Key=f"uploads/seller-7/p{index}.png", Body=path.read_bytes())
    dag = load("photoroom_marketplace").photoroom_marketplace_dag
    conf = {
        "folder": s3.uri("uploads/seller-7"),
        "output": s3.uri("listings/seller-7"),
        "conn_id": s3.conn_id,
    }
    assert dag.test(run_conf=conf).state == "success"
    keys = s3.keys("listings/seller-7/")
    assert len([key for key in keys if key.endswith(".jpg")]) == 2
    assert any(key.startswith("listings/seller-7/_qa/") and key.endswith(".html") for key in keys)
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 2


def test_catalog_refresh_with_feed_and_catalog_in_s3(
    airflow_db: None,
    photoroom_emulator: EmulatorHandle,
    image_server: Any,
    s3: S3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHOTOROOM_CATALOG_OUTPUT", s3.uri("catalog"))
    monkeypatch.setenv("PHOTOROOM_CATALOG_CONN_ID", s3.conn_id)
    urls = image_server.add(3)
    feed = "id,title,image_link\n" + "".join(f"{i},item {i},{url}\n" for i, url in enumerate(urls))
    s3.client.put_object(Bucket=s3.bucket, Key="feeds/catalog.csv", Body=feed.encode())
    dag = load("photoroom_catalog_refresh").photoroom_catalog_refresh_dag
    assert [asset.uri for asset in dag.get_task("refresh_images").outlets] == [s3.uri("catalog")]

    conf = {"feed": s3.uri("feeds/catalog.csv")}
    assert dag.test(run_conf=conf).state == "success"
    edited = [key for key in s3.keys("catalog/") if key.endswith(".jpg")]
    assert len(edited) == 3
    assert Image.open(io.BytesIO(s3.get(edited[0]))).size == (1200, 1200)
    assert dag.test(run_conf=conf).state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 3  # the rerun found them all in S3
    assert [key for key in s3.keys("catalog/") if key.endswith(".jpg")] == edited


def test_ai_backgrounds_benchmark_to_s3(airflow_db: None, photoroom_emulator: EmulatorHandle, s3: S3) -> None:
    images = {"cosmetic": [{"image_url": photoroom_emulator.sample_url("ring.jpg"), "prompt": "on marble"}]}
    dag = load("photoroom_ai_backgrounds_benchmark").photoroom_ai_backgrounds_benchmark_dag
    conf = {"images": images, "output": s3.uri("benchmark"), "conn_id": s3.conn_id, "model_version": "m1"}
    assert dag.test(run_conf=conf).state == "success"
    keys = s3.keys("benchmark/m1/cosmetic/")
    variants = [key for key in keys if key.endswith(".png") and "/ring-" in key]
    assert len(variants) == 4  # the four app seeds
    assert Image.open(io.BytesIO(s3.get(variants[0]))).size == (1024, 1024)
    assert {"benchmark/m1/cosmetic/qa-sheet.png", "benchmark/m1/cosmetic/qa-sheet.html"} <= set(keys)
    assert dag.test(run_conf=conf).state == "success"
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 4  # the rerun was free


@dataclass
class Store:
    """A folder in one kind of store (local files or the moto S3 server), as the DAGs see it."""

    root: str
    conn_id: str
    put: Callable[[str, bytes], None]
    images: Callable[[str], list[str]]  # the image keys under a folder


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "file":

        def put_file(key: str, data: bytes) -> None:
            (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / key).write_bytes(data)

        def local_images(folder: str) -> list[str]:
            return sorted(path.name for path in (tmp_path / folder).glob("*.jpg"))

        return Store(str(tmp_path), "", put_file, local_images)
    s3: S3 = request.getfixturevalue("s3")

    def put_object(key: str, data: bytes) -> None:
        s3.client.put_object(Bucket=s3.bucket, Key=key, Body=data)

    def s3_images(folder: str) -> list[str]:
        return [key for key in s3.keys(f"{folder}/") if key.endswith(".jpg")]

    return Store(s3.uri().rstrip("/"), s3.conn_id, put_object, s3_images)


def test_quota_aware_backfill_runs_each_date_once(
    airflow_db: None,
    photoroom_emulator: EmulatorHandle,
    local_images: Any,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pendulum

    def drop(day: str, count: int) -> None:
        for index, path in enumerate(local_images(count, folder=f"drop-{day}")):
            store.put(f"drops/{day}/p{index}.png", path.read_bytes())

    def run(day: int, **conf: Any) -> Any:
        return dag.test(logical_date=pendulum.datetime(2026, 3, day, tz="UTC"), run_conf=conf)

    drop("2026-03-01", 3)
    drop("2026-03-02", 1)
    monkeypatch.setenv("PHOTOROOM_BACKFILL_SOURCE", f"{store.root}/drops")
    monkeypatch.setenv("PHOTOROOM_BACKFILL_OUTPUT", f"{store.root}/edited")
    monkeypatch.setenv("PHOTOROOM_BACKFILL_CONN_ID", store.conn_id)
    monkeypatch.setenv("PHOTOROOM_POOL", "default_pool")
    dag = load("photoroom_quota_aware_backfill").photoroom_quota_aware_backfill_dag
    assert xcom(run(1), "report") == "3 photos, 0 already done, 3 credits spent"
    assert xcom(run(2), "report") == "1 photo, 0 already done, 1 credit spent"
    assert len(store.images("edited/2026-03-01")) == 3
    assert len(store.images("edited/2026-03-02")) == 1
    assert xcom(run(1), "report") == "3 photos, 3 already done, 0 credits spent"
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 996

    drop("2026-03-03", 4)
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 53)  # 50 kept in reserve: 3 usable
    short = run(3, when_short="skip")
    states = {ti.task_id: ti.state for ti in short.get_task_instances()}
    assert (states["plan_credits"], states["edit_photos"]) == ("skipped", "skipped")
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 53
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 4
