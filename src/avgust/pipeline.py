"""`avgust build`: parse → themes → embed → index → similar → pages → search data → site.

A broken source file is reported and left out; the others build. Only one build
runs in a folder at a time (a lock file under the cache folder); every stage
writes atomically, so a build killed at any moment leaves the previous index and
site whole, and the next build reuses the embedding cache; the temporary folders and
files such a build leaves are swept by the next one (under the lock, so never those of a
running build). A corrupt embedding cache is moved aside with a warning and built anew.
A full disk or a folder that cannot be written stops the build with one line naming
the file (AvgustError), never a traceback, and nothing half-written is left in place.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from avgust.browser.export import ASSETS, export_search_assets
from avgust.config import DEFAULT_MODEL, Config
from avgust.errors import AvgustError, BrowserAssetsError, Problem, Severity
from avgust.index.embed import (
    Embedder,
    EmbeddingCache,
    embed_passages_cached,
    embed_queries_cached,
    get_embedder,
    heal_embedding_cache,
    text_key,
)
from avgust.index.store import Index, build_index, load_index, records_of
from avgust.parse.batch import FileReport, check_sources, parse_all
from avgust.parse.cache import ParseCache, problem_of, problem_row
from avgust.read.sources import discover_sources
from avgust.records import Resolution, Theme, to_dict
from avgust.site.check import check_resolution
from avgust.site.mkdocs import SiteBuild, render_site
from avgust.site.pages.compare import continuity
from avgust.site.write import write_pages
from avgust.themes import tag_themes
from avgust.util.fs import (
    display_path,
    files_digest,
    os_error_message,
    read_versioned,
    staged_dir,
    sweep_leftovers,
    tree_files,
    write_versioned,
)


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
    site: SiteBuild | None = None
    parsed_again: int = 0  # sources read and parsed, not taken from the parse cache

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    @contextmanager
    def stage(self, name: str, folder: Path | None = None) -> Iterator[list[str]]:
        """Time a stage; the body appends its one-line result.

        An OSError in it (a full disk, a folder that may not be written) becomes an
        AvgustError naming the stage and the file, or else the stage's ``folder``.
        """
        result: list[str] = []
        started = time.perf_counter()
        try:
            yield result
        except OSError as exc:
            where = folder if exc.filename is None else None
            raise AvgustError(f"{name}: {os_error_message(exc)}", where) from exc
        self.stages.append(Stage(name, " ".join(result), time.perf_counter() - started))


@contextmanager
def build_lock(config: Config) -> Iterator[None]:
    """Refuse a second build in the same folder instead of interleaving with it."""
    path = config.cache_dir / "build.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout as exc:
        raise AvgustError(
            "another `avgust build` is running in this folder; wait for it to finish "
            f"(lock file {path})"
        ) from exc
    except OSError as exc:
        raise AvgustError(os_error_message(exc, "take the build lock"), path) from exc
    try:
        yield
    finally:
        lock.release()


class CheckedPages:
    """:func:`check_resolution`, remembered between builds: its verdict is a pure function of
    the Resolution and the page code, so an unchanged resolution is not rendered to be checked.

    The verdicts live in ``<cache_dir>/page-checks.json``, keyed by the hash of the
    resolution's record and of avgust's site code; an unreadable file is started anew.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "page-checks.json"
        self.code = _site_code_version()
        self.verdicts: dict[str, list[list[Any]]] = read_versioned(self.path, self.code)
        self.seen: dict[str, list[list[Any]]] = {}

    def __call__(self, resolution: Resolution) -> list[Problem]:
        record = json.dumps(to_dict(resolution), ensure_ascii=False, sort_keys=True)
        key = hashlib.sha256(record.encode("utf-8", "surrogatepass")).hexdigest()
        verdict = self.verdicts.get(key)
        if verdict is None:
            problems = check_resolution(resolution)
            verdict = [problem_row(p) for p in problems]
        self.seen[key] = verdict
        return [problem_of(row) for row in verdict]

    def save(self) -> None:
        """Keep the verdicts of this build's resolutions (a failed write is only a lost cache)."""
        write_versioned(self.path, self.code, self.seen)


