"""Google Shopping image checks, usable on any image file and from a task.

Merchant Center refuses or demotes product images that are too small, framed, on busy
backgrounds, or where the product is lost in the canvas. Each check here says what failed and by
how much, so a report can be acted on without opening the image.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from PIL import Image, ImageChops

MAX_PIXELS = 64_000_000
MAX_BYTES = 16 * 1024 * 1024
MINIMUM_FROM_2027 = 500
COVERAGE_RANGE = (0.75, 0.90)
_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP",
            "tif": "TIFF", "tiff": "TIFF"}  # fmt: skip
_NEAR_WHITE = 18  # largest channel distance from white still counted as white
_BORDER_SHARE = 0.95  # share of border pixels that must be white or transparent


def minimum_side(apparel: bool, today: dt.date | None = None) -> int:
    """Merchant Center's minimum: 500x500 from 2027; before, 250x250 apparel, 100x100 others."""
    today = today or dt.date.today()
    if today >= dt.date(2027, 1, 1):
        return MINIMUM_FROM_2027
    return 250 if apparel else 100


@dataclass
class ComplianceReport:
    passed: bool
    failures: list[str] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_google_shopping(
    data: bytes,
    *,
    filename: str | None = None,
    apparel: bool = False,
    min_side: int | None = None,
    coverage_range: tuple[float, float] = COVERAGE_RANGE,
) -> ComplianceReport:
    """Check one image against Google Shopping's image rules.

    :param filename: to check that the format matches the extension.
    :param apparel: apparel products have a larger minimum before 2027.
    :param min_side: override the minimum width and height.
    """
    failures: list[str] = []
    minimum = min_side if min_side is not None else minimum_side(apparel)
    measurements: dict[str, Any] = {"bytes": len(data)}
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:
        return ComplianceReport(False, [f"the file does not decode as an image ({error})"], measurements)
    width, height = image.size
    measurements.update(width=width, height=height, format=image.format)

    if width < minimum or height < minimum:
        failures.append(f"{width}x{height} is under the {minimum}x{minimum} minimum")
    if width * height > MAX_PIXELS:
        failures.append(f"{width * height / 1e6:.1f} MP is over the 64 MP maximum")
    if len(data) > MAX_BYTES:
        failures.append(f"{len(data) / 2**20:.1f} MB is over the 16 MB maximum")
    if filename and "." in filename:
        extension = filename.rsplit(".", 1)[1].lower()
        expected = _FORMATS.get(extension)
        if expected != image.format:
            failures.append(f"the file is {image.format} but its extension is .{extension}")

    rgba = _on_white(image.convert("RGBA"))
    distance = _distance_from_white(rgba)
    border = _border_share_white(rgba, distance)
    measurements["white_border"] = round(border, 3)
    if border < _BORDER_SHARE:
        failures.append(
            f"the background is not white or transparent: {border:.0%} of the border is, under 95%"
        )
    if frame := _frame(rgba):
        failures.append(frame)

    subject = distance.point(lambda v: 255 if v > 30 else 0).getbbox()
    if subject is None:
        failures.append("no product is visible: the image is blank")
    else:
        left, top, right, bottom = subject
        coverage = max((right - left) / width, (bottom - top) / height)
        measurements["coverage"] = round(coverage, 3)
        low, high = coverage_range
        if coverage < low:
            short = (low - coverage) * 100
            failures.append(
                f"the product covers {coverage:.0%} of the canvas, under {low:.0%} by {short:.0f} points"
            )
        elif coverage > high:
            over = (coverage - high) * 100
            failures.append(
                f"the product covers {coverage:.0%} of the canvas, over {high:.0%} by {over:.0f} points"
            )
    return ComplianceReport(not failures, failures, measurements)


def check_google_shopping_file(uri: str, conn_id: str | None = None, **checks: Any) -> ComplianceReport:
    """:func:`check_google_shopping` on an image file in any store (a path, ``file://``, ``s3://``...).

    ``conn_id`` is the store's connection; ``checks`` are ``apparel``, ``min_side`` and
    ``coverage_range``. The file's name gives the extension its format must match.
    """
    from airflow_photoroom import storage

    path = storage.to_path(uri, conn_id)
    return check_google_shopping(path.read_bytes(), filename=path.name, **checks)


def _on_white(rgba: Image.Image) -> Image.Image:
    """Transparent pixels shown as white, as Merchant Center shows them."""
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    return flat


def _distance_from_white(rgba: Image.Image) -> Image.Image:
    """Per pixel: how far from white."""
    red, green, blue = ImageChops.difference(
        rgba.convert("RGB"), Image.new("RGB", rgba.size, "white")
    ).split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def _border_share_white(rgba: Image.Image, distance: Image.Image) -> float:
    width, height = rgba.size
    strip = max(1, min(width, height) // 50)
    mask = distance.point(lambda v: 255 if v <= _NEAR_WHITE else 0)
    white = total = 0
    for box in ((0, 0, width, strip), (0, height - strip, width, height), (0, 0, strip, height),
                (width - strip, 0, width, height)):  # fmt: skip
        region = mask.crop(box)
        histogram = region.histogram()
        white += histogram[255]
        total += region.width * region.height
    return white / total if total else 1.0


def _frame(rgba: Image.Image) -> str | None:
    """A frame: the outermost rows and columns all one colour that is not white."""
    width, height = rgba.size
    edges = [rgba.crop((0, 0, width, 2)), rgba.crop((0, height - 2, width, height)),
             rgba.crop((0, 0, 2, height)), rgba.crop((width - 2, 0, width, height))]  # fmt: skip
    colours = []
    for edge in edges:
        extrema: Any = edge.convert("RGB").getextrema()  # ((low, high),) per channel for RGB
        if any(high - low > 12 for low, high in extrema):
            return None  # this edge varies: not a drawn frame
        colours.append(tuple(low for low, _ in extrema))
    if all(min(colour) >= 255 - _NEAR_WHITE for colour in colours):
        return None
    if max(abs(a - b) for c1 in colours for c2 in colours for a, b in zip(c1, c2, strict=True)) > 24:
        return None
    return f"the image has a frame: its outer edge is a solid rgb{colours[0]} line"
