"""The edit and remove-background operators in real DAG runs (dag.test) against the emulator."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from airflow_photoroom.emulator import EmulatorHandle
from tests.conftest import DAGS_FOLDER, S3, dag_source, task_states, xcom
from tests.operators.conftest import ImageServer, product_image

pytestmark = pytest.mark.integration

WHITE_300 = {"background.color": "FFFFFF", "outputSize": "300x300"}


def edits(emulator: EmulatorHandle) -> int:
    return emulator.calls("GET /v2/edit", 200) + emulator.calls("POST /v2/edit", 200)


def outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def decodes(path: Path, size: tuple[int, int] | None = None) -> None:
    with Image.open(path) as image:
        image.load()
        if size:
            assert image.size == size


def test_single_image_by_url(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, connect: Any, tmp_path: Path
) -> None:
    url = photoroom_emulator.sample_url("mug.jpg")
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={url!r}, output={str(tmp_path)!r}, "
        f"options={WHITE_300!r}, qa_sheet=True)"
    )
    dag_run = run_dag(dag_source("single_by_url", body))
    assert dag_run.state == "success"
    row = xcom(dag_run, "edit")
    assert row["status"] == "edited"
    assert row["credits"] == 1
    assert row["input"] == url
    assert row["output"].startswith(f"file://{tmp_path}/mug-")
    assert row["output"].endswith(".png")
    assert row["edit_further_url"].startswith("http")
    decodes(Path(row["output"].removeprefix("file://")), (300, 300))
    assert photoroom_emulator.calls("GET /v2/edit", 200) == 1
    assert xcom(dag_run, "edit", key="photoroom_edit_further_url") == row["edit_further_url"]
    sheet = xcom(dag_run, "edit", key="photoroom_qa_sheet")
    assert sheet.startswith(f"file://{tmp_path}/_qa/single_by_url__")
    assert sheet.endswith(".html")
    assert "mug" in Path(sheet.removeprefix("file://")).read_text()
    assert Path(sheet.removeprefix("file://").removesuffix(".html") + ".png").exists()
    manifests = list((tmp_path / "_manifests").iterdir())
    assert len(manifests) == 1
    assert json.loads(manifests[0].read_text())["status"] == "edited"


def test_mapped_over_20_urls_shows_each_image(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, connect: Any, tmp_path: Path
) -> None:
    names = ["mug", "shoe", "bag", "ring", "watch", "lamp", "plant", "chair", "bottle", "tshirt"]
    urls = [photoroom_emulator.sample_url(f"{name}.jpg") + f"?variant={v}" for v in (1, 2) for name in names]
    body = (
        f"    PhotoroomEditOperator.partial(task_id='edit', output={str(tmp_path)!r}, "
        f"options={{'outputSize': '200x200'}}).expand(image={urls!r})"
    )
    dag_run = run_dag(dag_source("mapped_20", body))
    assert dag_run.state == "success"
    instances = sorted((ti for ti in dag_run.get_task_instances()), key=lambda ti: ti.map_index)
    assert len(instances) == 20
    assert [ti.rendered_map_index for ti in instances] == urls
    assert len(outputs(tmp_path)) == 20
    assert edits(photoroom_emulator) == 20


def test_one_batch_of_200_then_batches_and_a_free_rerun(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    urls = image_server.add(200)
    one_batch = tmp_path / "one"
    body = f"    PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(one_batch)!r}, options={WHITE_300!r})"
    dag_run = run_dag(dag_source("batch_200", body))
    assert dag_run.state == "success"
    rows = xcom(dag_run, "edit")
    assert len(rows) == 200
    assert {row["status"] for row in rows} == {"edited"}
    assert len(outputs(one_batch)) == 200
    assert edits(photoroom_emulator) == 200
    manifest = next((one_batch / "_manifests").iterdir()).read_text().splitlines()
    assert len(manifest) == 200
    for path in outputs(one_batch)[:5]:
        decodes(path, (300, 300))

    # The same images in mapped batches of 50 into the same folder: every output exists already.
    body = (
        f"    PhotoroomEditOperator.partial(task_id='edit', output={str(one_batch)!r}, "
        f"options={WHITE_300!r}).expand(image=batched({urls!r}, 50))"
    )
    dag_run = run_dag(dag_source("batches_of_50", body))
    assert dag_run.state == "success"
    instances = sorted(dag_run.get_task_instances(), key=lambda ti: ti.map_index)
    assert [ti.rendered_map_index for ti in instances] == ["50 images"] * 4
    assert all(row["status"] == "skipped" for i in range(4) for row in xcom(dag_run, "edit", i))
    assert edits(photoroom_emulator) == 200
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 800


def test_reruns_are_free_and_changes_reprocess_exactly_what_changed(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    urls = image_server.add(6)
    body = f"    PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(tmp_path)!r}, options={WHITE_300!r})"
    first = run_dag(dag_source("reruns", body))
    assert edits(photoroom_emulator) == 6
    balance = photoroom_emulator.ledger.account(photoroom_emulator.api_key).available

    again = run_dag("", again=first.module)
    assert again.state == "success"
    assert edits(photoroom_emulator) == 6
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == balance
    assert {row["status"] for row in xcom(again, "edit")} == {"skipped"}

    # One input's content changes (a new photo at the same URL): only that one is paid for.
    changed = image_server.folder / "item-0003.png"
    changed.write_bytes(product_image(999))
    os.utime(changed, (time.time() + 5, time.time() + 5))
    third = run_dag("", again=first.module)
    statuses = [row["status"] for row in xcom(third, "edit")]
    assert statuses == ["skipped"] * 3 + ["edited"] + ["skipped"] * 2
    assert edits(photoroom_emulator) == 7

    # An option changes: every image is a new edit.
    changed_options = dag_source("reruns_new_option", body.replace("'300x300'", "'320x320'"))
    run_dag(changed_options)
    assert edits(photoroom_emulator) == 13


def test_local_files_are_uploaded_and_written_locally(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    local_images: Callable[..., list[Path]],
    tmp_path: Path,
) -> None:
    paths = local_images(3)
    images = [f"file://{paths[0]}", str(paths[1]), str(paths[2])]  # a URI or a plain path
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={images!r}, output={str(tmp_path / 'out')!r}, "
        "options={'export.format': 'jpeg', 'outputSize': '150x150'})"
    )
    dag_run = run_dag(dag_source("local_files", body))
    assert dag_run.state == "success"
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 3
    assert photoroom_emulator.calls("GET /v2/edit") == 0
    for path in outputs(tmp_path / "out"):
        assert path.suffix == ".jpg"
        with Image.open(path) as image:
            assert image.format == "JPEG"


def test_http_inputs_can_be_downloaded_and_uploaded(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    urls = image_server.add(2)
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(tmp_path)!r}, "
        "upload_http_inputs=True)"
    )
    assert run_dag(dag_source("upload_http", body)).state == "success"
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 2
    assert photoroom_emulator.calls("GET /v2/edit") == 0


def test_s3_inputs_and_outputs(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, connect: Any, s3: S3
) -> None:
    for index in range(4):
        s3.client.put_object(Bucket=s3.bucket, Key=f"incoming/p{index}.png", Body=product_image(index))
    images = [s3.uri(f"incoming/p{index}.png") for index in range(4)]
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={images!r}, output={s3.uri('edited')!r}, "
        f"input_conn_id={s3.conn_id!r}, output_conn_id={s3.conn_id!r}, options={WHITE_300!r})\n"
        f"    PhotoroomRemoveBackgroundOperator(task_id='cutout', image={images!r}, output={s3.uri('cutouts')!r}, "
        f"input_conn_id={s3.conn_id!r}, output_conn_id={s3.conn_id!r}, options={{'format': 'webp', 'crop': True}})"
    )
    dag_run = run_dag(dag_source("s3_round_trip", body))
    assert dag_run.state == "success"
    edited = [key for key in s3.keys("edited/") if not key.startswith("edited/_manifests")]
    cutouts = [key for key in s3.keys("cutouts/") if not key.startswith("cutouts/_manifests")]
    assert len(edited) == 4
    assert len(cutouts) == 4
    assert all(key.endswith(".webp") for key in cutouts)
    assert Image.open(io.BytesIO(s3.get(edited[0]))).size == (300, 300)
    assert len(s3.keys("edited/_manifests/")) == 1
    assert photoroom_emulator.calls("POST /v1/segment", 200) == 4
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == pytest.approx(
        1000 - 4 - 0.8
    )

    # A rerun reads only S3 metadata (ETags) and calls nothing.
    assert run_dag("", again=dag_run.module).state == "success"
    assert photoroom_emulator.calls("POST /v2/edit", 200) == 4
    assert photoroom_emulator.calls("POST /v1/segment", 200) == 4


def test_remove_background_operator_by_map(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    local_images: Any,
    tmp_path: Path,
) -> None:
    paths = [str(p) for p in local_images(3)]
    body = (
        f"    PhotoroomRemoveBackgroundOperator.partial(task_id='cut', output={str(tmp_path / 'cut')!r}, "
        f"options={{'channels': 'alpha'}}).expand(image={paths!r})"
    )
    dag_run = run_dag(dag_source("segment_mapped", body))
    assert dag_run.state == "success"
    assert [xcom(dag_run, "cut", i)["status"] for i in range(3)] == ["edited"] * 3
    for path in outputs(tmp_path / "cut"):
        assert Image.open(path).mode == "L"


def test_invalid_options_fail_before_any_call_without_retries(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, connect: Any, tmp_path: Path
) -> None:
    url = photoroom_emulator.sample_url("mug.jpg")
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={url!r}, output={str(tmp_path)!r}, retries=3, "
        "options={'background.colour': 'FFFFFF'})"
    )
    dag_run = run_dag(dag_source("bad_options", body))
    assert dag_run.state == "failed"
    (ti,) = dag_run.get_task_instances()
    assert ti.state == "failed"  # AirflowFailException: not up_for_retry
    assert photoroom_emulator.calls("GET /v2/edit") == 0
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 1000


def test_upload_only_options_with_url_inputs_fail_before_any_call(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    local_images: Any,
    tmp_path: Path,
) -> None:
    images = [str(p) for p in local_images(1)]
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={images!r}, output={str(tmp_path)!r}, "
        f"options={{'background.imageUrl': {photoroom_emulator.sample_url('chair.jpg')!r}}})"
    )
    assert run_dag(dag_source("form_mismatch", body)).state == "failed"
    assert photoroom_emulator.calls("POST /v2/edit") == 0


def test_templated_fields(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, connect: Any, tmp_path: Path
) -> None:
    url = photoroom_emulator.sample_url("lamp.jpg")
    body = f"""
    from airflow.sdk import task

    @task
    def pick() -> list[str]:
        return [{url!r}]

    PhotoroomEditOperator(
        task_id="edit",
        image=pick(),
        output="{tmp_path}/{{{{ dag.dag_id }}}}",
        options={{"outputSize": "{{{{ params.size }}}}"}},
        params={{"size": "120x120"}},
    )
