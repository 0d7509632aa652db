"""EditOptions / SegmentOptions: what is accepted, what is refused and how it is explained."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_photoroom.exceptions import PhotoroomOptionsError
from airflow_photoroom.options import EditOptions, SegmentOptions

VALID_EDIT: list[tuple[dict[str, Any], dict[str, str]]] = [
    ({}, {}),
    ({"background.color": "FFFFFF"}, {"background.color": "FFFFFF"}),
    ({"background.color": "#ff000080"}, {"background.color": "FF000080"}),
    ({"background": {"color": "White"}}, {"background.color": "white"}),
    ({"background.color": "transparent"}, {"background.color": "transparent"}),
    ({"outputSize": "1000x1000"}, {"outputSize": "1000x1000"}),
    ({"output_size": "originalImage", "max_width": 800}, {"outputSize": "originalImage", "maxWidth": "800"}),
    ({"padding": 0.1, "margin": "10%"}, {"padding": "0.1", "margin": "10%"}),
    ({"paddingTop": "40px", "marginLeft": "0.25"}, {"paddingTop": "40px", "marginLeft": "0.25"}),
    ({"padding": 0}, {"padding": "0"}),
    ({"removeBackground": False}, {"removeBackground": "false"}),
    ({"removeBackground": False, "background.color": "FFFFFF"}, {
        "removeBackground": "false", "background.color": "FFFFFF"}),
    ({"background.blur": {"mode": "bokeh", "radius": 0.05}}, {
        "background.blur.mode": "bokeh", "background.blur.radius": "0.05"}),
    ({"background.prompt": "on a beach", "background.seed": 42, "background.guidance.scale": 1}, {
        "background.prompt": "on a beach", "background.seed": "42", "background.guidance.scale": "1"}),
    ({"background.expandPrompt": "never"}, {"background.expandPrompt": "never"}),
    ({"background.expandPrompt.mode": "ai.auto"}, {"background.expandPrompt.mode": "ai.auto"}),
    ({"background.imageUrl": "https://x/bg.jpg", "background.scaling": "fit"}, {
        "background.imageUrl": "https://x/bg.jpg", "background.scaling": "fit"}),
    ({"shadow.mode": "ai.soft", "lighting.mode": "ai.preserve-hue-and-saturation"}, {
        "shadow.mode": "ai.soft", "lighting.mode": "ai.preserve-hue-and-saturation"}),
    ({"shadow": {"mode": "ai.auto-with-overrides", "directionOverride": "frontLeft", "intensityOverride": 0.5,
                 "spreadOverride": 45}},
     {"shadow.mode": "ai.auto-with-overrides", "shadow.directionOverride": "frontLeft",
      "shadow.intensityOverride": "0.5", "shadow.spreadOverride": "45"}),
    ({"export.format": "jpeg", "export.dpi": 300}, {"export.format": "jpeg", "export.dpi": "300"}),
    ({"textRemoval.mode": "ai.all", "upscale.mode": "ai.fast"}, {"textRemoval.mode": "ai.all",
                                                                 "upscale.mode": "ai.fast"}),
    ({"expand": {"mode": "ai.auto", "seed": 7}}, {"expand.mode": "ai.auto", "expand.seed": "7"}),
    ({"outline": {"color": "red", "width": 0.1, "blurRadius": 0.025}}, {
        "outline.color": "red", "outline.width": "0.1", "outline.blurRadius": "0.025"}),
    ({"flatLay.mode": "ai.auto", "flatLay.size": "SQUARE_HD"}, {"flatLay.mode": "ai.auto",
                                                                "flatLay.size": "SQUARE_HD"}),
    ({"virtualModel": {"mode": "ai.auto", "model": {"preset": {"name": "avery"}}, "pose": "34turn",
                       "additionalProductImages": [{"imageUrl": "https://x/back.jpg"}]}},
     {"virtualModel.mode": "ai.auto", "virtualModel.model.preset.name": "avery", "virtualModel.pose": "34turn",
      "virtualModel.additionalProductImages[0].imageUrl": "https://x/back.jpg"}),
    ({"editWithAI": {"mode": "ai.auto", "prompt": "make it red"}}, {"editWithAI.mode": "ai.auto",
                                                                    "editWithAI.prompt": "make it red"}),
    ({"layers": {"title": {"text": {"content": "SALE", "foregroundColor": "FF0000"}}}}, {
        "layers.title.text.content": "SALE", "layers.title.text.foregroundColor": "FF0000"}),
    ({"templateId": "592dd982-4a1b-4cd9-ab11-21481d5a0064"}, {"templateId": "592dd982-4a1b-4cd9-ab11-21481d5a0064"}),
    ({"referenceBox": "originalImage", "horizontalAlignment": "left", "ignorePaddingAndSnapOnCroppedSides": False},
     {"referenceBox": "originalImage", "horizontalAlignment": "left",
      "ignorePaddingAndSnapOnCroppedSides": "false"}),
    ({"imageFromPrompt": {"prompt": "a red mug", "size": "SQUARE_HD"}}, {
        "imageFromPrompt.prompt": "a red mug", "imageFromPrompt.size": "SQUARE_HD"}),
]  # fmt: skip


@pytest.mark.parametrize(("given", "wire"), VALID_EDIT)
def test_valid_edit_options_serialise_to_wire_names(given: dict[str, Any], wire: dict[str, str]) -> None:
    assert EditOptions.coerce(given).to_wire() == wire


INVALID_EDIT: list[tuple[dict[str, Any], str]] = [
    ({"background.colour": "FFFFFF"}, "background.colour: unknown option (did you mean 'background.color'?)"),
    ({"outputsize": "10x10"}, "did you mean 'outputSize'?"),
    ({"background.color": "nope"}, "background.color: 'nope' is not a colour"),
    ({"background.color": "FFF"}, "is not a colour"),
    ({"outputSize": "1000"}, "outputSize: '1000' is not an output size"),
    ({"outputSize": "0x100"}, "has a zero side"),
    ({"padding": 0.5}, "padding: 0.5 is outside 0..0.49"),
    ({"padding": -0.1}, "padding: -0.1 is outside 0..0.49"),
    ({"margin": "50%"}, "margin: '50%' is over 49%"),
    ({"margin": "12pt"}, "is not a spacing"),
    ({"background.blur.radius": 0}, "background.blur.radius: Input should be greater than 0"),
    ({"background.blur.radius": 0.06}, "background.blur.radius: Input should be less than or equal to 0.05"),
    ({"background.blur.mode": "motion"}, "background.blur.mode: Input should be 'gaussian' or 'bokeh'"),
    ({"background.guidance.scale": 1.5}, "background.guidance.scale: Input should be less than or equal to 1"),
    ({"export.dpi": 71}, "export.dpi: Input should be greater than or equal to 72"),
    ({"export.dpi": 1201}, "export.dpi: Input should be less than or equal to 1200"),
    ({"export.format": "gif"}, "export.format: Input should be 'png', 'jpeg', 'jpg' or 'webp'"),
    ({"background.prompt": "beach", "background.imageUrl": "https://x/bg.jpg"},
     "background.prompt and background.imageUrl cannot be combined"),
    ({"background.imageUrl": "https://x/bg.jpg", "background.imageFile": b"\x89PNG"},
     "background.imageUrl and background.imageFile cannot be combined"),
    ({"background.scaling": "fit"}, "background.scaling needs background.imageUrl or background.imageFile"),
    ({"removeBackground": False, "background.imageUrl": "https://x/bg.jpg"},
     "background.imageUrl cannot be used with removeBackground=false"),
    ({"removeBackground": False, "referenceBox": "originalImage"},
     "referenceBox cannot be used with removeBackground=false"),
    ({"removeBackground": False, "ignorePaddingAndSnapOnCroppedSides": True},
     "ignorePaddingAndSnapOnCroppedSides cannot be used with removeBackground=false"),
    ({"maxWidth": 500}, "maxWidth/maxHeight need outputSize='originalImage' or 'croppedSubject'"),
    ({"outputSize": "100x100", "maxHeight": 50}, "maxWidth/maxHeight need outputSize"),
    ({"shadow.mode": "ai.soft", "shadow.intensityOverride": 0.4},
     "shadow.intensityOverride require shadow.mode='ai.auto-with-overrides'"),
    ({"shadow.mode": "ai.auto-with-overrides", "shadow.softnessOverride": 2},
     "shadow.softnessOverride: Input should be less than or equal to 1"),
    ({"shadow.mode": "ai.wobbly"}, "shadow.mode: Input should be"),
    ({"lighting.mode": "auto"}, "lighting.mode: Input should be 'ai.auto' or 'ai.preserve-hue-and-saturation'"),
    ({"expand.mode": "auto"}, "expand.mode: Input should be 'ai.auto'"),
    ({"outline.width": 0.2}, "outline.width: Input should be less than or equal to 0.1"),
    ({"background.seed": -1}, "background.seed: Input should be greater than or equal to 0"),
    ({"removeBackground": "maybe"}, "removeBackground: Input should be a valid boolean"),
    ({"templateId": "not-a-uuid"}, "templateId: String should match pattern"),
    ({"virtualModel": {"mode": "ai.auto", "model": {}}}, "virtualModel.model: give exactly one of preset or custom"),
    ({"virtualModel": {"mode": "ai.auto", "additionalProductImages": [{"imageUrl": "u"}] * 5}},
     "virtualModel.additionalProductImages: List should have at most 4 items"),
    ({"editWithAI.mode": "ai.auto", "editWithAI.prompt": ""}, "editWithAI.prompt: String should have at least 1"),
    ({"layers": {"a": {"text": {"content": 1}}}}, "layers.a.text.content: Input should be a valid string"),
    ({"background.color": "FFFFFF", "background": {"color": "000000"}}, "option 'background.color' is given twice"),
]  # fmt: skip


@pytest.mark.parametrize(("given", "message"), INVALID_EDIT)
def test_invalid_edit_options_are_refused_with_a_clear_message(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PhotoroomOptionsError) as caught:
        EditOptions.coerce(given)
    assert message in str(caught.value)


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(PhotoroomOptionsError) as caught:
        EditOptions.coerce({"padding": 0.9, "export.dpi": 10, "background.colour": "red"})
    text = str(caught.value)
    assert "padding:" in text
    assert "export.dpi:" in text
    assert "background.colour:" in text


def test_options_error_is_a_value_error_for_callers_that_catch_those() -> None:
    with pytest.raises(ValueError, match="unknown option"):
        EditOptions.coerce({"nonsense": 1})


def test_non_mapping_options_are_refused() -> None:
    with pytest.raises(PhotoroomOptionsError, match="expects a mapping"):
        EditOptions.coerce(["background.color"])  # type: ignore[arg-type]


def test_dotted_nested_camel_and_snake_spellings_are_the_same_options() -> None:
    spellings = [
        {"background.color": "FFFFFF", "outputSize": "1000x1000", "background.blur.radius": 0.01},
        {"background": {"color": "ffffff", "blur": {"radius": 0.01}}, "outputSize": "1000x1000"},
        {"background": {"color": "FFFFFF", "blur.radius": 0.01}, "output_size": "1000x1000"},
    ]
    canon = {EditOptions.coerce(s).canonical() for s in spellings}
    assert len(canon) == 1


def test_canonical_form_spells_numbers_one_way() -> None:
    assert (
        EditOptions.coerce({"padding": 0.1}).canonical() == EditOptions.coerce({"padding": "0.1"}).canonical()
    )
    assert (
        EditOptions.coerce({"export.dpi": 300}).canonical()
        == EditOptions.coerce({"export.dpi": 300.0}).canonical()
    )
    assert (
        EditOptions.coerce({"padding": 0.1}).canonical() != EditOptions.coerce({"padding": 0.2}).canonical()
    )


def test_canonical_form_hashes_files_instead_of_embedding_them() -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"x" * 100_000
    text = EditOptions.coerce({"background.imageFile": big}).canonical()
    assert "sha256:" in text
    assert len(text) < 200


def test_files_go_to_multipart_parts_and_are_refused_in_a_query() -> None:
    options = EditOptions.coerce({"background.imageFile": b"\x89PNG...", "background.color": "red"})
    fields, files = options.multipart_fields()
    assert fields == {"background.color": "red"}
    assert files == {"background.imageFile": b"\x89PNG..."}
    with pytest.raises(PhotoroomOptionsError, match="can only be uploaded with the POST form"):
        options.query_params()


def test_urls_the_api_fetches_are_refused_in_a_multipart_body() -> None:
    options = EditOptions.coerce({"background.imageUrl": "https://x/bg.jpg"})
    assert options.query_params() == {"background.imageUrl": "https://x/bg.jpg"}
    with pytest.raises(PhotoroomOptionsError, match="only accepted by the GET form"):
        options.multipart_fields()


def test_repr_never_shows_image_bytes() -> None:
    options = EditOptions.coerce({"background.imageFile": b"\x89PNG" + b"\x00" * 5000})
    assert "5004 bytes" in repr(options)
    assert "\\x00" not in repr(options)


def test_output_format_follows_export_format() -> None:
    assert EditOptions().output_format == "png"
    assert EditOptions.coerce({"export.format": "jpg"}).output_format == "jpeg"
    assert EditOptions.coerce({"export.format": "webp"}).output_format == "webp"


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ({}, {}),
        ({"format": "jpg", "channels": "alpha"}, {"format": "jpg", "channels": "alpha"}),
        ({"bg_color": "ffffff"}, {"bg_color": "#FFFFFF"}),
        ({"bg_color": "#00ff00"}, {"bg_color": "#00FF00"}),
        ({"bg_color": "Red"}, {"bg_color": "red"}),
        (
            {"size": "preview", "crop": True, "despill": False},
            {"size": "preview", "crop": "true", "despill": "false"},
        ),
    ],
)
def test_valid_segment_options(given: dict[str, Any], wire: dict[str, str]) -> None:
    assert SegmentOptions.coerce(given).to_wire() == wire


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"format": "jpeg"}, "format: Input should be 'png', 'jpg' or 'webp'"),
        ({"channels": "rgb"}, "channels: Input should be 'rgba' or 'alpha'"),
        ({"size": "4k"}, "size: Input should be 'preview', 'medium', 'hd' or 'full'"),
        ({"bg_color": "nope"}, "bg_color: 'nope' is not a colour"),
        ({"crop": "sometimes"}, "crop: Input should be a valid boolean"),
        ({"bgcolor": "red"}, "unknown option (did you mean 'bg_color'?)"),
    ],
)
def test_invalid_segment_options(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PhotoroomOptionsError) as caught:
        SegmentOptions.coerce(given)
    assert message in str(caught.value)


@pytest.mark.parametrize("given", [options for options, _ in VALID_EDIT])
def test_wire_form_reads_back_to_the_same_options(given: dict[str, Any]) -> None:
    """What the hook sends, a server parses back to equal options (the emulator relies on it)."""
    options = EditOptions.coerce(given)
    assert EditOptions.coerce({**options.to_wire(), **options.files()}) == options


def test_list_indexes_must_be_complete() -> None:
    with pytest.raises(PhotoroomOptionsError, match="list indexes must run"):
        EditOptions.coerce(
            {"virtualModel.mode": "ai.auto", "virtualModel.additionalProductImages[1].imageUrl": "u"}
        )
