"""Where every page and directive of the site lives: the one owner of the site's URL rules.

Paths are POSIX, relative to docs/ (``*.md``) or to the site root (URLs, with MkDocs's
directory URLs: ``resheniya/<slug>/``). The index, the open data, the pages and the
in-browser search all link directives through :func:`directive_url`.
"""

from __future__ import annotations

import posixpath

RESOLUTION_PAGES = "resheniya"
"""The site folder of the resolution pages (``resheniya/<slug>/``)."""


def directive_url(slug: str, anchor: str) -> str:
    """A directive's address relative to the site root: ``resheniya/<slug>/#<anchor>``."""
    return f"{RESOLUTION_PAGES}/{slug}/#{anchor}"


THEME_PAGES = "temy"
DISTRICT_PAGES = "rajony"
YEAR_PAGES = "gody"
SOURCE_FILES = "sources"
DATA_FILES = "data"
HOME_PAGE = "index.md"
RESOLUTIONS_INDEX = f"{RESOLUTION_PAGES}/index.md"
THEMES_INDEX = f"{THEME_PAGES}/index.md"
DISTRICTS_INDEX = f"{DISTRICT_PAGES}/index.md"
YEARS_INDEX = f"{YEAR_PAGES}/index.md"
DEADLINES_PAGE = "sroki/index.md"
DEADLINES_PAGES = "sroki"
DEADLINE_FEEDS = f"{DEADLINES_PAGES}/ics"
ALL_DEADLINES_FEED = "vse"
DATA_PAGE = "dannye.md"
DIRECTIVES_JSON = f"{DATA_FILES}/directives.json"
DIRECTIVES_CSV = f"{DATA_FILES}/directives.csv"
RESOLUTIONS_JSON = f"{DATA_FILES}/resolutions.json"
SEARCH_PAGE = "poisk/index.md"
NAV_FILE = ".nav.yml"  # docs/.nav.yml: the navigation, read by the avgust MkDocs plugin


def resolution_path(slug: str) -> str:
    """The docs/ page of a resolution: ``resheniya/<slug>.md``."""
    return f"{RESOLUTION_PAGES}/{slug}.md"


def theme_path(page_slug: str) -> str:
    return f"{THEME_PAGES}/{page_slug}.md"


def district_path(page_slug: str) -> str:
    return f"{DISTRICT_PAGES}/{page_slug}.md"


def year_path(year: int) -> str:
    return f"{YEAR_PAGES}/{year}.md"


def deadlines_path(year: int | None, part: int = 1) -> str:
    """A page of the calendar: ``sroki/2020-21.md`` (its 2nd page ``sroki/2020-21-2.md``).

    ``year`` is the first year of the academic year; None for deadlines without any date.
    """
    name = f"{year}-{(year + 1) % 100:02d}" if year is not None else "bez-daty"
    return f"{DEADLINES_PAGES}/{name}{'' if part == 1 else f'-{part}'}.md"


def deadline_feed_path(name: str) -> str:
    """An iCalendar feed: ``sroki/ics/<name>.ics`` (a district's page slug, or ``vse``)."""
    return f"{DEADLINE_FEEDS}/{name}.ics"


def source_path(slug: str, suffix: str) -> str:
    """The copy of a source document: ``sources/<slug><suffix>``."""
    return f"{SOURCE_FILES}/{slug}{suffix}"


def page_url(page: str) -> str:
    """The site URL (relative to the site root) of a docs/ page, with directory URLs."""
    if page == "index.md":
        return ""
    if page.endswith("/index.md"):
        return page[: -len("index.md")]
    return page[: -len(".md")] + "/" if page.endswith(".md") else page


def md_link(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A relative Markdown link target from one docs/ page to another page or file."""
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{target}#{anchor}" if anchor else target


def html_link(from_page: str, to_page: str) -> str:
    """A relative URL for raw HTML (which MkDocs does not rewrite) between two pages."""
    here = page_url(from_page) or "./"
    there = page_url(to_page) or "./"
    base = here if here.endswith("/") else posixpath.dirname(here) + "/"
    target = posixpath.relpath(there, base.rstrip("/") or ".")
    return target + "/" if there.endswith("/") and not target.endswith("/") else target


__all__ = [
    "ALL_DEADLINES_FEED",
    "DATA_FILES",
    "DATA_PAGE",
    "DEADLINES_PAGE",
    "DEADLINES_PAGES",
    "DEADLINE_FEEDS",
    "DIRECTIVES_CSV",
    "DIRECTIVES_JSON",
    "DISTRICTS_INDEX",
    "DISTRICT_PAGES",
    "HOME_PAGE",
    "NAV_FILE",
    "RESOLUTIONS_INDEX",
    "RESOLUTIONS_JSON",
    "RESOLUTION_PAGES",
    "SEARCH_PAGE",
    "SOURCE_FILES",
    "THEMES_INDEX",
    "THEME_PAGES",
    "YEARS_INDEX",
    "YEAR_PAGES",
    "deadline_feed_path",
    "deadlines_path",
    "directive_url",
    "district_path",
    "html_link",
    "md_link",
    "page_url",
    "resolution_path",
    "source_path",
    "theme_path",
    "year_path",
]
