"""The header search's data: small content-hashed files that a page loads only as it needs them.

What a visitor downloads must not grow with the corpus, so nothing here is one file of everything
(Pagefind's design). :func:`export_shards` writes, under ``docs/assets/search/``::

    meta.json         the only fixed name: the BM25 parameters, the first term / form of each
                      shard, the chunk hashes, the IVF layout and the other files' names
    s/t-<hash>.bin    BM25 postings sharded by term (sorted terms, cut at ~TERM_SHARD postings):
                      per term its document rows (delta coded) and BM25 weights (×1000), the
                      postings of a frequent term kept to its MAX_POSTINGS strongest documents
    s/l-<hash>.bin    the word-form → lemma table sharded by form, likewise
    s/r<n>-<hash>.bin the records (text, district, …) in chunks of RECORD_CHUNK rows
    s/p-<hash>.bin    the pages a query may name: themes, districts, years, resolutions
    s/c-<hash>.i8     IVF centroids (k-means of the directive vectors), int8 with a scale per row
    s/v-<hash>.i8     one IVF list: its rows (int32), scales (float32) and int8 vectors
    s/g-<hash>.bin    the global statistics of the ranking: vector mean and the leading
                      eigenvectors of their covariance (the dense z-score of any query vector
                      without every vector), the BM25 corpus size
    s/k-<hash>.half   the full covariance of the vectors (upper triangle, float16, scaled): the
                      spread of the full page's dense and dense-feedback signals
    s/e<n>-<hash>.half the vectors of chunk n's records (float16): the full page ranks a
                      small corpus, a narrow filter and the rows it must rescore with them
    s/d<n>-<hash>.bin the lemmas of the records of chunk n with their counts and document
                      frequencies: the full page's pseudo-relevance feedback
    s/q-<hash>.bin    what only the full page needs: fusion parameters, theme rules, filters
                      and the lists of the e, d, k and x files below
    s/x-<hash>.bin    the facets: per theme, district and year its number of directives and
                      the file s/f-<hash>.bin of their rows (the filters and the theme signal)

``.bin`` files are raw DEFLATE (``zlib`` without header; the page inflates them with
``DecompressionStream("deflate-raw")``) because GitHub Pages compresses only the types it knows.
The ``.i8`` and ``.half`` (float16) files are binary and hardly compress. File names carry
the content's hash, so they can be cached for ever; a new build writes new names. The pages'
reader of all this is ``js/shards.js`` (the full page ranks with ``js/fusion.js``);
:func:`ivf_search` here is its twin for scripts/measure_search_scale.py.

Why √N lists of int8 rows, and what it costs: at 99,000 directives (3,300 synthetic
resolutions) the first search by meaning downloads ~1.5 MB (315 lists, nprobe 9: 1.3 MB of
lists, 122 KB of centroids), above the 300 KB aim, and it grows with √N. The alternatives,
measured with scripts/ivf_layouts.py on the same blended vectors (IVF bytes of a first search,
the largest over the queries; recall@10 on the script's queries / the 37 relevance queries):
lists of 64 rows need 16 probes for 1.00 / 0.97 but a 609 KB centroid file (1.3 MB in all); the
same centroids in two levels (a top file, then the 4 nearest groups) bring that to 772 KB at
0.97 / 0.93 (834 KB at 1.00 / 0.97 with 8 groups): a query's 10 best lie in lists scattered
over many groups; 4-bit codes (residuals from the list's centroid) halve the lists but cannot
order rows closer than their rounding (recall@10 on the relevance queries ≤ 0.94 at any depth).
The synthetic corpus is hard for any partition: a typed query sits far from every directive
(cosine ~0.8), its 10 best are spread over ~2,000 candidates, and telling them apart needs int8
precision. Product quantisation (the residual as 96 sub-vectors of 4 dimensions, 16 codewords
each: 48 B a row, a 6 KB codebook) with int8 rescoring of the 60 best is the cheapest scan
(~225 KB of lists and rescoring chunks at 16 probes, besides the centroids) but too coarse to
preselect: recall@10 0.88 on the relevance queries, lower as more lists are probed. Under 300
KB at recall ≥ 0.95 would take finer PQ (256 codewords: a 98 KB codebook) or more rows
rescored, and centroids that are themselves compressed; that format is not built yet.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from avgust.index.bm25 import LexicalIndex
from avgust.index.records import DirectiveRecord
from avgust.ru.terms import PREFIX_MARK
from avgust.util.fs import atomic_write

META_FILE = "meta.json"
SHARD_DIR = "s"
SHARDS_FORMAT = 1
TERM_SHARD = 6000  # postings per term shard (≈ 10–15 KB deflated)
LEXICON_SHARD = 4000  # forms per lemma shard
RECORD_CHUNK = 24  # records per chunk: one screen of results touches one or two chunks
MAX_POSTINGS = 2000  # strongest documents kept per term: a frequent word stays one small file
WEIGHT_SCALE = 1000  # BM25 weights stored as integers (three decimals)
STATS_RANK = 24  # eigenvectors of the covariance kept for the dense z-score
# recall counts a row whose exact cosine is within this of the 10th best: int8 rounding cannot
# order near-duplicates (a synthetic corpus is full of them) and either answer is as good
TIE = 1e-3
RECALL_TARGET = 0.97  # nprobe is the smallest whose build-time recall reaches this …
RECALL_DEPTHS = (10, 30)  # … for the 10 and the 30 best (see build_ivf)
CALIBRATION_SAMPLE = 200  # held-out directive vectors made query-like (calibration_queries)
KMEANS_ITERATIONS = 25


@dataclass(frozen=True)
class Page:
    """A page a query may name (a theme, a district, a year, a resolution)."""

    kind: str  # theme | district | year | resolution
    title: str
    url: str  # relative to the site root


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (what ``DecompressionStream("deflate-raw")`` inflates)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def inflate(data: bytes) -> bytes:
    return zlib.decompress(data, -15)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Writer:
    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.written: list[Path] = []

    def put(self, prefix: str, suffix: str, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()[:12]
        rel = f"{SHARD_DIR}/{prefix}-{digest}{suffix}"
        self.written.append(atomic_write(self.dest / rel, data))
        return rel


def postings(lexical: LexicalIndex) -> list[tuple[list[int], list[float]]]:
    """Per term id: the document rows and BM25 weights, as LexicalIndex scores them."""
    n = len(lexical.doc_terms)
    lengths = np.array([sum(d.values()) for d in lexical.doc_terms], dtype=np.float64)
    avg = float(lengths.mean()) if n and lengths.sum() else 1.0
    out: list[tuple[list[int], list[float]]] = [([], []) for _ in lexical.vocab]
    k1, b = lexical.k1, lexical.b
    for doc, counts in enumerate(lexical.doc_terms):
        norm = k1 * (1.0 - b + b * lengths[doc] / avg)
        for tid, tf in counts.items():
            weight = float(lexical.idf[tid]) * tf * (k1 + 1.0) / (tf + norm)
            out[tid][0].append(doc)
            out[tid][1].append(weight)
    return out


def _term_shards(lexical: LexicalIndex, writer: _Writer) -> dict[str, Any]:
    firsts: list[str] = []
    files: list[str] = []
    batch: dict[str, Any] = {"t": [], "d": [], "w": [], "n": [], "c": []}
    size = 0

    def flush() -> None:
        nonlocal batch, size
        if batch["t"]:
            firsts.append(batch["t"][0])
            files.append(writer.put("t", ".bin", deflate(_json(batch))))
        batch = {"t": [], "d": [], "w": [], "n": [], "c": []}
        size = 0

    for term, (docs, weights) in zip(lexical.vocab, postings(lexical), strict=True):
        pairs = list(zip(docs, weights, strict=True))
        if len(pairs) > MAX_POSTINGS:
            pairs = sorted(pairs, key=lambda p: (-p[1], p[0]))
            # the sum and the sum of squares of the weights left out: the BM25 moments
            cut = [w for _, w in pairs[MAX_POSTINGS:]]
            batch["c"].append([len(batch["t"]), sum(cut), sum(w * w for w in cut)])
            pairs = pairs[:MAX_POSTINGS]
            pairs.sort()
        if size and size + len(pairs) > TERM_SHARD:
            flush()
        rows = [d for d, _ in pairs]
        batch["t"].append(term)
        batch["d"].append([r - (rows[i - 1] if i else 0) for i, r in enumerate(rows)])
        batch["w"].append([round(w * WEIGHT_SCALE) for _, w in pairs])
        batch["n"].append(len(docs))  # the document frequency, also where postings were cut
        size += len(pairs) + 8
    flush()
    return {"first": firsts, "files": files, "scale": WEIGHT_SCALE}


def _lexicon_shards(lexicon: Mapping[str, str], writer: _Writer) -> dict[str, Any]:
    forms = sorted(lexicon)
    firsts: list[str] = []
    files: list[str] = []
    for start in range(0, len(forms), LEXICON_SHARD):
        part = forms[start : start + LEXICON_SHARD]
        data = {"f": part, "l": [lexicon[f] for f in part]}
        firsts.append(part[0])
        files.append(writer.put("l", ".bin", deflate(_json(data))))
    return {"first": firsts, "files": files}


# what the header's result list shows of a directive (a selection of DirectiveRecord)
HEADER_FIELDS = (
    "id",
    "url",
    "text",
    "district",
    "year",
    "number",
    "addressee",
    "deadline",
    "themes",
    "responsible",
)


def record_json(record: DirectiveRecord) -> dict[str, Any]:
    return record.view(HEADER_FIELDS)


def _record_chunks(records: Sequence[DirectiveRecord], writer: _Writer) -> dict[str, Any]:
    files = []
    for n, start in enumerate(range(0, len(records), RECORD_CHUNK)):
        chunk = [record_json(r) for r in records[start : start + RECORD_CHUNK]]
        files.append(writer.put(f"r{n}", ".bin", deflate(_json(chunk))))
    return {"size": RECORD_CHUNK, "files": files}


def _vector_chunks(vectors: np.ndarray, writer: _Writer) -> dict[str, Any]:
    half = np.ascontiguousarray(vectors, dtype="<f2")
    files = [
        writer.put(f"e{n}", ".half", half[start : start + RECORD_CHUNK].tobytes())
        for n, start in enumerate(range(0, len(half), RECORD_CHUNK))
    ]
    return {"size": RECORD_CHUNK, "files": files}


def _doc_term_chunks(lexical: LexicalIndex, writer: _Writer) -> dict[str, Any]:
    """Per record chunk: its lemmas (no stems), their document frequencies, per row the pairs
    (lemma position, count), as LexicalIndex.feedback_weights reads them."""
    files = []
    df = [0] * len(lexical.vocab)
    for counts in lexical.doc_terms:
        for tid in counts:
            df[tid] += 1
    docs = lexical.doc_terms
    for n, start in enumerate(range(0, len(docs), RECORD_CHUNK)):
        terms: dict[int, int] = {}
        rows = []
        for counts in docs[start : start + RECORD_CHUNK]:
            flat: list[int] = []
            for tid, tf in sorted(counts.items()):
                if lexical.vocab[tid].endswith(PREFIX_MARK):
                    continue
                flat += [terms.setdefault(tid, len(terms)), tf]
            rows.append(flat)
        data = {"t": [lexical.vocab[t] for t in terms], "f": [df[t] for t in terms], "r": rows}
        files.append(writer.put(f"d{n}", ".bin", deflate(_json(data))))
    return {"size": RECORD_CHUNK, "files": files}


def _facets(records: Sequence[DirectiveRecord], writer: _Writer) -> str:
    """The facet directory: {kind: {value: [rows file, count]}} for theme, district, year."""
    rows: dict[str, dict[str, list[int]]] = {"theme": {}, "district": {}, "year": {}}
    for i, r in enumerate(records):
        for slug in dict.fromkeys(r.themes):
            rows["theme"].setdefault(slug, []).append(i)
        if r.district:
            rows["district"].setdefault(r.district, []).append(i)
        if r.year is not None:
            rows["year"].setdefault(str(r.year), []).append(i)
    directory: dict[str, dict[str, list[Any]]] = {}
    for kind, values in rows.items():
        directory[kind] = {}
        for value, members in sorted(values.items()):
            deltas = [m - (members[j - 1] if j else 0) for j, m in enumerate(members)]
            path = writer.put("f", ".bin", deflate(_json(deltas)))
            directory[kind][value] = [path, len(members)]
    return writer.put("x", ".bin", deflate(_json(directory)))


def _covariance(vectors: np.ndarray, writer: _Writer) -> dict[str, Any]:
    """The covariance's upper triangle (row by row) as float16, divided by its largest entry
    so that small entries keep their precision."""
    v = np.asarray(vectors, dtype=np.float64)
    mean = v.mean(axis=0)
    cov = (v.T @ v) / len(v) - np.outer(mean, mean)  # as avgust.index.store.Index has it
    upper = cov[np.triu_indices(len(cov))]
    scale = float(np.abs(upper).max()) or 1.0
    data = np.ascontiguousarray(upper / scale, dtype="<f2").tobytes()
    return {"path": writer.put("k", ".half", data), "scale": scale}


def quantise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and their float32 scales (row ≈ int8 · scale)."""
    rows = np.asarray(rows, dtype=np.float32)
    peak = np.abs(rows).max(axis=1) if len(rows) else np.zeros(0, dtype=np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def dequantise(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    out: np.ndarray = codes.astype(np.float32) * scales[:, None]
    return out


def kmeans(vectors: np.ndarray, k: int, iterations: int = KMEANS_ITERATIONS) -> np.ndarray:
    """Spherical k-means (cosine), k-means++ seeding with a fixed seed: the centroids."""
    rng = np.random.default_rng(20240801)
    n = len(vectors)
    chosen = [int(rng.integers(n))]
    nearest = 1.0 - vectors @ vectors[chosen[0]]
    for _ in range(1, k):
        p = np.clip(nearest, 0, None) ** 2
        total = float(p.sum())
        pick = int(rng.choice(n, p=p / total)) if total > 0 else int(rng.integers(n))
        chosen.append(pick)
        nearest = np.minimum(nearest, 1.0 - vectors @ vectors[pick])
    centroids = vectors[chosen].astype(np.float32)
    for _ in range(iterations):
        assign = _assign(vectors, centroids)
        order = np.argsort(assign, kind="stable")
        bounds = np.searchsorted(assign[order], np.arange(k + 1))
        for c in range(k):
            members = vectors[order[bounds[c] : bounds[c + 1]]]
            if len(members):
                mean = members.mean(axis=0)
                norm = float(np.linalg.norm(mean))
                centroids[c] = mean / norm if norm > 0 else centroids[c]
    out: np.ndarray = centroids
    return out


def ivf_lists(n: int) -> int:
    """√n lists: the centroids and one list cost about the same download."""
    return max(1, min(1024, math.isqrt(n) + (n - math.isqrt(n) ** 2 > math.isqrt(n))))


def _assign(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.asarray(np.argmax(vectors @ centroids.T, axis=1))


def ivf_search(
    centroids: np.ndarray,
    lists: Sequence[tuple[np.ndarray, np.ndarray]],
    query: np.ndarray,
    k: int,
    nprobe: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The page's semantic search: rows and scores of the k best among the nprobe nearest lists.

    ``lists`` holds per list (rows, vectors as float32, already dequantised).
    """
    order = np.argsort(-(centroids @ query), kind="stable")[:nprobe]
    rows = np.concatenate([lists[c][0] for c in order]) if len(order) else np.zeros(0, int)
    if not len(rows):
        return rows, np.zeros(0, dtype=np.float32)
    vectors = np.concatenate([lists[c][1] for c in order])
    scores = vectors @ query
    best = np.lexsort((rows, -scores))[:k]
    return rows[best], scores[best]


def _recall_curve(
    vectors: np.ndarray,
    centroids: np.ndarray,
    assign: np.ndarray,
    approx: np.ndarray,
    queries: np.ndarray,
    k: int,
) -> np.ndarray:
    """recall@k of :func:`ivf_search` for every nprobe from 1 to all lists (index nprobe − 1),
    counted as the k best rows of :func:`ivf_search` against the exhaustive k-th score
    (less TIE), in one pass per query."""
    lists = len(centroids)
    out = np.zeros(lists)
    k = min(k, len(vectors))
    rows = np.arange(len(vectors))
    for q in queries:
        exact = vectors @ q
        kth = float(np.sort(exact)[::-1][k - 1])
        rank_of_list = np.empty(lists, dtype=np.int64)
        rank_of_list[np.argsort(-(centroids @ q), kind="stable")] = np.arange(lists)
        order = np.lexsort((rows, -(approx @ q)))  # the int8 scores, best first
        probe_at = rank_of_list[assign[order]]  # a row is searched once nprobe > this
        good = exact[order] >= kth - TIE
        for probe in range(1, lists + 1):
            out[probe - 1] += good[np.flatnonzero(probe_at < probe)[:k]].sum() / k
    return out / max(len(queries), 1)


def calibration_queries(
    vectors: np.ndarray, queries: np.ndarray | None, count: int = CALIBRATION_SAMPLE
) -> list[np.ndarray]:
    """The groups of query vectors nprobe is calibrated on: ``queries`` (the theme descriptions
    embedded as queries) and ``count`` held-out directive vectors made query-like.

    A directive vector itself is far nearer to its neighbours than a typed query (it finds
    itself), and asks for too few lists. So each one is the mean query vector (of ``queries``;
    the vectors' own mean without them) plus half the mean of three random directives'
    deviations from the vectors' mean: a topic between directives, in the queries' part of the
    space.
    """
    groups = [np.asarray(queries, np.float32)] if queries is not None and len(queries) else []
    n = len(vectors)
    if n:
        rng = np.random.default_rng(20240802)
        mean = vectors.mean(axis=0)
        centre = groups[0].mean(axis=0) if groups else mean
        m = min(n, count)
        mixed = sum(vectors[rng.permutation(n)[:m]] - mean for _ in range(3)) / np.sqrt(3)
        made = centre + 0.5 * mixed
        norms = np.linalg.norm(made, axis=1, keepdims=True)
        groups.append((made / np.where(norms > 0, norms, 1.0)).astype(np.float32))
    return groups


def build_ivf(
    vectors: np.ndarray, queries: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], int, float]:
    """(centroids, assignment, rows per list, nprobe, build-time recall@10).

    nprobe is the smallest number of lists whose recall against the exhaustive search reaches
    RECALL_TARGET at every depth of RECALL_DEPTHS (the 10 best, and the 30 the header fetches
    and the full page shows over three screens) in each group of
    :func:`calibration_queries`: ``queries`` (the build passes the theme descriptions
    embedded as queries) and held-out directive vectors made query-like. The theme
    descriptions alone at depth 10 asked for too few lists at 30,000 directives (recall@10
    0.87 for typed queries).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    k = ivf_lists(n)
    centroids = kmeans(vectors, k) if n else np.zeros((0, vectors.shape[1]), np.float32)
    assign = _assign(vectors, centroids) if n else np.zeros(0, dtype=np.int64)
    members = [np.flatnonzero(assign == c) for c in range(k)]
    if not n:
        return centroids, assign, members, k, 1.0
    codes, scales = quantise(vectors)
    approx = dequantise(codes, scales)
    cq, cs = quantise(centroids)
    centroids_q = dequantise(cq, cs)
    reached = np.ones(k, dtype=bool)
    recall10 = np.ones(k)
    for group in calibration_queries(vectors, queries):
        for depth in RECALL_DEPTHS:
            curve = _recall_curve(vectors, centroids_q, assign, approx, group, depth)
            reached &= curve >= RECALL_TARGET - 1e-9
            if depth == RECALL_DEPTHS[0]:
                recall10 = np.minimum(recall10, curve)
    hits = np.flatnonzero(reached)
    nprobe = int(hits[0]) + 1 if len(hits) else k
    return centroids, assign, members, nprobe, float(recall10[nprobe - 1])


def _ivf_files(vectors: np.ndarray, writer: _Writer, queries: np.ndarray | None) -> dict[str, Any]:
    centroids, _, members, nprobe, recall = build_ivf(vectors, queries)
    cq, cs = quantise(centroids)
    centroid_file = writer.put("c", ".i8", cs.astype("<f4").tobytes() + cq.tobytes())
    codes, scales = quantise(vectors)
    files = []
    for rows in members:
        data = (
            rows.astype("<i4").tobytes()
            + scales[rows].astype("<f4").tobytes()
            + codes[rows].tobytes()
        )
        files.append({"path": writer.put("v", ".i8", data), "count": len(rows)})
    return {
        "centroids": centroid_file,
        "lists": files,
        "nprobe": nprobe,
        "recall": round(recall, 4),
    }


def _stats(vectors: np.ndarray) -> dict[str, Any]:
    """Mean and low-rank covariance of the vectors: the dense z-score of any query vector.

    mean(V·q) = μ·q and var(V·q) = qᵀΣq ≈ Σᵢ λᵢ(uᵢ·q)² + ρ(|q|² − Σᵢ(uᵢ·q)²), ρ the mean of
    the eigenvalues left out.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if len(v) < 2:
        dim = v.shape[1] if v.ndim == 2 else 0
        return {"mean": [0.0] * dim, "vectors": [], "values": [], "rest": 0.0}
    mu = v.mean(axis=0)
    cov = np.cov(v, rowvar=False, bias=True)
    values, vecs = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vecs = values[order], vecs[:, order]
    r = min(STATS_RANK, len(values))
    rest = float(values[r:].mean()) if r < len(values) else 0.0
    return {
        "mean": [round(float(x), 5) for x in mu],
        "vectors": [[round(float(x), 4) for x in vecs[:, i]] for i in range(r)],
        "values": [float(x) for x in values[:r]],
        "rest": rest,
    }


def export_shards(
    records: Sequence[DirectiveRecord],
    lexical: LexicalIndex,
    lexicon: Mapping[str, str],
    vectors: np.ndarray | None,
    pages: Iterable[Page],
    dest: Path,
    *,
    extra: Mapping[str, Any] | None = None,
    queries: np.ndarray | None = None,
    page: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write meta.json and the shards into ``dest``; return the files written.

    ``vectors`` (None: a lexical-only site) give the IVF lists and the statistics, ``queries``
    (query vectors) the number of lists to probe; ``extra`` goes into meta.json as it is (the
    model's manifest, the fusion weight), ``page`` into a file of its own that only the full
    search page reads (the fusion parameters, the theme rules, the filters' values), so that
    meta.json, which the header box reads, stays small.
    """
    writer = _Writer(dest)
    meta: dict[str, Any] = {
        "format": SHARDS_FORMAT,
        "count": len(records),
        "bm25": {
            "k1": lexical.k1,
            "prefix_len": lexical.prefix_len,
            "prefix_mark": PREFIX_MARK,
            "prefix_weight": lexical.prefix_weight,
        },
        "terms": _term_shards(lexical, writer),
        "lexicon": _lexicon_shards(lexicon, writer),
        "records": _record_chunks(records, writer),
        "pages": writer.put("p", ".bin", deflate(_json([[p.kind, p.title, p.url] for p in pages]))),
    }
    # the full page's own files: listed in its page file, not in meta.json (the header reads it)
    full: dict[str, Any] = {
        **(page or {}),
        "docs": _doc_term_chunks(lexical, writer),
        "facets": _facets(records, writer),
    }
    if vectors is not None and len(records):
        v = np.asarray(vectors, dtype=np.float32)
        meta["dim"] = int(v.shape[1])
        meta["ivf"] = _ivf_files(v, writer, queries)
        meta["stats"] = writer.put("g", ".bin", deflate(_json(_stats(v))))
        full["vectors"] = _vector_chunks(v, writer)
        full["covariance"] = _covariance(v, writer)
    meta["page"] = writer.put("q", ".bin", deflate(_json(full)))
    meta.update(extra or {})
    writer.written.append(atomic_write(dest / META_FILE, _json(meta)))
    return writer.written


def read_ivf(dest: Path, meta: Mapping[str, Any]) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """The centroids and lists as the page reads them (dequantised): for measurements."""
    dim = int(meta["dim"])
    ivf = meta["ivf"]
    raw = (dest / ivf["centroids"]).read_bytes()
    k = len(raw) // (4 + dim)
    scales = np.frombuffer(raw[: 4 * k], dtype="<f4")
    codes = np.frombuffer(raw[4 * k :], dtype=np.int8).reshape(k, dim)
    centroids = dequantise(codes, scales)
    lists = []
    for entry in ivf["lists"]:
        data = (dest / entry["path"]).read_bytes()
        c = int(entry["count"])
        rows = np.frombuffer(data[: 4 * c], dtype="<i4").astype(np.int64)
        sc = np.frombuffer(data[4 * c : 8 * c], dtype="<f4")
        vec = np.frombuffer(data[8 * c :], dtype=np.int8).reshape(c, dim)
        lists.append((rows, dequantise(vec, sc)))
    return centroids, lists


__all__ = [
    "META_FILE",
    "SHARD_DIR",
    "Page",
    "build_ivf",
    "calibration_queries",
    "deflate",
    "dequantise",
    "export_shards",
    "inflate",
    "ivf_search",
    "postings",
    "quantise",
    "read_ivf",
]
