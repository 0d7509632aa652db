"""URIs as the operators name inputs, outputs and their lineage."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_photoroom import storage


@pytest.mark.parametrize(
    ("uri", "dataset"),
    [
        ("s3://bucket/edited/shoe-1a2b.jpg", ("s3://bucket", "edited/shoe-1a2b.jpg")),
        ("s3://bucket", ("s3://bucket", "/")),
        ("gs://bucket/a/b.png", ("gs://bucket", "a/b.png")),
        ("file:///data/out/shoe.jpg", ("file", "/data/out/shoe.jpg")),
        ("file://nas/share/shoe.jpg", ("file://nas", "/share/shoe.jpg")),
        ("/data/out", ("file", "/data/out")),
        ("https://cdn.example.com/p/shoe.jpg", ("https://cdn.example.com", "/p/shoe.jpg")),
    ],
)
def test_lineage_datasets_follow_openlineage_naming(uri: str, dataset: tuple[str, str]) -> None:
    assert storage.lineage_dataset(uri) == dataset


def test_local_paths_become_absolute_file_uris(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(str(tmp_path))
    assert storage.normalize_uri("out") == f"file://{tmp_path}/out"
    assert storage.normalize_uri("s3://b/k") == "s3://b/k"
