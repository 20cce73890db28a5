"""IVF layouts for the header's search by meaning, compared by bytes and recall (numpy only).

The experiment behind avgust.browser.shards' IVF format: on a synthetic corpus of N directives
(vectors blended as scripts/measure_search_scale.py does: the normalised sum of two real
directive vectors) each layout answers the script's ten queries and the 37 relevance queries
of tests/fixtures/data/relevance.yml, and the table prints, per layout and number of lists
probed, the IVF bytes of a first search (the largest over the queries: centroid files,
codebook, the lists probed, rescoring chunks) and recall@10 against the exhaustive cosine
search (ties within avgust.browser.shards.TIE count, as the script counts them). Layouts:

* ``sqrtN int8``: the full page's, √N lists of int8 rows (392 B: codes, scale, row), one
  centroid file;
* ``L64 int8``: lists of ~64 rows (k-means in two levels), all centroids in one file;
* ``L64 two-level gG``: the same, centroids grouped under √(lists) top-level centroids: the
  top file, then the G nearest groups' centroids;
* ``L64 4-bit residual``: rows as nibbles of their difference from the list's centroid, a
  scale per row (200 B);
* ``L64 PQ96x16 + int8 rescore``: the residual as 96 sub-vectors of 4 dimensions, each one of
  16 codewords (48 B + row id; the 6 KB codebook loaded once), the R best rescored from
  int8 rows kept in chunks of 8 rows, laid out list by list;
* ``sqrtN 2-bit rotated residual, 4-bit centroids + int8 rescore``: the header's format
  (avgust.browser.shards._header_ivf), for each number of rows rescored it may choose.

    .venv/bin/python scripts/ivf_layouts.py --size 3300
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import QUERIES, BlendEmbedder, real_texts

from avgust.browser.shards import (
    CENTROID_BITS,
    HASH_BYTES,
    RESCORE_CHOICES,
    RESCORE_CHUNK,
    ROW_BITS,
    TIE,
    _encode_header,
    dequantise,
    ivf_lists,
    kmeans,
    quantise,
)
from avgust.config import load_config
from avgust.index.embed import get_embedder
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources

ROOT = Path(__file__).resolve().parent.parent
RELEVANCE = "tests/fixtures/data/relevance.yml"
INT8_ROW = 384 + 4 + 4
CHUNK = 8  # rows per rescoring chunk


@dataclass
class Layout:
    name: str
    centroids: np.ndarray  # the lists' centroids, dequantised
    assign: np.ndarray  # row → list
    approx: np.ndarray  # the rows as the scan sees them
    row_bytes: int
    fixed_bytes: int  # fetched before any list: centroid file or top-level file, codebook
    group: np.ndarray | None = None  # list → top-level group
    top: np.ndarray | None = None  # top-level centroids
    group_bytes: np.ndarray | None = None  # bytes of each group's centroid file
    rescore: np.ndarray | None = None  # int8 rows for rescoring the R best, or None
    chunk: np.ndarray | None = None  # row → rescoring chunk
    chunk_bytes: int = CHUNK * INT8_ROW
    rescored: Sequence[int] = (60,)  # the numbers of rows rescored to try


def _nearest(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    out = np.empty(len(x), np.int64)
    for s in range(0, len(x), 8192):
        out[s : s + 8192] = np.argmax(x[s : s + 8192] @ centroids.T, axis=1)
    return out


def two_level(v: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lists of ~size rows: (top centroids, list → group, list centroids, row → list)."""
    groups = max(1, math.ceil(math.sqrt(len(v) / size)))
    top = kmeans(v, groups, iterations=10)
    in_group = _nearest(v, top)
    cents: list[np.ndarray] = []
    group: list[int] = []
    assign = np.empty(len(v), np.int64)
    for g in range(groups):
        members = np.flatnonzero(in_group == g)
        if not len(members):
            continue
        c = kmeans(v[members], min(len(members), math.ceil(len(members) / size)), iterations=10)
        local = _nearest(v[members], c)
        assign[members] = local + len(cents)
        cents.extend(c)
        group.extend([g] * len(c))
    return top, np.array(group), np.array(cents, np.float32), assign