"""
    dag_run = run_dag(dag_source("templated", body))
    assert dag_run.state == "success"
    (path,) = outputs(tmp_path / "templated")
    decodes(path, (120, 120))


def test_credits_run_out_mid_batch_then_a_top_up_finishes_the_job(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 10)
    urls = image_server.add(25)
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(tmp_path)!r}, concurrency=3, "
        "options={'outputSize': '100x100'})"
    )
    dag_run = run_dag(dag_source("credits_run_out", body))
    assert dag_run.state == "failed"
    rows = xcom(dag_run, "edit", key="photoroom_outcomes")
    statuses = [row["status"] for row in rows]
    assert statuses.count("edited") == 10
    assert statuses.count("not_attempted") >= 10  # no call after the first 402
    assert photoroom_emulator.calls("GET /v2/edit", 402) <= 3  # only the calls already in flight
    assert all("402" in row["reason"] for row in rows if row["status"] == "failed")

    photoroom_emulator.ledger.top_up(photoroom_emulator.api_key, 100)
    again = run_dag("", again=dag_run.module)
    assert again.state == "success"
    assert len(outputs(tmp_path)) == 25
    account = photoroom_emulator.ledger.account(photoroom_emulator.api_key)
    assert account.calls["edit"] == 25  # each image charged exactly once
    assert account.available == 85


def test_one_bad_image_among_50_with_429_storms_and_server_errors(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Callable[..., None],
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    connect(max_retries=30)
    photoroom_emulator.config.rate_limit_per_minute = 12  # per 2 s window below: 6 a second
    photoroom_emulator.config.rate_limit_window_s = 2
    photoroom_emulator.config.fail_rate = 0.05
    urls = image_server.add(50)
    (image_server.folder / "broken.png").write_bytes(b"this is not an image")
    images = [*urls[:25], image_server.url("broken.png"), *urls[25:]]
    body = (
        f"    PhotoroomEditOperator(task_id='edit', image={images!r}, output={str(tmp_path)!r}, "
        "max_failures=1, concurrency=16, options={'outputSize': '100x100'})"
    )
    dag_run = run_dag(dag_source("storms", body))
    assert dag_run.state == "success"
    rows = xcom(dag_run, "edit")
    bad = rows[25]
    assert bad["status"] == "failed"
    assert "HTTP 400" in bad["reason"]
    assert all(row["status"] == "edited" for i, row in enumerate(rows) if i != 25)
    assert photoroom_emulator.calls("GET /v2/edit", 429) > 0  # there was a storm
    account = photoroom_emulator.ledger.account(photoroom_emulator.api_key)
    assert account.calls["edit"] == 50  # every good image charged once, the bad one not at all
    assert account.available == 950


def test_too_many_failures_fail_the_task_with_reasons(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    urls = image_server.add(3)
    images = [*urls, image_server.url("missing-1.png"), image_server.url("missing-2.png")]
    body = f"    PhotoroomEditOperator(task_id='edit', image={images!r}, output={str(tmp_path)!r}, max_failures=1)"
    dag_run = run_dag(dag_source("too_many_failures", body))
    assert dag_run.state == "failed"
    rows = xcom(dag_run, "edit", key="photoroom_outcomes")
    assert [row["status"] for row in rows] == ["edited"] * 3 + ["failed"] * 2
    assert "could not download" in rows[3]["reason"]
    assert len(outputs(tmp_path)) == 3


def test_a_killed_batch_resumes_without_paying_twice(
    airflow_db: None,
    photoroom_emulator: EmulatorHandle,
    connect: Any,
    image_server: ImageServer,
    tmp_path: Path,
    run_dag: Callable[..., Any],
) -> None:
    photoroom_emulator.config.latency_ms = 250
    urls = image_server.add(30)
    out = tmp_path / "out"
    source = dag_source(
        "killed_batch",
        f"    PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(out)!r}, concurrency=4, "
        "options={'outputSize': '100x100'})",
    )
    path = DAGS_FOLDER / "killed_batch_dag.py"
    path.write_text(source)
    runner = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('killed_batch_dag', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "module.dag.test()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", runner], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and len(outputs(out)) >= 8):
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        photoroom_emulator.config.hold = True  # answers stop leaving the emulator...
        time.sleep(1.0)  # ...so the answers already received are written before the kill
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        photoroom_emulator.config.hold = False
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)  # the held calls notice their client is gone and are refunded
    written_before = len(outputs(out))
    assert 8 <= written_before < 30
    for finished in outputs(out):
        decodes(finished, (100, 100))  # nothing half-written at a final key

    photoroom_emulator.config.latency_ms = 0
    spec = importlib.util.spec_from_file_location("killed_batch_dag_rerun", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag_run = run_dag("", again=module)
    assert dag_run.state == "success"
    rows = xcom(dag_run, "edit")
    assert [row["status"] for row in rows].count("skipped") == written_before
    assert len(outputs(out)) == 30
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]
    account = photoroom_emulator.ledger.account(photoroom_emulator.api_key)
    assert account.calls["edit"] == 30  # no image charged twice
    assert account.available == 970
    manifest = (out / "_manifests").glob("killed_batch*.jsonl")
    complete = [m for m in manifest if len(m.read_text().splitlines()) == 30]
    assert complete, "the resumed run's manifest lists every image"
    assert task_states(dag_run) == {("edit", -1): "success"}
