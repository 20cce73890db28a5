"""Hybrid search over directives: dense e5 cosine fused with Russian BM25.

Four signals, each z-scored over the directives that pass the filters, then added:

* dense: cosine between the e5 query vector and each directive (any language),
  with the query moved towards the mean vector of the dense top hits (Rocchio
  pseudo-relevance feedback, weight ``dense_feedback``);
* lexical: BM25 of the query's lemmas (Russian queries);
* feedback: BM25 of the strongest lemmas of the dense top hits (lexical
  pseudo-relevance feedback), which lets an English, Ukrainian or German query profit
  from Russian morphology: the dense model finds a few right directives, their words
  find the rest;
* theme: 1 for the directives tagged with the query's theme (lemma rules on a
  Russian query, else the theme description nearest to the query vector), so a
  query about «наставничество» also finds the directives that say «школа молодого
  педагога».

``score = z(dense') + lexical_weight·z(lexical) + feedback_weight·z(feedback)
+ theme_weight·z(theme)``;
a signal that is constant (no query lemma in the corpus) adds nothing. The
weights were tuned with scripts/eval_search.py on tests/fixtures/data/relevance.yml
(37 queries; see FusionParams). Filters are applied before the top hits are taken,
so feedback comes from directives that can be shown.

Its twin in the browser is ``avgust/browser/js/rank.js`` (class ``Ranker``), a line-by-line
port; both are held to tests/fixtures/parity/ranking.json.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from avgust.config import DEFAULT_LEXICAL_WEIGHT
from avgust.errors import AvgustError
from avgust.index.embed import Embedder
from avgust.index.records import DISTRICT_GROUP_PREFIX, DirectiveRecord
from avgust.index.store import Index
from avgust.themes import match_rules

Mode = Literal["hybrid", "dense", "lexical"]
POOL = 500  # rows rescored with dense feedback, at least (see _with_dense_feedback)
#: The most hits one search returns, and the longest query it takes (in characters).
MAX_K = 1_000
MAX_QUERY_CHARS = 1_000
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class FusionParams:
    """How the signals are combined (see the module docstring).

    Tuned with ``scripts/eval_search.py`` on the 37 queries of tests/fixtures/data/relevance.yml
    (18 ru, 19 en/uk/de) over the five resolutions: hit@5 1.00, recall@10 0.87 (ru
    0.92, foreign 0.82), MRR 0.95; without the theme signal 0.97 / 0.76 / 0.90; dense
    alone 0.97 / 0.64 / 0.87. The feedback temperature matters: without it (all
    feedback hits equal) a one-directive topic such as «горячее питание» is drowned
    by a larger neighbouring one.
    """

    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    feedback_weight: float = 1.0
    feedback_docs: int = 8  # dense top hits whose lemmas and vectors feed back
    feedback_terms: int = 10  # lemmas taken from them
    dense_feedback: float = 0.5  # weight of the top hits' mean vector added to the query
    feedback_temperature: float = 0.02  # top hit i weighs exp((cos_i − cos_1)/T) in feedback
    theme_weight: float = 0.8  # directives of the query's theme (see query_theme)


HIT_FIELDS = (
    "id",
    "text",
    "district",
    "region",
    "resolution",
    "title",
    "year",
    "number",
    "addressee",
    "deadline",
    "themes",
    "url",
    "responsible",
)
"""What a search hit shows of its directive (``avgust search --json``, with the score)."""


@dataclass(frozen=True)
class SearchHit(DirectiveRecord):
    """One directive found for a query: its record and the fused score."""

    score: float = 0.0

    @classmethod
    def found(cls, record: DirectiveRecord, score: float) -> SearchHit:
        values = {f.name: getattr(record, f.name) for f in fields(DirectiveRecord)}
        return cls(**values, score=round(score, 4))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the fields of :data:`HIT_FIELDS` and the score."""
        return {**self.view(HIT_FIELDS), "score": self.score}

    to_json = to_dict


def search(
    index: Index,
    embedder: Embedder,
    query: str,
    k: int = 10,
    district: str | None = None,
    theme: str | None = None,
    year: int | None = None,
    *,
    mode: Mode = "hybrid",
    params: FusionParams | None = None,
) -> list[SearchHit]:
    """The ``k`` directives that best answer ``query``, best first.

    ``district`` keeps directives whose district contains it (case-insensitive),
    ``theme`` those tagged with that theme slug, ``year`` those of resolutions of
    that year. ``mode`` "dense" or "lexical" uses one signal alone (for evaluation).
    Raises AvgustError for ``k`` outside 1…:data:`MAX_K` or a query over
    :data:`MAX_QUERY_CHARS` characters.
    """
    check_search_args(query, k)
    rows, scores = rank(index, embedder, query, k, district, theme, year, mode=mode, params=params)
    return [SearchHit.found(index.records[r], float(s)) for r, s in zip(rows, scores, strict=True)]


