"""The emulator's image work, with Pillow only: real pictures in, real pictures out.

The cutout estimates the background from the image border (colour distance, a flood fill from
the border so subject pixels that match the background survive, a soft alpha edge, and cast
shadows treated as background). It is good on product shots against plain backgrounds, which is
what the bundled samples are. AI features are deterministic stand-ins that change the picture in
the right place: a scene generated from the prompt and seed behind the subject, a soft shadow
under it, relit colours, and so on. The same inputs and seed give byte-identical output.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps, ImageStat

from airflow_photoroom.colors import parse_color
from airflow_photoroom.options import EditOptions, SegmentOptions

Box = tuple[int, int, int, int]

# Colour distance (max channel difference, 0-255) below which a pixel is background, and above
# which it is fully subject; in between the alpha ramps, which makes the soft edge.
_LOW, _HIGH = 16, 48
_HOLE = 7  # enclosed pixels this close to the backdrop are holes, not subject
_CONNECTIVITY_SIDE = 160  # the flood fill runs on a copy this small, which keeps it fast
MAX_SIDE = 6000


class ImageError(ValueError):
    """The input is not an image the emulator can work on (answered 400)."""


@dataclass(frozen=True)
class Cutout:
    """The subject of an image: the image with alpha, where the subject is, how sure we are."""

    image: Image.Image  # RGBA, the input's size
    box: Box
    uncertainty: float
    cropped_sides: frozenset[str]


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    seed: int | None = None
    texts_detected: int | None = None
    uncertainty: float | None = None


def open_image(data: bytes) -> Image.Image:
    """Decode an upload or download, upright (EXIF orientation applied), as RGB or RGBA."""
    try:
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
    except Exception as error:
        raise ImageError("the file is not an image that can be decoded") from error
    if max(decoded.size) > MAX_SIDE * 2:
        raise ImageError(
            f"image is {decoded.width}x{decoded.height}; the largest side accepted is {MAX_SIDE * 2}"
        )
    image: Image.Image = ImageOps.exif_transpose(decoded) or decoded
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


# ---------------------------------------------------------------------------------------------
# Cutout
# ---------------------------------------------------------------------------------------------


def _background_plate(image: Image.Image) -> tuple[Image.Image, tuple[int, int, int]]:
    """The empty studio behind the subject, estimated from the border.

    Each row's background runs from its left border colour to its right one, which follows the
    vertical sweep of a studio backdrop; the top and bottom borders give the overall colour.
    """
    width, height = image.size
    strip = max(2, min(width, height) // 50)
    left = image.crop((0, 0, strip, height)).resize((1, height), Image.Resampling.BOX)
    right = image.crop((width - strip, 0, width, height)).resize((1, height), Image.Resampling.BOX)
    edges = Image.new("RGB", (2, height))
    edges.paste(left, (0, 0))
    edges.paste(right, (1, 0))
    plate = edges.resize((width, height), Image.Resampling.BILINEAR)
    frame = Image.new("RGB", (width * 2, strip))
    frame.paste(image.crop((0, 0, width, strip)), (0, 0))
    frame.paste(image.crop((0, height - strip, width, height)), (width, 0))
    red, green, blue = ImageStat.Stat(frame).median
    return plate, (int(red), int(green), int(blue))


def _distance(rgb: Image.Image) -> Image.Image:
    """Per pixel: how far from the background plate, with cast shadows counted as background.

    A shadow is the background made darker without changing its colour, so a pixel that is no
    more than ~45% darker than the plate and as neutral as the background is background.
    """
    plate, background = _background_plate(rgb)
    red, green, blue = ImageChops.difference(rgb, plate).split()
    distance = ImageChops.lighter(ImageChops.lighter(red, green), blue)

    luminance, plate_luminance = rgb.convert("L"), plate.convert("L")
    bg_luminance = sum(c * w for c, w in zip(background, (0.299, 0.587, 0.114), strict=True))
    not_much_darker = ImageChops.subtract(plate_luminance, luminance).point(
        lambda v: 255 if v <= 0.45 * bg_luminance else 0
    )
    not_brighter = ImageChops.subtract(luminance, plate_luminance).point(lambda v: 255 if v < 6 else 0)
    r, g, b = rgb.split()
    chroma = ImageChops.subtract(
        ImageChops.lighter(ImageChops.lighter(r, g), b), ImageChops.darker(ImageChops.darker(r, g), b)
    )
    bg_chroma = max(background) - min(background)
    neutral = chroma.point(lambda v: 255 if abs(v - bg_chroma) < 18 else 0)
    shadow = ImageChops.multiply(ImageChops.multiply(not_much_darker, not_brighter), neutral)
    return ImageChops.subtract(distance, shadow)


def _background_mask(distance: Image.Image) -> Image.Image:
    """255 where a pixel is background by where it is, not only by its colour.

    Background is what can be reached from the border through background-like pixels (a flood
    fill), plus holes: enclosed areas that match the backdrop almost exactly (inside a ring or a
    handle). An opening (erode, then dilate) keeps labels and thin details that are merely close
    to the backdrop's colour. It runs on a small copy, which keeps it fast, and is scaled back up.
    """
    scale = min(1.0, _CONNECTIVITY_SIDE / max(distance.size))  # only ever smaller: the fill is Python
    small_size = (max(1, round(distance.width * scale)), max(1, round(distance.height * scale)))
    small_distance = distance.resize(small_size, Image.Resampling.BOX)
    small = small_distance.point(lambda v: 255 if v < _LOW else 0)
    width, height = small.size
    pixels = small.load()
    assert pixels is not None
    border = [(x, 0) for x in range(width)] + [(x, height - 1) for x in range(width)]
    border += [(0, y) for y in range(height)] + [(width - 1, y) for y in range(height)]
    for point in border:
        if pixels[point] == 255:
            ImageDraw.floodfill(small, point, 128)
    reached = small.point(lambda v: 255 if v == 128 else 0)
    exact = small_distance.point(lambda v: 255 if v < _HOLE else 0)
    holes = (
        ImageChops.subtract(exact, reached).filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    )
    background = ImageChops.lighter(reached, holes).filter(ImageFilter.MaxFilter(3))
    return background.resize(distance.size, Image.Resampling.BILINEAR)


def cut_out(image: Image.Image, keep_existing_alpha: bool = False) -> Cutout:
    """Separate the subject from a plain or lightly textured background."""
    lowest_alpha = image.getchannel("A").getextrema()[0] if image.mode == "RGBA" else 255
    if keep_existing_alpha and isinstance(lowest_alpha, int) and lowest_alpha < 255:
        alpha = image.getchannel("A")
    else:
        rgb = image.convert("RGB")
        distance = _distance(rgb)
        ramp = distance.point(
            lambda v: 0 if v <= _LOW else 255 if v >= _HIGH else int((v - _LOW) * 255 / (_HIGH - _LOW))
        )
        inside = ImageChops.invert(_background_mask(distance))
        alpha = ImageChops.lighter(ramp, inside).filter(ImageFilter.GaussianBlur(0.8))
    solid = alpha.point(lambda v: 255 if v > 127 else 0)
    box = solid.getbbox() or (0, 0, image.width, image.height)
    histogram = alpha.histogram()
    soft = sum(histogram[16:240])
    area = max(1, sum(histogram[128:]))
    uncertainty = round(min(1.0, 4.0 * soft / area), 3)
    edge = 2
    sides = {
        side
        for side, touches in (
            ("left", box[0] <= edge),
            ("top", box[1] <= edge),
            ("right", box[2] >= image.width - edge),
            ("bottom", box[3] >= image.height - edge),
        )
        if touches
    }
    cut = image.convert("RGBA")
    cut.putalpha(alpha)
    return Cutout(image=cut, box=box, uncertainty=uncertainty, cropped_sides=frozenset(sides))


# ---------------------------------------------------------------------------------------------
# Positioning: output size, margin, padding, scaling, alignment
# ---------------------------------------------------------------------------------------------

_SIDES = ("top", "right", "bottom", "left")


def _spacing_px(value: float | str | None, length: int) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):
        if value.endswith("px"):
            return float(value[:-2])
        if value.endswith("%"):
            return float(value[:-1]) / 100 * length
        value = float(value)
    return value * length


def _per_side(options: Any, name: str, width: int, height: int) -> dict[str, float]:
    general = getattr(options, name)
    return {
        side: _spacing_px(
            getattr(options, f"{name}_{side}") if getattr(options, f"{name}_{side}") is not None else general,
            width if side in ("left", "right") else height,
        )
        for side in _SIDES
    }


def place(
    subject: Image.Image,
    canvas_size: tuple[int, int],
    options: EditOptions,
    cropped_sides: frozenset[str] = frozenset(),
) -> tuple[Image.Image, tuple[int, int]]:
    """Scale ``subject`` into the canvas as margin, padding, scaling and alignment say."""
    width, height = canvas_size
    margin = _per_side(options, "margin", width, height)
    inner_w = max(1.0, width - margin["left"] - margin["right"])
    inner_h = max(1.0, height - margin["top"] - margin["bottom"])
    padding = _per_side(options, "padding", round(inner_w), round(inner_h))
    halign = options.horizontal_alignment or "center"
    valign = options.vertical_alignment or "center"
    if (
        options.ignore_padding_and_snap_on_cropped_sides is not False
        and options.reference_box != "originalImage"
    ):
        for side in cropped_sides:
            padding[side] = 0
        if options.horizontal_alignment is None and len({"left", "right"} & cropped_sides) == 1:
            halign = "left" if "left" in cropped_sides else "right"
        if options.vertical_alignment is None and len({"top", "bottom"} & cropped_sides) == 1:
            valign = "top" if "top" in cropped_sides else "bottom"
    box_left = margin["left"] + padding["left"]
    box_top = margin["top"] + padding["top"]
    box_w = max(1.0, inner_w - padding["left"] - padding["right"])
    box_h = max(1.0, inner_h - padding["top"] - padding["bottom"])
    ratios = (box_w / subject.width, box_h / subject.height)
    scale = max(ratios) if options.scaling == "fill" else min(ratios)
    new_size = (max(1, round(subject.width * scale)), max(1, round(subject.height * scale)))
    x = box_left + {"left": 0.0, "center": (box_w - new_size[0]) / 2, "right": box_w - new_size[0]}[halign]
    y = box_top + {"top": 0.0, "center": (box_h - new_size[1]) / 2, "bottom": box_h - new_size[1]}[valign]
    return subject.resize(new_size, Image.Resampling.LANCZOS), (round(x), round(y))


def canvas_size(
    options: EditOptions, original: tuple[int, int], reference: tuple[int, int]
) -> tuple[int, int]:
    size = options.output_size or "auto"
    if match := re.fullmatch(r"(\d+)x(\d+)", size):
        return int(match.group(1)), int(match.group(2))
    width, height = reference if size == "croppedSubject" else original
    scale = 1.0
    if options.max_width:
        scale = min(scale, options.max_width / width)
    if options.max_height:
        scale = min(scale, options.max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


# ---------------------------------------------------------------------------------------------
# Stand-ins for the AI features
# ---------------------------------------------------------------------------------------------

_SCENE_WORDS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "beach": ((135, 200, 235), (230, 210, 160)),
    "sea": ((110, 170, 220), (200, 215, 225)),
    "marble": ((235, 235, 238), (205, 205, 210)),
    "wood": ((225, 215, 200), (150, 105, 70)),
    "forest": ((150, 190, 140), (70, 110, 60)),
    "sunset": ((250, 170, 110), (120, 70, 110)),
    "kitchen": ((240, 235, 225), (190, 170, 150)),
    "studio": ((238, 238, 240), (210, 210, 215)),
    "snow": ((225, 235, 245), (245, 248, 252)),
    "mountain": ((170, 190, 220), (110, 120, 100)),
    "night": ((30, 35, 70), (20, 20, 35)),
    "pastel": ((245, 215, 225), (215, 230, 245)),
}


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def derive_seed(*parts: object) -> int:
    return _rng("seed", *parts).randrange(1, 2**31)


def scene(prompt: str, seed: int, size: tuple[int, int]) -> Image.Image:
    """A deterministic 'generated' scene: sky and floor coloured by the prompt, soft bokeh."""
    rng = _rng(prompt.lower(), seed)
    words = re.findall(r"[a-z]+", prompt.lower())
    top, floor = next(
        (colors for word in words for key, colors in _SCENE_WORDS.items() if word.startswith(key)),
        (tuple(rng.randrange(120, 250) for _ in range(3)), tuple(rng.randrange(60, 200) for _ in range(3))),
    )
    width, height = size
    horizon = int(height * rng.uniform(0.55, 0.7))
    gradient = Image.linear_gradient("L").resize((width, height))
    sky = Image.composite(
        Image.new("RGB", size, top), Image.new("RGB", size, floor), ImageOps.invert(gradient)
    )
    ground = Image.new("RGB", size, tuple(max(0, c - 25) for c in floor))
    image = sky.copy()
    image.paste(ground.crop((0, horizon, width, height)), (0, horizon))
    bokeh = Image.new("L", size, 0)
    draw = ImageDraw.Draw(bokeh)
    for _ in range(14):
        radius = rng.randrange(max(4, width // 40), max(8, width // 8))
        x, y = rng.randrange(width), rng.randrange(max(1, horizon))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rng.randrange(30, 90))
    image.paste((255, 255, 240), mask=bokeh.filter(ImageFilter.GaussianBlur(max(2, width // 60))))
    return image.filter(ImageFilter.GaussianBlur(max(1, width // 300))).convert("RGBA")


def shadow_layer(
    alpha: Image.Image, position: tuple[int, int], size: tuple[int, int], mode: str
) -> Image.Image:
    """A contact shadow under the placed subject: soft, hard or floating (detached)."""
    layer = Image.new("L", size, 0)
    box = alpha.point(lambda v: 255 if v > 127 else 0).getbbox()
    if box is None:
        return layer
    left, top = position[0] + box[0], position[1] + box[1]
    right, bottom = position[0] + box[2], position[1] + box[3]
    span = right - left
    depth = max(4, (bottom - top) // 12)
    floating = mode == "ai.floating"
    centre = min(bottom + depth * 2, size[1] - depth) if floating else bottom  # detached, yet in frame
    inset = span * (0.2 if floating else 0.05)
    ImageDraw.Draw(layer).ellipse(
        (left + inset, centre - depth // 2, right - inset, centre + depth // 2),
        fill=150 if mode in ("ai.hard", "ai.preset-hard") else 120,
    )
    blur = 2 if mode in ("ai.hard", "ai.preset-hard") else max(3, depth)
    return layer.filter(ImageFilter.GaussianBlur(blur))


def relight(subject: Image.Image, preserve_hue: bool) -> Image.Image:
    """Even out the subject's light: lift shadows and contrast, optionally leaving colour alone."""
    alpha = subject.getchannel("A")
    rgb = ImageOps.autocontrast(subject.convert("RGB"), cutoff=1, preserve_tone=preserve_hue)
    rgb = ImageEnhance.Brightness(rgb).enhance(1.08)
    if not preserve_hue:
        rgb = ImageEnhance.Color(rgb).enhance(1.15)
    rgb.putalpha(alpha)
    return rgb


