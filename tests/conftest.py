"""Test environment: a private AIRFLOW_HOME set before Airflow is imported, and connections.

Nothing here, nor in any test, reaches the real Photoroom API: unit tests answer with respx, and
integration tests start their own servers on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["airflow_photoroom.emulator.pytest_plugin"]

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="photoroom-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
# dag.test() runs DAGs loaded from a bundle: tests write their DAG files here.
DAGS_FOLDER = _AIRFLOW_HOME / "dags"
DAGS_FOLDER.mkdir()
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
os.environ.pop("AIRFLOW_CONN_PHOTOROOM_DEFAULT", None)

#: A key shaped like a real one; tests assert it never leaks into logs, errors or reprs.
API_KEY = "sk_pr_test_7c1e0d9b4a6f4e2c8b3d5a1f0e9c7b6a"
BASE_URL = "http://photoroom.test"


@pytest.fixture
def photoroom_conn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Define ``photoroom_default`` (or another id) from ``AIRFLOW_CONN_*`` JSON, as users do."""

    def define(
        conn_id: str = "photoroom_default",
        *,
        password: str | None = API_KEY,
        host: str | None = BASE_URL,
        **extra: Any,
    ) -> dict[str, Any]:
        extra.setdefault("rate_limit_per_minute", 1_000_000)  # pacing is tested on its own
        conn: dict[str, Any] = {"conn_type": "photoroom", "extra": extra}
        if password is not None:
            conn["password"] = password
        if host is not None:
            conn["host"] = host
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return conn

    return define


@pytest.fixture
def airflow_home() -> Path:
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A real metadata database (SQLite), migrated once per test session."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)


@dataclass
class S3:
    """A bucket on the moto server and an Airflow ``aws`` connection that reaches it."""

    endpoint: str
    bucket: str
    conn_id: str
    client: Any

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto in server mode: a real S3-compatible HTTP server (s3fs is async; mock_aws misses it)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    import boto3

    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_MOTO",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"endpoint_url": moto_server, "region_name": "us-east-1"},
            }
        ),
    )
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    bucket = f"photoroom-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    return S3(endpoint=moto_server, bucket=bucket, conn_id="aws_moto", client=client)


@pytest.fixture
def run_dag(airflow_db: None) -> Callable[..., Any]:
    """Write a DAG file into the dags folder, import it and run it with ``dag.test()``.

    Returns the DagRun; the module is at ``dag_run.module`` for further runs.
    """

    def run(source: str, *, again: Any = None) -> Any:
        module = again
        if module is None:
            name = f"test_dag_{uuid.uuid4().hex[:8]}"
            path = DAGS_FOLDER / f"{name}.py"
            path.write_text(source)
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        dag_run = module.dag.test()
        dag_run.module = module
        return dag_run

    return run


def xcom(dag_run: Any, task_id: str, map_index: int = -1, key: str = "return_value") -> Any:
    """An XCom value of a finished run, read from the metadata database."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_run.dag_id,
                XComModel.run_id == dag_run.run_id,
                XComModel.task_id == task_id,
                XComModel.map_index == map_index,
                XComModel.key == key,
            )
        ).first()
        return XComModel.deserialize_value(row) if row is not None else None


def task_states(dag_run: Any) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


_DAG_HEADER = """
import pendulum
from airflow.sdk import DAG
from airflow_photoroom.operators.photoroom import (
    PhotoroomEditOperator, PhotoroomQuotaCheckOperator, PhotoroomRemoveBackgroundOperator, batched,
)
from airflow_photoroom.sensors.image import ImageAvailableSensor
from airflow_photoroom.sensors.photoroom import PhotoroomQuotaSensor

with DAG({dag_id!r}, schedule=None, start_date=pendulum.datetime(2026, 1, 1), catchup=False) as dag:
"""


def dag_source(dag_id: str, body: str) -> str:
    """A DAG file for ``run_dag``: the provider's operators and sensors imported, ``body`` inside."""
    return _DAG_HEADER.format(dag_id=dag_id) + body + "\n"


@pytest.fixture
def connect(photoroom_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point photoroom_default at the emulator with the given extras.

    Applied once with no pacing (the emulator is not rate limited unless a test asks); call it
    again with extras (``connect(max_retries=30)``) to change the connection.
    """

    def apply(**extra: Any) -> None:
        extra.setdefault("rate_limit_per_minute", 100_000)
        for name, value in photoroom_emulator.connection_env(**extra).items():
            monkeypatch.setenv(name, value)

    apply()
    return apply
