"""The search index on disk: directive records, their vectors, BM25 and similar directives.

Layout of ``index/``::

    manifest.json           the pointer: which version folder is current, its checksums
    v-<hash>/directives.faiss   faiss IndexFlatIP over L2-normalised passage vectors
    v-<hash>/directives.json    one record per directive (row i = vector i)
    v-<hash>/lexical.json       the BM25 index and form→lemma lexicon (see avgust.index.bm25)
    v-<hash>/similar.json       per directive, similar directives of other districts

A build writes a complete version folder under a temporary name, renames it into
place, and only then replaces ``manifest.json`` (os.replace), so a reader always
sees one whole version: the old or the new. The previous version folder is kept
for readers that read the old manifest just before the swap; older ones go.
The version name is a hash of the content, so rebuilding unchanged input
changes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from avgust.config import DEFAULT_LEXICAL_WEIGHT, Config
from avgust.errors import AvgustError, IndexStateError
from avgust.index.bm25 import LexicalIndex
from avgust.index.embed import (
    Embedder,
    EmbeddingCache,
    embed_passages_cached,
    embed_queries_cached,
    model_id_for,
    passage_prefix_for,
)
from avgust.index.records import DirectiveRecord
from avgust.index.similar import Neighbourhoods, similar_lists
from avgust.records import Resolution, SimilarDirective, Theme, to_dict
from avgust.themes import theme_text
from avgust.util.fs import atomic_write, file_sha256, make_readable, os_error_message
from avgust.version import __version__

FORMAT = 3  # 2: themes.json for the theme signal; 3: records carry every published field
MANIFEST = "manifest.json"
FAISS_FILE = "directives.faiss"
RECORDS_FILE = "directives.json"
LEXICAL_FILE = "lexical.json"
SIMILAR_FILE = "similar.json"
INDEX_THEMES_FILE = "themes.json"
SIMILAR_MEMO = "similar.npz"  # in the cache: the last build's neighbourhoods (index.similar)
METRIC = "inner_product"  # on L2-normalised vectors, i.e. cosine
REBUILD = "run `avgust build` to rebuild it"


@dataclass(frozen=True)
class IndexSummary:
    """What a build did."""

    resolutions: int
    directives: int
    embedded: int  # distinct texts embedded by this build
    cached: int  # distinct texts taken from the embedding cache
    similar_pairs: int
    seconds: float
    folder: Path
    model_id: str
    stages: tuple[tuple[str, float], ...] = ()  # (stage, seconds): embed, lexical, similar, write
    similar_searched: int = 0  # directives whose similar list was searched (not updated)


@dataclass(frozen=True, eq=False)
class Index:
    """A loaded index, with what search needs precomputed."""

    folder: Path
    manifest: Mapping[str, Any]
    records: tuple[DirectiveRecord, ...]
    vectors: np.ndarray  # float32 (n, dim), L2-normalised, C-contiguous
    faiss_index: Any
    lexical: LexicalIndex
    similar: Mapping[str, tuple[SimilarDirective, ...]]
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    themes: tuple[Theme, ...] = ()
    # each theme's description embedded as a query, row i = themes[i] (float32 (t, dim))
    theme_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    positions: Mapping[str, int] = field(init=False)
    years: np.ndarray = field(init=False)  # int32, 0 = unknown
    groups: np.ndarray = field(init=False)  # int32 code of the district, see group_names
    group_names: tuple[str, ...] = field(init=False)
    theme_rows: Mapping[str, np.ndarray] = field(init=False)
    theme_members: np.ndarray = field(init=False)  # float32 (n, t): 1 where directive has theme
    # the vectors' mean and covariance: the mean and spread of ``vectors @ x`` for any x
    # in O(dim²), so search can z-score a second dense signal without a second full pass
    mean_vector: np.ndarray = field(init=False)
    covariance: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "positions", {r.id: i for i, r in enumerate(self.records)})
        setattr_(self, "years", np.array([r.year or 0 for r in self.records], dtype=np.int32))
        groups, names = group_codes(self.records)
        setattr_(self, "group_names", names)
        setattr_(self, "groups", groups)
        tagged: dict[str, list[int]] = {}
        for i, r in enumerate(self.records):
            for slug in r.themes:
                tagged.setdefault(slug, []).append(i)
        setattr_(
            self, "theme_rows", {t: np.array(rows, dtype=np.int64) for t, rows in tagged.items()}
        )
        members = np.zeros((len(self.records), len(self.themes)), dtype=np.float32)
        for column, theme in enumerate(self.themes):
            members[tagged.get(theme.slug, []), column] = 1.0
        setattr_(self, "theme_members", members)
        dim = self.vectors.shape[1]
        if len(self.vectors):
            as64 = self.vectors.astype(np.float64)
            mean = as64.mean(axis=0)
            covariance = (as64.T @ as64) / len(as64) - np.outer(mean, mean)
        else:
            mean, covariance = np.zeros(dim), np.zeros((dim, dim))
        setattr_(self, "mean_vector", mean)
        setattr_(self, "covariance", covariance)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    def record(self, directive: str) -> DirectiveRecord:
        """The record of a directive id ("<slug>#<anchor>")."""
        return self.records[self.positions[directive]]

    def files(self) -> dict[str, Path]:
        """The files of this version, by name (for copying into the site)."""
        return {name: self.folder / name for name in self.manifest["files"]}


def group_codes(records: Sequence[DirectiveRecord]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each record's district as an int32 code, and the districts in code order."""
    names = sorted({r.group for r in records})
    code = {g: i for i, g in enumerate(names)}
    return np.array([code[r.group] for r in records], dtype=np.int32), tuple(names)