def remove_text(subject: Image.Image) -> tuple[Image.Image, int]:
    """Smooth away small high-contrast marks (where text would be); count the marked bands."""
    alpha = subject.getchannel("A")
    rgb = subject.convert("RGB")
    edges = rgb.convert("L").filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 80 else 0)
    rows = edges.resize((1, 32), Image.Resampling.BOX).tobytes()
    texts = sum(1 for value in rows if value > 40)
    cleaned = Image.composite(
        rgb.filter(ImageFilter.MedianFilter(5)), rgb, edges.filter(ImageFilter.MaxFilter(3))
    )
    cleaned.putalpha(alpha)
    return cleaned, texts


def outline(
    alpha: Image.Image,
    position: tuple[int, int],
    size: tuple[int, int],
    color: tuple[int, int, int, int],
    width_ratio: float,
    blur_ratio: float,
) -> Image.Image:
    """A coloured ring around the placed subject, ``width_ratio`` of the canvas' larger side thick.

    Grown on the whole canvas, so the ring can reach past the subject's own box.
    """
    mask = Image.new("L", size, 0)
    mask.paste(alpha.point(lambda v: 255 if v > 127 else 0), position)
    thickness = max(1, round(width_ratio * max(size)))
    grown = mask
    for _ in range(math.ceil(thickness / 4)):
        grown = grown.filter(ImageFilter.MaxFilter(9))
    if blur_ratio:
        grown = grown.filter(ImageFilter.GaussianBlur(blur_ratio * max(size)))
    ring = Image.new("RGBA", size, color)
    ring.putalpha(ImageChops.multiply(grown, Image.new("L", size, color[3])))
    return ring


