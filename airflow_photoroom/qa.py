"""A visual QA sheet for a batch: before and after, side by side, with what happened to each.

People judge image edits by looking. Each batch can write ``qa-sheet.png`` (a contact sheet) and
``qa-sheet.html`` (the same, self-contained, with thumbnails inlined) next to its outputs.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
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


def _groups(rows: Sequence[dict[str, Any]], by_input: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    """(input, its rows) in first-seen order: one group per row, or one per input."""
    if not by_input:
        return [(str(row.get("input") or ""), [row]) for row in rows]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row.get("input") or ""), []).append(row)
    return list(grouped.items())


def write_qa_sheet(
    rows: Sequence[dict[str, Any]],
    output: str,
    *,
    title: str = "Photoroom QA sheet",
    input_conn_id: str | None = None,
    output_conn_id: str | None = None,
    name: str = "qa-sheet",
    group_by_input: bool = False,
) -> dict[str, str]:
    """Write ``<name>.png`` and ``<name>.html`` into ``output``; return their URIs.

    ``rows`` are the operators' result dicts, optionally with a ``compliance`` report each.
    By default each row is a before/after pair. ``group_by_input`` puts every result of the same
    input on one line after a single "before" (variants side by side: seeds, models, presets).
    """
    groups = _groups(rows, group_by_input)
    widest = max((len(results) for _, results in groups), default=1)
    per_line = _COLUMNS if widest == 1 else 1
    group_w = (1 + widest) * THUMB + (2 + widest) * _PAD
    cell_h = THUMB + _CAPTION + 2 * _PAD
    lines = max(1, (len(groups) + per_line - 1) // per_line)
    sheet = Image.new("RGB", (min(per_line, max(1, len(groups))) * group_w, 48 + lines * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    count = f"{len(rows)} image" + ("" if len(rows) == 1 else "s")
    if group_by_input:
        count += f" of {len(groups)} input" + ("" if len(groups) == 1 else "s")
    draw.text((_PAD, 14), f"{title}: {count}", fill=(20, 20, 20), font=ImageFont.load_default(18))
    font = ImageFont.load_default(13)
    cards = []
    for index, (source, results) in enumerate(groups):
        x, y = (index % per_line) * group_w, 48 + (index // per_line) * cell_h
        before = _thumbnail(_read(source, input_conn_id))
        sheet.paste(before, (x + _PAD, y + _PAD))
        afters = []
        for position, row in enumerate(results):
            after = _thumbnail(_read(row.get("output"), output_conn_id))
            left = x + (position + 2) * _PAD + (position + 1) * THUMB
            sheet.paste(after, (left, y + _PAD))
            # A pair is captioned across both thumbnails; variants each under their own.
            caption_x, width = (x + _PAD, 80) if not group_by_input else (left, 28)
            colour = _STATUS_COLOURS.get(str(row.get("status")), "#6b7280")
            top = y + _PAD + THUMB
            draw.rectangle((caption_x, top + 4, caption_x + 8, top + 12), fill=colour)
            wrapped = [part for line in _caption(row) for part in textwrap.wrap(line, width)]
            for number, line in enumerate(wrapped[: _CAPTION // 16]):
                draw.text((caption_x + 14, top + 2 + number * 16), line, fill=(40, 40, 40), font=font)
            afters.append((row, _data_uri(after)))
        if group_by_input:
            draw.text(
                (x + _PAD, y + _PAD + THUMB + 2), storage.stem_of(source)[:28], fill=(90, 90, 90), font=font
            )
        cards.append((source, _data_uri(before), afters))

    folder = storage.to_path(output, output_conn_id)
    png = io.BytesIO()
    sheet.save(png, "PNG", optimize=True)
    storage.write_atomically(folder / f"{name}.png", png.getvalue())
    storage.write_atomically(folder / f"{name}.html", _html(title, count, cards).encode())
    return {"png": storage.uri_of(folder / f"{name}.png"), "html": storage.uri_of(folder / f"{name}.html")}


def _data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _html(title: str, count: str, cards: list[tuple[str, str, list[tuple[dict[str, Any], str]]]]) -> str:
    items = []
    for source, before, afters in cards:
        results = []
        for row, after in afters:
            status = html.escape(str(row.get("status")))
            colour = _STATUS_COLOURS.get(str(row.get("status")), "#6b7280")
            extra = "".join(f"<div>{html.escape(line)}</div>" for line in _caption(row)[1:])
            link = (
                f' <a href="{html.escape(row["edit_further_url"])}">edit further</a>'
                if row.get("edit_further_url")
                else ""
            )
            uncertainty = "—" if row.get("uncertainty") is None else f"{row['uncertainty']:.2f}"
            seed = html.escape(str(row.get("seed") or "—"))
            results.append(
                f'<figure><img src="{after}" alt="after"><figcaption>'
                f'<span class="badge" style="background:{colour}">{status}</span>'
                f"<div>seed {seed} · uncertainty {uncertainty}{link}</div>"
                f"{extra}</figcaption></figure>"
            )
        items.append(
            f'<section><code>{html.escape(source)}</code><div class="row">'
            f'<figure><img src="{before}" alt="before"><figcaption>before</figcaption></figure>'
            f"{''.join(results)}</div></section>"
        )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; color: #111; background: #fafafa; }}
main {{ display: flex; flex-wrap: wrap; gap: 16px; }}
section {{ background: white; border: 1px solid #e5e7eb; border-radius: 10px; padding: 12px; }}
.row {{ display: flex; gap: 8px; }}
figure {{ margin: 0; width: 200px; }}
figure img {{ width: 200px; height: 200px; border-radius: 6px; }}
figcaption {{ margin-top: 6px; line-height: 1.5; font-size: 13px; }}
code {{ display: block; overflow-wrap: anywhere; color: #555; margin-bottom: 8px; max-width: 620px; }}
.badge {{ color: white; border-radius: 999px; padding: 1px 8px; font-size: 12px; }}
</style></head><body><h1>{html.escape(title)}</h1>
<p>{html.escape(count)}: the original first, then each result.</p>
<main>{"".join(items)}</main></body></html>"""
