"""pytest fixtures for testing DAGs against the emulator.

Enable in a ``conftest.py``::

    pytest_plugins = ["airflow_photoroom.emulator.pytest_plugin"]

    def test_my_dag(photoroom_emulator):
        dag.test()  # photoroom_default now points at the emulator
        assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available < 1000
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_photoroom.emulator.server import EmulatorHandle, run_emulator


@pytest.fixture
def photoroom_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorHandle]:
    """A fresh emulator (1000 credits, Plus plan) with ``photoroom_default`` pointing at it."""
    with run_emulator(credits=1000, plan="plus") as handle:
        for name, value in handle.connection_env().items():
            monkeypatch.setenv(name, value)
        yield handle