def nibbles(rows: np.ndarray) -> np.ndarray:
    peak = np.abs(rows).max(axis=1)
    scales = np.where(peak > 0, peak / 7.0, 1.0).astype(np.float32)
    out: np.ndarray = (np.clip(np.rint(rows / scales[:, None]), -7, 7) * scales[:, None]).astype(
        np.float32
    )
    return out


def product_quantise(x: np.ndarray, parts: int, words: int) -> np.ndarray:
    """x through a product quantiser trained on it (k-means per sub-vector, 12 rounds)."""
    rng = np.random.default_rng(1)
    dim = x.shape[1] // parts
    sample = x[rng.choice(len(x), min(len(x), 20000), replace=False)]
    out = np.empty_like(x)
    for i in range(parts):
        sub, part = sample[:, i * dim : (i + 1) * dim], x[:, i * dim : (i + 1) * dim]
        book = sub[rng.choice(len(sub), words, replace=False)].copy()
        for _ in range(12):
            near = np.argmin((book**2).sum(1) - 2 * sub @ book.T, axis=1)
            for w in range(words):
                if np.any(near == w):
                    book[w] = sub[near == w].mean(axis=0)
        out[:, i * dim : (i + 1) * dim] = book[
            np.argmin((book**2).sum(1) - 2 * part @ book.T, axis=1)
        ]
    return out


def layouts(v: np.ndarray) -> list[tuple[Layout, Sequence[int], int]]:
    """(layout, lists probed to try, groups opened) for every layout compared."""
    int8 = dequantise(*quantise(v))
    out: list[tuple[Layout, Sequence[int], int]] = []
    k = ivf_lists(len(v))
    c = dequantise(*quantise(kmeans(v, k, iterations=10)))
    out.append(
        (Layout("sqrtN int8", c, _nearest(v, c), int8, INT8_ROW, k * 388), (2, 4, 6, 9, 12), 0)
    )
    top, group, cents, assign = two_level(v, 64)
    cq = dequantise(*quantise(cents))
    tq = dequantise(*quantise(top))
    flat = Layout("L64 int8", cq, assign, int8, INT8_ROW, len(cq) * 388)
    out.append((flat, (8, 16, 24, 32), 0))
    group_bytes = np.bincount(group, minlength=len(top)) * 388
    for g in (4, 8):
        two = Layout(f"L64 two-level g{g}", cq, assign, int8, INT8_ROW, len(top) * 388)
        two.group, two.top, two.group_bytes = group, tq, group_bytes
        out.append((two, (8, 16, 24, 32), g))
    residual = v - cq[assign]
    out.append(
        (
            Layout(
                "L64 4-bit residual", cq, assign, cq[assign] + nibbles(residual), 200, len(cq) * 388
            ),
            (16, 24, 32),
            0,
        )
    )
    pq = Layout(
        "L64 PQ96x16 + int8 rescore",
        cq,
        assign,
        cq[assign] + product_quantise(residual, 96, 16),
        52,
        len(cq) * 388 + 6144,
    )
    position = np.empty(len(v), np.int64)
    position[np.argsort(assign, kind="stable")] = np.arange(len(v))
    pq.rescore, pq.chunk = int8, position // CHUNK
    out.append((pq, (16, 24, 32, 48), 0))
    out.append((header_layout(v, int8), (6, 9, 12, 16), 0))
    return out


