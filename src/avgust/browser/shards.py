"""The header search's data: small content-hashed files that a page loads only as it needs them.

What a visitor downloads must not grow with the corpus, so nothing here is one file of everything
(Pagefind's design). :func:`export_shards` writes, under ``docs/assets/search/``::

    meta.json         the only fixed name: the BM25 parameters, the first term / form of each
                      shard, the IVF parameters and the names of the files below that are not
                      listed in another (its size grows only with the term and form shards)
    s/t-<hash>.bin    BM25 postings sharded by term (sorted terms, cut at ~TERM_SHARD postings):
                      per term its document rows (delta coded) and BM25 weights (×1000), the
                      postings of a frequent term kept to its MAX_POSTINGS strongest documents
    s/l-<hash>.bin    the word-form → lemma table sharded by form, likewise
    s/r<n>-<hash>.bin the records (text, district, …) in chunks of RECORD_CHUNK rows, named by
                      the hash of their group of RECORD_GROUP chunks (meta.json lists one per
                      group, so a chunk's name needs no file read first)
    s/p-<hash>.bin    the pages a query may name: themes, districts, years, resolutions
    s/c-<hash>.i8     IVF centroids (k-means of the directive vectors), int8 with a scale per row
    s/v-<hash>.i8     one IVF list: its rows (int32), scales (float32) and int8 vectors (the full
                      page's candidates, listed in its page file)
    s/hd-<hash>.bin   the header's IVF directory: its centroid file, lists, nprobe, rows rescored
    s/h-<hash>.u8     the header's centroids: the vectors' mean, then per list a step and 4-bit
                      codes of (centroid − mean) rotated (:class:`Rotation`)
    s/hv-<hash>.u8    the header's copy of one IVF list: rows (uint32), steps (float32), 2-bit
                      codes of each row's rotated residual from its decoded centroid, and the
                      first HASH_BYTES of the hash of each of its rescoring files
    s/w-<hash>.i8     RESCORE_CHUNK consecutive rows of a header list, int8 with their scales
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

Format 3 names a record chunk by its group's hash, which meta.json lists: format 2 listed
manifests of chunk names, and every search waited for a manifest before its records (at 3,300
resolutions five results shown were five manifests: 8 KB and a round trip).

The header's search by meaning (format 2). The full page's √N lists of int8 rows made the
first search by meaning download ~1.5 MB at 99,000 directives (3,300 synthetic resolutions;
315 lists, nprobe 9: 1.3 MB of lists, 122 KB of centroids), and meta.json, which named every
record chunk, 134 KB. Now meta.json names groups of record chunks, and the header reads its
own copy of the same lists: the centroids as 4-bit codes of their difference from the mean and
each row as 2-bit codes of its residual from its decoded centroid (104 B against 392 B), both in
a rotated basis (:class:`Rotation`: signs, a permutation and Walsh–Hadamard blocks, drawn from a
seed, so that every coordinate carries a like share and one step per row suits all of them).
2-bit codes cannot order the 10 best of a corpus full of near-duplicates (recall@10 ≤ 0.8 on
their own), so the best ``rescore`` rows of the scan get their int8 cosine, from files of
RESCORE_CHUNK consecutive rows of a list (rows ordered along the list's leading direction, so a
query's best rows in a list share files). The build calibrates nprobe and ``rescore`` together,
as the full page's nprobe: the pair that downloads the least among those that reach
RECALL_TARGET, the bytes counted on the calibration queries themselves (the lists probed and
the rescoring files their best rows fall in: ~R/3 files for R rows). Priced instead as if every
row rescored cost a file of its own, and rescoring at most 128 rows, the build took 40 lists and
128 rows at 3,300 synthetic resolutions (1,680 KB a first search by meaning, recall@10 of its
query-like directive vectors still 0.94); measured, it takes 12 lists and 384 rows (686 KB, 0.97;
the 37 relevance queries, which play no part in it, 0.98). Measured with
scripts/measure_search_scale.py and scripts/ivf_layouts.py (the header's layout is its last);
what was tried before (recall@10 on the script's queries / the 37 relevance queries, IVF bytes
of a first search): lists of 64 rows need 16 probes for 1.00 / 0.97
but a 609 KB centroid file; the same centroids in two levels (a top file, then the 4 nearest
groups) 772 KB at 0.97 / 0.93: a query's 10 best lie in lists scattered over many groups;
4-bit codes without a rotation or rescoring reach ≤ 0.94 on the relevance queries; product
quantisation with 16 codewords and int8 rescoring of the 60 best is too coarse to preselect
(0.88). Balanced lists of ~100 rows cut from k-means clusters (equal parts of each cluster)
lost recall (≤ 0.83 with 24 probes and 200 rows rescored): the cut splits near-duplicates
apart. Measured (first search by meaning besides meta.json and the model; recall@10 of the
script's queries, ties within TIE / the relevance queries): 207 KB at 6,000 directives (11 of 77
lists; 0.99 / 0.99), 291 KB at 30,000 (8 of 174; 1.00 / 0.98), 660 KB at 99,000 (14 of 315:
533 KB of lists, 67 KB of centroids; 1.00 / 0.96), against 721 KB, 951 KB and 1,468 KB in
format 1. Left to do for the 300 KB aim at 99,000: the centroids and the lists probed still
grow with √N (finer lists need cheaper centroids: two levels cost recall, see above).
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
SHARDS_FORMAT = 3
TERM_SHARD = 6000  # postings per term shard (≈ 10–15 KB deflated)
LEXICON_SHARD = 4000  # forms per lemma shard
RECORD_CHUNK = 24  # records per chunk: one screen of results touches one or two chunks
RECORD_GROUP = 128  # record chunks named by one hash in meta.json
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
QUERY_BLOCK = 64  # calibration queries scored against every vector at once
# the header's scan: the IVF lists again, each row as 2-bit codes of its residual from its list's
# (4-bit) centroid in a rotated basis; the RESCORE best rows get their int8 cosine from files
# of RESCORE_CHUNK rows (see _header_ivf)
ROW_BITS = 2
CENTROID_BITS = 4
RESCORE_CHOICES = (32, 48, 64, 96, 128, 192, 256, 384, 512)  # the build keeps the cheapest
RESCORE_CHUNK = 4
HASH_BYTES = 6  # a rescoring file's name in its list file: the first 12 hex digits, as bytes
ROTATION_ROUNDS = 3
ROTATION_SEED = 20240803
# the step of the b-bit codes in units of the row's root mean square (near the best uniform
# quantiser of a Gaussian: a rotated residual's coordinates are close to one)
CODE_STEP = {2: 1.0, 4: 0.35}


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

    def put(self, prefix: str, suffix: str, data: bytes, digest: str = "") -> str:
        """Write ``data`` as s/<prefix>-<digest><suffix>: its own hash unless ``digest``."""
        rel = f"{SHARD_DIR}/{prefix}-{digest or _digest(data)}{suffix}"
        self.written.append(atomic_write(self.dest / rel, data))
        return rel


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


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
    """The record chunks, s/r<n>-<hash of its group>.bin: meta.json lists one hash for each
    RECORD_GROUP chunks. A list of every chunk made meta.json 134 KB at 99,000 directives;
    manifests of chunk names cost each search a round trip before its records (a chunk whose
    group changes is renamed with it: a name still stands for one content)."""
    chunks = [
        deflate(_json([record_json(r) for r in records[start : start + RECORD_CHUNK]]))
        for start in range(0, len(records), RECORD_CHUNK)
    ]
    groups = []
    for start in range(0, len(chunks), RECORD_GROUP):
        group = chunks[start : start + RECORD_GROUP]
        digest = _digest(b"".join(hashlib.sha256(data).digest() for data in group))
        for n, data in enumerate(group, start):
            writer.put(f"r{n}", ".bin", data, digest)
        groups.append(digest)
    return {"size": RECORD_CHUNK, "per": RECORD_GROUP, "groups": groups}


def record_files(meta: Mapping[str, Any]) -> list[str]:
    """Every record chunk's path, in order, as the page names them from meta.json."""
    records = meta["records"]
    count = -(-int(meta["count"]) // int(records["size"]))
    groups, per = records["groups"], int(records["per"])
    return [f"{SHARD_DIR}/r{n}-{groups[n // per]}.bin" for n in range(count)]


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


_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & _MASK


def mulberry32(seed: int) -> Iterator[int]:
    """The 32-bit generator js/shards.js has too: the rotation is drawn, not stored."""
    a = seed & _MASK
    while True:
        a = (a + 0x6D2B79F5) & _MASK
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & _MASK) ^ t
        yield (t ^ (t >> 14)) & _MASK