def records_of(resolutions: Sequence[Resolution]) -> list[DirectiveRecord]:
    """Every directive of every resolution, in order; duplicate ids are an error."""
    records: list[DirectiveRecord] = []
    seen: dict[str, str] = {}
    for resolution in resolutions:
        for directive in resolution.directives:
            record = DirectiveRecord.of(resolution, directive)
            if record.id in seen:
                raise AvgustError(
                    f"directive id {record.id} occurs twice (also in {seen[record.id]}); "
                    "give the resolutions distinct slugs",
                    resolution.source,
                    directive.line or None,
                )
            seen[record.id] = resolution.source
            records.append(record)
    return records


def corpus_hash(records: Iterable[DirectiveRecord]) -> str:
    """SHA-256 of the records as they are written to directives.json."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(_dumps(record.to_json()).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def build_index(
    resolutions: Sequence[Resolution],
    embedder: Embedder,
    config: Config,
    *,
    progress: bool | None = None,
    themes: Sequence[Theme] = (),
) -> IndexSummary:
    """Embed (through the cache), index and write ``config.index_dir`` atomically.

    ``progress`` defaults to ``not config.quiet``; the bar only shows on a terminal.
    ``themes`` (the taxonomy) are stored with their descriptions embedded as queries,
    for the theme signal of search.
    """
    started = time.perf_counter()
    if embedder.model_id != model_id_for(config):
        raise AvgustError(
            f"the embedder is {embedder.model_id}, the configuration names {config.model}"
        )
    records = records_of(resolutions)
    passages = [r.passage for r in records]
    stages: list[tuple[str, float]] = []
    with EmbeddingCache.for_config(config) as cache:
        embedded = embed_passages_cached(
            embedder, passages, cache, progress=not config.quiet if progress is None else progress
        )
        theme_vectors = _theme_vectors(themes, embedder, cache)
    stages.append(("embed", time.perf_counter() - started))
    lexical = LexicalIndex.build([r.lexical_text for r in records])
    stages.append(("lexical", time.perf_counter() - started - sum(s for _, s in stages)))
    faiss_index = _flat_index(embedded.vectors, embedder.dim)
    similar, searched = _similar(records, embedded.vectors, config)
    stages.append(("similar", time.perf_counter() - started - sum(s for _, s in stages)))
    chash = corpus_hash(records)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "avgust_version": __version__,
        "model": config.model,
        "model_id": embedder.model_id,
        "passage_prefix": embedder.passage_prefix,
        "dim": embedder.dim,
        "metric": METRIC,
        "count": len(records),
        "resolutions": len(resolutions),
        "corpus_hash": chash,
        "similar": {
            "k": config.similar_k,
            "threshold": config.similar_threshold,
            "theme_threshold": config.similar_theme_threshold,
        },
    }
    index_dir = config.index_dir
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(index_dir / ".build.lock")):
            folder = _write_version(
                index_dir, meta, records, faiss_index, lexical, similar, (themes, theme_vectors)
            )
    except OSError as exc:
        raise AvgustError(os_error_message(exc, "write the index"), index_dir) from exc
    stages.append(("write", time.perf_counter() - started - sum(s for _, s in stages)))
    return IndexSummary(
        resolutions=len(resolutions),
        directives=len(records),
        embedded=embedded.embedded,
        cached=embedded.cached,
        similar_pairs=sum(len(v) for v in similar.values()),
        seconds=time.perf_counter() - started,
        folder=folder,
        model_id=embedder.model_id,
        stages=tuple(stages),
        similar_searched=searched,
    )


def _similar(
    records: Sequence[DirectiveRecord], vectors: np.ndarray, config: Config
) -> tuple[dict[str, list[SimilarDirective]], int]:
    """The similar lists, updated from the last build's neighbourhoods (kept in the cache)
    where they are still exact, and how many were searched."""
    memo_file = config.cache_dir / SIMILAR_MEMO
    try:
        previous = Neighbourhoods.from_bytes(memo_file.read_bytes())
    except OSError:
        previous = None
    similar, memo, searched = similar_lists(
        vectors,
        group_codes(records)[0],
        [r.id for r in records],
        [r.themes for r in records],
        k=config.similar_k,
        threshold=config.similar_threshold,
        theme_threshold=config.similar_theme_threshold,
        previous=previous,
    )
    if memo is not None:
        with suppress(OSError):  # only the next rebuild's shortcut is lost
            atomic_write(memo_file, memo.to_bytes())
    return similar, searched


def _theme_vectors(
    themes: Sequence[Theme], embedder: Embedder, cache: EmbeddingCache
) -> np.ndarray:
    """Each theme's description embedded as a query (what a searcher would type)."""
    return embed_queries_cached(embedder, [theme_text(t) for t in themes], cache)


