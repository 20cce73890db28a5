"""The built site in a real browser (Debian's chromium through Python playwright).

A teacher's and a methodologist's path: home → theme «Наставничество» → a directive →
a similar directive of another district; the built-in search; a 375 px phone screen.
The site is served by http.server on 127.0.0.1; every request to any other host is
blocked and recorded, and the tests assert there was none. Screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import opendata
from tests.support.browser import NO_CHROMIUM, Tab, serving
from tests.support.sitebuild import BuiltSite, hostile_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NO_CHROMIUM, reason="Debian's chromium is not installed (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BuiltSite]]:
    built = hostile_site(tmp_path_factory)
    with serving(built.site) as base:
        yield base, built


@pytest.fixture
def tab(browser: Any, served: tuple[str, BuiltSite]) -> Iterator[Tab]:
    opened = Tab(browser, served[0])
    yield opened
    opened.close()
    assert opened.blocked == [], "requests to other hosts"


def _mentoring_with_similar(built: BuiltSite) -> tuple[str, str]:
    """A «Наставничество» directive with a similar directive in another district: (id, other id)."""
    district = {f"{r.slug}#{d.anchor}": r.district for r in built.resolutions for d in r.directives}
    for res in built.resolutions:
        for directive in res.directives:
            key = f"{res.slug}#{directive.anchor}"
            others = [s.id for s in built.similar.get(key, []) if district[s.id] != res.district]
            if "nastavnichestvo" in directive.themes and others:
                return key, others[0]
    pytest.fail("no mentoring directive has a similar directive in another district")


def test_from_home_through_a_theme_to_a_similar_directive_of_another_district(
    tab: Tab, served: tuple[str, BuiltSite]
) -> None:
    built = served[1]
    start, similar = _mentoring_with_similar(built)
    slug, anchor = start.split("#")
    other_slug, other_anchor = similar.split("#")
    page = tab.page

    tab.goto("")
    assert page.locator("h1").inner_text().rstrip("#") == "Решения августовских конференций"
    assert page.locator(".avg-figure").count() == 4
    tab.shot("01-home")

    page.locator(".md-tabs").get_by_role("link", name="Темы", exact=True).click()
    page.locator(".md-content").get_by_role("link", name="Наставничество", exact=True).first.click()
    page.wait_for_url("**/temy/nastavnichestvo/")
    assert page.locator("h1").inner_text().rstrip("#") == "Наставничество"
    tab.shot("02-theme-nastavnichestvo", full_page=True)

    page.locator(f'.md-content a[href$="{slug}/#{anchor}"]').first.click()
    page.wait_for_url(f"**/resheniya/{slug}/#{anchor}")
    assert tab.anchor_in_view(anchor)
    directive = page.locator(f"#{anchor}")
    assert "Наставничество" in directive.locator(".avg-tag").all_inner_texts()
    tab.shot("03-directive")

    directive.locator("details.avg-similar > summary").click()
    link = directive.locator(f'details.avg-similar a[href$="{other_slug}/#{other_anchor}"]')
    label = link.inner_text()
    other = next(r for r in built.resolutions if r.slug == other_slug)
    assert other.district and other.district in label and str(other.year) in label
    link.click()
    page.wait_for_url(f"**/resheniya/{other_slug}/#{other_anchor}")
    assert tab.anchor_in_view(other_anchor)
    facts = page.locator(".avg-facts").inner_text()
    assert other.district in facts
    assert page.evaluate("() => document.querySelector(':target')?.id") == other_anchor
    tab.shot("04-similar-in-another-district")


def test_the_header_search_finds_mentoring(tab: Tab) -> None:
    tab.goto("")
    results = tab.search("наставничество")
    assert results.count() >= 3
    assert "наставничеств" in results.first.inner_text().lower()
    tab.shot("05-search")


def test_the_data_pages_csv_link_saves_a_plain_csv_a_spreadsheet_opens(
    tab: Tab, served: tuple[str, BuiltSite], tmp_path: Path
) -> None:
    """The CSV is stored gzipped; the link hands over the CSV itself, byte for byte."""
    _, built = served
    parts = opendata.catalog(built.site)
    tab.goto("dannye/")
    link = tab.page.locator(f'a[href$="{parts[0]["directives_csv"].split("/")[-1]}"]').first
    with tab.page.expect_download() as download:
        link.click()
    saved = download.value
    region = Path(parts[0]["directives_csv"]).name.removesuffix(".csv.gz")
    assert saved.suggested_filename == f"{parts[0]['year']}-{region}.csv"
    saved.save_as(tmp_path / "part.csv")
    raw = (tmp_path / "part.csv").read_bytes()
    assert raw == opendata.read_csv(built.site, parts[0]["directives_csv"])
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == parts[0]["directives"] > 0


@pytest.mark.parametrize(
    "path",
    [
        "",
        "temy/nastavnichestvo/",
        "sroki/",
        "resheniya/",
        "proekt/kak-dobavit/",
        "poisk/",
        "podborka/",
        "sravnenie/",
    ],
)
def test_pages_fit_a_375_px_phone_screen(
    browser: Any, served: tuple[str, BuiltSite], path: str
) -> None:
    built = served[1]
    paths = [path] if path else ["", f"resheniya/{built.resolutions[0].slug}/"]
    phone = Tab(browser, served[0], width=375, height=812)
    try:
        for where in paths:
            phone.goto(where)
            if where == "poisk/":  # its form and filters are made by search.js
                phone.page.wait_for_selector("#avg-search[data-ready] select")
            width = phone.page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 375, (where, width)
            name = (where.strip("/").replace("/", "-") or "home") + "-375px"
            phone.shot(f"06-{name}", full_page=True)
    finally:
        phone.close()
    assert phone.blocked == []


def test_markup_in_a_document_runs_nothing_in_the_browser(
    browser: Any, served_hostile: tuple[str, BuiltSite]
) -> None:
    base, _ = served_hostile
    hostile = Tab(browser, base)
    try:
        hostile.goto("resheniya/2022-hostile/")
        page = hostile.page
        assert "<script>alert(1)</script>" in page.locator(".md-content").inner_text()
        assert page.locator('.md-content img, .md-content script, img[src="x"]').count() == 0
        hostile.search("alert")
        assert page.locator('img[src="x"], .avg-hs-panel script, .avg-hs-panel img').count() == 0
        hostile.shot("07-hostile-text-stays-text")
    finally:
        hostile.close()
    assert hostile.dialogs == []
    assert hostile.blocked == []