@functools.cache
def _site_code_version() -> str:
    package = Path(__file__).parent
    files = [
        p for folder in ("site", "browser", "ru") for p in tree_files(package / folder, (".py",))
    ]
    files += [package / name for name in ("records.py", "urls.py", "errors.py")]
    return files_digest(package, files)


def check_documents(config: Config, directory: Path | None = None) -> list[FileReport]:
    """`avgust check`: every source document read, parsed and held to what the build needs."""
    return check_sources(
        directory or config.resolutions_dir,
        root=config.root,
        accept=check_resolution,
        cache_dir=config.cache_dir,
    )


def run_build(config: Config, site: bool = True, embedder: Embedder | None = None) -> BuildReport:
    """Run every stage; returns the report (``report.failed`` when a file had errors).

    ``embedder`` defaults to the one the configuration names; its ``model_id`` must be
    what the configuration's model gives (the index records it).
    """
    with build_lock(config):
        try:
            sweep_killed_builds(config)
            return _run(config, site, embedder)
        except OSError as exc:  # a full disk, a folder that may not be written
            raise AvgustError(os_error_message(exc)) from exc


def sweep_killed_builds(config: Config) -> list[Path]:
    """Remove the temporary folders and files builds killed before they finished left.

    Only call it with :func:`build_lock` held. The index folder sweeps its own leftovers
    (avgust.index.store) and docs/ is written anew by every build.
    """
    return [
        *sweep_leftovers(config.docs_dir.parent, config.docs_dir.name),
        *sweep_leftovers(config.site_dir.parent, config.site_dir.name),
        *sweep_leftovers(config.cache_dir),
    ]


def _run(config: Config, site: bool, embedder: Embedder | None) -> BuildReport:
    report = BuildReport()
    cache_problem = heal_embedding_cache(config.cache_dir, config.root)
    if cache_problem is not None:
        report.problems.append(cache_problem)
    with report.stage("parse") as result:
        paths = discover_sources(config.resolutions_dir, convertible=True)
        parsed = ParseCache(config.cache_dir)
        checked = CheckedPages(config.cache_dir)
        resolutions, files = parse_all(
            paths,
            root=config.root,
            accept=checked,
            cache_dir=config.cache_dir,
            parsed=parsed,
        )
        checked.save()
        report.parsed_again = parsed.misses
        for file in files:
            report.problems.extend(file.problems)
        count = sum(len(r.directives) for r in resolutions)
        failed = len(paths) - len(resolutions)
        result.append(
            f"{len(resolutions)} resolutions, {count} directives "
            f"({parsed.hits} unchanged, {parsed.misses} parsed)"
        )
        if failed:
            result.append(f"({failed} file(s) left out, see errors)")
    if not resolutions:
        raise AvgustError("no resolution could be parsed; nothing to build", config.resolutions_dir)

    embedder = embedder or get_embedder(config)
    with EmbeddingCache.for_config(config) as cache:
        # the themes stage embeds some passages before the index does: count the reuse
        # of the whole build here, not what is left for the index stage
        passages = list(dict.fromkeys(r.passage for r in records_of(resolutions)))
        keys = [text_key(embedder.passage_prefix + text) for text in passages]
        reused = len(cache.get(embedder.model_id, keys, embedder.dim))

        def embed_passages(texts: Sequence[str]) -> np.ndarray:
            return embed_passages_cached(embedder, texts, cache).vectors

        def embed_query(text: str) -> np.ndarray:
            return np.asarray(embed_queries_cached(embedder, [text], cache)[0], dtype=np.float32)

        with report.stage("themes") as result:
            themes, resolutions = tag_themes(
                resolutions,
                config.themes_file,
                embed_passages if config.model == DEFAULT_MODEL else None,
                embed_query if config.model == DEFAULT_MODEL else None,
                cache_dir=config.cache_dir,
            )
            tagged = sum(bool(d.themes) for r in resolutions for d in r.directives)
            result.append(f"{len(themes)} themes, {tagged}/{count} directives tagged")

    with report.stage("embed + index", config.index_dir) as result:
        summary = build_index(resolutions, embedder, config, themes=themes)
        result.append(
            f"{summary.directives} directives: {len(passages) - reused} embedded, "
            f"{reused} from cache; {summary.similar_pairs} similar pairs, "
            f"{summary.similar_searched} lists searched ({embedder.model_id})"
        )
    report.resolutions = list(resolutions)
    if not site:
        return report

    _write_docs(resolutions, themes, config, report)
    # The index and what the pages made of it are gone by now: mkdocs holds every page, and
    # at 100,000 directives the two together passed 4 GB.
    gc.collect()
    with report.stage("site", config.site_dir) as result:
        built = render_site(config)
        total = len(built.rendered) + len(built.reused)
        result.append(
            f"mkdocs → {_short(built.path, config)}: {len(built.rendered)} of {total} pages "
            f"rendered, {len(built.reused)} unchanged"
        )
        report.site = built
    return report


