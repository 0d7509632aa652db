"""Product feeds (CSV with an ``image_link`` column) as the example DAGs read them."""

from __future__ import annotations

import csv
import io

from airflow_photoroom import storage


def read_feed(uri: str, image_base_url: str = "", conn_id: str | None = None) -> list[dict[str, str]]:
    """The rows of a feed CSV at ``uri`` (http(s) or any object store), image links made absolute.

    Relative ``image_link`` values (``samples/shoe.jpg``) are joined to ``image_base_url``.
    """
    if storage.is_http(uri):
        import httpx

        text = httpx.get(uri, timeout=60, follow_redirects=True).raise_for_status().text
    else:
        text = storage.to_path(uri, conn_id).read_text()
    base = image_base_url.rstrip("/")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        if "image_link" not in row:
            raise ValueError(f"{uri} has no image_link column (columns: {', '.join(row)})")
        if "://" not in row["image_link"] and base:
            row["image_link"] = f"{base}/{row['image_link'].lstrip('/')}"
        rows.append(row)
    return rows
