"""An offline Photoroom: the API's wire contract, real image work, credits, and failure knobs.

For tests, demos and users' own DAG tests, with no network and no credits::

    from airflow_photoroom.emulator import run_emulator

    with run_emulator(credits=100) as emulator:
        os.environ.update(emulator.connection_env())  # AIRFLOW_CONN_PHOTOROOM_DEFAULT
        ...

Or as a server: ``python -m airflow_photoroom.emulator --port 8080 --credits 1000 --plan plus``.
Needs Pillow (``pip install airflow-provider-photoroom[emulator]``).
"""

from airflow_photoroom.emulator.app import create_app
from airflow_photoroom.emulator.config import DEFAULT_API_KEY, EmulatorConfig
from airflow_photoroom.emulator.ledger import Ledger
from airflow_photoroom.emulator.server import EmulatorHandle, run_emulator

__all__ = ["DEFAULT_API_KEY", "EmulatorConfig", "EmulatorHandle", "Ledger", "create_app", "run_emulator"]