def check_search_args(query: str, k: int) -> None:
    """Refuse a count of hits outside 1…:data:`MAX_K` and an overlong query."""
    if not 1 <= k <= MAX_K:
        raise AvgustError(f"-k must be between 1 and {MAX_K}, not {k}")
    if len(query) > MAX_QUERY_CHARS:
        raise AvgustError(
            f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}"
        )


def rank(
    index: Index,
    embedder: Embedder,
    query: str,
    k: int = 10,
    district: str | None = None,
    theme: str | None = None,
    year: int | None = None,
    *,
    mode: Mode = "hybrid",
    params: FusionParams | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`search`, as (row numbers, scores) arrays."""
    _check_query(query, mode)
    if embedder.model_id != index.model_id:
        raise AvgustError(
            f"the index was built with {index.model_id}, the query embedder is "
            f"{embedder.model_id}; run `avgust build` with the configured model"
        )
    vector = None if mode == "lexical" else embedder.embed_query(query)
    return rank_vector(index, query, vector, k, district, theme, year, mode=mode, params=params)


def _check_query(query: str, mode: str) -> None:
    if not query.strip():
        raise AvgustError("the query is empty")
    if mode not in MODES:
        raise AvgustError(f"unknown search mode {mode!r}; known: {', '.join(MODES)}")


def rank_vector(
    index: Index,
    query: str,
    vector: np.ndarray | None,
    k: int = 10,
    district: str | None = None,
    theme: str | None = None,
    year: int | None = None,
    *,
    mode: Mode = "hybrid",
    params: FusionParams | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`rank`, with the query already embedded (``vector``; None for "lexical").

    This is exactly what the page's rank.js computes from the query vector it embeds.
    """
    _check_query(query, mode)
    params = params or FusionParams(lexical_weight=index.lexical_weight)
    candidates = _candidates(index, district, theme, year)
    if k <= 0 or (candidates is not None and not len(candidates)) or not len(index):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)

    if mode == "lexical":
        scores = index.lexical.scores(query)
    else:
        if vector is None:
            raise AvgustError(f"search mode {mode!r} needs the query vector")
        dense = index.vectors @ vector
        if mode == "dense":
            scores = dense
        else:
            scores = _fuse(index, query, vector, dense, candidates, params, k)
    return _top(scores, candidates, k)


def _fuse(
    index: Index,
    query: str,
    vector: np.ndarray,
    dense: np.ndarray,
    candidates: np.ndarray | None,
    params: FusionParams,
    k: int,
) -> np.ndarray:
    lexical = index.lexical
    dense_z = _zscore(dense, candidates)
    fused = dense_z.copy()
    if params.lexical_weight:
        fused += params.lexical_weight * _zscore(lexical.scores(query), candidates)
    theme = query_theme(index, query, vector) if params.theme_weight else None
    if theme is not None:
        signal = index.theme_members[:, theme]
        fused += params.theme_weight * _zscore(signal, candidates)
    if params.feedback_docs <= 0 or not (params.feedback_weight or params.dense_feedback):
        return fused
    top_rows, top_scores = _top(dense, candidates, params.feedback_docs)
    # a hit far below the best one says little about the query: it weighs less
    top_weights = np.exp((top_scores - top_scores[0]) / params.feedback_temperature)
    feedback = np.zeros_like(fused)
    if params.feedback_weight:
        terms = lexical.feedback_weights(
            top_rows.tolist(), params.feedback_terms, top_weights.tolist()
        )
        if terms:
            feedback = params.feedback_weight * _zscore(lexical.scores_for(terms), candidates)
    if not params.dense_feedback:
        combined: np.ndarray = fused + feedback
        return combined
    centroid = (top_weights @ index.vectors[top_rows] / top_weights.sum()).astype(np.float32)
    return _with_dense_feedback(
        index, vector, dense, dense_z, centroid, fused, feedback, candidates, params, k
    )


