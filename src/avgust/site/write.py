"""The Markdown pages of the site, generated from the parsed resolutions into docs/.

One page per resolution (its directives grouped by addressee, each at a stable
anchor such as ``#p-2-1`` with its deadline, themes and similar directives of
other districts), per theme, per district and per year; a deadlines calendar; a
home page with figures and a chart; the open data (JSON and CSV) and a copy of
every source document. The hand-written pages of ``content/`` are copied in too.

docs/ is replaced as a whole: everything is written into a temporary folder next
to it, checked, and swapped in, so a failed build leaves the old docs/ intact. A file
whose bytes equal those of the docs/ it replaces is hard-linked into the new folder
instead of written, so after one new resolution only the pages it touches (its own,
its district, year and themes, the lists and the data) get new files; the others keep
their inode and mtime. The navigation goes to ``docs/.nav.yml``, which the
avgust MkDocs plugin (:mod:`avgust.site.plugin`) reads (MkDocs itself skips dot files).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from avgust import urls
from avgust.browser.export import ASSETS, JS_DIR, PAGE_FILES
from avgust.config import Config
from avgust.errors import AvgustError, SourceError
from avgust.read.files import read_regular
from avgust.read.sources import MAX_SOURCE_BYTES
from avgust.records import Resolution, SimilarDirective, Theme
from avgust.site.collection import docx_runtime
from avgust.site.corpus import Corpus
from avgust.site.data import data_page, iter_data_files
from avgust.site.markdown import check_markdown
from avgust.site.nav import _content_title, navigation, not_in_nav, sections
from avgust.site.pages.calendar import EVENT_CODE, EventMemo, iter_deadlines_pages
from avgust.site.pages.compare import Continuity, compare_index, iter_compare_files
from avgust.site.pages.home import home_page
from avgust.site.pages.resolution import resolution_page
from avgust.site.pages.taxonomy import (
    district_page,
    districts_index_pages,
    resolutions_index,
    theme_pages,
    themes_index,
    year_pages,
    years_index,
)
from avgust.urls import NAV_FILE
from avgust.util.fs import make_readable, read_versioned, replace_dir, write_versioned

# the calendar feeds' events of the last build (pages/calendar.py EventMemo), in cache_dir
EVENTS_FILE = "calendar-events.json"

GENERATED_NOTE = (
    "# docs/ is generated\n\nEverything here is written by `avgust build` (src/avgust/site/)"
    " and rewritten on every build. Edit content/ or the code instead.\n"
)


def write_pages(
    resolutions: Sequence[Resolution],
    themes: Sequence[Theme],
    similar: Mapping[str, Sequence[SimilarDirective]],
    config: Config,
    continuity: Continuity | None = None,
) -> list[Path]:
    """Write the whole docs/ folder (config.docs_dir) anew; return the files written in it.

    ``similar`` maps a directive id (``"<slug>#<anchor>"``) to its similar directives;
    ids missing from ``resolutions`` and directives of the same district are left out.
    The hand-written pages and assets of ``content/`` (next to avgust.toml) are copied
    in. ``continuity`` (same-district consecutive years matched, see
    :mod:`avgust.site.pages.compare`) gives the district-years pages. Raises AvgustError
    for duplicate slugs or anchors or a missing source document.
    """
    corpus = Corpus(resolutions, themes, similar)
    docs = config.docs_dir
    docs.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{docs.name}.", suffix=".tmp", dir=docs.parent))
    make_readable(tmp, directory=True)
    try:
        written = _write_all(corpus, config, tmp, config.public_url, continuity)
        replace_dir(tmp, docs)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(docs / rel for rel in written)


def _write_all(
    c: Corpus, config: Config, out: Path, url: str | None, links: Continuity | None = None
) -> list[str]:
    sink = _Sink(out, config.docs_dir)
    copied: dict[str, str | bytes] = {}
    content = _copy_content(config.content_dir, copied)
    sink.update(copied.items())
    for name in PAGE_FILES:  # the in-browser search's own code, beside its data
        sink.put(f"{ASSETS}/{name}", (JS_DIR / name).read_bytes())
    for res in c.resolutions:
        source = Path(res.source)
        source = source if source.is_absolute() else config.root / source
        try:  # as the reader read it: a regular file in its folder, never a FIFO
            data = read_regular(source, MAX_SOURCE_BYTES)
        except SourceError as error:
            message = f"cannot read the source document: {error.message}"
            raise AvgustError(message, res.source) from error
        sink.put(c.source_path(res), data)
        sink.put(c.resolution_path(res), resolution_page(c, res, len(data)))
    for theme in c.themes:
        sink.update(theme_pages(c, theme).items())
    for district in c.districts:
        sink.put(c.district_path(district), district_page(c, district))
    for year in c.years:
        sink.update(year_pages(c, year).items())
    events = EventMemo(read_versioned(config.cache_dir / EVENTS_FILE, EVENT_CODE))
    generated: Iterable[tuple[str, str | bytes]] = itertools.chain(
        [
            (urls.HOME_PAGE, home_page(c)),
            (urls.RESOLUTIONS_INDEX, resolutions_index(c)),
            (urls.THEMES_INDEX, themes_index(c)),
            *districts_index_pages(c).items(),
            (urls.YEARS_INDEX, years_index(c)),
        ],
        iter_deadlines_pages(c, url, events),
        [(urls.DATA_PAGE, data_page(c))],
    )
    for path, body in generated:
        if path in sink.paths:
            raise AvgustError(
                f"content/{path} would overwrite a generated page", config.content_dir
            )
        sink.put(path, body)
    write_versioned(config.cache_dir / EVENTS_FILE, EVENT_CODE, events.used)
    sink.update(iter_data_files(c, url))
    compare_pages: list[tuple[str, str]] = []
    sink.update(iter_compare_files(c, links, url, compare_pages))  # Подборка and Сравнение
    intro = copied.get(urls.COMPARE_PAGE)
    intro_text = intro.decode("utf-8") if isinstance(intro, bytes) else intro
    sink.update(compare_index(c, compare_pages, intro_text).items())
    sink.update(docx_runtime(config.web_dir).items())
    sink.put("README.md", GENERATED_NOTE)
    listed = sections(c, compare_pages)
    nav: dict[str, Any] = {"nav": navigation(listed, content)}
    hidden = not_in_nav(listed, sorted(sink.paths))
    if hidden:
        nav["not_in_nav"] = hidden
    sink.put(NAV_FILE, yaml.safe_dump(nav, allow_unicode=True, sort_keys=False))
    return sorted(sink.paths)


class _Sink:
    """docs/ files written as they are made, so no build holds every page at once."""

    def __init__(self, out: Path, previous: Path) -> None:
        self.out = out
        self.previous = previous
        self.paths: set[str] = set()

    def put(self, rel: str, body: str | bytes) -> None:
        target = self.out / rel
        if rel in self.paths:  # the last body given wins (a generated page over content/)
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.paths.add(rel)
        data = body.encode("utf-8") if isinstance(body, str) else body
        if _link_unchanged(self.previous / rel, target, data):
            return  # the same bytes passed check_markdown when they were first written
        if rel.endswith(".md") and isinstance(body, str) and rel != "README.md":
            check_markdown(rel, body)
        target.write_bytes(data)

    def update(self, files: Iterable[tuple[str, str | bytes]]) -> None:
        for rel, body in files:
            self.put(rel, body)


def _link_unchanged(old: Path, target: Path, data: bytes) -> bool:
    """Hard-link ``old`` to ``target`` when it holds exactly ``data``; False if not done."""
    try:
        if not old.is_file() or old.is_symlink() or old.stat().st_size != len(data):
            return False
        if old.read_bytes() != data:
            return False
        os.link(old, target)
    except OSError:  # no hard links on this file system, a race with a reader: write it
        return False
    return True


def _copy_content(root: Path, files: dict[str, str | bytes]) -> list[tuple[str, str]]:
    """Read content/ into ``files``; return its Markdown pages as (path, title)."""
    pages: list[tuple[str, str]] = []
    if not root.is_dir():
        return pages
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        rel = path.relative_to(root).as_posix()
        files[rel] = path.read_bytes()
        if path.suffix == ".md":
            pages.append((rel, _content_title(path)))
    return pages


__all__ = ["write_pages"]
