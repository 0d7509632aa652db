"""Google Shopping checks, presets and the QA sheet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from airflow_photoroom.compliance import check_google_shopping, check_google_shopping_file, minimum_side
from airflow_photoroom.options import EditOptions
from airflow_photoroom.presets import PRESETS, preset
from airflow_photoroom.qa import write_qa_sheet


def product(size: int = 1000, coverage: float = 0.85, background: str = "white", fmt: str = "JPEG",
            frame: str | None = None) -> bytes:  # fmt: skip
    image = Image.new("RGB", (size, size), background)
    side = int(size * coverage)
    offset = (size - side) // 2
    ImageDraw.Draw(image).rectangle(
        (offset, offset, offset + side - 1, offset + side - 1), fill=(180, 40, 40)
    )
    if frame:
        ImageDraw.Draw(image).rectangle((0, 0, size - 1, size - 1), outline=frame, width=6)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_a_good_product_image_passes() -> None:
    report = check_google_shopping(product(), filename="item.jpg", min_side=500)
    assert report.passed, report.failures
    assert report.measurements["coverage"] == pytest.approx(0.85, abs=0.01)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (product(size=400), "a.jpg", "400x400 is under the 500x500 minimum"),
        (product(coverage=0.5), "a.jpg", "covers 50% of the canvas, under 75% by 25 points"),
        (product(coverage=0.98), "a.jpg", "covers 98% of the canvas, over 90% by 8 points"),
        (
            product(background="#3060c0"),
            "a.jpg",
            "the background is not white or transparent: 0% of the border is",
        ),
        (
            product(frame="black"),
            "a.jpg",
            "the image has a frame: its outer edge is a solid rgb(0, 0, 0) line",
        ),
        (product(fmt="PNG"), "a.jpg", "the file is PNG but its extension is .jpg"),
        (b"not an image", "a.jpg", "does not decode"),
    ],
)
def test_each_failure_says_what_and_by_how_much(data: bytes, filename: str, message: str) -> None:
    report = check_google_shopping(data, filename=filename, min_side=500)
    assert not report.passed
    assert any(message in failure for failure in report.failures), report.failures


def test_a_file_is_checked_where_it_lies_and_its_name_gives_the_expected_format(tmp_path: Path) -> None:
    (tmp_path / "good.jpg").write_bytes(product())
    (tmp_path / "lying.jpg").write_bytes(product(fmt="PNG"))
    assert check_google_shopping_file(f"file://{tmp_path}/good.jpg", min_side=500).passed
    report = check_google_shopping_file(str(tmp_path / "lying.jpg"), min_side=500)
    assert report.failures == ["the file is PNG but its extension is .jpg"]


def test_minimum_size_depends_on_the_date_and_apparel() -> None:
    before, after = dt.date(2026, 11, 20), dt.date(2027, 1, 1)
    assert minimum_side(apparel=True, today=before) == 250
    assert minimum_side(apparel=False, today=before) == 100
    assert minimum_side(apparel=True, today=after) == minimum_side(apparel=False, today=after) == 500


def test_transparent_backgrounds_count_as_white() -> None:
    image = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((60, 60, 740, 740), fill=(20, 120, 60, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    assert check_google_shopping(buffer.getvalue(), filename="a.png", min_side=500).passed


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_valid_and_documented(name: str) -> None:
    EditOptions.coerce(preset(name))
    assert PRESETS[name].__doc__


def test_preset_overrides_and_unknown_names() -> None:
    assert preset("marketplace", **{"background.color": "F4F4F4"})["background.color"] == "F4F4F4"
    with pytest.raises(ValueError, match="unknown preset 'instagram'"):
        preset("instagram")


def test_qa_sheet_shows_before_and_after(tmp_path: Path) -> None:
    (tmp_path / "in.jpg").write_bytes(product(coverage=0.5, background="#dddddd"))
    (tmp_path / "out.jpg").write_bytes(product())
    rows = [
        {"input": str(tmp_path / "in.jpg"), "output": f"file://{tmp_path}/out.jpg", "status": "edited", "seed": 7,
         "uncertainty": 0.12, "edit_further_url": "https://app.photoroom.com/x",
         "compliance": {"passed": True, "failures": []}},
        {"input": str(tmp_path / "gone.jpg"), "output": None, "status": "failed", "reason": "HTTP 404"},
    ]  # fmt: skip
    written = write_qa_sheet(rows, str(tmp_path / "qa"), title="Test batch")
    sheet = Image.open(written["png"].removeprefix("file://"))
    assert sheet.width >= 2 * 200
    page = Path(written["html"].removeprefix("file://")).read_text()
    assert "Test batch" in page
    assert page.count("data:image/jpeg;base64,") == 4
    assert "HTTP 404" in page
    assert "edit further" in page


def test_qa_sheet_puts_variants_of_one_input_side_by_side(tmp_path: Path) -> None:
    (tmp_path / "in.jpg").write_bytes(product(coverage=0.5, background="#dddddd"))
    rows = []
    for seed in (11, 22, 33):
        (tmp_path / f"out-{seed}.jpg").write_bytes(product(coverage=0.6 + seed / 100))
        rows.append({"input": str(tmp_path / "in.jpg"), "output": str(tmp_path / f"out-{seed}.jpg"),
                     "status": "edited", "seed": seed})  # fmt: skip
    grouped = write_qa_sheet(rows, str(tmp_path / "grouped"), title="Seeds", group_by_input=True)
    pairs = write_qa_sheet(rows, str(tmp_path / "pairs"), title="Seeds")

    page = Path(grouped["html"].removeprefix("file://")).read_text()
    assert page.count('alt="before"') == 1
    assert page.count('alt="after"') == 3
    assert "3 images of 1 input" in page
    assert all(f"seed {seed}" in page for seed in (11, 22, 33))
    grouped_png = Image.open(grouped["png"].removeprefix("file://"))
    assert grouped_png.width == 4 * 200 + 5 * 16  # one line: the original and three variants
    pairs_page = Path(pairs["html"].removeprefix("file://")).read_text()
    assert pairs_page.count('alt="before"') == 3