def watermark(image: Image.Image) -> Image.Image:
    """Sandbox results carry a visible diagonal mark, like Photoroom's sandbox."""
    mark = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mark)
    step = max(60, min(image.size) // 5)
    for offset in range(-image.height, image.width, step):
        draw.line((offset, image.height, offset + image.height, 0), fill=70, width=max(3, step // 8))
    draw.text((10, 10), "PHOTOROOM SANDBOX", fill=200)
    result = image.convert("RGBA")
    result.paste((255, 255, 255, 255), mask=mark)
    return result


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, dpi: float | None) -> tuple[bytes, str]:
    """PNG (fast compression), JPEG at quality 80 or WebP at 90, as the API exports."""
    buffer = io.BytesIO()
    extra: dict[str, Any] = {"dpi": (dpi, dpi)} if dpi else {}
    if fmt in ("jpeg", "jpg"):
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
        flat.save(buffer, "JPEG", quality=80, **extra)
        return buffer.getvalue(), "image/jpeg"
    if fmt == "webp":
        image.save(buffer, "WEBP", quality=90, **extra)
        return buffer.getvalue(), "image/webp"
    image.save(buffer, "PNG", compress_level=1, **extra)
    return buffer.getvalue(), "image/png"


# ---------------------------------------------------------------------------------------------
# /v2/edit
# ---------------------------------------------------------------------------------------------

_GENERATED_SIZES = {
    "LANDSCAPE_16_9": (1024, 576),
    "LANDSCAPE_4_3": (1024, 768),
    "PORTRAIT_16_9": (576, 1024),
    "PORTRAIT_4_3": (768, 1024),
    "SQUARE_HD": (1024, 1024),
    "PORTRAIT_HD_16_9": (864, 1536),
    "PORTRAIT_HD_4_3": (1152, 1536),
    "PORTRAIT_HD_3_2": (1024, 1536),
    "LANDSCAPE_HD_3_2": (1536, 1024),
    "LANDSCAPE_HD_4_3": (1536, 1152),
    "LANDSCAPE_HD_16_9": (1536, 864),
}


@dataclass(frozen=True)
class EditInputs:
    """Everything an edit works from: the main image and the images named by options."""

    image: Image.Image | None
    background: Image.Image | None = None
    sandbox: bool = False
    identity: str = ""  # a digest of the request, for deterministic 'randomness'


def render_edit(options: EditOptions, inputs: EditInputs) -> Rendered:
    """Carry out ``/v2/edit`` on real pixels."""
    seed: int | None = None
    texts: int | None = None
    uncertainty: float | None = None

    if inputs.image is None:  # imageFromPrompt: the picture is generated
        assert options.image_from_prompt is not None
        prompt = options.image_from_prompt
        seed = prompt.seed if prompt.seed is not None else derive_seed(prompt.prompt, inputs.identity)
        image = scene(prompt.prompt, seed, _GENERATED_SIZES[prompt.size or "SQUARE_HD"])
    else:
        image = inputs.image
    if options.upscale is not None:
        limit = 1_000_000 if options.upscale.mode == "ai.fast" else 262_144
        pixels = image.width * image.height
        if pixels > limit and options.upscale.downscale_if_needed in (None, "never"):
            raise ImageError(
                f"upscale.mode={options.upscale.mode} accepts at most {limit} input pixels, got {pixels}"
            )
        if pixels > limit:
            factor = math.sqrt(limit / pixels)
            image = image.resize(
                (int(image.width * factor), int(image.height * factor)), Image.Resampling.LANCZOS
            )
        image = image.resize((image.width * 4, image.height * 4), Image.Resampling.LANCZOS)
        image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=80))
    if options.beautify is not None:
        rgb = ImageEnhance.Contrast(ImageEnhance.Color(image.convert("RGB")).enhance(1.2)).enhance(1.1)
        image = rgb.convert(image.mode) if image.mode == "RGBA" else rgb

    remove_background = options.remove_background is not False
    if remove_background:
        cut = cut_out(image, keep_existing_alpha=options.keep_existing_alpha_channel == "auto")
        uncertainty = cut.uncertainty
        subject_full = cut.image
        reference_box = (
            (0, 0, image.width, image.height) if options.reference_box == "originalImage" else cut.box
        )
        cropped = cut.cropped_sides
    else:
        subject_full = image.convert("RGBA")
        reference_box = (0, 0, image.width, image.height)
        cropped = frozenset()
    subject = subject_full.crop(reference_box)

    if options.lighting is not None:
        subject = relight(subject, options.lighting.mode == "ai.preserve-hue-and-saturation")
    if options.text_removal is not None:
        subject, texts = remove_text(subject)
    if options.edit_with_ai is not None:
        tint = _rng(options.edit_with_ai.prompt or "", options.edit_with_ai.seed).randrange(360)
        subject = _tint(subject, tint)

    garment = options.flat_lay or options.ghost_mannequin or options.virtual_model
    if garment is not None:
        size = _GENERATED_SIZES[garment.size or ("PORTRAIT_HD_3_2" if options.virtual_model else "SQUARE_HD")]
    else:
        size = canvas_size(options, image.size, subject.size)
    placed, position = place(subject, size, options, cropped)

    canvas, seed = _background(options, inputs, image, size, seed)
    if options.shadow is not None and options.shadow.mode is not None:
        shadow = shadow_layer(placed.getchannel("A"), position, size, options.shadow.mode)
        canvas.paste((20, 20, 20, 255), mask=shadow)
    if options.outline is not None:
        color = parse_color(options.outline.color or "black")
        width, blur = options.outline.width or 0.03, options.outline.blur_radius or 0
        canvas.alpha_composite(outline(placed.getchannel("A"), position, size, color, width, blur))
    canvas.alpha_composite(placed, position)
    if inputs.sandbox:
        canvas = watermark(canvas)
    dpi = options.export.dpi if options.export else None
    content, media_type = encode(canvas, options.output_format, dpi)
    return Rendered(content, media_type, seed=seed, texts_detected=texts, uncertainty=uncertainty)


