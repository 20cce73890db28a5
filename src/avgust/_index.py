"""The search index on disk: directive records, their vectors, BM25 and similar directives.

Layout of ``index/``::

    manifest.json           the pointer: which version folder is current, its checksums
    v-<hash>/directives.faiss   faiss IndexFlatIP over L2-normalised passage vectors
    v-<hash>/directives.json    one record per directive (row i = vector i)
    v-<hash>/lexical.json       the BM25 index and form→lemma lexicon (see _lexical.py)
    v-<hash>/similar.json       per directive, similar directives of other districts

A build writes a complete version folder under a temporary name, renames it into
place, and only then replaces ``manifest.json`` (os.replace), so a reader always
sees one whole version: the old or the new. The previous version folder is kept
for readers that read the old manifest just before the swap; older ones go.
The version name is a hash of the content, so rebuilding unchanged input
changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from avgust import __version__
from avgust._config import Config
from avgust._embed import (
    Embedder,
    EmbeddingCache,
    embed_with_cache,
    model_id_for,
    passage_prefix_for,
)
from avgust._fs import file_sha256, make_readable
from avgust._lexical import LexicalIndex
from avgust._types import (
    AvgustError,
    Directive,
    Resolution,
    SimilarDirective,
    Theme,
    directive_id,
    directive_url,
    to_dict,
)

FORMAT = 2  # 2: themes.json (the taxonomy and its query vectors) for the theme signal
MANIFEST = "manifest.json"
FAISS_FILE = "directives.faiss"
RECORDS_FILE = "directives.json"
LEXICAL_FILE = "lexical.json"
SIMILAR_FILE = "similar.json"
THEMES_FILE = "themes.json"
METRIC = "inner_product"  # on L2-normalised vectors, i.e. cosine
NO_DISTRICT = "resolution:"  # the group of a directive whose district is unknown
REBUILD = "run `avgust build` to rebuild it"


@dataclass(frozen=True)
class DirectiveRecord:
    """One directive as the index, the CLI and the browser see it."""

    id: str  # "<resolution slug>#<anchor>"
    resolution: str  # slug
    title: str
    district: str | None
    region: str | None
    year: int | None
    number: str | None
    addressees: tuple[str, ...]
    deadline: str  # as written
    deadline_kind: str
    themes: tuple[str, ...]
    text: str
    context: str | None
    url: str  # relative to the site root: resolutions/<slug>/#<anchor>
    responsible: str | None = None  # "Ответственные: …" as written

    @classmethod
    def of(cls, resolution: Resolution, directive: Directive) -> DirectiveRecord:
        return cls(
            id=directive_id(resolution.slug, directive.anchor),
            resolution=resolution.slug,
            title=resolution.title,
            district=resolution.district,
            region=resolution.region,
            year=resolution.year,
            number=directive.number,
            addressees=directive.addressees,
            deadline=directive.deadline.raw,
            deadline_kind=directive.deadline.kind.value,
            themes=directive.themes,
            text=directive.text,
            context=directive.context,
            url=directive_url(resolution.slug, directive.anchor),
            responsible=directive.responsible,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "resolution": self.resolution,
            "title": self.title,
            "district": self.district,
            "region": self.region,
            "year": self.year,
            "number": self.number,
            "addressees": list(self.addressees),
            "deadline": self.deadline,
            "deadline_kind": self.deadline_kind,
            "themes": list(self.themes),
            "text": self.text,
            "context": self.context,
            "url": self.url,
            "responsible": self.responsible,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DirectiveRecord:
        return cls(
            id=str(data["id"]),
            resolution=str(data["resolution"]),
            title=str(data["title"]),
            district=data.get("district"),
            region=data.get("region"),
            year=int(data["year"]) if data.get("year") is not None else None,
            number=data.get("number"),
            addressees=tuple(data.get("addressees", ())),
            deadline=str(data.get("deadline", "")),
            deadline_kind=str(data.get("deadline_kind", "none")),
            themes=tuple(data.get("themes", ())),
            text=str(data["text"]),
            context=data.get("context"),
            url=str(data["url"]),
            responsible=data.get("responsible"),
        )

    @property
    def passage(self) -> str:
        """The text that is embedded: the directive as written."""
        return self.text

    @property
    def lexical_text(self) -> str:
        """The text indexed for BM25: the lead-in it sits under, then the directive."""
        return f"{self.context}: {self.text}" if self.context else self.text

    @property
    def group(self) -> str:
        """The district for "other districts" (the resolution itself when none is known)."""
        return self.district or f"{NO_DISTRICT}{self.resolution}"


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
    lexical_weight: float = 0.4
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
        names = sorted({r.group for r in self.records})
        code = {g: i for i, g in enumerate(names)}
        setattr_(self, "group_names", tuple(names))
        setattr_(self, "groups", np.array([code[r.group] for r in self.records], dtype=np.int32))
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
    from filelock import FileLock

    from avgust._similar import similar_directives

    started = time.perf_counter()
    if embedder.model_id != model_id_for(config):
        raise AvgustError(
            f"the embedder is {embedder.model_id}, the configuration names {config.model}"
        )
    records = records_of(resolutions)
    passages = [r.passage for r in records]
    stages: list[tuple[str, float]] = []
    with EmbeddingCache.for_config(config) as cache:
        embedded = embed_with_cache(
            embedder, passages, cache, progress=not config.quiet if progress is None else progress
        )
        theme_vectors = _theme_vectors(themes, embedder, cache)
    stages.append(("embed", time.perf_counter() - started))
    lexical = LexicalIndex.build([r.lexical_text for r in records])
    stages.append(("lexical", time.perf_counter() - started - sum(s for _, s in stages)))
    faiss_index = _flat_index(embedded.vectors, embedder.dim)
    draft = Index(
        folder=config.index_dir,
        manifest={"model_id": embedder.model_id, "dim": embedder.dim},
        records=tuple(records),
        vectors=embedded.vectors,
        faiss_index=faiss_index,
        lexical=lexical,
        similar={},
    )
    similar = similar_directives(
        draft,
        k=config.similar_k,
        threshold=config.similar_threshold,
        theme_threshold=config.similar_theme_threshold,
    )
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
        raise AvgustError(f"cannot write the index: {exc}", index_dir) from exc
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
    )


def _theme_vectors(
    themes: Sequence[Theme], embedder: Embedder, cache: EmbeddingCache
) -> np.ndarray:
    """Each theme's description embedded as a query (what a searcher would type)."""
    from avgust._embed import embed_queries_cached
    from avgust._themes import theme_text

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
        faiss.write_index(faiss_index, str(tmp / FAISS_FILE))
        _write_json(tmp / RECORDS_FILE, [r.to_json() for r in records])
        _write_json(tmp / LEXICAL_FILE, lexical.to_json())
        _write_json(
            tmp / SIMILAR_FILE,
            {key: [[s.id, round(s.score, 4)] for s in hits] for key, hits in similar.items()},
        )
        themes, theme_vectors = taxonomy
        _write_json(
            tmp / THEMES_FILE,
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

    Raises AvgustError (with a rebuild hint) when the index is missing, incomplete,
    corrupted, of another format, or built with another model than the configured one.
    """
    index_dir = config.index_dir
    path = index_dir / MANIFEST
    if not path.is_file():
        raise AvgustError(f"no index here; {REBUILD}", index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = str(manifest["version"])
        files: dict[str, str] = dict(manifest["files"])
        fmt = manifest.get("format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AvgustError(f"unreadable index manifest ({exc}); {REBUILD}", path) from exc
    if fmt != FORMAT:
        raise AvgustError(f"index format {fmt!r}, this avgust reads {FORMAT}; {REBUILD}", path)
    if manifest.get("model") != config.model or manifest.get("model_id") != model_id_for(config):
        raise AvgustError(
            f"the index was built with the model {manifest.get('model_id')!r}, the configured "
            f"model is {model_id_for(config)!r}; {REBUILD}",
            path,
        )
    if manifest.get("passage_prefix") != passage_prefix_for(config):
        raise AvgustError(
            f"the index was built with the passage prefix {manifest.get('passage_prefix')!r}, "
            f"the configuration gives {passage_prefix_for(config)!r}; {REBUILD}",
            path,
        )
    folder = index_dir / version
    for name in (FAISS_FILE, RECORDS_FILE, LEXICAL_FILE, SIMILAR_FILE):
        if name not in files:
            raise AvgustError(f"the manifest does not list {name}; {REBUILD}", path)
    for name, digest in files.items():
        file = folder / name
        if not file.is_file():
            raise AvgustError(f"index file missing; {REBUILD}", file)
        if file_sha256(file) != digest:
            raise AvgustError(f"index file does not match its checksum; {REBUILD}", file)
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
        name = THEMES_FILE
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
        raise AvgustError(f"unreadable index file ({exc}); {REBUILD}", folder / name) from exc
    count, dim = int(manifest["count"]), int(manifest["dim"])
    if not (faiss_index.ntotal == count == len(records) == len(lexical)):
        raise AvgustError(
            f"the index files disagree on the number of directives; {REBUILD}", folder
        )
    if faiss_index.d != dim:
        raise AvgustError(f"the vectors have dimension {faiss_index.d}, not {dim}; {REBUILD}")
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
    """Write JSON atomically (temporary file in the same folder, then os.replace)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(_dumps(data))
            out.flush()
            os.fsync(out.fileno())
        make_readable(Path(tmp))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _checksums_ok(folder: Path, files: Mapping[str, str]) -> bool:
    return all((folder / n).is_file() and file_sha256(folder / n) == d for n, d in files.items())


__all__ = [
    "DirectiveRecord",
    "Index",
    "IndexSummary",
    "build_index",
    "corpus_hash",
    "load_index",
    "records_of",
]