def _flat_index(vectors: np.ndarray, dim: int) -> Any:
    import faiss

    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_version(
    index_dir: Path,
    meta: dict[str, Any],
    records: Sequence[DirectiveRecord],
    faiss_index: Any,
    lexical: LexicalIndex,
    similar: Mapping[str, Sequence[SimilarDirective]],
    taxonomy: tuple[Sequence[Theme], np.ndarray],
) -> Path:
    import faiss

    _sweep(index_dir, keep=set(), temporary_only=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_dir))
    make_readable(tmp, directory=True)
    try:
        try:
            faiss.write_index(faiss_index, str(tmp / FAISS_FILE))
        except RuntimeError as exc:  # faiss tells a failed write so, without an errno
            raise AvgustError(_faiss_write_error(str(exc)), index_dir) from exc
        _write_json(tmp / RECORDS_FILE, [r.to_json() for r in records])
        _write_json(tmp / LEXICAL_FILE, lexical.to_json())
        _write_json(
            tmp / SIMILAR_FILE,
            {key: [[s.id, round(s.score, 4)] for s in hits] for key, hits in similar.items()},
        )
        themes, theme_vectors = taxonomy
        _write_json(
            tmp / INDEX_THEMES_FILE,
            [
                {**to_dict(theme), "vector": [round(float(x), 6) for x in vector]}
                for theme, vector in zip(themes, theme_vectors, strict=True)
            ],
        )
        files = {name: file_sha256(tmp / name) for name in sorted(p.name for p in tmp.iterdir())}
        version = "v-" + hashlib.sha256(_dumps([meta, files]).encode()).hexdigest()[:16]
        target = index_dir / version
        if target.is_dir() and _checksums_ok(target, files):
            shutil.rmtree(tmp)
        else:
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = _current_version(index_dir)
    manifest = {**meta, "version": version, "files": files}
    _write_json(index_dir / MANIFEST, manifest)  # the switch: atomic
    _sweep(index_dir, keep={version, previous or version}, temporary_only=False)
    return target


def _faiss_write_error(text: str) -> str:
    """faiss's "Error in … write error in <file>: 9955 != 153600 (File too large)" as one line."""
    found = re.search(r"write error in (?P<file>.+?): \d+ != \d+ \((?P<reason>[^)]*)\)", text)
    if found is None:
        return f"cannot write the index: {text.splitlines()[-1] if text else 'faiss failed'}"
    codes = {os.strerror(code): code for code in errno.errorcode}
    error = OSError(codes.get(found["reason"], 0), found["reason"], found["file"])
    return os_error_message(error, "write the index")