def header_layout(v: np.ndarray, int8: np.ndarray) -> Layout:
    """avgust.browser.shards' header format: the √N lists, rows as 2-bit codes of their
    rotated residuals from 4-bit centroids, the best R rescored from int8 files of
    RESCORE_CHUNK rows (each row in its list file: 104 B, 6 B of rescoring file name per file)."""
    k = ivf_lists(len(v))
    centroids = kmeans(v, k, iterations=10)
    assign = _nearest(v, centroids)
    members = [np.flatnonzero(assign == c) for c in range(k)]
    ivf, _, _ = _encode_header(v, centroids, members)
    back = ivf.rotation.apply(np.eye(v.shape[1], dtype=np.float32)).T  # rotated → original
    approx = np.empty_like(v)
    chunk = np.empty(len(v), np.int64)
    at = 0
    for c, rows in enumerate(ivf.rows):
        approx[rows] = ivf.mean + (ivf.centroids[c] + ivf.residuals[c]) @ back
        chunk[rows] = (at + np.arange(len(rows))) // RESCORE_CHUNK
        at += -(-len(rows) // RESCORE_CHUNK) * RESCORE_CHUNK
    dim = v.shape[1]
    return Layout(
        "sqrtN 2-bit rotated residual, 4-bit centroids + int8 rescore",
        ivf.mean + ivf.centroids @ back,
        assign,
        approx,
        8 + dim * ROW_BITS // 8 + HASH_BYTES // RESCORE_CHUNK,
        k * (4 + dim * CENTROID_BITS // 8) + 4 * dim + 20 * k,
        rescore=int8,
        chunk=chunk,
        chunk_bytes=RESCORE_CHUNK * INT8_ROW,
        rescored=RESCORE_CHOICES,
    )


def search(
    layout: Layout, q: np.ndarray, probe: int, opened: int, rescore: int
) -> tuple[np.ndarray, int]:
    """The 10 best rows and the bytes the search fetched."""
    score = layout.centroids @ q
    spent = layout.fixed_bytes
    if layout.top is not None and layout.group is not None and layout.group_bytes is not None:
        groups = np.argsort(-(layout.top @ q), kind="stable")[:opened]
        spent += int(layout.group_bytes[groups].sum())
        score = np.where(np.isin(layout.group, groups), score, -np.inf)
    lists = np.argsort(-score, kind="stable")[:probe]
    rows = np.flatnonzero(np.isin(layout.assign, lists))
    spent += len(rows) * layout.row_bytes
    scan = layout.approx[rows] @ q
    best = rows[np.lexsort((rows, -scan))]
    if layout.rescore is not None and layout.chunk is not None:
        best = best[:rescore]
        spent += len(set(layout.chunk[best].tolist())) * layout.chunk_bytes
        exact = layout.rescore[best] @ q
        best = best[np.lexsort((best, -exact))]
    return best[:10], spent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", type=int, default=3300, help="resolutions (~30 directives)")
    args = parser.parse_args(argv)
    base = load_config(ROOT, quiet=True)
    real, _ = parse_all(discover_sources(base.resolutions_dir), root=base.root)
    embedder = BlendEmbedder(get_embedder(base), real_texts(real))
    relevance = yaml.safe_load((ROOT / RELEVANCE).read_text(encoding="utf-8"))["queries"]
    sets = {
        "queries": np.stack([embedder.embed_query(q) for q in QUERIES]),
        "relevance": np.stack([embedder.embed_query(str(q["query"])) for q in relevance]),
    }
    rng = np.random.default_rng(7)
    n = args.size * 30
    pairs = rng.integers(0, len(embedder.real), size=(n, 2))
    v = np.asarray(embedder.real, np.float32)[pairs].sum(axis=1)
    v = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    print(f"{n:,} directives")
    print(
        "| layout | lists | lists probed | first search, IVF bytes (max) "
        "| recall@10 queries | recall@10 relevance |"
    )
    print("|---|---|---|---|---|---|")
    for layout, probes, opened in layouts(v):
        for probe in probes:
            for rescore in layout.rescored if layout.rescore is not None else (0,):
                cells = []
                spent = 0
                for queries in sets.values():
                    recall = []
                    for q in queries:
                        exact = v @ q
                        rows, b = search(layout, q, probe, opened, rescore)
                        spent = max(spent, b)
                        recall.append(float(np.mean(exact[rows] >= np.sort(exact)[-10] - TIE)))
                    cells.append(f"{np.mean(recall):.3f}")
                name = f"{layout.name} R{rescore}" if rescore else layout.name
                print(
                    f"| {name} | {len(layout.centroids):,} | {probe} | {spent / 1000:,.0f} KB "
                    f"| {' | '.join(cells)} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
