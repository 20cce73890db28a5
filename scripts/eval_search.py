"""Retrieval quality of dense, lexical and hybrid search on the relevance set.

Parses resolutions/, builds an index in a temporary folder (embeddings come from the
project's cache, so a second run embeds nothing), runs every query of
tests/fixtures/data/relevance.yml and prints hit@5, recall@10 and MRR per language and overall.

A relevant entry {resolution: <file stem>, contains: <fragment>} matches the directives
of that file whose text contains the fragment (case-insensitive, runs of spaces as
one). recall@10 divides by min(10, number relevant), so a query with 16 relevant
directives can still reach 1.0.

    .venv/bin/python scripts/eval_search.py
    .venv/bin/python scripts/eval_search.py --grid        # tune the fusion weights
    .venv/bin/python scripts/eval_search.py --show en-mentoring
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.index.embed import Embedder, EmbeddingCache, embed_passages_cached, get_embedder
from avgust.index.store import Index, build_index, load_index
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.search.hybrid import MODES, FusionParams, Mode, rank
from avgust.themes import tag_themes

ROOT = Path(__file__).resolve().parent.parent
FOREIGN = ("en", "uk", "de")


@dataclass(frozen=True)
class Query:
    id: str
    lang: str
    text: str
    relevant: frozenset[int]  # row numbers in the index


@dataclass(frozen=True)
class Scores:
    hit5: float
    recall10: float
    mrr: float


class MemoEmbedder:
    """The real embedder, with query vectors remembered (a grid repeats every query)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self._memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._memo:
            self._memo[text] = self.inner.embed_query(text)
        return self._memo[text]


def _squash(text: str) -> str:
    """Case-folded, runs of spaces as one, no trailing punctuation (the parser drops ";")."""
    return re.sub(r"\s+", " ", text).strip().rstrip(";,.").casefold()


