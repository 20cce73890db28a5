"""The site navigation (docs/.nav.yml, read by the avgust MkDocs plugin)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from avgust import urls
from avgust.site.corpus import Corpus
from avgust.site.markdown import plain_title
from avgust.site.pages.calendar import calendar_nav

NAV_SECTION_PAGES = 30
"""A section with more pages than this lists only its index page: every page carries the
whole navigation, so 3,000 districts in it would be ~0.5 MB on each of them."""


def navigation(c: Corpus, content: Sequence[tuple[str, str]]) -> list[Any]:
    def section(title: str, index: str, pages: Iterable[tuple[str, str]]) -> dict[str, Any]:
        entries = list(pages)
        if len(entries) > NAV_SECTION_PAGES:
            return {title: [index]}
        return {title: [index, *({plain_title(t): p} for t, p in entries)]}

    nav: list[Any] = [
        {"Главная": "index.md"},
        section(
            "Решения",
            urls.RESOLUTIONS_INDEX,
            ((c.labels[r.slug], c.resolution_path(r)) for r in c.resolutions),
        ),
        section("Темы", urls.THEMES_INDEX, ((t.name, c.theme_path(t.slug)) for t in c.themes)),
        section("Районы", urls.DISTRICTS_INDEX, ((d, c.district_path(d)) for d in c.districts)),
        section("Годы", urls.YEARS_INDEX, ((f"{y} год", c.year_path(y)) for y in c.years)),
        section("Сроки", urls.DEADLINES_PAGE, calendar_nav(c)),
        {"Открытые данные": urls.DATA_PAGE},
    ]
    return nav + _content_nav(content)


def not_in_nav(c: Corpus, pages: Iterable[str]) -> list[str]:
    """gitignore patterns (for MkDocs's ``not_in_nav``) of the generated pages that the
    navigation leaves out on purpose: part pages and the pages of a collapsed section."""
    folders = {
        urls.RESOLUTION_PAGES: len(c.resolutions),
        urls.THEME_PAGES: len(c.themes),
        urls.DISTRICT_PAGES: len(c.districts),
        urls.YEAR_PAGES: len(c.years),
        urls.DEADLINES_PAGES: len(calendar_nav(c)),
    }
    patterns = [
        pattern
        for folder, count in folders.items()
        if count > NAV_SECTION_PAGES
        for pattern in (f"/{folder}/*.md", f"!/{folder}/index.md")
    ]
    parts = [p.rstrip("/").replace("*", "") for p in urls.PART_PAGE_FOLDERS]
    if any(page.startswith(tuple(parts)) and page.count("/") >= 2 for page in pages):
        patterns += [f"/{p}" for p in urls.PART_PAGE_FOLDERS]
    return patterns


def _content_nav(content: Sequence[tuple[str, str]]) -> list[Any]:
    """Top-level content pages as entries; a content folder as a section led by its index.md."""
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
