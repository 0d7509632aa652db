"""The emulator answers as the spec says: status, body shape, headers and media type."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from airflow_photoroom.emulator import EmulatorHandle
from tests.integration.conftest import decode, sample_bytes

SPEC = json.loads((Path(__file__).parents[1] / "spec" / "photoroom-openapi.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]
EDIT_GET = SPEC["paths"]["/v2/edit"]["get"]["responses"]
SEGMENT = SPEC["paths"]["/v1/segment"]["post"]["responses"]
ACCOUNT = SPEC["paths"]["/v2/account"]["get"]["responses"]
# /v1/account is in the newest vendor spec only: {credits: {available, subscription}}.
ACCOUNT_V1 = {
    "type": "object",
    "required": ["credits"],
    "properties": {
        "credits": {
            "type": "object",
            "required": ["available", "subscription"],
            "properties": {"available": {"type": "number"}, "subscription": {"type": "number", "minimum": 0}},
        }
    },
}


def _schema(response: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    schema = response["content"][media]["schema"]
    return SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema


def get_edit(emulator: EmulatorHandle, key: str | None = None, **params: Any) -> httpx.Response:
    headers = {"x-api-key": key or emulator.api_key}
    params.setdefault("imageUrl", emulator.sample_url("mug.jpg"))
    return httpx.get(f"{emulator.base_url}/v2/edit", params=params, headers=headers, timeout=30)


def post_segment(
    emulator: EmulatorHandle, data: dict[str, str] | None = None, image: bytes | None = None
) -> httpx.Response:
    files = {"image_file": ("mug.jpg", image if image is not None else sample_bytes("mug.jpg"), "image/jpeg")}
    return httpx.post(
        f"{emulator.base_url}/v1/segment",
        data=data or {},
        files=files,
        headers={"x-api-key": emulator.api_key},
        timeout=30,
    )


def test_edit_success_is_an_image_with_the_documented_headers(emulator: EmulatorHandle) -> None:
    response = get_edit(emulator, **{"background.prompt": "on a marble table", "textRemoval.mode": "ai.all"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decode(response.content).format == "PNG"
    assert int(response.headers["pr-ai-background-seed"]) > 0
    assert int(response.headers["pr-texts-detected"]) >= 0
    assert 0 <= float(response.headers["x-uncertainty-score"]) <= 1
    assert response.headers["pr-edit-further-url"].startswith("http")
    assert set(EDIT_GET["200"]["headers"]) - {"pr-unsupported-attributes"} <= set(response.headers)


def test_edit_400_has_the_spec_body(emulator: EmulatorHandle) -> None:
    response = get_edit(emulator, removeBackground="maybe")
    assert response.status_code == 400
    jsonschema.validate(response.json(), _schema(EDIT_GET["400"]))
    assert "removeBackground" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"imageUrl": "http://127.0.0.1:9/nothing.jpg"}, "imageUrl: could not download"),
        ({"outputSize": "big"}, "outputSize"),
        ({"background.prompt": "x", "background.imageUrl": "http://a/b.jpg"}, "cannot be combined"),
    ],
)
def test_edit_400_cases(emulator: EmulatorHandle, params: dict[str, str], message: str) -> None:
    response = get_edit(emulator, **params)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_non_images_are_refused(emulator: EmulatorHandle) -> None:
    response = httpx.post(
        f"{emulator.base_url}/v2/edit",
        files={"imageFile": ("notes.txt", b"just some text", "text/plain")},
        headers={"x-api-key": emulator.api_key},
    )
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]["message"]
    assert post_segment(emulator, image=b"%PDF-1.4").json()["type"] == "invalid_image"


def test_missing_image_is_a_400(emulator: EmulatorHandle) -> None:
    response = httpx.get(f"{emulator.base_url}/v2/edit", headers={"x-api-key": emulator.api_key})
    assert response.json() == {"error": {"message": "imageUrl: must be provided"}}
    response = httpx.post(
        f"{emulator.base_url}/v1/segment", files={"x": ("a", b"a")}, headers={"x-api-key": emulator.api_key}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Please provide an image.",
        "status_code": 400,
        "type": "missing_image",
    }


def test_unknown_attributes_are_reported_in_a_header(emulator: EmulatorHandle) -> None:
    response = get_edit(emulator, **{"background.inner": "x", "outputSize": "200x200"})
    assert response.status_code == 200
    assert response.headers["pr-unsupported-attributes"] == "Unsupported attributes: background.inner"
    assert decode(response.content).size == (200, 200)


def test_parameters_given_twice_are_refused(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/v2/edit?imageUrl={emulator.sample_url('mug.jpg')}&padding=0.1&padding=0.2"
    response = httpx.get(url, headers={"x-api-key": emulator.api_key})
    assert response.status_code == 400
    assert "padding can only be provided once" in response.json()["error"]["message"]


def test_post_edit_refuses_parameters_in_the_query_string(emulator: EmulatorHandle) -> None:
    response = httpx.post(
        f"{emulator.base_url}/v2/edit?padding=0.1",
        files={"imageFile": ("mug.jpg", sample_bytes("mug.jpg"), "image/jpeg")},
        headers={"x-api-key": emulator.api_key},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_403_without_body_for_missing_or_unknown_keys(emulator: EmulatorHandle, key: str | None) -> None:
    headers = {"x-api-key": key} if key is not None else {}
    for response in (
        httpx.get(
            f"{emulator.base_url}/v2/edit",
            params={"imageUrl": emulator.sample_url("mug.jpg")},
            headers=headers,
        ),
        httpx.post(
            f"{emulator.base_url}/v1/segment",
            files={"image_file": ("a.jpg", sample_bytes("mug.jpg"))},
            headers=headers,
        ),
        httpx.get(f"{emulator.base_url}/v2/account", headers=headers),
        httpx.get(f"{emulator.base_url}/v1/account", headers=headers),
    ):
        assert response.status_code == 403
        assert response.content == b""


def test_402_bodies_follow_the_spec(emulator: EmulatorHandle) -> None:
    emulator.ledger.set_credits(emulator.api_key, 0.1)
    edit = get_edit(emulator)
    assert edit.status_code == 402
    jsonschema.validate(edit.json(), _schema(EDIT_GET["402"]))
    segment = post_segment(emulator)
    assert segment.status_code == 402
    jsonschema.validate(segment.json(), _schema(SEGMENT["402"]))
    assert segment.json()["status_code"] == 402


def test_500_body_follows_the_spec(emulator: EmulatorHandle) -> None:
    emulator.config.fail_rate = 1.0
    response = get_edit(emulator)
    assert response.status_code in (500, 502, 503)
    jsonschema.validate(response.json(), _schema(EDIT_GET["500"]))


def test_segment_success_and_400(emulator: EmulatorHandle) -> None:
    response = post_segment(emulator, {"format": "webp"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert 0 <= float(response.headers["x-uncertainty-score"]) <= 1
    bad = post_segment(emulator, {"format": "gif"})
    assert bad.status_code == 400
    jsonschema.validate(bad.json(), _schema(SEGMENT["400"]))


def test_accounts_follow_the_spec(emulator: EmulatorHandle) -> None:
    headers = {"x-api-key": emulator.api_key}
    v2 = httpx.get(f"{emulator.base_url}/v2/account", headers=headers).json()
    jsonschema.validate(v2, _schema(ACCOUNT["200"]))
    assert v2 == {"images": {"available": 1000, "subscription": 1000}, "plan": "plus"}
    v1 = httpx.get(f"{emulator.base_url}/v1/account", headers=headers).json()
    jsonschema.validate(v1, ACCOUNT_V1)


def test_oversized_uploads_are_refused_before_any_work(emulator: EmulatorHandle) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * (30 * 1024 * 1024 + 1)
    response = httpx.post(
        f"{emulator.base_url}/v2/edit",
        files={"imageFile": ("big.jpg", big, "image/jpeg")},
        headers={"x-api-key": emulator.api_key},
        timeout=60,
    )
    assert response.status_code == 413
    assert "30MB" in response.json()["error"]["message"]
    assert emulator.ledger.account(emulator.api_key).available == 1000


def test_samples_are_served(emulator: EmulatorHandle) -> None:
    listing = httpx.get(f"{emulator.base_url}/samples/").json()["samples"]
    assert "catalog.csv" in listing
    images = [name for name in listing if name.endswith(".jpg")]
    assert len(images) >= 12
    for name in images:
        response = httpx.get(emulator.sample_url(name))
        assert response.headers["content-type"] == "image/jpeg"
        assert len(response.content) < 300_000
    assert httpx.get(emulator.sample_url("nope.jpg")).status_code == 404


def test_command_line_prints_its_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_photoroom.emulator", "--port", "0", "--credits", "7", "--plan", "basic",
         "--api-key", "k1"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        account = httpx.get(f"{base_url}/v2/account", headers={"x-api-key": "k1"}, timeout=10).json()
        assert account == {"images": {"available": 7, "subscription": 7}, "plan": "basic"}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_own_files_are_served_like_a_cdn_and_stats_are_reported(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jpg").write_bytes(sample_bytes("mug.jpg"))
    emulator.config.files_dir = str(tmp_path)
    response = httpx.head(f"{emulator.base_url}/files/sub/a.jpg")
    assert response.status_code == 200
    assert response.headers["etag"]
    assert response.headers["last-modified"]
    assert httpx.get(f"{emulator.base_url}/files/../../etc/passwd").status_code == 404
    assert get_edit(emulator, imageUrl=f"{emulator.base_url}/files/sub/a.jpg").status_code == 200
    stats = httpx.get(f"{emulator.base_url}/_emulator/stats").json()
    assert {"endpoint": "GET /v2/edit", "status": 200, "count": 1} in stats["requests"]
    assert stats["accounts"][emulator.api_key]["available"] == 999
