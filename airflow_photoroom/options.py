"""Typed, validated options for ``/v2/edit`` (:class:`EditOptions`) and ``/v1/segment``
(:class:`SegmentOptions`).

Why models rather than a pass-through dict: the API charges for a call that runs, and a typo or an
out-of-range value found by the API is found too late to help a batch of ten thousand images.
Everything the API documents as a rule (enums, ranges, patterns, mutually exclusive parameters) is
checked here, before the first request.

Both models accept the API's own dotted names (``{"background.color": "FFFFFF"}``), nested dicts
(``{"background": {"color": "FFFFFF"}}``), camelCase wire names and snake_case Python names, in
any mix. They serialise back to exactly the wire names, and to a canonical string (sorted keys,
one spelling per number) that the batch engine hashes, so equal options give equal output keys.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from airflow_photoroom.colors import parse_color
from airflow_photoroom.exceptions import PhotoroomOptionsError

# --------------------------------------------------------------------------------------------
# Field types shared by several parameters
# --------------------------------------------------------------------------------------------

_SPACING_RATIO_MAX = 0.49
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_PIXELS = re.compile(r"^(\d+)px$")
_OUTPUT_SIZE = re.compile(r"^(auto|(\d+)x(\d+)|originalImage|croppedSubject)$")


def _check_spacing(value: float | str) -> float | str:
    """Padding and margin: a ratio in [0, 0.49], ``"N%"`` with N in [0, 49], or ``"Npx"``."""
    if isinstance(value, str):
        text = value.strip()
        if match := _PERCENT.match(text):
            if float(match.group(1)) > _SPACING_RATIO_MAX * 100:
                raise ValueError(f"{text!r} is over 49%")
            return text
        if _PIXELS.match(text):
            return text
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a spacing: use a ratio 0..0.49, a percentage like '10%' "
                "or pixels like '40px'"
            ) from None
    if not 0 <= value <= _SPACING_RATIO_MAX:
        raise ValueError(f"{value:g} is outside 0..0.49 (use '40px' for pixels, '10%' for percent)")
    return float(value)


def _check_edit_color(value: str) -> str:
    """``/v2/edit`` colours: hex without ``#`` (added ``#`` is dropped), or a CSS name."""
    parse_color(value)
    text = value.strip().lstrip("#")
    return text.upper() if re.fullmatch(r"[0-9a-fA-F]{6}|[0-9a-fA-F]{8}", text) else text.lower()


def _check_segment_color(value: str) -> str:
    """``/v1/segment`` colours: ``#RRGGBB`` or an HTML name; a bare hex gets its ``#``."""
    parse_color(value)
    text = value.strip()
    bare = text.lstrip("#")
    if re.fullmatch(r"[0-9a-fA-F]{6}|[0-9a-fA-F]{8}", bare):
        return "#" + bare.upper()
    return text.lower()


def _check_output_size(value: str) -> str:
    match = _OUTPUT_SIZE.match(value)
    if not match:
        raise ValueError(
            f"{value!r} is not an output size: use 'auto', 'originalImage', 'croppedSubject' "
            "or WIDTHxHEIGHT such as '1000x1000'"
        )
    if match.group(2) is not None and (int(match.group(2)) == 0 or int(match.group(3)) == 0):
        raise ValueError(f"{value!r} has a zero side")
    return value


Spacing = Annotated[float | str, AfterValidator(_check_spacing)]
EditColor = Annotated[str, AfterValidator(_check_edit_color)]
SegmentColor = Annotated[str, AfterValidator(_check_segment_color)]
OutputSize = Annotated[str, AfterValidator(_check_output_size)]
Seed = Annotated[int, Field(ge=0)]
Prompt = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(min_length=1)]
HorizontalAlignment = Literal["left", "center", "right"]
VerticalAlignment = Literal["top", "center", "bottom"]
GeneratedImageSize = Literal["LANDSCAPE_16_9", "LANDSCAPE_4_3", "PORTRAIT_16_9", "PORTRAIT_4_3", "SQUARE_HD"]
GarmentImageSize = Literal[
    "PORTRAIT_HD_16_9",
    "PORTRAIT_HD_4_3",
    "PORTRAIT_HD_3_2",
    "SQUARE_HD",
    "LANDSCAPE_HD_3_2",
    "LANDSCAPE_HD_4_3",
    "LANDSCAPE_HD_16_9",
]


