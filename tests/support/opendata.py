"""Reading the open data back as a user would: the catalogue, then every file it lists."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

from avgust import urls


def catalog(root: Path) -> list[dict[str, Any]]:
    """The catalogue rows of a docs/ or site folder (addresses relative: no site URL set)."""
    rows: list[dict[str, Any]] = json.loads((root / urls.DATA_CATALOG_JSON).read_text("utf-8"))
    return rows


def read_json(root: Path, rel: str) -> Any:
    """A file of the open data's JSON as a program reads it: a gzip member (``.json.gz``)."""
    assert rel.endswith(".json.gz"), rel
    return json.loads(gzip.decompress((root / rel).read_bytes()).decode("utf-8"))


def json_records(root: Path) -> list[dict[str, Any]]:
    """Every directive of the open data's JSON files, in catalogue order."""
    return [record for row in catalog(root) for record in read_json(root, row["directives_json"])]


def read_csv(root: Path, rel: str) -> bytes:
    """A CSV file of the open data unpacked, as the data page's link saves it (``.csv.gz``)."""
    assert rel.endswith(".csv.gz"), rel
    return gzip.decompress((root / rel).read_bytes())


def csv_rows(root: Path) -> list[dict[str, str]]:
    """Every directive of the open data's CSV files, each file checked to start with a BOM."""
    rows: list[dict[str, str]] = []
    for row in catalog(root):
        raw = read_csv(root, row["directives_csv"])
        assert raw.startswith(b"\xef\xbb\xbf"), row["directives_csv"]
        rows += csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    return rows


def resolutions(root: Path) -> list[dict[str, Any]]:
    """Every document of the open data as ``Resolution.from_dict`` reads it: each file of
    documents joined with the directives file of its region and year by ``directive_ids``."""
    out: list[dict[str, Any]] = []
    for row in catalog(root):
        records = read_json(root, row["directives_json"])
        by_id = {r["id"]: r for r in records}
        for res in read_json(root, row["resolutions_json"]):
            ids = res.pop("directive_ids")
            out.append({**res, "directives": [directive(by_id.pop(i)) for i in ids]})
        assert not by_id, sorted(by_id)  # no directive without its document
    return out


def directive(record: dict[str, Any]) -> dict[str, Any]:
    """A directive record of the open data as ``Directive.from_dict`` reads it."""
    fields = ("anchor", "number", "order", "addressees", "text", "context", "line", "themes")
    return {
        **{k: record[k] for k in fields},
        "responsible": record["responsible"],
        "deadline": {
            "raw": record["deadline_raw"],
            "kind": record["deadline_kind"],
            "start": record["deadline_start"],
            "end": record["deadline_end"],
        },
    }
