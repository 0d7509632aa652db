"""Test environment: a private AIRFLOW_HOME set before Airflow is imported, and connections.

Nothing here, nor in any test, reaches the real Photoroom API: unit tests answer with respx, and
integration tests start their own servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["airflow_photoroom.emulator.pytest_plugin"]

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="photoroom-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
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
