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
# The open data, a file set per region and year (a file of everything would outgrow GitHub's
# 100 MB per file): data/directives/<year>/<region>.{json,csv} and
# data/resolutions/<year>/<region>.json
OPEN_DIRECTIVES = f"{DATA_FILES}/directives"
OPEN_RESOLUTIONS = f"{DATA_FILES}/resolutions"
DATA_CATALOG_JSON = f"{DATA_FILES}/catalog.json"  # one row per file set: what it holds, where
DATA_CATALOG_CSV = f"{DATA_FILES}/catalog.csv"
NO_YEAR = "bez-goda"
SEARCH_PAGE = "poisk/index.md"
COLLECTION_PAGE = "podborka/index.md"  # content/podborka/: the visitor's collection (Подборка)
COMPARE_PAGES = "sravnenie"  # content/sravnenie/index.md and one page per district's years
COMPARE_PAGE = f"{COMPARE_PAGES}/index.md"
COLLECTION_ASSETS = "assets/collection"  # the collection's and comparison's scripts and style
DISTRICTS_JSON = f"{DATA_FILES}/rajony.json"  # the districts and their resolutions, for compare
RESOLUTION_DATA = f"{DATA_FILES}/r"  # one small gzipped JSON per resolution: data/r/<slug>.json.gz
DISTRICT_DATA = f"{DATA_FILES}/d"  # one small JSON per district: data/d/<key>.json
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


PART_PAGE_FOLDERS = (
    f"{THEME_PAGES}/*/",
    f"{YEAR_PAGES}/*/",
    f"{DISTRICT_PAGES}/spisok/",
    f"{COMPARE_PAGES}/*/",
)
"""The folders of the pages a long list is split into (gitignore patterns, relative to
docs/): they are reached from the page they continue, not from the navigation."""


def theme_part_path(page_slug: str, year: int | None, part: int = 1) -> str:
    """A page of a large theme's directives of one year: ``temy/<slug>/<year>.md``, then
    ``temy/<slug>/<year>-2.md`` …; undated directives under ``bez-daty``."""
    name = "bez-daty" if year is None else str(year)
    return f"{THEME_PAGES}/{page_slug}/{name}{'' if part == 1 else f'-{part}'}.md"


def year_part_path(year: int, part: int = 1) -> str:
    """Page ``part`` of a year's documents: the year page, then ``gody/<year>/<part>.md``."""
    return year_path(year) if part == 1 else f"{YEAR_PAGES}/{year}/{part}.md"


def districts_index_part(part: int = 1) -> str:
    """Page ``part`` of the district list: the index, then ``rajony/spisok/<part>.md``."""
    return DISTRICTS_INDEX if part == 1 else f"{DISTRICT_PAGES}/spisok/{part}.md"


def district_years_path(page_slug: str, part: int = 1) -> str:
    """A district's years side by side (kept, new, dropped): ``sravnenie/<district>.md``,
    its older years on ``sravnenie/<district>/<part>.md``."""
    return (
        f"{COMPARE_PAGES}/{page_slug}.md" if part == 1 else f"{COMPARE_PAGES}/{page_slug}/{part}.md"
    )


def compare_list_path(part: int = 1) -> str:
    """Page ``part`` of the list of districts' years: the comparison page, then
    ``sravnenie/spisok/<part>.md``."""
    return COMPARE_PAGE if part == 1 else f"{COMPARE_PAGES}/spisok/{part}.md"


def resolution_data_path(slug: str) -> str:
    """The open data of one resolution, as the collection and comparison pages read it:
    gzipped, because 3,300 resolutions' JSON would be 80 MB of the site's 1 GB, 14 gzipped."""
    return f"{RESOLUTION_DATA}/{slug}.json.gz"


def district_data_path(page_slug: str) -> str:
    """A district's resolutions, as the comparison page reads them: ``data/d/<district>.json``."""
    return f"{DISTRICT_DATA}/{page_slug}.json"


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


def open_data_path(folder: str, year: int | None, region_slug: str, suffix: str) -> str:
    """One file of the open data: ``<folder>/<year>/<region><suffix>`` (folder: OPEN_DIRECTIVES
    or OPEN_RESOLUTIONS)."""
    return f"{folder}/{year if year is not None else NO_YEAR}/{region_slug}{suffix}"


def page_url(page: str) -> str:
    """The site URL (relative to the site root) of a docs/ page, with directory URLs."""
    if page == "index.md":
        return ""
    if page.endswith("/index.md"):
        return page[: -len("index.md")]
    return page[: -len(".md")] + "/" if page.endswith(".md") else page


def md_link(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A relative Markdown link target from one docs/ page to another page or file."""
    target = relative(to_page, posixpath.dirname(from_page))
    return f"{target}#{anchor}" if anchor else target


def relative(path: str, start: str) -> str:
    """``posixpath.relpath(path, start or ".")`` for docs-relative paths, without its two
    ``abspath`` calls (a 100,000-directive build makes 1.3 million links: relpath was an
    eighth of its pages stage)."""
    to = path.split("/")
    here = start.split("/") if start else []
    if any(part in ("", ".", "..") for part in (*to, *here)):
        return posixpath.relpath(path, start or ".")
    common = 0
    while common < min(len(to), len(here)) and to[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


def html_link(from_page: str, to_page: str) -> str:
    """A relative URL for raw HTML (which MkDocs does not rewrite) between two pages."""
    here = page_url(from_page) or "./"
    there = page_url(to_page) or "./"
    base = here if here.endswith("/") else posixpath.dirname(here) + "/"
    target = posixpath.relpath(there, base.rstrip("/") or ".")
    return target + "/" if there.endswith("/") and not target.endswith("/") else target


__all__ = [
    "ALL_DEADLINES_FEED",
    "COLLECTION_ASSETS",
    "COLLECTION_PAGE",
    "COMPARE_PAGE",
    "COMPARE_PAGES",
    "DATA_CATALOG_CSV",
    "DATA_CATALOG_JSON",
    "DATA_FILES",
    "DATA_PAGE",
    "DEADLINES_PAGE",
    "DEADLINES_PAGES",
    "DEADLINE_FEEDS",
    "DISTRICTS_INDEX",
    "DISTRICTS_JSON",
    "DISTRICT_DATA",
    "DISTRICT_PAGES",
    "HOME_PAGE",
    "NAV_FILE",
    "NO_YEAR",
    "OPEN_DIRECTIVES",
    "OPEN_RESOLUTIONS",
    "PART_PAGE_FOLDERS",
    "RESOLUTIONS_INDEX",
    "RESOLUTION_DATA",
    "RESOLUTION_PAGES",
    "SEARCH_PAGE",
    "SOURCE_FILES",
    "THEMES_INDEX",
    "THEME_PAGES",
    "YEARS_INDEX",
    "YEAR_PAGES",
    "compare_list_path",
    "deadline_feed_path",
    "deadlines_path",
    "directive_url",
    "district_data_path",
    "district_path",
    "district_years_path",
    "districts_index_part",
    "html_link",
    "md_link",
    "open_data_path",
    "page_url",
    "relative",
    "resolution_data_path",
    "resolution_path",
    "source_path",
    "theme_part_path",
    "theme_path",
    "year_part_path",
    "year_path",
]
