"""A visual QA sheet for a batch: before and after, side by side, with what happened to each.

People judge image edits by looking. Each batch can write ``qa-sheet.png`` (a contact sheet) and
``qa-sheet.html`` (the same, self-contained, with thumbnails inlined) next to its outputs.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from airflow_photoroom import storage

THUMB = 200
_COLUMNS = 3
_CAPTION = 62
_PAD = 16
_STATUS_COLOURS = {"edited": "#1f9d55", "skipped": "#3b82f6", "failed": "#dc2626", "not_attempted": "#9ca3af"}


def _read(uri: str | None, conn_id: str | None) -> bytes | None:
    if not uri:
        return None
    try:
        if storage.is_http(uri):
            import httpx

            response = httpx.get(uri, timeout=30, follow_redirects=True)
            return response.content if response.status_code == 200 else None
        return storage.to_path(uri, conn_id).read_bytes()
    except Exception:
        return None


def _thumbnail(data: bytes | None) -> Image.Image:
    """A square thumbnail on a checkerboard, so transparency and white both show."""
    tile = Image.new("RGB", (THUMB, THUMB), (236, 236, 236))
    draw = ImageDraw.Draw(tile)
    for y in range(0, THUMB, 16):
        for x in range(0, THUMB, 16):
            if (x + y) // 16 % 2:
                draw.rectangle((x, y, x + 15, y + 15), fill=(250, 250, 250))
    if data is None:
        draw.line((0, 0, THUMB, THUMB), fill=(200, 60, 60), width=3)
        return tile
    try:
        image = Image.open(io.BytesIO(data)).convert("RGBA")
    except Exception:
        return tile
    image.thumbnail((THUMB, THUMB))
    tile.paste(image, ((THUMB - image.width) // 2, (THUMB - image.height) // 2), image)
    return tile


def _caption(row: dict[str, Any]) -> list[str]:
    verdict = row.get("compliance")
    lines = [f"{row.get('status', '?')}" + (f" · seed {row['seed']}" if row.get("seed") else "")]
    if row.get("uncertainty") is not None:
        lines[0] += f" · uncertainty {row['uncertainty']:.2f}"
    if verdict is not None:
        lines.append(
            "compliant"
            if verdict.get("passed")
            else f"NOT compliant: {'; '.join(verdict.get('failures', []))}"
        )
    if row.get("reason") and row.get("status") == "failed":
        lines.append(str(row["reason"]))
    return lines


def write_qa_sheet(
    rows: Sequence[dict[str, Any]],
    output: str,
    *,
    title: str = "Photoroom QA sheet",
    input_conn_id: str | None = None,
    output_conn_id: str | None = None,
    name: str = "qa-sheet",
) -> dict[str, str]:
    """Write ``<name>.png`` and ``<name>.html`` into ``output``; return their URIs.

    ``rows`` are the operators' result dicts, optionally with a ``compliance`` report each.
    """
    font = ImageFont.load_default(13)
    cell_w, cell_h = 2 * THUMB + 3 * _PAD, THUMB + _CAPTION + 2 * _PAD
    count = max(1, len(rows))
    columns = min(_COLUMNS, count)
    sheet = Image.new("RGB", (columns * cell_w, 48 + ((count + columns - 1) // columns) * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((_PAD, 14), f"{title}: {len(rows)} images", fill=(20, 20, 20), font=ImageFont.load_default(18))
    cards = []
    for index, row in enumerate(rows):
        before = _thumbnail(_read(row.get("input"), input_conn_id))
        after = _thumbnail(_read(row.get("output"), output_conn_id))
        x, y = (index % columns) * cell_w, 48 + (index // columns) * cell_h
        sheet.paste(before, (x + _PAD, y + _PAD))
        sheet.paste(after, (x + 2 * _PAD + THUMB, y + _PAD))
        colour = _STATUS_COLOURS.get(str(row.get("status")), "#6b7280")
        draw.rectangle((x + _PAD, y + _PAD + THUMB + 4, x + _PAD + 8, y + _PAD + THUMB + 12), fill=colour)
        for line_number, line in enumerate(_caption(row)):
            draw.text(
                (x + _PAD + 14, y + _PAD + THUMB + 2 + line_number * 16),
                line[:80],
                fill=(40, 40, 40),
                font=font,
            )
        cards.append((row, _data_uri(before), _data_uri(after)))

    folder = storage.to_path(output, output_conn_id)
    png = io.BytesIO()
    sheet.save(png, "PNG", optimize=True)
    storage.write_atomically(folder / f"{name}.png", png.getvalue())
    storage.write_atomically(folder / f"{name}.html", _html(title, cards).encode())
    return {"png": storage.uri_of(folder / f"{name}.png"), "html": storage.uri_of(folder / f"{name}.html")}


def _data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _html(title: str, cards: list[tuple[dict[str, Any], str, str]]) -> str:
    items = []
    for row, before, after in cards:
        status = html.escape(str(row.get("status")))
        colour = _STATUS_COLOURS.get(str(row.get("status")), "#6b7280")
        caption = "".join(f"<div>{html.escape(line)}</div>" for line in _caption(row)[1:])
        link = (
            f'<a href="{html.escape(row["edit_further_url"])}">edit further</a>'
            if row.get("edit_further_url")
            else ""
        )
        uncertainty = "—" if row.get("uncertainty") is None else f"{row['uncertainty']:.2f}"
        items.append(
            f'<figure><div class="pair"><img src="{before}" alt="before">'
            f'<img src="{after}" alt="after"></div><figcaption>'
            f'<span class="badge" style="background:{colour}">{status}</span>'
            f"<code>{html.escape(str(row.get('input', '')))}</code>"
            f"<div>seed {html.escape(str(row.get('seed') or '—'))} · uncertainty {uncertainty} {link}</div>"
            f"{caption}</figcaption></figure>"
        )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; color: #111; background: #fafafa; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; }}
figure {{ margin: 0; background: white; border: 1px solid #e5e7eb; border-radius: 10px; padding: 12px; }}
.pair {{ display: flex; gap: 8px; }}
.pair img {{ width: 200px; height: 200px; border-radius: 6px; }}
figcaption {{ margin-top: 8px; line-height: 1.5; }}
code {{ display: block; overflow-wrap: anywhere; color: #555; }}
.badge {{ color: white; border-radius: 999px; padding: 1px 8px; font-size: 12px; }}
</style></head><body><h1>{html.escape(title)}</h1><p>{len(cards)} images: before (left), after (right).</p>
<main>{"".join(items)}</main></body></html>"""
