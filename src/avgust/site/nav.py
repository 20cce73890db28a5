"""The site navigation (docs/.nav.yml, read by the avgust MkDocs plugin)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec
import yaml

from avgust import urls
from avgust.site.corpus import Corpus
from avgust.site.markdown import plain_title
from avgust.site.pages.calendar import PART_PAGES, calendar_nav

NAV_SECTION_PAGES = 30
"""A section with more pages than this lists only its index page: every page carries the
whole navigation, so 3,000 districts in it would be ~0.5 MB on each of them."""


@dataclass(frozen=True)
class Section:
    """A generated section of the navigation: its title, its index page and its pages."""

    title: str
    index: str
    pages: tuple[tuple[str, str], ...]  # (title, docs path)
    unlisted: tuple[str, ...] = ()  # gitignore patterns of its pages never listed

    @property
    def collapsed(self) -> bool:
        return len(self.pages) > NAV_SECTION_PAGES

    def entry(self) -> dict[str, Any]:
        if self.collapsed:
            return {self.title: [self.index]}
        return {self.title: [self.index, *({plain_title(t): p} for t, p in self.pages)]}


def sections(c: Corpus, compared: Sequence[tuple[str, str]] = ()) -> list[Section]:
    """The generated sections, in navigation order; ``compared`` are the district-years
    pages (path, title), a section led by the comparison page (a content page)."""
    return [
        Section(
            "Решения",
            urls.RESOLUTIONS_INDEX,
            tuple((c.labels[r.slug], c.resolution_path(r)) for r in c.resolutions),
        ),
        Section("Темы", urls.THEMES_INDEX, tuple((t.name, c.theme_path(t.slug)) for t in c.themes)),
        Section(
            "Районы", urls.DISTRICTS_INDEX, tuple((d, c.district_path(d)) for d in c.districts)
        ),
        Section("Годы", urls.YEARS_INDEX, tuple((f"{y} год", c.year_path(y)) for y in c.years)),
        Section("Сроки", urls.DEADLINES_PAGE, tuple(calendar_nav(c)), (PART_PAGES,)),
        Section("Сравнение районов", urls.COMPARE_PAGE, tuple((t, p) for p, t in compared)),
    ]


def navigation(generated: Sequence[Section], content: Sequence[tuple[str, str]]) -> list[Any]:
    """The navigation: the generated sections, then the content pages; a generated section
    whose index is a content page takes that page's place among them."""
    indexes = {path for path, _ in content}
    nav: list[Any] = [
        {"Главная": "index.md"},
        *(section.entry() for section in generated if section.index not in indexes),
        {"Открытые данные": urls.DATA_PAGE},
    ]
    placed = {section.index: section for section in generated if section.index in indexes}
    return nav + _content_nav(content, placed)


def not_in_nav(generated: Sequence[Section], pages: Iterable[str]) -> list[str]:
    """gitignore patterns (for MkDocs's ``not_in_nav``) of the generated pages that the
    navigation leaves out on purpose: part pages and the pages of a collapsed section."""
    patterns = [
        pattern
        for section in generated
        if section.collapsed
        for folder in [posixpath.dirname(section.index)]
        for pattern in (f"/{folder}/*.md", f"!/{section.index}")
    ]
    pages = list(pages)
    for section in generated:
        for pattern in section.unlisted if not section.collapsed else ():
            spec = pathspec.GitIgnoreSpec.from_lines([pattern])
            if any(spec.match_file(page) for page in pages):
                patterns.append(pattern)
    parts = [p.rstrip("/").replace("*", "") for p in urls.PART_PAGE_FOLDERS]
    if any(page.startswith(tuple(parts)) and page.count("/") >= 2 for page in pages):
        patterns += [f"/{p}" for p in urls.PART_PAGE_FOLDERS]
    return patterns


def _content_nav(
    content: Sequence[tuple[str, str]], placed: Mapping[str, Section] | None = None
) -> list[Any]:
    """Top-level content pages as entries; a content folder as a section led by its index.md
    (and followed by the pages of the generated section ``placed`` there, if any)."""
    nav: list[Any] = []
    folders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, title in content:
        folder = path.split("/")[0] if "/" in path else ""
        if folder:
            folders[folder].append((path, title))
        else:
            nav.append({plain_title(title): path})
    for folder, pages in sorted(folders.items()):
        pages.sort(key=lambda p: (not p[0].endswith("/index.md"), p[0]))
        index = pages[0] if pages[0][0].endswith("/index.md") else None
        entries: list[Any] = [index[0]] if index else []
        entries += [{plain_title(t): p} for p, t in pages if index is None or p != index[0]]
        section = (placed or {}).get(index[0]) if index else None
        if section is not None and not section.collapsed:
            entries += [{plain_title(t): p} for t, p in section.pages]
        nav.append({plain_title(index[1] if index else folder): entries})
    return nav


_TITLE_LINE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _content_title(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        meta = yaml.safe_load(text[4 : text.find("\n---", 4)]) or {}
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            return str(meta["title"])
    found = _TITLE_LINE.search(text)
    return found.group(1) if found else path.stem