@dataclass(frozen=True)
class Rotation:
    """An orthogonal map x → H·P·S·x, ROTATION_ROUNDS times: S random signs, P a random
    permutation, H the Walsh–Hadamard transform of each block of ``block`` coordinates. It
    spreads a residual's energy evenly, so that a few bits per coordinate with one step per
    row quantise it well."""

    signs: tuple[np.ndarray, ...]
    perms: tuple[np.ndarray, ...]
    block: int

    @classmethod
    def of(cls, dim: int) -> Rotation:
        draw = mulberry32(ROTATION_SEED)
        signs, perms = [], []
        for _ in range(ROTATION_ROUNDS):
            signs.append(
                np.array([1.0 if next(draw) & 1 else -1.0 for _ in range(dim)], np.float32)
            )
            perm = list(range(dim))
            for i in range(dim - 1, 0, -1):
                j = next(draw) % (i + 1)
                perm[i], perm[j] = perm[j], perm[i]
            perms.append(np.array(perm, np.int64))
        return cls(tuple(signs), tuple(perms), dim & -dim if dim else 1)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Rows of x rotated (float32)."""
        out: np.ndarray = np.asarray(x, np.float32).reshape(-1, x.shape[-1])
        n, b = len(out), self.block
        for sign, perm in zip(self.signs, self.perms, strict=True):
            blocks: np.ndarray = (out * sign)[:, perm].reshape(n, -1, b)
            h = 1
            while h < b:
                pairs = blocks.reshape(n, blocks.shape[1], b // (2 * h), 2, h)
                left, right = pairs[:, :, :, 0, :], pairs[:, :, :, 1, :]
                blocks = np.stack((left + right, left - right), axis=3).reshape(n, -1, b)
                h *= 2
            out = (blocks / np.float32(math.sqrt(b))).reshape(n, -1)
        result: np.ndarray = out.astype(np.float32).reshape(x.shape)
        return result


def scalar_codes(x: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """b-bit codes (0 … 2^b − 1) of the rows of x and their steps: x ≈ (code − 2^b/2 + ½)·step."""
    half = 2 ** (bits - 1)
    rms = np.sqrt(np.mean(np.square(x, dtype=np.float64), axis=1)) if len(x) else np.zeros(0)
    steps = np.maximum(rms * CODE_STEP[bits], 1e-12).astype(np.float32)
    codes = np.clip(np.floor(x / steps[:, None]), -half, half - 1) + half
    return codes.astype(np.uint8), steps


def scalar_values(codes: np.ndarray, steps: np.ndarray, bits: int) -> np.ndarray:
    out: np.ndarray = (
        (codes.astype(np.float32) - (2 ** (bits - 1) - 0.5)) * steps[:, None]
    ).astype(np.float32)
    return out


def pack(codes: np.ndarray, bits: int) -> bytes:
    """8 // bits codes a byte, the first in the lowest bits."""
    per = 8 // bits
    flat = codes.reshape(-1, per).astype(np.uint8)
    packed = np.zeros(len(flat), np.uint8)
    for i in range(per):
        packed |= flat[:, i] << np.uint8(i * bits)
    return packed.tobytes()


