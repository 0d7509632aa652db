"""Named option sets for common destinations: a starting point, overridable per use.

Each preset is a function returning plain ``/v2/edit`` options (dotted wire names), so it can be
templated, shown in the UI as JSON, and extended: ``google_shopping(size=2000)`` or
``{**marketplace(), "background.color": "F4F4F4"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def google_shopping(size: int = 1600) -> dict[str, Any]:
    """Google Merchant Center product images.

    Background removed onto pure white (FFFFFF), the product filling about 86% of a square canvas
    (Google asks for 75-90%), at least 1500x1500 so the image zooms well, as JPEG.
    """
    return {
        "removeBackground": True,
        "background.color": "FFFFFF",
        "padding": 0.07,
        "outputSize": f"{size}x{size}",
        "export.format": "jpeg",
    }


def marketplace(size: int = 1200) -> dict[str, Any]:
    """Second-hand marketplace listings (Vinted, eBay, Leboncoin...).

    A clean white background with a soft shadow so the item does not float, relit while keeping
    its true colours (buyers complain about colours more than anything), square, JPEG.
    """
    return {
        "background.color": "FFFFFF",
        "shadow.mode": "ai.soft",
        "lighting.mode": "ai.preserve-hue-and-saturation",
        "padding": 0.1,
        "outputSize": f"{size}x{size}",
        "export.format": "jpeg",
    }


def marketplace_blur(size: int = 1200) -> dict[str, Any]:
    """Marketplace listings that keep their setting: the original background, softly blurred."""
    return {
        "background.blur.mode": "gaussian",
        "background.blur.radius": 0.02,
        "lighting.mode": "ai.preserve-hue-and-saturation",
        "padding": 0.1,
        "outputSize": f"{size}x{size}",
        "export.format": "jpeg",
    }


def transparent_cutout() -> dict[str, Any]:
    """A cutout with transparency, cropped to the subject: for designers and compositing."""
    return {"outputSize": "croppedSubject", "export.format": "png"}


PRESETS: dict[str, Callable[..., dict[str, Any]]] = {
    "google_shopping": google_shopping,
    "marketplace": marketplace,
    "marketplace_blur": marketplace_blur,
    "transparent_cutout": transparent_cutout,
}


def preset(name: str, **overrides: Any) -> dict[str, Any]:
    """A preset by name, with options overridden by their wire names (``preset("marketplace",
    **{"background.color": "F4F4F4"})``)."""
    try:
        base = PRESETS[name]()
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(PRESETS))}") from None
    return {**base, **overrides}
