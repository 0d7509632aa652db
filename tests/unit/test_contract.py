"""Every request the hook builds, for a broad set of options, is valid under the API's spec.

The spec (tests/spec/photoroom-openapi.json) is the vendor's contract: parameter names, types and
enums. Requests are captured with respx and read back the way a server would read them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx

from airflow_photoroom.hooks.photoroom import PhotoroomHook
from tests.conftest import BASE_URL
from tests.wire import multipart_parts

SPEC = json.loads((Path(__file__).parents[1] / "spec" / "photoroom-openapi.json").read_text())
EDIT = SPEC["paths"]["/v2/edit"]
GET_PARAMS = {p["name"]: p["schema"] for p in EDIT["get"]["parameters"]}
POST_PROPS = EDIT["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
SEGMENT_SCHEMA = SPEC["components"]["schemas"]["remove-background-post-params"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

# Options spanning every parameter group of the spec (the newer outline/flatLay/virtualModel/
# editWithAI parameters are not in this spec; test_options covers them).
EDIT_CASES: list[dict[str, Any]] = [
    {},
    {"background.color": "FFFFFF", "outputSize": "1000x1000", "padding": 0.1},
    {"background.color": "red", "margin": "10%", "paddingTop": "40px", "export.format": "jpeg", "export.dpi": 300},
    {"background.prompt": "on a marble table", "background.seed": 117879368, "background.negativePrompt": "text",
     "background.expandPrompt": "never", "referenceBox": "originalImage", "outputSize": "1024x1024"},
    {"background.prompt": "a beach", "background.expandPrompt.mode": "ai.auto", "background.guidance.scale": 0.6},
    {"background.blur.mode": "bokeh", "background.blur.radius": 0.03, "removeBackground": False},
    {"shadow.mode": "ai.soft", "lighting.mode": "ai.preserve-hue-and-saturation", "textRemoval.mode": "ai.natural"},
    {"expand.mode": "ai.auto", "expand.seed": 3, "removeBackground": False, "outputSize": "1500x1000"},
    {"uncrop.mode": "ai.auto", "uncrop.seed": 1},
    {"upscale.mode": "ai.slow"},
    {"beautify.mode": "ai.food", "beautify.seed": 9},
    {"segmentation.mode": "ignoreSalientObject", "segmentation.prompt": "shoe", "segmentation.negativePrompt": "box"},
    {"outputSize": "croppedSubject", "maxWidth": 800, "maxHeight": 600, "scaling": "fill",
     "horizontalAlignment": "left", "verticalAlignment": "bottom", "keepExistingAlphaChannel": "auto"},
    {"ignorePaddingAndSnapOnCroppedSides": False, "preserveMetadata": "xmp", "marginBottom": 0.2,
     "marginLeft": "5%", "marginRight": "10px", "marginTop": 0, "paddingBottom": 0.05, "paddingLeft": "3%",
     "paddingRight": "8px"},
    {"templateId": "592dd982-4a1b-4cd9-ab11-21481d5a0064",
     "layers": {"title": {"text": {"content": "SALE", "font": "Inter", "foregroundColor": "FF0000",
                                   "backgroundColor": "FFFFFF"}},
                "logo": {"image": {"imageUrl": "https://x/logo.png", "removeBackground": "never",
                                   "horizontalAlignment": "right", "useForAIBackground": "never"}}}},
]  # fmt: skip
GET_ONLY_CASES: list[dict[str, Any]] = [
    {"background.imageUrl": "https://x/bg.jpg", "background.scaling": "fit"},
    {"background.prompt": "studio", "background.guidance.imageUrl": "https://x/guide.jpg"},
]
POST_ONLY_CASES: list[dict[str, Any]] = [
    {"background.imageFile": PNG, "background.scaling": "fill"},
    {"background.prompt": "studio", "background.guidance.imageFile": PNG, "background.guidance.scale": 1},
]
SEGMENT_CASES: list[dict[str, Any]] = [
    {},
    {"format": "jpg", "channels": "rgba", "bg_color": "#FF00FF"},
    {"format": "webp", "channels": "alpha", "size": "preview", "crop": True, "despill": True},
    {"size": "hd", "bg_color": "white", "crop": False},
]


def _typed(value: str, schema: dict[str, Any]) -> Any:
    """Read a text parameter the way the schema types it (query and form values are text)."""
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    if "number" in kinds or "integer" in kinds:
        try:
            return float(value)
        except ValueError:
            pass
    return value


def _check(params: dict[str, str], schemas: dict[str, Any], also: dict[str, Any] | None = None) -> None:
    """Each parameter names a spec parameter (dotted names may go inside an object parameter)."""
    objects: dict[str, dict[str, Any]] = {}
    for name, value in params.items():
        if name in schemas:
            schema = (also or {}).get(name, schemas[name])
            jsonschema.validate(_typed(value, schema), schema)
            continue
        head = next((p for p in schemas if name.startswith(p + ".")), None)
        assert head is not None, f"{name} is not a parameter of the spec"
        node = objects.setdefault(head, {})
        *path, leaf = name[len(head) + 1 :].split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value
    for head, value in objects.items():
        jsonschema.validate(value, (also or {}).get(head, schemas[head]))


@pytest.fixture
def hook(photoroom_conn: Callable[..., Any]) -> PhotoroomHook:
    photoroom_conn()
    return PhotoroomHook()


@pytest.mark.parametrize("options", EDIT_CASES + GET_ONLY_CASES)
@respx.mock
def test_get_edit_requests_follow_the_spec(hook: PhotoroomHook, options: dict[str, Any]) -> None:
    route = respx.get(f"{BASE_URL}/v2/edit").mock(return_value=httpx.Response(200, content=PNG))
    hook.edit("https://cdn.example.com/in.jpg", options=options)
    request = route.calls.last.request
    params = dict(request.url.params)
    assert len(params) == len(request.url.params.multi_items()), "a parameter was sent twice"
    assert params["imageUrl"] == "https://cdn.example.com/in.jpg"
    _check(params, GET_PARAMS)
    assert "x-api-key" in request.headers


@pytest.mark.parametrize("options", EDIT_CASES + POST_ONLY_CASES)
@respx.mock
def test_post_edit_requests_follow_the_spec(hook: PhotoroomHook, options: dict[str, Any]) -> None:
    route = respx.post(f"{BASE_URL}/v2/edit").mock(return_value=httpx.Response(200, content=PNG))
    hook.edit(image=PNG, options=options)
    request = route.calls.last.request
    assert not request.url.params, "POST /v2/edit takes every parameter in the body"
    parts = multipart_parts(request)
    files = {name for name, part in parts.items() if part.filename is not None}
    assert "imageFile" in files
    for name in files:
        assert POST_PROPS[name].get("format") == "binary", f"{name} is not a file field of the spec"
    text = {name: part.content.decode() for name, part in parts.items() if part.filename is None}
    # POST properties carry types only; the GET schema of the same name has the enums and ranges.
    _check(text, POST_PROPS, also=GET_PARAMS)


@pytest.mark.parametrize("options", SEGMENT_CASES)
@respx.mock
def test_segment_requests_follow_the_spec(hook: PhotoroomHook, options: dict[str, Any]) -> None:
    route = respx.post(f"{BASE_URL}/v1/segment").mock(return_value=httpx.Response(200, content=PNG))
    hook.remove_background(PNG, options=options)
    parts = multipart_parts(route.calls.last.request)
    body: dict[str, Any] = {
        name: part.content.decode() for name, part in parts.items() if part.filename is None
    }
    assert parts["image_file"].filename is not None
    body["image_file"] = "<binary>"
    jsonschema.validate(body, SEGMENT_SCHEMA)
    assert set(body) <= set(SEGMENT_SCHEMA["properties"])


def test_the_spec_paths_and_servers_are_the_ones_the_hook_uses() -> None:
    assert SPEC["servers"][0]["url"] == "https://image-api.photoroom.com"
    assert SPEC["paths"]["/v1/segment"]["post"]["servers"][0]["url"] == "https://sdk.photoroom.com"
    assert "get" in SPEC["paths"]["/v2/account"]
    assert SPEC["components"]["securitySchemes"]["x-api-key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