def query_theme(index: Index, query: str, vector: np.ndarray) -> int | None:
    """The position in ``index.themes`` of the theme the query is about.

    The theme whose description, embedded as a query, is nearest to the query vector;
    when the lemma rules of some themes match the query (a Russian query), the nearest
    of those ("наставничество молодых педагогов" matches both «Кадры» and
    «Наставничество»; the vectors choose).
    """
    if not index.themes:
        return None
    nearness = index.theme_vectors @ vector
    matched = {slug for slug, _ in match_rules(query, index.themes)}
    if matched:
        allowed = np.array([t.slug in matched for t in index.themes])
        nearness = np.where(allowed, nearness, -np.inf)
    return int(np.argmax(nearness))


def _with_dense_feedback(
    index: Index,
    vector: np.ndarray,
    dense: np.ndarray,
    dense_z: np.ndarray,
    centroid: np.ndarray,
    fused: np.ndarray,
    feedback: np.ndarray,
    candidates: np.ndarray | None,
    params: FusionParams,
    k: int,
) -> np.ndarray:
    """Swap z(dense) in ``fused`` for z(dense + a·vectors@centroid), plus ``feedback``.

    Without filters the mean and spread of the new dense signal come from the
    precomputed mean and covariance of the vectors, and ``vectors @ centroid`` is
    computed only for the rows that can still reach the top: the best
    ``POOL`` by the first fusion and by feedback (a second full pass over 30,000
    vectors would cost as much as the first).
    """
    a = params.dense_feedback
    if candidates is not None:
        rows = candidates
        shifted = dense[rows] + np.float32(a) * (index.vectors[rows] @ centroid)
        mean, std = float(shifted.mean()), float(shifted.std())
    else:
        pool = max(POOL, 4 * k)
        rows = np.union1d(_best(fused, pool), _best(feedback, pool))
        shifted = dense[rows] + np.float32(a) * (index.vectors[rows] @ centroid)
        q, c = vector.astype(np.float64), centroid.astype(np.float64)
        cov = index.covariance
        mean = float(index.mean_vector @ (q + a * c))
        variance = float(q @ cov @ q + 2 * a * (q @ cov @ c) + a * a * (c @ cov @ c))
        std = float(np.sqrt(max(variance, 0.0)))
    out = np.full_like(fused, -np.inf)
    new_z = (shifted - mean) / std if std > 1e-9 else np.zeros_like(shifted)
    out[rows] = fused[rows] - dense_z[rows] + new_z + feedback[rows]
    return out


def _zscore(values: np.ndarray, candidates: np.ndarray | None) -> np.ndarray:
    """(x − mean)/std over the candidates; zeros for a constant signal."""
    values = values.astype(np.float32, copy=False)
    pool = values if candidates is None else values[candidates]
    std = float(pool.std())
    if std < 1e-9:
        return np.zeros_like(values)
    return (values - float(pool.mean())) / np.float32(std)


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Some n rows with the highest scores (unordered; all rows when there are fewer)."""
    if len(scores) <= n:
        return np.arange(len(scores))
    return np.argpartition(-scores, n - 1)[:n]


def _top(
    scores: np.ndarray, candidates: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k best rows (ties: lower row first) among the candidates."""
    rows = np.arange(len(scores)) if candidates is None else candidates
    pool = scores[rows]
    if len(pool) > k:
        keep = np.argpartition(-pool, k - 1)[:k]
        threshold = pool[keep].min()
        keep = np.flatnonzero(pool >= threshold)  # ties at the edge: decide by row
    else:
        keep = np.arange(len(pool))
    order = np.lexsort((rows[keep], -pool[keep]))[:k]
    chosen = keep[order]
    return rows[chosen], pool[chosen]


def _candidates(
    index: Index, district: str | None, theme: str | None, year: int | None
) -> np.ndarray | None:
    """Row numbers that pass the filters (sorted), or None when there is no filter."""
    if district is None and theme is None and year is None:
        return None
    mask = np.ones(len(index), dtype=bool)
    if district is not None:
        needle = district.casefold().strip()
        codes = [
            i
            for i, g in enumerate(index.group_names)
            if not g.startswith(DISTRICT_GROUP_PREFIX) and needle in g.casefold()
        ]
        mask &= np.isin(index.groups, np.array(codes, dtype=np.int32))
    if theme is not None:
        rows = index.theme_rows.get(theme)
        theme_mask = np.zeros(len(index), dtype=bool)
        if rows is not None:
            theme_mask[rows] = True
        mask &= theme_mask
    if year is not None:
        mask &= index.years == year
    return np.flatnonzero(mask)


__all__ = ["MODES", "FusionParams", "Mode", "SearchHit", "query_theme", "rank", "search"]