def unpack(data: bytes, bits: int, count: int, dim: int) -> np.ndarray:
    per = 8 // bits
    raw = np.frombuffer(data, np.uint8, count * dim // per)
    parts = [(raw >> np.uint8(i * bits)) & np.uint8(2**bits - 1) for i in range(per)]
    out: np.ndarray = np.stack(parts, axis=1).reshape(count, dim)
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


def _recall_curves(
    vectors: np.ndarray,
    centroids: np.ndarray,
    assign: np.ndarray,
    approx: np.ndarray,
    queries: np.ndarray,
    depths: Sequence[int],
) -> np.ndarray:
    """recall@k of :func:`ivf_search` for each k of ``depths`` (rows) and every nprobe from 1 to
    all lists (column nprobe − 1), counted as the k best rows of :func:`ivf_search` against
    the exhaustive k-th score (less TIE), in one pass per query. The k best of the nearest p
    lists are among the k best of each, so each list gives its k best and one more list
    merges k rows into k."""
    lists = len(centroids)
    out = np.zeros((len(depths), lists))
    ks = [min(k, len(vectors)) for k in depths]
    for start in range(0, len(queries), QUERY_BLOCK):
        block = np.asarray(queries[start : start + QUERY_BLOCK], np.float32)
        for exact, scores, near in zip(
            block @ vectors.T, block @ approx.T, block @ centroids.T, strict=True
        ):
            rank_of_list = np.empty(lists, dtype=np.int64)
            rank_of_list[np.argsort(-near, kind="stable")] = np.arange(lists)
            order = np.argsort(-scores, kind="stable")  # the int8 scores, best first
            probe_at = rank_of_list[assign[order]]  # a row is searched once nprobe > this
            by_list = np.argsort(probe_at, kind="stable")  # positions, list by list, best first
            starts = np.searchsorted(probe_at[by_list], np.arange(lists + 1))
            for d, k in enumerate(ks):
                kth = float(-np.partition(-exact, k - 1)[k - 1])
                good = exact[order] >= kth - TIE
                best = np.zeros(0, np.int64)  # positions in ``order`` of the k best so far
                for probe in range(1, lists + 1):
                    first = starts[probe - 1]
                    head = by_list[first : min(first + k, starts[probe])]
                    best = np.sort(np.concatenate((best, head)))[:k]
                    out[d, probe - 1] += good[best].sum() / k
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
        curves = _recall_curves(vectors, centroids_q, assign, approx, group, RECALL_DEPTHS)
        reached &= (curves >= RECALL_TARGET - 1e-9).all(axis=0)
        recall10 = np.minimum(recall10, curves[0])
    hits = np.flatnonzero(reached)
    nprobe = int(hits[0]) + 1 if len(hits) else k
    return centroids, assign, members, nprobe, float(recall10[nprobe - 1])


def _ivf_files(
    vectors: np.ndarray, writer: _Writer, queries: np.ndarray | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """meta.json's IVF entry (the header's directory file, the full page's centroids and
    nprobe) and the full page's int8 lists (listed in its page file)."""
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
    header = _header_ivf(vectors, centroids, members, writer, queries)
    meta = {"centroids": centroid_file, "nprobe": nprobe, "recall": round(recall, 4), **header}
    return meta, files


@dataclass(frozen=True)
class HeaderIVF:
    """The header's IVF as its files hold it, decoded: for :func:`header_search`."""

    rotation: Rotation
    mean: np.ndarray  # the centroids are coded as differences from it
    centroids: np.ndarray  # decoded, rotated, less the mean (lists × dim)
    rows: tuple[np.ndarray, ...]  # per list, in file order
    residuals: tuple[np.ndarray, ...]  # per list: the rows' decoded rotated residuals
    fine: tuple[np.ndarray, ...]  # per list: the rows' int8 vectors, dequantised
    nprobe: int
    rescore: int


def header_search(
    ivf: HeaderIVF,
    query: np.ndarray,
    k: int,
    nprobe: int | None = None,
    rescore: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The header's search by meaning (js/shards.js ``dense``): the k best rows and scores of
    the nprobe lists nearest to the query by their 4-bit centroids, each row scored by its
    2-bit code, the ``rescore`` best of those by their int8 vectors."""
    scan = _scan(ivf, query, ivf.nprobe if nprobe is None else nprobe)
    rescore = ivf.rescore if rescore is None else rescore
    top, scores = _rescored_top(scan, _best(scan.rows, scan.coarse, rescore + k), rescore, k)
    return scan.rows[top], scores


@dataclass(frozen=True)
class _Scan:
    """One query's scores in the lists nearest to it, concatenated nearest list first: the rows,
    their 2-bit scores and their int8 cosines; the first ``ends[p]`` are those of p lists."""

    lists: np.ndarray  # the lists scanned, nearest first
    ends: np.ndarray
    rows: np.ndarray
    coarse: np.ndarray
    fine: np.ndarray


def _scan(ivf: HeaderIVF, query: np.ndarray, lists: int) -> _Scan:
    q = np.asarray(query, np.float32)
    turned = ivf.rotation.apply(q[None])[0]
    near = float(ivf.mean @ q) + ivf.centroids @ turned
    order = np.argsort(-near, kind="stable")[:lists]
    if not len(order):
        empty = np.zeros(0, np.float32)
        return _Scan(order, np.zeros(1, np.int64), np.zeros(0, np.int64), empty, empty)
    return _Scan(
        lists=order,
        ends=np.concatenate(([0], np.cumsum([len(ivf.rows[c]) for c in order]))),
        rows=np.concatenate([ivf.rows[c] for c in order]),
        coarse=np.concatenate([near[c] + ivf.residuals[c] @ turned for c in order]).astype(
            np.float32
        ),
        fine=np.concatenate([ivf.fine[c] @ q for c in order]).astype(np.float32),
    )


def _rescored_top(
    scan: _Scan, order: np.ndarray, rescore: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions and scores of the k best rows of the scan (or of the rows of its first lists)
    once the ``rescore`` best by 2-bit score have their int8 cosine; ``order``: those rows'
    positions by 2-bit score, best first, at least ``rescore + k`` of them. The best rows left
    unrescored are the k after the rescored ones, so one partial sort serves every
    ``rescore`` up to its length."""
    rescored, rest = order[:rescore], order[rescore : rescore + k]
    pool = np.concatenate((rescored, rest))
    scores = np.concatenate((scan.fine[rescored], scan.coarse[rest]))
    best = _best(scan.rows[pool], scores, k)
    return pool[best], scores[best]


def _best(rows: np.ndarray, scores: np.ndarray, m: int) -> np.ndarray:
    """The positions of the ``m`` best scores, best first, a tie to the lower row (as the JS
    sorts them): only the scores at least the m-th best are sorted (the calibration picks
    ~100,000 times)."""
    n = len(scores)
    if m <= 0:
        return np.zeros(0, np.int64)
    if m >= n:
        return np.lexsort((rows, -scores))
    kth = np.partition(scores, n - m)[n - m]
    candidates = np.flatnonzero(scores >= kth)
    return candidates[np.lexsort((rows[candidates], -scores[candidates]))][:m]


def _along_spread(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A list's rows ordered along its vectors' leading principal direction: rows near each
    other share a rescoring file, and a query's best rows in a list tend to be neighbours."""
    if len(rows) <= RESCORE_CHUNK:
        return rows
    centred = vectors[rows] - vectors[rows].mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    ordered: np.ndarray = rows[np.argsort(centred @ direction, kind="stable")]
    return ordered


def _encode_header(
    vectors: np.ndarray, centroids: np.ndarray, members: Sequence[np.ndarray]
) -> tuple[HeaderIVF, tuple[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """(decoded IVF with nprobe 0, the centroids' codes and steps, per list its codes and steps)."""
    rotation = Rotation.of(vectors.shape[1])
    mean = vectors.mean(axis=0).astype(np.float32)
    c_codes, c_steps = scalar_codes(rotation.apply(centroids - mean), CENTROID_BITS)
    c_rotated = scalar_values(c_codes, c_steps, CENTROID_BITS)
    turned = rotation.apply(vectors) - rotation.apply(mean[None])[0]
    fine = dequantise(*quantise(vectors))
    members = [_along_spread(vectors, rows) for rows in members]
    rows_codes, residuals = [], []
    for c, rows in enumerate(members):
        codes, steps = scalar_codes(turned[rows] - c_rotated[c], ROW_BITS)
        rows_codes.append((codes, steps))
        residuals.append(scalar_values(codes, steps, ROW_BITS))
    ivf = HeaderIVF(
        rotation=rotation,
        mean=mean,
        centroids=c_rotated,
        rows=tuple(members),
        residuals=tuple(residuals),
        fine=tuple(fine[rows] for rows in members),
        nprobe=0,
        rescore=RESCORE_CHOICES[-1],
    )
    return ivf, (c_codes, c_steps), rows_codes


@dataclass(frozen=True)
class _HeaderLayout:
    """The sizes of the header's files as _header_ivf wrote them: per list the number of the
    rescoring file of each of its rows, the bytes of each rescoring file and of each list."""

    files: tuple[np.ndarray, ...]
    file_bytes: np.ndarray
    list_bytes: np.ndarray

    @classmethod
    def of(cls, lists: Iterable[tuple[int, Sequence[tuple[str, int, int]]]]) -> _HeaderLayout:
        """From per list its file's bytes and, per rescoring file of its rows in order, (path,
        bytes, rows); files of equal content (one path) count once."""
        number: dict[str, int] = {}
        files: list[np.ndarray] = []
        file_bytes: list[int] = []
        list_bytes: list[int] = []
        for size, chunks in lists:
            rows: list[int] = []
            for path, data, count in chunks:
                if path not in number:
                    number[path] = len(file_bytes)
                    file_bytes.append(data)
                rows += [number[path]] * count
            files.append(np.array(rows, np.int64))
            list_bytes.append(size)
        return cls(tuple(files), np.array(file_bytes, np.float64), np.array(list_bytes, np.float64))


@dataclass(frozen=True)
class _Probe:
    """A calibration query's scan, which of its rows are hits (exact cosine within TIE of the
    exhaustive k-th best), each row's rescoring file and the bytes of the first p lists."""

    scan: _Scan
    good: np.ndarray
    files: np.ndarray
    list_bytes: np.ndarray


def _calibration_probe(
    ivf: HeaderIVF,
    vectors: np.ndarray,
    query: np.ndarray,
    lists: int,
    depth: int,
    layout: _HeaderLayout,
) -> _Probe:
    scan = _scan(ivf, query, lists)
    exact = vectors @ np.asarray(query, np.float32)
    kth = float(np.sort(exact)[::-1][min(depth, len(vectors)) - 1])
    return _Probe(
        scan=scan,
        good=exact[scan.rows] >= kth - TIE,
        files=np.concatenate([layout.files[c] for c in scan.lists]),
        list_bytes=np.concatenate(([0], np.cumsum(layout.list_bytes[scan.lists]))),
    )


def _probe_outcomes(
    probe: _Probe, lists: int, choices: Sequence[int], depth: int, layout: _HeaderLayout
) -> list[tuple[float, float]]:
    """Per number of rows rescored in ``choices``: (recall, bytes) of :func:`header_search`
    with ``lists`` lists."""
    n = int(probe.scan.ends[lists])
    order = _best(probe.scan.rows[:n], probe.scan.coarse[:n], max(choices) + depth)
    out = []
    for rescore in choices:
        top, _ = _rescored_top(probe.scan, order, rescore, depth)
        found = float(np.mean(probe.good[top])) if len(top) else 1.0
        fetched = float(layout.file_bytes[np.unique(probe.files[order[:rescore]])].sum())
        out.append((found, float(probe.list_bytes[lists]) + fetched))
    return out


def _header_depth(
    vectors: np.ndarray, ivf: HeaderIVF, queries: np.ndarray | None, layout: _HeaderLayout
) -> tuple[int, int]:
    """(nprobe, rescore): of the pairs of a number of lists and a number of rows rescored (of
    RESCORE_CHOICES) whose header search reaches RECALL_TARGET at depth 10 (ties within TIE
    count) in each group of :func:`calibration_queries`, the one whose search downloads the
    least, as measured on the same queries: the lists probed and the rescoring files their
    best rows fall in (a group's mean; the most of the groups).

    With a fixed number of rows rescored, recall can fall again once so many rows are scanned
    that their 2-bit scores crowd the best out of the rescoring, so every number of lists is
    tried up to a quarter of them, until each choice has reached the target or the lists alone
    weigh more than the cheapest pair found. If no pair reaches the target, the one with the
    best recall. The header shows the first screen of results; the 30 best of the full page
    come from its own int8 lists.
    """
    groups = calibration_queries(vectors, queries)
    every = len(ivf.rows)
    limit = every if every <= 64 else max(64, every // 4)
    depth = RECALL_DEPTHS[0]
    probes = [
        [_calibration_probe(ivf, vectors, q, limit, depth, layout) for q in group]
        for group in groups
    ]
    choices = list(RESCORE_CHOICES)
    chosen: tuple[bool, float, float, int, int] | None = None  # reached, recall, −cost, …
    for lists in range(1, limit + 1):
        outcomes = [
            np.array([_probe_outcomes(p, lists, choices, depth, layout) for p in group])
            for group in probes
            if group
        ]
        left = []
        for i, rescore in enumerate(choices):
            got = min(float(o[:, i, 0].mean()) for o in outcomes)
            cost = max(float(o[:, i, 1].mean()) for o in outcomes)
            reached = got >= RECALL_TARGET - 1e-9
            key = (reached, 1.0 if reached else got, -cost, lists, rescore)
            if chosen is None or key[:3] > chosen[:3]:
                chosen = key
            if not reached:  # once reached, a choice costs more with every further list
                left.append(rescore)
        choices = left
        lightest = max(float(np.mean([p.list_bytes[lists] for p in g])) for g in probes if g)
        if not choices or (chosen is not None and chosen[0] and lightest >= -chosen[2]):
            break
    assert chosen is not None
    return chosen[3], chosen[4]


def _header_ivf(
    vectors: np.ndarray,
    centroids: np.ndarray,
    members: Sequence[np.ndarray],
    writer: _Writer,
    queries: np.ndarray | None,
) -> dict[str, Any]:
    """The header's IVF files: the same lists as the full page's, each row as a 2-bit code of
    its residual from its list's 4-bit centroid in a rotated basis (104 B and 6 B of the
    name of its rescoring file, against 392 B as int8), and the int8 rows again in files of
    RESCORE_CHUNK rows, list by list, for the RESCORE best of a scan.

    ``s/h-*.u8``: the mean (float32 × dim), the centroids' steps (float32 × lists), their
    4-bit codes; ``s/hv-*.u8`` per list: rows (uint32), steps (float32), 2-bit codes, then
    the first HASH_BYTES of the hash of each of its ``s/w-*.i8`` files (scales, int8 codes).
    A ``s/hd-*.bin`` directory names the lists; meta.json names only that file.
    """
    ivf, (c_codes, c_steps), rows_codes = _encode_header(vectors, centroids, members)
    int8, scales = quantise(vectors)
    lists, written = [], []
    for rows, (codes, steps) in zip(ivf.rows, rows_codes, strict=True):
        names, chunks = b"", []
        for start in range(0, len(rows), RESCORE_CHUNK):
            part = rows[start : start + RESCORE_CHUNK]
            chunk = scales[part].astype("<f4").tobytes() + int8[part].tobytes()
            path = writer.put("w", ".i8", chunk)
            names += bytes.fromhex(path.rsplit("-", 1)[1].split(".")[0][: 2 * HASH_BYTES])
            chunks.append((path, len(chunk), len(part)))
        data = rows.astype("<u4").tobytes() + steps.astype("<f4").tobytes()
        data += pack(codes, ROW_BITS) + names
        lists.append(writer.put("hv", ".u8", data))
        written.append((len(data), chunks))
    nprobe, rescore = _header_depth(vectors, ivf, queries, _HeaderLayout.of(written))
    centroid_file = writer.put(
        "h",
        ".u8",
        ivf.mean.astype("<f4").tobytes()
        + c_steps.astype("<f4").tobytes()
        + pack(c_codes, CENTROID_BITS),
    )
    directory = {
        "centroids": centroid_file,
        "lists": lists,
        "counts": [len(rows) for rows in members],
        "nprobe": nprobe,
        "rescore": rescore,
        "chunk": RESCORE_CHUNK,
        "bits": [ROW_BITS, CENTROID_BITS],
        "seed": ROTATION_SEED,
        "rounds": ROTATION_ROUNDS,
    }
    return {"header": writer.put("hd", ".bin", deflate(_json(directory)))}


def read_header_ivf(dest: Path, meta: Mapping[str, Any]) -> HeaderIVF:
    """The header's IVF as js/shards.js reads it: for measurements and tests."""
    dim = int(meta["dim"])
    directory = json.loads(inflate((dest / meta["ivf"]["header"]).read_bytes()))
    counts = directory["counts"]
    raw = (dest / directory["centroids"]).read_bytes()
    k = len(counts)
    mean = np.frombuffer(raw[: 4 * dim], "<f4").astype(np.float32)
    steps = np.frombuffer(raw[4 * dim : 4 * dim + 4 * k], "<f4")
    centroids = scalar_values(
        unpack(raw[4 * dim + 4 * k :], CENTROID_BITS, k, dim), steps, CENTROID_BITS
    )
    rows, residuals, fine = [], [], []
    for path, count in zip(directory["lists"], counts, strict=True):
        data = (dest / path).read_bytes()
        rows.append(np.frombuffer(data[: 4 * count], "<u4").astype(np.int64))
        row_steps = np.frombuffer(data[4 * count : 8 * count], "<f4")
        body = data[8 * count :]
        residuals.append(scalar_values(unpack(body, ROW_BITS, count, dim), row_steps, ROW_BITS))
        names = body[count * dim * ROW_BITS // 8 :]
        parts = []
        for i in range(0, len(names), HASH_BYTES):
            chunk = (dest / f"{SHARD_DIR}/w-{names[i : i + HASH_BYTES].hex()}.i8").read_bytes()
            m = len(chunk) // (4 + dim)
            scales = np.frombuffer(chunk[: 4 * m], "<f4")
            parts.append(dequantise(np.frombuffer(chunk[4 * m :], np.int8).reshape(m, dim), scales))
        fine.append(np.concatenate(parts) if parts else np.zeros((0, dim), np.float32))
    return HeaderIVF(
        rotation=Rotation.of(dim),
        mean=mean,
        centroids=centroids,
        rows=tuple(rows),
        residuals=tuple(residuals),
        fine=tuple(fine),
        nprobe=int(directory["nprobe"]),
        rescore=int(directory["rescore"]),
    )


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
        meta["ivf"], full["ivf_lists"] = _ivf_files(v, writer, queries)
        meta["stats"] = writer.put("g", ".bin", deflate(_json(_stats(v))))
        full["vectors"] = _vector_chunks(v, writer)
        full["covariance"] = _covariance(v, writer)
    meta["page"] = writer.put("q", ".bin", deflate(_json(full)))
    meta.update(extra or {})
    writer.written.append(atomic_write(dest / META_FILE, _json(meta)))
    return writer.written


def read_ivf(dest: Path, meta: Mapping[str, Any]) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """The full page's centroids and int8 lists (dequantised), as fusion.js reads them."""
    dim = int(meta["dim"])
    ivf = meta["ivf"]
    page = json.loads(inflate((dest / meta["page"]).read_bytes()))
    raw = (dest / ivf["centroids"]).read_bytes()
    k = len(raw) // (4 + dim)
    scales = np.frombuffer(raw[: 4 * k], dtype="<f4")
    codes = np.frombuffer(raw[4 * k :], dtype=np.int8).reshape(k, dim)
    centroids = dequantise(codes, scales)
    lists = []
    for entry in page["ivf_lists"]:
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
    "HeaderIVF",
    "Page",
    "Rotation",
    "build_ivf",
    "calibration_queries",
    "deflate",
    "dequantise",
    "export_shards",
    "header_search",
    "inflate",
    "ivf_search",
    "postings",
    "quantise",
    "read_header_ivf",
    "read_ivf",
    "record_files",
]
