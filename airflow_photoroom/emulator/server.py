"""Running the emulator: in a background thread for tests (:func:`run_emulator`), or as a
command (``python -m airflow_photoroom.emulator``)."""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from airflow_photoroom.emulator.app import EmulatorState, create_app
from airflow_photoroom.emulator.config import DEFAULT_API_KEY, EmulatorConfig
from airflow_photoroom.emulator.ledger import Ledger


@dataclass
class EmulatorHandle:
    """A running emulator: where it listens, its ledger, and its knobs (change them live)."""

    base_url: str
    state: EmulatorState

    @property
    def config(self) -> EmulatorConfig:
        """The knobs: ``handle.config.fail_rate = 0.05`` takes effect on the next call."""
        return self.state.config

    @property
    def ledger(self) -> Ledger:
        return self.state.ledger

    @property
    def api_key(self) -> str:
        return self.config.api_keys[0]

    def sample_url(self, name: str) -> str:
        """The HTTP URL of a bundled sample image (``shoe.jpg``, ...)."""
        return f"{self.base_url}/samples/{name}"

    def calls(self, endpoint: str, status: int | None = None) -> int:
        """How many calls ``endpoint`` (``"GET /v2/edit"``) got, optionally with ``status``."""
        return self.state.calls(endpoint, status)

    def connection(self, api_key: str | None = None, **extra: Any) -> dict[str, Any]:
        """An Airflow connection pointing at this emulator, for ``AIRFLOW_CONN_<ID>`` as JSON."""
        return {
            "conn_type": "photoroom",
            "host": self.base_url,
            "password": api_key or self.api_key,
            "extra": extra,
        }

    def connection_env(
        self, conn_id: str = "photoroom_default", api_key: str | None = None, **extra: Any
    ) -> dict[str, str]:
        return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(self.connection(api_key, **extra))}


@contextmanager
def run_emulator(
    config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0, **knobs: Any
) -> Iterator[EmulatorHandle]:
    """Serve the emulator on a free port in a background thread for the ``with`` block.

    >>> with run_emulator(credits=50, plan="basic") as emulator:   # doctest: +SKIP
    ...     os.environ.update(emulator.connection_env())
    ...     dag.test()
    ...     assert emulator.ledger.account(emulator.api_key).available == 45
    """
    config = config or EmulatorConfig(**knobs)
    app = create_app(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=30)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="photoroom-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Photoroom emulator did not start")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]
    try:
        yield EmulatorHandle(base_url=f"http://{host}:{bound_port}", state=app.state.emulator)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_photoroom.emulator",
        description="An offline server that speaks the Photoroom API's wire contract.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--credits", type=float, default=1000.0, help="starting balance of every key")
    parser.add_argument("--plan", choices=["plus", "basic"], default="plus")
    parser.add_argument("--api-key", action="append", dest="api_keys", metavar="KEY",
                        help=f"an accepted key, repeatable; default {DEFAULT_API_KEY}")  # fmt: skip
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every image call")
    parser.add_argument("--feature-latency-scale", type=float, default=0.0,
                        help="scale of Photoroom's per-feature latencies (1 = real, 0 = none)")  # fmt: skip
    parser.add_argument(
        "--rate-limit-per-minute", type=int, default=0, help="429 past this many image calls a minute"
    )
    parser.add_argument("--retry-after", type=float, default=None, help="send Retry-After (seconds) with 429")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of image calls answered 500/502/503"
    )
    parser.add_argument(
        "--reset-rate", type=float, default=0.0, help="share of image calls cut off mid-answer"
    )
    parser.add_argument(
        "--slow-body-ms", type=float, default=0.0, help="spread each image answer over this long"
    )
    parser.add_argument(
        "--rate-limit-window-s", type=float, default=60.0, help="the window the rate limit counts over"
    )
    parser.add_argument(
        "--files", default=None, metavar="DIR", help="serve DIR at /files/ (your own test images)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the failure dice")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    config = EmulatorConfig(
        credits=args.credits,
        plan=args.plan,
        api_keys=args.api_keys or [DEFAULT_API_KEY],
        latency_ms=args.latency_ms,
        feature_latency_scale=args.feature_latency_scale,
        rate_limit_per_minute=args.rate_limit_per_minute,
        rate_limit_window_s=args.rate_limit_window_s,
        retry_after=args.retry_after,
        fail_rate=args.fail_rate,
        reset_rate=args.reset_rate,
        slow_body_ms=args.slow_body_ms,
        seed=args.seed,
        files_dir=args.files,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)  # connections made as soon as the URL is printed wait in the backlog
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    print(base_url, flush=True)
    print(
        f"Photoroom emulator: plan {config.plan}, {config.credits:g} credits, "
        f"keys {', '.join(config.api_keys)} "
        f"(and sandbox_ twins); samples at {base_url}/samples/",
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
