"""PhotoroomQuotaCheckOperator: what a batch really costs, and fail / skip / wait when short."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_photoroom.emulator import EmulatorHandle, run_emulator
from tests.conftest import dag_source, task_states, xcom
from tests.operators.conftest import ImageServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("connect")]

OPTIONS = {"outputSize": "100x100"}


def check_then_edit(dag_id: str, urls: list[str], output: Path, **check: Any) -> str:
    extra = ", ".join(f"{k}={v!r}" for k, v in check.items())
    return dag_source(
        dag_id,
        f"    check = PhotoroomQuotaCheckOperator(task_id='check', image={urls!r}, output={str(output)!r}, "
        f"options={OPTIONS!r}, {extra})\n"
        f"    edit = PhotoroomEditOperator(task_id='edit', image={urls!r}, output={str(output)!r}, options={OPTIONS!r})\n"
        "    check >> edit",
    )


def test_only_images_not_done_yet_are_counted(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, image_server: ImageServer, tmp_path: Path
) -> None:
    urls = image_server.add(10)
    run_dag(dag_source("prefill", f"    PhotoroomEditOperator(task_id='edit', image={urls[:4]!r}, "
                                  f"output={str(tmp_path)!r}, options={OPTIONS!r})"))  # fmt: skip
    edits_before, accounts_before = (
        photoroom_emulator.calls("GET /v2/edit"),
        photoroom_emulator.calls("GET /v2/account"),
    )
    dag_run = run_dag(check_then_edit("counted", urls, tmp_path, reserve=5))
    assert dag_run.state == "success"
    assert xcom(dag_run, "check") == {
        "needed": 6.0,
        "available": 996.0,
        "reserve": 5.0,
        "plan": "plus",
        "to_process": 6,
        "already_done": 4,
    }
    assert photoroom_emulator.calls("GET /v2/edit") == edits_before + 6  # the check itself called no edit
    # One account call for the check (balance and plan), one for the edit to price its report.
    assert photoroom_emulator.calls("GET /v2/account") == accounts_before + 2


@pytest.mark.parametrize(
    ("plan", "key_prefix", "operation", "needed"),
    [("plus", "", "edit", 8.0), ("basic", "", "edit", 40.0), ("plus", "", "segment", 1.6),
     ("basic", "", "segment", 8.0), ("plus", "sandbox_", "edit", 0.0)],
)  # fmt: skip
def test_prices_by_plan(
    run_dag: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    plan: str,
    key_prefix: str,
    operation: str,
    needed: float,
) -> None:
    with run_emulator(credits=100, plan=plan) as emulator:
        for name, value in emulator.connection_env(api_key=key_prefix + emulator.api_key).items():
            monkeypatch.setenv(name, value)
        body = f"    PhotoroomQuotaCheckOperator(task_id='check', count=8, operation={operation!r})"
        dag_run = run_dag(dag_source(f"prices_{plan}_{key_prefix}_{operation}", body))
        assert dag_run.state == "success"
        result = xcom(dag_run, "check")
        assert result["needed"] == needed
        assert result["plan"] == ("sandbox" if key_prefix else plan)


def test_fail_states_the_figures(
    run_dag: Callable[..., Any],
    photoroom_emulator: EmulatorHandle,
    image_server: ImageServer,
    tmp_path: Path,
    caplog: Any,
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 12)
    dag_run = run_dag(
        check_then_edit("fails", image_server.add(10), tmp_path, reserve=5, on_insufficient="fail")
    )
    assert task_states(dag_run) == {("check", -1): "failed", ("edit", -1): "upstream_failed"}
    assert photoroom_emulator.calls("GET /v2/edit") == 0
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 12


def test_fail_message(photoroom_emulator: EmulatorHandle, image_server: ImageServer, tmp_path: Path) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_photoroom.operators.photoroom import PhotoroomQuotaCheckOperator

    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 12)
    operator = PhotoroomQuotaCheckOperator(
        task_id="check", image=image_server.add(10), output=str(tmp_path), options=OPTIONS, reserve=5
    )
    with pytest.raises(AirflowFailException) as caught:
        operator.execute(context={})  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Photoroom edit of 10 image(s) needs 10 credits on plan plus; 12 available with 5 kept in reserve "
        "(0 image(s) already done, free)"
    )


def test_skip_skips_the_edit(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, image_server: ImageServer, tmp_path: Path
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 3)
    dag_run = run_dag(check_then_edit("skips", image_server.add(10), tmp_path, on_insufficient="skip"))
    assert task_states(dag_run) == {("check", -1): "skipped", ("edit", -1): "skipped"}
    assert photoroom_emulator.calls("GET /v2/edit") == 0


def test_wait_succeeds_once_credits_are_topped_up(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, image_server: ImageServer, tmp_path: Path
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 3)
    urls = image_server.add(10)
    threading.Timer(2.0, photoroom_emulator.ledger.top_up, (photoroom_emulator.api_key, 50)).start()
    started = time.monotonic()
    dag_run = run_dag(check_then_edit("waits", urls, tmp_path, on_insufficient="wait", poll_interval=0.3))
    assert dag_run.state == "success"
    assert time.monotonic() - started >= 1.9
    assert xcom(dag_run, "check")["available"] == 53
    assert photoroom_emulator.ledger.account(photoroom_emulator.api_key).available == 43


def test_wait_times_out(
    run_dag: Callable[..., Any], photoroom_emulator: EmulatorHandle, image_server: ImageServer, tmp_path: Path
) -> None:
    photoroom_emulator.ledger.set_credits(photoroom_emulator.api_key, 3)
    body = check_then_edit("wait_times_out", image_server.add(10), tmp_path, on_insufficient="wait",
                           poll_interval=0.2, wait_timeout=1)  # fmt: skip
    dag_run = run_dag(body)
    assert task_states(dag_run) == {("check", -1): "failed", ("edit", -1): "upstream_failed"}


def test_arguments_are_checked_when_the_dag_is_written() -> None:
    from airflow_photoroom.operators.photoroom import PhotoroomQuotaCheckOperator

    with pytest.raises(ValueError, match="either image"):
        PhotoroomQuotaCheckOperator(task_id="a")
    with pytest.raises(ValueError, match="output is needed"):
        PhotoroomQuotaCheckOperator(task_id="b", image="https://x/a.jpg")
    with pytest.raises(ValueError, match="on_insufficient"):
        PhotoroomQuotaCheckOperator(task_id="c", count=3, on_insufficient="later")


def test_on_insufficient_from_a_template_is_checked_once_rendered(
    run_dag: Callable[..., Any], image_server: ImageServer, tmp_path: Path
) -> None:
    urls = image_server.add(2)
    body = (
        f"    PhotoroomQuotaCheckOperator(task_id='check', image={urls!r}, output={str(tmp_path)!r}, "
        'on_insufficient=\'{{ dag_run.conf.get("when_short", "later") }}\')'
    )
    dag_run = run_dag(dag_source("templated_when_short", body))
    assert task_states(dag_run)[("check", -1)] == "failed"  # 'later' is no choice, and no retry