def _write_docs(
    resolutions: Sequence[Resolution], themes: Sequence[Theme], config: Config, report: BuildReport
) -> None:
    """The pages and search stages: docs/ from the index, which is let go on return."""
    index = load_index(config)
    with report.stage("pages", config.docs_dir) as result:
        similar = {key: list(value) for key, value in index.similar.items()}
        years = continuity(resolutions, index.positions, index.vectors)
        pages = write_pages(resolutions, themes, similar, config, years)
        result.append(f"{len(pages)} Markdown pages in {_short(config.docs_dir, config)}")
    del similar, years, pages
    with report.stage("search", config.docs_dir / ASSETS) as result:
        result.append(_export_search(index, themes, config, report))


def _export_search(
    index: Index, themes: Sequence[Theme], config: Config, report: BuildReport
) -> str:
    """The search page's data, model and runtime into docs/ (after write_pages rewrote it).

    Without the browser model or runtime (no npm to vendor it, a failed conversion) the site
    still builds, with the page's lexical search only, and the build says why.
    """
    dest = config.docs_dir / ASSETS
    try:
        files = write_search_assets(index, themes, config, dest, semantic=None)
    except BrowserAssetsError as error:
        if config.model != DEFAULT_MODEL:
            raise
        report.problems.append(
            Problem(
                display_path(config.docs_dir, config.root),
                f"search by meaning left out of the site, lexical search only: {error}",
                severity=Severity.WARNING,
            )
        )
        files = write_search_assets(index, themes, config, dest, semantic=False)
        return f"{len(files)} files, lexical only"
    size = sum(f.stat().st_size for f in files) / 1e6
    kind = "model, runtime, vectors" if config.model == DEFAULT_MODEL else "lexical only"
    return f"{len(files)} files ({kind}, {size:.1f} MB) in {_short(dest, config)}"


def write_search_assets(
    index: Index, themes: Sequence[Theme], config: Config, dest: Path, semantic: bool | None
) -> list[Path]:
    """export_search_assets into a copy of ``dest`` swapped in whole (see util.fs.staged_dir).

    A full disk halfway through the model copy leaves ``dest`` as write_pages made it.
    """
    try:
        with staged_dir(dest) as stage:
            files = export_search_assets(index, themes, config, stage, semantic=semantic)
            rel = [f.relative_to(stage) for f in files]
    except OSError as exc:
        raise AvgustError(os_error_message(exc), dest) from exc
    return [dest / r for r in rel]


def _short(path: Path, config: Config) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)
