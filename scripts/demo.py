"""`make demo`: the Google Shopping example DAG end to end, offline, against the bundled emulator.

Starts the emulator (1,000 credits, Plus plan), runs ``airflow dags test photoroom_google_shopping``
on its sample catalog, writing to ./demo-output, then says where the edited images, the updated
feed and the QA sheet are, and what the run cost. Run it again: nothing is paid twice.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from airflow_photoroom.emulator import run_emulator

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".demo" / "airflow-home"
OUTPUT = ROOT / "demo-output"
LOG = ROOT / ".demo" / "last-run.log"
CREDITS = 1000
#: A fixed port: the image URLs are part of each image's identity, so a rerun must see the same ones.
PORT = 47615


def airflow_env() -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
        "PHOTOROOM_DEMO_OUTPUT": str(OUTPUT),
    }


def main() -> int:
    HOME.mkdir(parents=True, exist_ok=True)
    env = airflow_env()
    print("Preparing Airflow (SQLite metadata database in .demo/) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True
    )
    with run_emulator(credits=CREDITS, plan="plus", port=PORT) as emulator:
        print(
            f"Photoroom emulator at {emulator.base_url} (offline; {CREDITS} credits, Plus plan)", flush=True
        )
        conf = {
            "feed": f"{emulator.base_url}/samples/catalog.csv",
            "image_base_url": emulator.base_url,
            "output": str(OUTPUT),
            "output_conn_id": "",
        }
        print("Running photoroom_google_shopping with `airflow dags test` ...", flush=True)
        with LOG.open("w") as log:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "airflow",
                    "dags",
                    "test",
                    "photoroom_google_shopping",
                    "-c",
                    json.dumps(conf),
                ],
                env={**env, **emulator.connection_env()},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        spent = CREDITS - emulator.ledger.account(emulator.api_key).available
        edits = emulator.calls("GET /v2/edit", 200)
    feed = OUTPUT / "google_shopping_feed.csv"
    if result.returncode != 0 or not feed.exists():
        print(f"The DAG run failed; its log is {LOG}", file=sys.stderr)
        return 1
    with feed.open() as handle:
        rows = list(csv.DictReader(handle))
    compliant = sum(1 for row in rows if row["compliance"] == "pass")
    images = sorted(p for p in OUTPUT.glob("*.jpg"))
    print()
    print(f"Edited images:  {OUTPUT}/  ({len(images)} JPEG files)")
    print(f"Updated feed:   {feed}  ({compliant} of {len(rows)} items pass Google Shopping's image checks)")
    print(f"QA sheet:       {OUTPUT / 'qa-sheet.html'}  and  {OUTPUT / 'qa-sheet.png'}")
    print(f"Run log:        {LOG}")
    if spent:
        print(f"Credits spent:  {spent:g} ({edits} edits). Run `make demo` again: it will spend nothing.")
    else:
        print(
            "Credits spent:  0. Every image was already done (outputs are content-addressed): nothing paid."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