def _tint(subject: Image.Image, hue: int) -> Image.Image:
    alpha = subject.getchannel("A")
    h, s, v = subject.convert("RGB").convert("HSV").split()
    shifted = Image.merge("HSV", (h.point(lambda x: (x + hue * 255 // 360) % 256), s, v)).convert("RGB")
    shifted.putalpha(alpha)
    return shifted


def _background(
    options: EditOptions, inputs: EditInputs, image: Image.Image, size: tuple[int, int], seed: int | None
) -> tuple[Image.Image, int | None]:
    """The canvas behind the subject, from the options' background source."""
    background = options.background
    if background is not None and background.prompt is not None:
        seed = (
            background.seed
            if background.seed is not None
            else derive_seed(background.prompt, inputs.identity)
        )
        return scene(background.prompt, seed, size), seed
    generator = options.virtual_model or options.flat_lay or options.ghost_mannequin
    if generator is not None:
        prompt = generator.prompt or "studio"
        seed = derive_seed(prompt, inputs.identity)
        return scene(prompt, seed, size), seed
    if inputs.background is not None:
        source = inputs.background.convert("RGBA")
        if background is not None and background.scaling == "fit":
            fitted = ImageOps.contain(source, size, Image.Resampling.LANCZOS)
            canvas = Image.new("RGBA", size, (0, 0, 0, 0))
            canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
            return canvas, seed
        return ImageOps.fit(source, size, Image.Resampling.LANCZOS), seed
    if background is not None and background.blur is not None:
        radius = (background.blur.radius or 0.01) * max(size)
        blurred = ImageOps.fit(image.convert("RGBA"), size, Image.Resampling.LANCZOS).filter(
            ImageFilter.GaussianBlur(radius)
        )
        if background.blur.mode == "bokeh":
            blurred = ImageEnhance.Brightness(blurred).enhance(1.1)
        return blurred, seed
    if options.expand is not None or options.uncrop is not None:
        mode = options.expand or options.uncrop
        assert mode is not None
        seed = mode.seed if mode.seed is not None else derive_seed("expand", inputs.identity)
        filled = ImageOps.fit(image.convert("RGBA"), size, Image.Resampling.BILINEAR)
        return filled.filter(ImageFilter.GaussianBlur(max(4, max(size) // 40))), seed
    if background is not None and background.color is not None:
        return Image.new("RGBA", size, parse_color(background.color)), seed
    if options.remove_background is False:
        return Image.new("RGBA", size, (0, 0, 0, 0)), seed
    return Image.new("RGBA", size, (0, 0, 0, 0)), seed


# ---------------------------------------------------------------------------------------------
# /v1/segment
# ---------------------------------------------------------------------------------------------

_SEGMENT_PIXELS = {"preview": 250_000, "medium": 1_500_000, "hd": 4_000_000, "full": 36_000_000}


def render_segment(options: SegmentOptions, image: Image.Image, sandbox: bool = False) -> Rendered:
    """Carry out ``/v1/segment``: the cutout, sized, cropped, on a colour or as a bare mask."""
    cut = cut_out(image)
    result = cut.image
    if options.crop:
        result = result.crop(cut.box)
    limit = _SEGMENT_PIXELS[options.size or "full"]
    if result.width * result.height > limit:
        factor = math.sqrt(limit / (result.width * result.height))
        result = result.resize(
            (max(1, int(result.width * factor)), max(1, int(result.height * factor))),
            Image.Resampling.LANCZOS,
        )
    if options.channels == "alpha":
        result = result.getchannel("A")
    elif options.bg_color:
        flat = Image.new("RGBA", result.size, parse_color(options.bg_color))
        flat.alpha_composite(result)
        result = flat
    if sandbox:
        result = watermark(result.convert("RGBA"))
    fmt = options.output_format
    if fmt == "jpeg" and result.mode == "L":
        buffer = io.BytesIO()
        result.save(buffer, "JPEG", quality=80)
        return Rendered(buffer.getvalue(), "image/jpeg", uncertainty=cut.uncertainty)
    content, media_type = encode(result, fmt, None)
    return Rendered(content, media_type, uncertainty=cut.uncertainty)
