"""The emulator does real image work: option combinations checked on the pixels.

Every edit goes through PhotoroomHook, so these double as the hook's integration tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image, ImageChops

from airflow_photoroom.emulator import EmulatorHandle
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from tests.integration.conftest import decode, sample_bytes

WHITE = (255, 255, 255, 255)


def edit(
    hook: PhotoroomHook, emulator: EmulatorHandle, sample: str = "mug.jpg", **options: Any
) -> Image.Image:
    result = hook.edit(emulator.sample_url(sample), options=options)
    return decode(result.content)


def corners(image: Image.Image) -> list[Any]:
    w, h = image.size
    return [image.getpixel(p) for p in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]


def subject_box(image: Image.Image) -> tuple[int, int, int, int]:
    """Where the subject is: opaque pixels, or pixels far from white on a white background."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255:
        box = image.getchannel("A").point(lambda v: 255 if v > 127 else 0).getbbox()
    else:
        far = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, "white")).convert("L")
        box = far.point(lambda v: 255 if v > 40 else 0).getbbox()
    assert box is not None
    return box


def test_white_background_has_white_corners(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, **{"background.color": "FFFFFF"})
    assert image.mode == "RGBA"
    assert corners(image) == [WHITE] * 4


def test_no_background_option_leaves_transparency(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator)
    assert [c[3] for c in corners(image)] == [0, 0, 0, 0]
    centre = image.getpixel((image.width // 2, image.height // 2))
    assert centre[3] == 255  # the mug itself


def test_exact_output_sizes(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    assert edit(hook, emulator, outputSize="1000x1000").size == (1000, 1000)
    assert edit(hook, emulator, outputSize="640x360").size == (640, 360)


def test_padding_keeps_the_subject_inside(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, outputSize="1000x1000", padding=0.2, **{"background.color": "white"})
    left, top, right, bottom = subject_box(image)
    assert left >= 195
    assert top >= 195
    assert right <= 805
    assert bottom <= 805
    # fit: the subject reaches the padding on its longer side
    assert min(left, top) <= 205 or max(right, bottom) >= 795


def test_margin_in_pixels(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, "shoe.jpg", outputSize="800x800", margin="100px")
    left, _top, right, _bottom = subject_box(image)
    assert left >= 98
    assert right <= 702
    assert left <= 102 or right >= 698


def test_alignment_left_puts_the_subject_on_the_padding(
    hook: PhotoroomHook, emulator: EmulatorHandle
) -> None:
    image = edit(hook, emulator, "bottle.jpg", outputSize="1000x500", padding=0.1, horizontalAlignment="left")
    left, _, right, _ = subject_box(image)
    assert abs(left - 100) <= 3
    assert right < 500


def test_jpeg_export(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    result = hook.edit(
        emulator.sample_url("bag.jpg"), options={"export.format": "jpeg", "outputSize": "300x300"}
    )
    assert result.media_type == "image/jpeg"
    image = decode(result.content)
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert all(min(c) >= 250 for c in corners(image))  # transparency flattened on white


def test_webp_export(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    result = hook.edit(emulator.sample_url("bag.jpg"), options={"export.format": "webp"})
    assert result.content[:4] == b"RIFF"
    assert result.content[8:12] == b"WEBP"
    assert decode(result.content).format == "WEBP"


def test_dpi_is_written_into_the_file(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, **{"export.dpi": 300})
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)


def test_keeping_the_background(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    original = decode(sample_bytes("chair.jpg")).convert("RGBA")
    image = edit(hook, emulator, "chair.jpg", removeBackground=False)
    assert image.size == original.size
    difference = ImageChops.difference(image.convert("RGB"), original.convert("RGB")).convert("L")
    assert difference.getextrema()[1] < 10


def test_blurred_background_comes_from_the_photo(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    original = decode(sample_bytes("chair.jpg")).convert("RGB")
    image = edit(
        hook, emulator, "chair.jpg", **{"background.blur.mode": "gaussian", "background.blur.radius": 0.03}
    )
    assert [c[3] for c in corners(image)] == [255] * 4
    top_left = image.getpixel((5, 5))
    assert max(abs(a - b) for a, b in zip(top_left[:3], original.getpixel((5, 5)), strict=True)) < 25


def test_ai_background_is_deterministic_by_seed(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    options = {"background.prompt": "on a beach at sunset", "background.seed": 42, "outputSize": "400x400"}
    first = hook.edit(emulator.sample_url("bottle.jpg"), options=options)
    second = hook.edit(emulator.sample_url("bottle.jpg"), options=options)
    other = hook.edit(emulator.sample_url("bottle.jpg"), options={**options, "background.seed": 43})
    assert first.content == second.content
    assert first.content != other.content
    assert first.seed == 42
    image = decode(first.content)
    assert [c[3] for c in corners(image)] == [255] * 4  # a scene fills the frame


def test_shadow_darkens_under_the_subject(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    plain = edit(
        hook, emulator, "bag.jpg", outputSize="600x600", padding=0.2, **{"background.color": "FFFFFF"}
    )
    shadowed = edit(hook, emulator, "bag.jpg", outputSize="600x600", padding=0.2,
                    **{"background.color": "FFFFFF", "shadow.mode": "ai.soft"})  # fmt: skip
    _, _, _, bottom = subject_box(plain)
    below = (300, min(599, bottom + 3))
    assert plain.getpixel(below) == WHITE
    assert sum(shadowed.getpixel(below)[:3]) < 3 * 245


def test_cropped_subject_size(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, "bottle.jpg", outputSize="croppedSubject")
    # the bottle is drawn 220 wide and 570 tall in the sample
    assert 210 <= image.width <= 235
    assert 560 <= image.height <= 585


def test_max_width_keeps_the_aspect_ratio(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = edit(hook, emulator, outputSize="originalImage", maxWidth=300)
    assert image.size == (300, 300)


def test_background_image_fills_the_frame(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    backdrop = decode(sample_bytes("food-plate.jpg")).convert("RGB")
    image = edit(hook, emulator, "mug.jpg", **{"background.imageUrl": emulator.sample_url("food-plate.jpg")})
    pixel = image.getpixel((3, 3))
    assert max(abs(a - b) for a, b in zip(pixel[:3], backdrop.getpixel((3, 3)), strict=True)) < 20


def test_upload_path_gives_the_same_picture_as_the_url_path(
    hook: PhotoroomHook, emulator: EmulatorHandle
) -> None:
    options = {"background.color": "FFFFFF", "outputSize": "500x500"}
    by_url = hook.edit(emulator.sample_url("watch.jpg"), options=options)
    by_upload = hook.edit(image=sample_bytes("watch.jpg"), options=options)
    assert decode(by_url.content).tobytes() == decode(by_upload.content).tobytes()


def test_upscale_enlarges(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    small = Image.open(__import__("io").BytesIO(sample_bytes("ring.jpg"))).resize((200, 200))
    buffer = __import__("io").BytesIO()
    small.save(buffer, "JPEG")
    image = decode(
        hook.edit(
            image=buffer.getvalue(), options={"upscale.mode": "ai.fast", "removeBackground": False}
        ).content
    )
    assert image.size == (800, 800)


def test_image_from_prompt_makes_a_square_hd_picture(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    result = hook.edit(options={"imageFromPrompt": {"prompt": "a mug on a wooden table", "seed": 3}})
    assert decode(result.content).size == (1024, 1024)


def test_outline_draws_a_ring_around_the_subject(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    plain = edit(hook, emulator, outputSize="500x500", padding=0.2)
    outlined = edit(
        hook,
        emulator,
        outputSize="500x500",
        padding=0.2,
        **{"outline.color": "FF0000", "outline.width": 0.05},
    )
    left, top, _right, bottom = subject_box(plain)
    probe = (left - 6, (top + bottom) // 2)
    assert plain.getpixel(probe)[3] == 0
    red = outlined.getpixel(probe)
    assert red[3] > 200
    assert red[0] > 200
    assert red[1] < 60


def test_segment_alpha_channel_and_crop(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    mask = decode(hook.remove_background(sample_bytes("ring.jpg"), options={"channels": "alpha"}).content)
    assert mask.mode == "L"
    assert mask.size == (900, 900)
    cropped = decode(hook.remove_background(sample_bytes("ring.jpg"), options={"crop": True}).content)
    assert cropped.width < 400
    assert cropped.height < 450
    assert cropped.getchannel("A").getbbox() == (0, 0, cropped.width, cropped.height)


def test_segment_background_colour_and_size(hook: PhotoroomHook, emulator: EmulatorHandle) -> None:
    image = decode(
        hook.remove_background(
            sample_bytes("lamp.jpg"), options={"bg_color": "#FF0000", "size": "preview"}
        ).content
    )
    assert corners(image)[0][:3] == (255, 0, 0)
    assert image.width * image.height <= 250_000


def test_sandbox_results_are_watermarked(
    hook: PhotoroomHook, emulator: EmulatorHandle, monkeypatch: Any
) -> None:
    normal = hook.remove_background(sample_bytes("mug.jpg"))
    for name, value in emulator.connection_env(api_key=f"sandbox_{emulator.api_key}").items():
        monkeypatch.setenv(name, value)
    sandbox = PhotoroomHook().remove_background(sample_bytes("mug.jpg"))
    assert ImageChops.difference(decode(normal.content), decode(sandbox.content)).getbbox() is not None

    def visible(content: bytes) -> int:
        return sum(decode(content).getchannel("A").histogram()[1:])  # pixels not fully transparent

    assert visible(sandbox.content) > visible(normal.content) * 1.2  # stripes across the transparent frame


AI_FEATURES = [
    {"shadow.mode": "ai.hard"},
    {"shadow.mode": "ai.floating"},
    {"lighting.mode": "ai.auto"},
    {"lighting.mode": "ai.preserve-hue-and-saturation"},
    {"textRemoval.mode": "ai.artificial"},
    {"expand.mode": "ai.auto", "removeBackground": False, "outputSize": "600x400"},
    {"uncrop.mode": "ai.auto", "uncrop.seed": 5},
    {"beautify.mode": "ai.food"},
    {"flatLay.mode": "ai.auto", "flatLay.size": "SQUARE_HD"},
    {"ghostMannequin.mode": "ai.auto", "ghostMannequin.prompt": "studio light"},
    {"virtualModel.mode": "ai.auto", "virtualModel.scene.preset.name": "beach"},
    {"editWithAI.mode": "ai.auto", "editWithAI.prompt": "make it green"},
]


@pytest.mark.parametrize("options", AI_FEATURES, ids=lambda o: next(iter(o)))
def test_ai_stand_ins_change_the_picture_deterministically(
    hook: PhotoroomHook, emulator: EmulatorHandle, options: dict[str, Any]
) -> None:
    base = (
        {"background.color": "FFFFFF"}
        if "removeBackground" not in options and "flatLay.mode" not in options
        else {}
    )
    plain = hook.edit(
        emulator.sample_url("tshirt.jpg"),
        options={**base, **{k: v for k, v in options.items() if k in ("outputSize", "removeBackground")}},
    )
    first = hook.edit(emulator.sample_url("tshirt.jpg"), options={**base, **options})
    second = hook.edit(emulator.sample_url("tshirt.jpg"), options={**base, **options})
    assert first.content == second.content
    assert decode(first.content).tobytes() != decode(plain.content).tobytes()