def load_queries(path: Path, index: Index, stems: dict[str, str]) -> list[Query]:
    """The relevance set with fragments resolved to index rows; unmatched ones are reported."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = [_squash(r.text) for r in index.records]
    queries = []
    for item in data["queries"]:
        rows: set[int] = set()
        for rel in item["relevant"]:
            slug = stems.get(rel["resolution"])
            fragment = _squash(rel["contains"])
            found = [
                i
                for i, r in enumerate(index.records)
                if r.resolution == slug and fragment in texts[i]
            ]
            if not found:
                print(
                    f"warning: {item['id']}: no directive of {rel['resolution']} contains "
                    f"{rel['contains']!r}",
                    file=sys.stderr,
                )
            rows.update(found)
        queries.append(Query(item["id"], item["lang"], item["query"], frozenset(rows)))
    return queries


def evaluate(
    index: Index,
    embedder: Embedder,
    queries: Sequence[Query],
    mode: Mode,
    params: FusionParams,
) -> dict[str, tuple[float, float, float]]:
    """Per query id: (hit@5, recall@10, reciprocal rank of the first relevant hit)."""
    out: dict[str, tuple[float, float, float]] = {}
    for q in queries:
        if not q.relevant:
            continue
        rows, _ = rank(index, embedder, q.text, k=len(index), mode=mode, params=params)
        ranked = rows.tolist()
        hit5 = float(any(r in q.relevant for r in ranked[:5]))
        recall = len(q.relevant.intersection(ranked[:10])) / min(10, len(q.relevant))
        first = next((i for i, r in enumerate(ranked) if r in q.relevant), None)
        out[q.id] = (hit5, recall, 0.0 if first is None else 1.0 / (first + 1))
    return out


def summarise(
    queries: Sequence[Query], results: dict[str, tuple[float, float, float]]
) -> dict[str, Scores]:
    """Mean scores per language, for "foreign" (en, uk, de) and for "all"."""
    groups: dict[str, list[tuple[float, float, float]]] = {}
    for q in queries:
        if q.id in results:
            foreign = "foreign" if q.lang in FOREIGN else "russian"
            for name in (q.lang, foreign, "all"):
                groups.setdefault(name, []).append(results[q.id])
    return {
        name: Scores(*(float(np.mean([v[i] for v in vals])) for i in range(3)))
        for name, vals in groups.items()
    }


def table(rows: dict[str, dict[str, Scores]]) -> str:
    """A Markdown table: one row per method, hit@5 / recall@10 / MRR per language."""
    langs = ["ru", "en", "uk", "de", "foreign", "all"]
    head = "| method | " + " | ".join(f"{g} hit@5 / R@10 / MRR" for g in langs) + " |"
    lines = [head, "|" + "---|" * (len(langs) + 1)]
    for name, groups in rows.items():
        cells = []
        for g in langs:
            s = groups.get(g)
            cells.append("—" if s is None else f"{s.hit5:.2f} / {s.recall10:.2f} / {s.mrr:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def objective(groups: dict[str, Scores]) -> float:
    """What the grid maximises: hit@5 first (every query must hit), then recall, then MRR."""
    a, r = groups["all"], groups["ru"]
    f = groups.get("foreign", a)
    return 2 * a.hit5 + a.recall10 + 0.5 * f.recall10 + 0.5 * r.recall10 + a.mrr


def grid(
    index: Index, embedder: Embedder, queries: Sequence[Query]
) -> list[tuple[float, FusionParams, dict[str, Scores]]]:
    """Every combination of fusion parameters, best first."""
    results = []
    for lw, fw, docs, terms, dense, temperature in itertools.product(
        [0.4, 0.6, 1.0],
        [0.3, 0.6, 1.0],
        [3, 5, 8],
        [10, 20],
        [0.0, 0.5, 1.0],
        [0.01, 0.02, 0.05, 1e9],
    ):
        p = FusionParams(lw, fw, docs, terms, dense, temperature)
        groups = summarise(queries, evaluate(index, embedder, queries, "hybrid", p))
        results.append((objective(groups), p, groups))
    results.sort(key=lambda t: -t[0])
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--relevance", type=Path, default=ROOT / "tests/fixtures/data/relevance.yml"
    )
    parser.add_argument("--model", default=None, help="embedding model (default: avgust.toml)")
    parser.add_argument("--grid", action="store_true", help="search the fusion parameters")
    parser.add_argument("--show", action="append", default=[], help="print a query's ranking")
    for name, kind in (
        ("lexical_weight", float),
        ("feedback_weight", float),
        ("feedback_docs", int),
        ("feedback_terms", int),
        ("dense_feedback", float),
        ("feedback_temperature", float),
        ("theme_weight", float),
    ):
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=None)
    args = parser.parse_args(argv)

    config = load_config(ROOT, model=args.model, quiet=True)
    resolutions, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    stems = {Path(r.source).stem: r.slug for r in resolutions}
    embedder = MemoEmbedder(get_embedder(config))
    with tempfile.TemporaryDirectory() as tmp, EmbeddingCache.for_config(config) as cache:
        # the same themes as `avgust build`: search uses them as a signal
        themes, resolutions = tag_themes(
            resolutions,
            config.themes_file,
            lambda texts: embed_passages_cached(embedder, texts, cache).vectors,
            embedder.embed_query,
        )
        config = replace(config, index_dir=Path(tmp) / "index")
        summary = build_index(resolutions, embedder, config, themes=themes)
        index = load_index(config)
    print(
        f"{summary.directives} directives of {summary.resolutions} resolutions, "
        f"{summary.embedded} embedded now, model {summary.model_id}"
    )
    queries = load_queries(args.relevance, index, stems)
    print(f"{len(queries)} queries, {sum(len(q.relevant) for q in queries)} relevant pairs")

    chosen = {
        name: getattr(args, name)
        for name in (
            "lexical_weight",
            "feedback_weight",
            "feedback_docs",
            "feedback_terms",
            "dense_feedback",
            "feedback_temperature",
            "theme_weight",
        )
        if getattr(args, name) is not None
    }
    params = replace(FusionParams(lexical_weight=config.lexical_weight), **chosen)
    print(f"fusion: {params}\n")
    rows: dict[str, dict[str, Scores]] = {}
    per_query: dict[str, dict[str, tuple[float, float, float]]] = {}
    for mode in MODES:
        per_query[mode] = evaluate(index, embedder, queries, mode, params)
        rows[mode] = summarise(queries, per_query[mode])
    plain = replace(params, feedback_weight=0.0, dense_feedback=0.0)
    rows["hybrid, no feedback"] = summarise(
        queries, evaluate(index, embedder, queries, "hybrid", plain)
    )
    rows["hybrid, no theme signal"] = summarise(
        queries, evaluate(index, embedder, queries, "hybrid", replace(params, theme_weight=0.0))
    )
    print(table(rows))
    print("\nper query: hit@5 recall@10 RR, hybrid (dense)")
    for q in queries:
        if q.id in per_query["hybrid"]:
            h, r, m = per_query["hybrid"][q.id]
            dh, dr, dm = per_query["dense"][q.id]
            print(
                f"  {q.id:24} {h:.0f} {r:.2f} {m:.2f}   ({dh:.0f} {dr:.2f} {dm:.2f})"
                f"  relevant {len(q.relevant)}"
            )

    for qid in args.show:
        q = next(q for q in queries if q.id == qid)
        found, scores = rank(index, embedder, q.text, k=15, params=params)
        print(f"\n{q.id}: {q.text}")
        for row, score in zip(found.tolist(), scores.tolist(), strict=True):
            mark = "✓" if row in q.relevant else " "
            print(f"  {mark} {score:6.2f} {index.records[row].text[:110]}")
        for row in sorted(q.relevant - set(found.tolist())):
            print(f"  ✗ missed: {index.records[row].text[:110]}")

    if args.grid:
        print("\nbest fusion parameters:")
        for value, p, groups in grid(index, embedder, queries)[:15]:
            total, foreign, russian = groups["all"], groups["foreign"], groups["ru"]
            print(
                f"  {value:.3f} lw={p.lexical_weight} fw={p.feedback_weight} "
                f"docs={p.feedback_docs} terms={p.feedback_terms} dense={p.dense_feedback} "
                f"T={p.feedback_temperature}: hit@5 {total.hit5:.2f} "
                f"R@10 {total.recall10:.2f} (ru {russian.recall10:.2f}, "
                f"foreign {foreign.recall10:.2f}) MRR {total.mrr:.2f}"
            )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AvgustError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
