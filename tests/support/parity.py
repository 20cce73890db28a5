"""The ranking parity fixture (tests/fixtures/parity/ranking.json) as the index it was made from."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from avgust.index.bm25 import LexicalIndex
from avgust.index.records import DirectiveRecord
from avgust.index.store import Index
from avgust.records import Theme
from tests.support.project import FIXTURES

FIXTURE = FIXTURES / "parity" / "ranking.json"


def load_fixture() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


def fixture_array(text: str, dtype: str, dim: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float32).reshape(-1, dim)


def fixture_index(fixture: dict[str, Any]) -> Index:
    """The Index the fixture's Python side ranks with (vectors as the page has them, float16)."""
    python, dim = fixture["python"], fixture["dim"]
    return Index(
        folder=FIXTURE.parent,
        manifest=python["manifest"],
        records=tuple(DirectiveRecord.from_json(r) for r in python["records"]),
        vectors=fixture_array(fixture["vectors"], "<f2", dim),
        faiss_index=None,
        lexical=LexicalIndex.from_json(python["lexical"]),
        similar={},
        lexical_weight=python["lexical_weight"],
        themes=tuple(Theme(**{**t, "rules": tuple(t["rules"])}) for t in python["themes"]),
        theme_vectors=fixture_array(fixture["theme_vectors"], "<f4", dim),
    )
