"""Pages and navigation whose size does not follow the corpus: a region's ten-year archive.

The corpus is the real Мучкапский resolution (36 directives) copied as many districts, each
with one resolution a year, so that every list grows as an archive does: districts,
resolutions, years, the calendar and the district-years comparison pages.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import icalendar
import pytest
import yaml

from avgust import urls
from avgust.config import load_config
from avgust.parse.batch import parse_all
from avgust.records import Resolution, Theme
from avgust.site.corpus import Corpus
from avgust.site.pages.calendar import PAGE_BYTES, PAGE_ENTRIES, calendar_pages, deadlines_pages
from avgust.site.pages.compare import (
    COMPARE_LIST_ENTRIES,
    COMPARE_PAGE_BYTES,
    COMPARE_TEXT,
    Continuity,
    compare_index,
    district_years,
    district_years_pages,
)
from avgust.site.pages.taxonomy import (
    THEME_PAGE_BYTES,
    THEME_PAGE_DIRECTIVES,
    theme_part_page,
    theme_parts,
)
from avgust.site.write import write_pages
from avgust.themes import load_themes
from avgust.urls import NAV_FILE
from tests.support.project import ROOT, linked_directives, source_files


@pytest.fixture(scope="module")
def muchkap() -> Resolution:
    resolutions, _ = parse_all(source_files(), root=ROOT)
    return next(r for r in resolutions if r.district == "Мучкапский район")


@pytest.fixture(scope="module")
def themes() -> tuple[Theme, ...]:
    return load_themes(ROOT / "themes.yml")


def _archive(res: Resolution, districts: int, years: range, regions: int = 3) -> list[Resolution]:
    """``res`` as the resolution of ``districts`` districts in each of ``years``."""
    return [
        dataclasses.replace(
            res,
            slug=f"{year}-rajon-{n:04d}",
            district=f"Район {n:04d}",
            region=f"Область {n % regions + 1}",
            date=f"{year}{res.date[4:] if res.date else '-08-26'}",
        )
        for n in range(1, districts + 1)
        for year in years
    ]


def _unmatched(resolutions: list[Resolution]) -> Continuity:
    """Every district's years, with nothing kept: each directive new, or dropped."""
    by_district = district_years(resolutions)
    return Continuity(years={d: tuple(sorted(by_year)) for d, by_year in by_district.items()})


def _links(entry: object) -> list[str]:
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, dict):
        return [link for value in entry.values() for link in _links(value)]
    if isinstance(entry, list):
        return [link for value in entry for link in _links(value)]
    return []


def _nav(res: Resolution, themes: tuple[Theme, ...], districts: int, folder: Path) -> list[str]:
    resolutions = _archive(res, districts, range(2019, 2022))
    config = load_config(ROOT, docs_dir=folder / "docs", site_dir=folder / "site")
    write_pages(resolutions, themes, {}, config, _unmatched(resolutions))
    nav = yaml.safe_load((config.docs_dir / NAV_FILE).read_text(encoding="utf-8"))
    return _links(nav["nav"])


def test_the_navigation_has_as_many_links_at_twice_the_corpus(
    muchkap: Resolution, themes: tuple[Theme, ...], tmp_path: Path
) -> None:
    smaller = _nav(muchkap, themes, 35, tmp_path / "a")
    larger = _nav(muchkap, themes, 70, tmp_path / "b")
    assert len(smaller) == len(larger) < 60
    assert urls.COMPARE_PAGE in larger
    assert not [link for link in larger if link.startswith(("sravnenie/rajon", "rajony/rajon"))]


def test_a_districts_years_continue_on_pages_of_bounded_size(muchkap: Resolution) -> None:
    years = range(2009, 2025)  # sixteen years: fifteen pairs, ~70 directives each
    resolutions = _archive(muchkap, 1, years)
    c = Corpus(resolutions, (), {})
    pages = district_years_pages(c, "Район 0001", _unmatched(resolutions))
    assert len(pages) >= 3, "sixteen years do not fit on one page"
    first_path, first = next(iter(pages.items()))
    assert first_path == "sravnenie/rajon-0001.md"
    for path, text in pages.items():
        assert len(text.encode("utf-8")) < COMPARE_PAGE_BYTES * 1.5, path
        assert path == first_path or path.startswith("sravnenie/rajon-0001/")
        for other in pages:  # the pager leads to every page
            assert other == path or f"]({urls.md_link(path, other)})" in text
    every = "\n".join(pages.values())
    for year in years[1:]:
        assert every.count(f"{{#g-{year}}}") == 1, year
        where = next(p for p, text in pages.items() if f"{{#g-{year}}}" in text)
        assert f"]({urls.md_link(first_path, where, f'g-{year}')})" in first, "in the table"
    expected = {f"{r.slug}#{d.anchor}" for r in resolutions for d in r.directives}
    assert set(linked_directives(every)) == expected, "every directive on one of the pages"
    longest = max(len(d.text) for d in muchkap.directives)
    assert longest > COMPARE_TEXT and "…" in every, "long texts are cut, their link leads on"