# --------------------------------------------------------------------------------------------
# Base classes: parsing of dotted names, friendly errors, wire and canonical forms
# --------------------------------------------------------------------------------------------


class _Group(BaseModel):
    """A group of wire parameters (``background.*``, ``shadow.*``, ...)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        ser_json_bytes="base64",
    )


def _nest_dotted(data: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``{"background.color": x, "background": {"blur.radius": y}}`` into nested dicts.

    Names that stand twice (``background.color`` and ``background: {color: ...}``) are an error
    rather than a silent pick of one of them.
    """
    nested: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise PhotoroomOptionsError(f"option names must be strings, got {key!r}")
        # "images[0].imageUrl" (how lists travel on the wire) nests as images -> 0 -> imageUrl.
        parts: list[Any] = []
        for part in key.split("."):
            match = _INDEXED.fullmatch(part)
            parts += [match.group(1), int(match.group(2))] if match else [part]
        node = nested
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise PhotoroomOptionsError(f"option {key!r} conflicts with a value given for {part!r}")
            node = child
        leaf = parts[-1]
        if isinstance(value, Mapping) and not isinstance(value, BaseModel):
            value = _nest_dotted(value)
            existing = node.get(leaf)
            if isinstance(existing, dict):
                _merge(existing, value, key)
                continue
        if leaf in node:
            raise PhotoroomOptionsError(f"option {key!r} is given twice")
        node[leaf] = value
    result: dict[str, Any] = _lists_from_indexes(nested)
    return result


_INDEXED = re.compile(r"(\w+)\[(\d+)\]")


def _lists_from_indexes(node: Any) -> Any:
    """Dicts keyed 0..n-1 (from ``name[i]`` wire names) become lists in index order."""
    if not isinstance(node, dict):
        return node
    items = {key: _lists_from_indexes(value) for key, value in node.items()}
    if items and all(isinstance(key, int) for key in items):
        if sorted(items) != list(range(len(items))):
            raise PhotoroomOptionsError(f"list indexes must run 0..{len(items) - 1}, got {sorted(items)}")
        return [items[index] for index in range(len(items))]
    return items


def _merge(into: dict[str, Any], more: dict[str, Any], where: str) -> None:
    for key, value in more.items():
        if key in into:
            if isinstance(into[key], dict) and isinstance(value, dict):
                _merge(into[key], value, f"{where}.{key}")
                continue
            raise PhotoroomOptionsError(f"option '{where}.{key}' is given twice")
        into[key] = value


