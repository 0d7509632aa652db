"""The provider as Airflow sees it: discovery, the connection form, connections and their test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import airflow
import jsonschema

from airflow_photoroom.emulator import EmulatorHandle
from airflow_photoroom.get_provider_info import get_provider_info
from airflow_photoroom.hooks.photoroom import PhotoroomHook

AIRFLOW_CLI = [sys.executable, "-m", "airflow"]


def _airflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AIRFLOW_CLI, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def test_provider_info_is_valid_for_airflow() -> None:
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)
    yaml_schema = json.loads((Path(airflow.__file__).parent / "provider.yaml.schema.json").read_text())
    connection_item = yaml_schema["properties"]["connection-types"]["items"]
    for connection_type in get_provider_info()["connection-types"]:
        jsonschema.validate(connection_type, connection_item)


def test_airflow_providers_list_shows_the_provider() -> None:
    result = _airflow("providers", "list", "--output", "json")
    assert result.returncode == 0, result.stderr
    listing = next(line for line in result.stdout.splitlines() if line.startswith("[{"))
    providers = {p["package_name"]: p for p in json.loads(listing)}
    assert "airflow-provider-photoroom" in providers


def test_connection_type_and_its_form_are_declared_as_data() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    hook_info = manager.hooks["photoroom"]
    assert hook_info is not None
    assert hook_info.hook_class_name == "airflow_photoroom.hooks.photoroom.PhotoroomHook"
    assert hook_info.connection_id_attribute_name == "photoroom_conn_id"
    behaviour = manager.field_behaviours["photoroom"]
    assert behaviour["relabeling"]["password"] == "API key"
    assert {"login", "schema", "port"} <= set(behaviour["hidden_fields"])
    assert "host" in json.dumps(behaviour["placeholders"])
    widgets = manager.connection_form_widgets
    for extra in ("timeout", "max_retries", "rate_limit_per_minute", "background_model_version",
                  "background_removal_model_version"):  # fmt: skip
        widget = widgets[f"extra__photoroom__{extra}"]
        assert widget.hook_class_name == "airflow_photoroom.hooks.photoroom.PhotoroomHook"
        assert widget.field["schema"]["title"]


def test_connection_from_environment_json_gives_a_working_hook(
    photoroom_conn: Callable[..., Any], photoroom_emulator: EmulatorHandle
) -> None:
    from airflow.models.connection import Connection

    photoroom_conn(host=photoroom_emulator.base_url, password=photoroom_emulator.api_key, timeout=200)
    conn = Connection.get_connection_from_secrets("photoroom_default")
    assert conn.conn_type == "photoroom"
    hook = conn.get_hook()
    assert isinstance(hook, PhotoroomHook)
    assert hook.settings.timeout == 200
    assert hook.test_connection() == (True, "plan plus: 1000 of 1000 images available")


def test_airflow_connections_test_uses_the_hook(
    photoroom_conn: Callable[..., Any], photoroom_emulator: EmulatorHandle
) -> None:
    conn = photoroom_conn(host=photoroom_emulator.base_url, password=photoroom_emulator.api_key)
    env = {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled", "AIRFLOW_CONN_PHOTOROOM_DEFAULT": json.dumps(conn)}
    result = _airflow("connections", "test", "photoroom_default", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection success!" in result.stdout

    bad = {**conn, "password": "sk_pr_wrong_key_0000"}
    env["AIRFLOW_CONN_PHOTOROOM_DEFAULT"] = json.dumps(bad)
    result = _airflow("connections", "test", "photoroom_default", env=env)
    # Airflow 3.2.0 exits 0 on a failed test; later versions exit 1. The verdict is printed in both.
    assert "Connection failed!" in result.stdout
    assert "HTTP 403 on GET /v2/account: Forbidden" in result.stdout
    assert "sk_pr_wrong_key_0000" not in result.stdout + result.stderr
