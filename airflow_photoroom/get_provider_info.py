"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

The connection form is declared here as data (``conn-fields``, ``ui-field-behaviour``), so the UI
can render it without importing the hook.
"""

from __future__ import annotations

from typing import Any

from airflow_photoroom import __version__
from airflow_photoroom.settings import CONN_FIELDS, CONN_TYPE


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-photoroom",
        "name": "Photoroom",
        "description": "Run the Photoroom image-editing API (edit, remove background) in Airflow pipelines.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Photoroom",
                "external-doc-url": "https://docs.photoroom.com/",
                "tags": ["software"],
            }
        ],
        "hooks": [
            {"integration-name": "Photoroom", "python-modules": ["airflow_photoroom.hooks.photoroom"]},
        ],
        "operators": [
            {"integration-name": "Photoroom", "python-modules": ["airflow_photoroom.operators.photoroom"]},
        ],
        "sensors": [
            {
                "integration-name": "Photoroom",
                "python-modules": ["airflow_photoroom.sensors.photoroom", "airflow_photoroom.sensors.image"],
            },
        ],
        "triggers": [
            {
                "integration-name": "Photoroom",
                "python-modules": [
                    "airflow_photoroom.triggers.photoroom",
                    "airflow_photoroom.triggers.image",
                ],
            },
        ],
        "extra-links": [
            "airflow_photoroom.links.PhotoroomEditFurtherLink",
            "airflow_photoroom.links.PhotoroomQASheetLink",
        ],
        "connection-types": [
            {
                "connection-type": CONN_TYPE,
                "hook-class-name": "airflow_photoroom.hooks.photoroom.PhotoroomHook",
                "hook-name": "Photoroom",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": {
                    "hidden-fields": ["login", "schema", "port"],
                    "relabeling": {"password": "API key", "host": "Base URL (optional)"},
                    "placeholders": {
                        "password": "your Photoroom API key (sandbox_... for free test calls)",
                        "host": "empty for Photoroom; http://127.0.0.1:8080 for the emulator",
                    },
                },
            }
        ],
    }