def _current_version(index_dir: Path) -> str | None:
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        return str(data["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sweep(index_dir: Path, keep: set[str], temporary_only: bool) -> None:
    """Remove leftover temporary folders and (unless ``temporary_only``) old versions."""
    for entry in index_dir.iterdir():
        if entry.name in keep:
            continue
        if not entry.is_dir():
            if entry.name.startswith(f".{MANIFEST}.") and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)  # a build killed at the switch
            continue
        if entry.name.startswith(".tmp-") or (not temporary_only and entry.name.startswith("v-")):
            shutil.rmtree(entry, ignore_errors=True)


def load_index(config: Config) -> Index:
    """The current index of ``config.index_dir``, verified against its manifest.

    Raises IndexStateError (with a rebuild hint) when the index is missing, incomplete,
    corrupted, of another format, or built with another model than the configured one.
    """
    index_dir = config.index_dir
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexStateError(f"no index here; {REBUILD}", index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = str(manifest["version"])
        files: dict[str, str] = dict(manifest["files"])
        fmt = manifest.get("format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStateError(f"unreadable index manifest ({exc}); {REBUILD}", path) from exc
    if fmt != FORMAT:
        raise IndexStateError(f"index format {fmt!r}, this avgust reads {FORMAT}; {REBUILD}", path)
    if manifest.get("model") != config.model or manifest.get("model_id") != model_id_for(config):
        raise IndexStateError(
            f"the index was built with the model {manifest.get('model_id')!r}, the configured "
            f"model is {model_id_for(config)!r}; {REBUILD}",
            path,
        )
    if manifest.get("passage_prefix") != passage_prefix_for(config):
        raise IndexStateError(
            f"the index was built with the passage prefix {manifest.get('passage_prefix')!r}, "
            f"the configuration gives {passage_prefix_for(config)!r}; {REBUILD}",
            path,
        )
    folder = index_dir / version
    for name in (FAISS_FILE, RECORDS_FILE, LEXICAL_FILE, SIMILAR_FILE):
        if name not in files:
            raise IndexStateError(f"the manifest does not list {name}; {REBUILD}", path)
    for name, digest in files.items():
        file = folder / name
        if not file.is_file():
            raise IndexStateError(f"index file missing; {REBUILD}", file)
        if file_sha256(file) != digest:
            raise IndexStateError(f"index file does not match its checksum; {REBUILD}", file)
    return _read_version(folder, manifest, config)


def _read_version(folder: Path, manifest: Mapping[str, Any], config: Config) -> Index:
    import faiss

    name = RECORDS_FILE
    try:
        records = tuple(
            DirectiveRecord.from_json(r) for r in _read_json(folder / name, "directives")
        )
        name = LEXICAL_FILE
        lexical = LexicalIndex.from_json(_read_json(folder / name, "lexical"))
        name = SIMILAR_FILE
        similar = {
            key: tuple(SimilarDirective(id=str(i), score=float(s)) for i, s in hits)
            for key, hits in _read_json(folder / name, "similar").items()
        }
        name = INDEX_THEMES_FILE
        taxonomy = _read_json(folder / name, "themes")
        themes = tuple(
            Theme(t["slug"], t["name"], t["description"], tuple(t["rules"])) for t in taxonomy
        )
        theme_vectors = np.array([t["vector"] for t in taxonomy], dtype=np.float32).reshape(
            len(taxonomy), -1 if taxonomy else 0
        )
        name = FAISS_FILE
        faiss_index = faiss.read_index(str(folder / name))
    except (ValueError, KeyError, TypeError, RuntimeError, AttributeError) as exc:
        raise IndexStateError(f"unreadable index file ({exc}); {REBUILD}", folder / name) from exc
    count, dim = int(manifest["count"]), int(manifest["dim"])
    if not (faiss_index.ntotal == count == len(records) == len(lexical)):
        raise IndexStateError(
            f"the index files disagree on the number of directives; {REBUILD}", folder
        )
    if faiss_index.d != dim:
        raise IndexStateError(f"the vectors have dimension {faiss_index.d}, not {dim}; {REBUILD}")
    vectors = faiss_index.reconstruct_n(0, count) if count else np.zeros((0, dim), dtype=np.float32)
    return Index(
        folder=folder,
        manifest=manifest,
        records=records,
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
        faiss_index=faiss_index,
        lexical=lexical,
        similar=similar,
        lexical_weight=config.lexical_weight,
        themes=themes,
        theme_vectors=theme_vectors,
    )


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the {what} file: {exc}") from exc


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _write_json(path: Path, data: Any) -> None:
    atomic_write(path, _dumps(data), durable=True)


def _checksums_ok(folder: Path, files: Mapping[str, str]) -> bool:
    return all((folder / n).is_file() and file_sha256(folder / n) == d for n, d in files.items())


__all__ = [
    "DirectiveRecord",
    "Index",
    "IndexSummary",
    "build_index",
    "corpus_hash",
    "group_codes",
    "load_index",
    "records_of",
]