def test_the_comparison_index_lists_every_district_by_region_in_bounded_pages(
    muchkap: Resolution,
) -> None:
    resolutions = _archive(muchkap, COMPARE_LIST_ENTRIES * 2 + 10, range(2020, 2022))
    c = Corpus(resolutions, (), {})
    listed = [(urls.district_years_path(c.district_page[d]), d) for d in c.districts]
    pages = compare_index(c, listed, "---\ntitle: Сравнение\n---\n\n# Сравнение\n")
    assert list(pages)[:2] == [urls.COMPARE_PAGE, "sravnenie/spisok/2.md"] and len(pages) == 3
    first = pages[urls.COMPARE_PAGE]
    assert isinstance(first, bytes) and first.decode().startswith("---\ntitle: Сравнение\n")
    found: list[str] = []
    for path, body in pages.items():
        text = body.decode() if isinstance(body, bytes) else body
        entries = re.findall(r"^- \[(Район \d{4})\]\(([^)]+)\)", text, re.M)
        assert 0 < len(entries) <= COMPARE_LIST_ENTRIES, path
        found += [name for name, _ in entries]
        regions = re.findall(r"^\*\*(Область \d)\*\*$", text, re.M)
        assert regions == sorted(set(regions)), "grouped by region, each region once a page"
    assert sorted(found) == c.districts


def test_calendar_pages_stay_within_their_budget_for_long_directives(
    muchkap: Resolution,
) -> None:
    long = [
        dataclasses.replace(
            r,
            directives=tuple(dataclasses.replace(d, text=d.text * 12) for d in r.directives),
        )
        for r in _archive(muchkap, 20, range(2020, 2021))
    ]
    c = Corpus(long, (), {})
    pages = calendar_pages(c)
    files = deadlines_pages(c, None)
    for page in pages:
        assert 0 < page.count <= PAGE_ENTRIES
        text = files[page.path]
        assert isinstance(text, str)
        assert len(text.encode("utf-8")) < PAGE_BYTES * 1.3, (page.path, page.count)
    assert len(pages) > len(long) * 36 / PAGE_ENTRIES, "the byte budget, not the count, cuts"


@pytest.mark.parametrize("districts", [20, 210])
def test_the_calendar_index_does_not_grow_with_the_corpus(
    muchkap: Resolution, districts: int
) -> None:
    few = dataclasses.replace(muchkap, directives=muchkap.directives[:8])
    c = Corpus(_archive(few, districts, range(2015, 2025)), (), {})
    index = deadlines_pages(c, None)[urls.DEADLINES_PAGE]
    assert isinstance(index, str)
    assert len(index.encode("utf-8")) < PAGE_BYTES + 80_000
    assert "{#tekushchij}" in index and "(2015-16.md)" in index
    year_lines = re.findall(r"^- \[20\d\d/\d\d учебный год\]\(.+$", index, re.M)
    assert len(year_lines) >= 10
    assert all(line.count("](") <= 15 for line in year_lines), "a year's months, not its pages"


def test_theme_pages_of_long_directives_stay_within_their_budget(
    muchkap: Resolution, themes: tuple[Theme, ...]
) -> None:
    theme = themes[0]
    long = [
        dataclasses.replace(
            r,
            directives=tuple(
                dataclasses.replace(d, text=d.text * 12, themes=(theme.slug,)) for d in r.directives
            ),
        )
        for r in _archive(muchkap, 10, range(2020, 2021))
    ]
    c = Corpus(long, themes, {})
    parts = theme_parts(c, theme.slug)
    assert len(parts) > len(c.items) / THEME_PAGE_DIRECTIVES, "the byte budget, not the count"
    for part in parts:
        text = theme_part_page(c, theme, part)
        assert 0 < part.count <= THEME_PAGE_DIRECTIVES
        assert len(text.encode("utf-8")) < THEME_PAGE_BYTES * 1.3, part.path
    assert sum(p.count for p in parts) == len(c.items)


def test_the_feed_of_all_districts_keeps_the_latest_deadlines_that_fit_its_bytes(
    muchkap: Resolution, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ALL_FEED_BYTES (monkeypatched small here) the feed of all districts keeps the
    latest deadlines that fit, and it and the calendar's page say what was left out."""
    from avgust.site.pages import calendar

    assert calendar.ALL_FEED_BYTES < 20_000_000  # the site's bound on any file
    monkeypatch.setattr(calendar, "ALL_FEED_BYTES", 50_000)
    c = Corpus(_archive(muchkap, 3, range(2018, 2022)), (), {})
    files = deadlines_pages(c, None)
    body = files[urls.deadline_feed_path(urls.ALL_DEADLINES_FEED)]
    assert isinstance(body, bytes) and 40_000 < len(body) <= 50_000
    every = icalendar.Calendar.from_ical(body)
    days = sorted((e.decoded("dtstart") for e in every.walk("VEVENT")), reverse=True)
    dated = sorted(
        (i.directive.deadline.end or "" for i in c.items if i.directive.deadline.end),
        reverse=True,
    )
    assert 0 < len(days) < len(dated)
    assert days[-1].isoformat() >= dated[len(days) - 1], "the latest deadlines"
    left = len(dated) - len(days)
    assert f"{len(days)} событий из {len(dated)}" in str(every["x-wr-caldesc"])
    index = files[urls.DEADLINES_PAGE]
    assert isinstance(index, str) and f"ещё {left} " in index
    own = icalendar.Calendar.from_ical(files[urls.deadline_feed_path("rajon-0001")])
    assert len(list(own.walk("VEVENT"))) > len(days) / 3, "a district's feed has all of its own"
    assert "x-wr-caldesc" not in own
