"""How fast the emulator answers, with no injected latency (prints figures; not a test).

    python benchmarks/emulator.py [--requests-per-client 10] [--clients 50]

Starts ``python -m airflow_photoroom.emulator`` as its own process (as users run it), then:
1. one client, sequential 1000x1000 edits (white background, 1000x1000 output): p50/p95 latency;
2. 50 concurrent clients, each uploading edits and segments: requests/s, p50/p95, errors.
Target (issue 3): a 1000x1000 edit under 150 ms median; 50 concurrent clients without errors.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[1] / "airflow_photoroom" / "emulator" / "samples"
KEY = "photoroom-emulator-key"


def image_1000() -> bytes:
    buffer = io.BytesIO()
    Image.open(SAMPLES / "shoe.jpg").convert("RGB").resize((1000, 1000)).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def sequential(base_url: str, image: bytes, count: int) -> list[float]:
    timings = []
    async with httpx.AsyncClient(timeout=60, headers={"x-api-key": KEY}) as client:
        data = {"background.color": "FFFFFF", "outputSize": "1000x1000"}
        for _ in range(count):
            started = time.perf_counter()
            response = await client.post(
                f"{base_url}/v2/edit", data=data, files={"imageFile": ("s.jpg", image)}
            )
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    return timings


async def concurrent(
    base_url: str, image: bytes, clients: int, per_client: int
) -> tuple[list[float], int, float]:
    timings: list[float] = []
    errors = 0

    async def client_loop(index: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=120, headers={"x-api-key": KEY}) as client:
            for turn in range(per_client):
                started = time.perf_counter()
                if (index + turn) % 2:
                    response = await client.post(
                        f"{base_url}/v1/segment",
                        files={"image_file": ("s.jpg", image)},
                        data={"size": "preview"},
                    )
                else:
                    response = await client.post(
                        f"{base_url}/v2/edit",
                        files={"imageFile": ("s.jpg", image)},
                        data={"background.color": "FFFFFF", "outputSize": "500x500"},
                    )
                timings.append(time.perf_counter() - started)
                errors += response.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    return timings, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests-per-client", type=int, default=6)
    parser.add_argument("--sequential", type=int, default=40)
    args = parser.parse_args()

    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_photoroom.emulator", "--port", "0", "--credits", "1000000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        image = image_1000()
        asyncio.run(sequential(base_url, image, 3))  # warm up
        timings = asyncio.run(sequential(base_url, image, args.sequential))
        print(f"1000x1000 edit, one client, {len(timings)} requests:")
        print(
            f"  p50 {statistics.median(timings) * 1000:.0f} ms"
            f"   p95 {percentile(timings, 0.95) * 1000:.0f} ms   (target: p50 < 150 ms)"
        )
        timings, errors, elapsed = asyncio.run(
            concurrent(base_url, image, args.clients, args.requests_per_client)
        )
        print(
            f"{args.clients} concurrent clients, {len(timings)} requests"
            " (edits and segments of a 1000x1000 upload):"
        )
        print(
            f"  {len(timings) / elapsed:.1f} requests/s   p50 {statistics.median(timings) * 1000:.0f} ms"
            f"   p95 {percentile(timings, 0.95) * 1000:.0f} ms   errors {errors}   (target: 0 errors)"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