def _wire_value(value: Any) -> str:
    """One spelling per value: booleans lower-case, whole floats without '.0', others repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else key, inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _flatten(f"{prefix}[{index}]", inner)
    else:
        yield prefix, value


def _is_union_member_tag(part: str) -> bool:
    """Pydantic puts the union member in an error's location (``constrained-float``, a model's
    class name); a wire name is never spelled like that."""
    return part[:1].isupper() or "[" in part or part in {"constrained-float", "float", "str", "int", "bool"}


_OptionsT = TypeVar("_OptionsT", bound="_WireOptions")


class _WireOptions(_Group):
    """Top-level options of one endpoint: coercion, wire form and canonical form."""

    #: Wire names accepted only by the GET form of the endpoint (URLs the API fetches itself).
    _get_only: ClassVar[tuple[re.Pattern[str], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _accept_dotted_names(cls, data: Any) -> Any:
        return _nest_dotted(data) if isinstance(data, Mapping) else data

    @classmethod
    def coerce(cls: type[_OptionsT], options: _OptionsT | Mapping[str, Any] | None) -> _OptionsT:
        """Return ``options`` as a validated model, or raise :class:`PhotoroomOptionsError`.

        The error lists every problem at once, by wire name, with what is allowed, so a DAG
        author fixes them in one go.
        """
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        if not isinstance(options, Mapping):
            raise PhotoroomOptionsError(
                f"{cls.__name__} expects a mapping of option names to values, got {type(options).__name__}"
            )
        try:
            return cls.model_validate(options)
        except ValidationError as error:
            raise PhotoroomOptionsError(cls._describe(error)) from None

    @classmethod
    def _describe(cls, error: ValidationError) -> str:
        problems = []
        for item in error.errors(include_url=False):
            location = ".".join(
                str(part) for part in item["loc"] if isinstance(part, str) and not _is_union_member_tag(part)
            )
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown option"
                close = difflib.get_close_matches(location, cls.wire_names(), n=1, cutoff=0.6)
                if close:
                    message += f" (did you mean {close[0]!r}?)"
            problems.append(f"{location or cls.__name__}: {message}")
        unique = list(dict.fromkeys(problems))
        return f"invalid {cls.__name__}: " + "; ".join(unique)

    @classmethod
    def wire_names(cls) -> list[str]:
        """Every dotted wire name of fixed spelling that this model accepts."""
        names: list[str] = []

        def walk(model: type[BaseModel], prefix: str) -> None:
            for name, field in model.model_fields.items():
                wire = field.alias or name
                dotted = f"{prefix}.{wire}" if prefix else wire
                nested = [
                    arg
                    for arg in getattr(field.annotation, "__args__", (field.annotation,))
                    if isinstance(arg, type) and issubclass(arg, BaseModel)
                ]
                if nested:
                    for sub in nested:
                        walk(sub, dotted)
                else:
                    names.append(dotted)

        walk(cls, "")
        return names

    def _items(self) -> Iterator[tuple[str, Any]]:
        dumped = self.model_dump(by_alias=True, exclude_none=True, mode="python")
        yield from _flatten("", dumped)

    def to_wire(self) -> dict[str, str]:
        """Text parameters under their wire names, sorted; file parameters are left out."""
        return {name: _wire_value(v) for name, v in sorted(self._items()) if not isinstance(v, bytes)}

    def files(self) -> dict[str, bytes]:
        """File parameters (``background.imageFile`` ...) under their wire names."""
        return {name: v for name, v in sorted(self._items()) if isinstance(v, bytes)}

    def query_params(self) -> dict[str, str]:
        """The parameters for a GET request; files cannot travel in a query string."""
        if files := self.files():
            raise PhotoroomOptionsError(
                f"{', '.join(files)} can only be uploaded with the POST form: pass the main image "
                "as bytes (image=...) instead of image_url"
            )
        return self.to_wire()

    def multipart_fields(self) -> tuple[dict[str, str], dict[str, bytes]]:
        """The text fields and file parts of a POST multipart body."""
        fields = self.to_wire()
        get_only = [name for name in fields if any(p.fullmatch(name) for p in self._get_only)]
        if get_only:
            raise PhotoroomOptionsError(
                f"{', '.join(get_only)} is only accepted by the GET form (the API fetches the URL "
                "itself); when uploading the main image, upload this one too (the matching "
                "imageFile option) or send the main image by URL"
            )
        return fields, self.files()

    def canonical(self) -> str:
        """A stable text of these options: equal options, equal text; used for hashing.

        Files are represented by their SHA-256, so the text stays small.
        """
        items = {
            name: ("sha256:" + hashlib.sha256(v).hexdigest()) if isinstance(v, bytes) else _wire_value(v)
            for name, v in self._items()
        }
        return json.dumps(items, sort_keys=True, separators=(",", ":"))

    def __repr__(self) -> str:
        # Only what was set, by wire name; files by size, so logs never fill with image bytes.
        shown = ", ".join(
            f"{name}=<{len(value)} bytes>" if isinstance(value, bytes) else f"{name}={value!r}"
            for name, value in sorted(self._items())
        )
        return f"{type(self).__name__}({shown})"

    __str__ = __repr__


# --------------------------------------------------------------------------------------------
# /v2/edit
# --------------------------------------------------------------------------------------------


class BlurOptions(_Group):
    mode: Literal["gaussian", "bokeh"] | None = None
    radius: Annotated[float, Field(gt=0, le=0.05)] | None = None


class ExpandPromptOptions(_Group):
    mode: Literal["ai.auto", "ai.never"]


class GuidanceOptions(_Group):
    """A guiding image for AI backgrounds; ``scale`` says how closely to follow it."""

    image_url: Url | None = None
    image_file: bytes | None = None
    scale: Annotated[float, Field(ge=0, le=1)] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> GuidanceOptions:
        if self.image_url is not None and self.image_file is not None:
            raise ValueError("give background.guidance.imageUrl or background.guidance.imageFile, not both")
        return self


class BackgroundOptions(_Group):
    color: EditColor | None = None
    image_url: Url | None = None
    image_file: bytes | None = None
    prompt: Prompt | None = None
    negative_prompt: str | None = None
    expand_prompt: Literal["auto", "never"] | ExpandPromptOptions | None = None
    seed: Seed | None = None
    scaling: Literal["fit", "fill"] | None = None
    blur: BlurOptions | None = None
    guidance: GuidanceOptions | None = None

    @model_validator(mode="after")
    def _one_background_source(self) -> BackgroundOptions:
        given = [
            name
            for name, value in (
                ("background.prompt", self.prompt),
                ("background.imageUrl", self.image_url),
                ("background.imageFile", self.image_file),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(f"{' and '.join(given)} cannot be combined: choose one background source")
        if self.scaling is not None and self.image_url is None and self.image_file is None:
            raise ValueError("background.scaling needs background.imageUrl or background.imageFile")
        return self


_ShadowDirection = Literal[
    "behind", "behindLeft", "left", "frontLeft", "front", "frontRight", "right", "behindRight"
]


class ShadowOptions(_Group):
    mode: (
        Literal[
            "ai.soft", "ai.hard", "ai.floating", "ai.preset-soft", "ai.preset-hard", "ai.auto-with-overrides"
        ]
        | None
    ) = None
    direction_override: Annotated[float, Field(ge=0, lt=360)] | _ShadowDirection | None = None
    intensity_override: Annotated[float, Field(ge=0, le=1)] | None = None
    softness_override: Annotated[float, Field(ge=0, le=1)] | None = None
    spread_override: Annotated[float, Field(ge=0, le=90)] | Literal["short", "medium", "long"] | None = None
    subject_pose_override: Annotated[float, Field(ge=0, le=90)] | Literal["flatlay", "upright"] | None = None

    @model_validator(mode="after")
    def _overrides_need_their_mode(self) -> ShadowOptions:
        overrides = [
            f"shadow.{to_camel(name)}"
            for name in (
                "direction_override",
                "intensity_override",
                "softness_override",
                "spread_override",
                "subject_pose_override",
            )
            if getattr(self, name) is not None
        ]
        if overrides and self.mode != "ai.auto-with-overrides":
            raise ValueError(f"{', '.join(overrides)} require shadow.mode='ai.auto-with-overrides'")
        return self


class LightingOptions(_Group):
    mode: Literal["ai.auto", "ai.preserve-hue-and-saturation"]


class TextRemovalOptions(_Group):
    mode: Literal["ai.artificial", "ai.natural", "ai.all"]


class AutoModeOptions(_Group):
    """``expand.*`` and ``uncrop.*``: ``ai.auto`` with an optional seed."""

    mode: Literal["ai.auto"]
    seed: Seed | None = None


class UpscaleOptions(_Group):
    mode: Literal["ai.fast", "ai.slow"]
    downscale_if_needed: Literal["never", "always", "skipUpscaleIfNotNeeded"] | None = None


class BeautifyOptions(_Group):
    mode: Literal["ai.auto", "ai.food", "ai.car"]
    seed: Seed | None = None


class ExportOptions(_Group):
    format: Literal["png", "jpeg", "jpg", "webp"] | None = None
    dpi: Annotated[float, Field(ge=72, le=1200)] | None = None


class SegmentationOptions(_Group):
    mode: Literal["keepSalientObject", "ignoreSalientObject"] | None = None
    prompt: str | None = None
    negative_prompt: str | None = None


class ImageFromPromptOptions(_Group):
    prompt: Prompt
    seed: Seed | None = None
    size: GeneratedImageSize | None = None


class OutlineOptions(_Group):
    color: EditColor | None = None
    width: Annotated[float, Field(ge=0, le=0.1)] | None = None
    blur_radius: Annotated[float, Field(ge=0, le=0.025)] | None = None


class GarmentOptions(_Group):
    """``flatLay.*`` and ``ghostMannequin.*``: generate a garment picture from the input."""

    mode: Literal["ai.auto"]
    prompt: str | None = None
    size: GarmentImageSize | None = None


class ReferenceImage(_Group):
    """An extra image given by URL (GET) or by bytes (POST): exactly one of the two."""

    image_url: Url | None = None
    image_file: bytes | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReferenceImage:
        if (self.image_url is None) == (self.image_file is None):
            raise ValueError("give exactly one of imageUrl or imageFile")
        return self


_PersonPreset = Literal[
    "avery", "sam", "taylor", "kendall", "jordan", "casey", "alex", "maya", "reece",
    "lena", "julia", "jackson", "sophia", "emma", "ava", "zoe", "fiona",
]  # fmt: skip
_ScenePreset = Literal[
    "random", "street", "bedroom", "sunset", "factory", "studio", "coloredstudio", "concretestudio",
    "beach", "tropical", "library", "forest", "businessdistrict", "countryside", "flowers",
    "goldenlight", "mountain", "pool", "latincity", "cafe", "asiancity", "nightlights", "desert",
]  # fmt: skip


class PersonPreset(_Group):
    name: _PersonPreset


class ScenePreset(_Group):
    name: _ScenePreset


class _PresetOrCustom(_Group):
    """A preset by name, or a custom image: exactly one of the two."""

    custom: ReferenceImage | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> _PresetOrCustom:
        if (getattr(self, "preset", None) is None) == (self.custom is None):
            raise ValueError("give exactly one of preset or custom")
        return self


class VirtualModelPerson(_PresetOrCustom):
    preset: PersonPreset | None = None


class VirtualModelScene(_PresetOrCustom):
    preset: ScenePreset | None = None


class VirtualModelOptions(_Group):
    """Virtual try-on: the garment of the input image worn by a generated model."""

    mode: Literal["ai.auto"]
    model: VirtualModelPerson | None = None
    scene: VirtualModelScene | None = None
    pose: (
        Literal[
            "random", "standing", "34turn", "powerstance", "walkingforward", "handinpocket",
            "crossedarms", "back", "overtheshoulder", "seated", "adjustingclothing", "playfulspin",
        ]
        | None
    ) = None  # fmt: skip
    prompt: str | None = None
    quality: Literal["standard", "advanced", "premium"] | None = None
    size: GarmentImageSize | None = None
    additional_product_images: Annotated[list[ReferenceImage], Field(min_length=1, max_length=4)] | None = (
        None
    )


class EditWithAIOptions(_Group):
    """Edit the picture from a natural-language prompt, with optional reference images."""

    mode: Literal["ai.auto"]
    prompt: Prompt | None = None
    seed: Seed | None = None
    additional_images: dict[str, ReferenceImage] | None = None


class TextLayerContent(_Group):
    content: str | None = None
    font: str | None = None
    foreground_color: EditColor | None = None
    background_color: EditColor | None = None


class TextLayer(_Group):
    text: TextLayerContent


class LayerSegmentation(_Group):
    prompt: str
    negative_prompt: str | None = None
    mode: Literal["keepSalientObject", "ignoreSalientObject"] | None = None


class _SpacingFields(_Group):
    """Padding and margin, general and per side (on the edit itself and on image layers)."""

    padding: Spacing | None = None
    padding_top: Spacing | None = None
    padding_bottom: Spacing | None = None
    padding_left: Spacing | None = None
    padding_right: Spacing | None = None
    margin: Spacing | None = None
    margin_top: Spacing | None = None
    margin_bottom: Spacing | None = None
    margin_left: Spacing | None = None
    margin_right: Spacing | None = None


class ImageLayerContent(_SpacingFields):
    image_url: Url | None = None
    image_file: bytes | None = None
    image_from_prompt: ImageFromPromptOptions | None = None
    remove_background: Literal["auto", "never"] | None = None
    use_for_ai_background: Literal["auto", "never"] | None = Field(default=None, alias="useForAIBackground")
    segmentation: LayerSegmentation | None = None
    horizontal_alignment: HorizontalAlignment | None = None
    vertical_alignment: VerticalAlignment | None = None


class ImageLayer(_Group):
    image: ImageLayerContent


def _layer_kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "ImageLayer" if "image" in value else "TextLayer"
    return type(value).__name__


Layer = Annotated[
    Annotated[TextLayer, Tag("TextLayer")] | Annotated[ImageLayer, Tag("ImageLayer")],
    Discriminator(_layer_kind),
]


class EditOptions(_WireOptions, _SpacingFields):
    """Parameters of ``/v2/edit`` (everything but the main image itself).

    >>> EditOptions.coerce({"background.color": "FFFFFF", "outputSize": "1000x1000"}).to_wire()
    {'background.color': 'FFFFFF', 'outputSize': '1000x1000'}

    Only what is given is sent: the API's own defaults apply to the rest.
    """

    _get_only = (
        re.compile(r"background\.imageUrl"),
        re.compile(r"background\.guidance\.imageUrl"),
        re.compile(r"editWithAI\.additionalImages\.[^.]+\.imageUrl"),
    )

    remove_background: bool | None = None
    background: BackgroundOptions | None = None
    shadow: ShadowOptions | None = None
    lighting: LightingOptions | None = None
    text_removal: TextRemovalOptions | None = None
    expand: AutoModeOptions | None = None
    uncrop: AutoModeOptions | None = None
    upscale: UpscaleOptions | None = None
    beautify: BeautifyOptions | None = None
    segmentation: SegmentationOptions | None = None
    outline: OutlineOptions | None = None
    flat_lay: GarmentOptions | None = None
    ghost_mannequin: GarmentOptions | None = None
    virtual_model: VirtualModelOptions | None = None
    edit_with_ai: EditWithAIOptions | None = Field(default=None, alias="editWithAI")
    image_from_prompt: ImageFromPromptOptions | None = None
    export: ExportOptions | None = None

    output_size: OutputSize | None = None
    max_width: Annotated[int, Field(gt=0)] | None = None
    max_height: Annotated[int, Field(gt=0)] | None = None
    scaling: Literal["fit", "fill"] | None = None
    reference_box: Literal["subjectBox", "originalImage"] | None = None
    horizontal_alignment: HorizontalAlignment | None = None
    vertical_alignment: VerticalAlignment | None = None
    ignore_padding_and_snap_on_cropped_sides: bool | None = None
    keep_existing_alpha_channel: Literal["auto", "never"] | None = None
    preserve_metadata: Literal["never", "xmp", "exifSubset", "exifSubsetWithXmpCompatibility"] | None = None

    template_id: (
        Annotated[
            str,
            Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ]
        | None
    ) = None
    layers: dict[str, Layer] | None = None

    @model_validator(mode="after")
    def _documented_exclusions(self) -> EditOptions:
        problems = []
        if self.remove_background is False:
            kept = [
                name
                for name, value in (
                    ("background.imageUrl", self.background and self.background.image_url),
                    ("background.imageFile", self.background and self.background.image_file),
                    (
                        "background.guidance",
                        self.background and self.background.guidance,
                    ),
                    ("referenceBox", self.reference_box),
                    ("ignorePaddingAndSnapOnCroppedSides", self.ignore_padding_and_snap_on_cropped_sides),
                )
                if value is not None
            ]
            if kept:
                problems.append(f"{', '.join(kept)} cannot be used with removeBackground=false")
        if (self.max_width is not None or self.max_height is not None) and self.output_size not in (
            "originalImage",
            "croppedSubject",
        ):
            problems.append("maxWidth/maxHeight need outputSize='originalImage' or 'croppedSubject'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def output_format(self) -> Literal["png", "jpeg", "webp"]:
        """The format of the image the API will answer with (PNG unless ``export.format``)."""
        fmt = self.export.format if self.export and self.export.format else "png"
        return "jpeg" if fmt == "jpg" else fmt

    @property
    def needs_main_image(self) -> bool:
        """False when the picture is generated from a prompt rather than edited."""
        return self.image_from_prompt is None


# --------------------------------------------------------------------------------------------
# /v1/segment
# --------------------------------------------------------------------------------------------


class SegmentOptions(_WireOptions):
    """Parameters of ``/v1/segment`` (remove background), besides ``image_file``.

    The segment endpoint spells its fields in snake_case and its booleans as the strings
    ``"true"``/``"false"``; pass Python booleans, they are sent as the API expects.
    """

    model_config = ConfigDict(alias_generator=None, populate_by_name=True, extra="forbid", frozen=True)

    format: Literal["png", "jpg", "webp"] | None = None
    channels: Literal["rgba", "alpha"] | None = None
    bg_color: SegmentColor | None = None
    size: Literal["preview", "medium", "hd", "full"] | None = None
    crop: bool | None = None
    despill: bool | None = None

    @property
    def output_format(self) -> Literal["png", "jpeg", "webp"]:
        fmt = self.format or "png"
        return "jpeg" if fmt == "jpg" else fmt
