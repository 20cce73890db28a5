"""The site of a larger corpus in a real browser: the pages that split stay small and lead on.

60 resolutions (the five real ones twelve times, each copy a district of its own, over three
years; tests/support/scaled.py) built by ``avgust build`` with the fast hash embedder, so
search is lexical only. A methodologist opens a large theme, picks a year, reads its first
page and follows a directive to its resolution; from a district page, a theme link lands on
that district's directives. Every page stays under 300 KB and the navigation lists section
indexes, not 60 resolutions. The «Поиск по смыслу» page fetches only the shards a query needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avgust import urls
from avgust.config import Config, load_config
from avgust.index.store import load_index
from avgust.pipeline import BuildReport, run_build
from avgust.search.hybrid import rank_vector
from avgust.site.pages.taxonomy import THEME_PAGE_DIRECTIVES
from tests.support.browser import NO_CHROMIUM, Tab, serving
from tests.support.fake_embedder import HashEmbedder
from tests.support.hostile import make_project
from tests.support.project import ROOT
from tests.support.scaled import copy_scaled

MODEL = "test-hash-embedder"
COPIES = 12
PAGE_LIMIT = 300_000
# what the search page may fetch for its first search by words and by meaning (the model aside):
# meta.json, the query's shards, the nearest IVF lists, the statistics, a few record chunks
FIRST_SEARCH_LIMIT = 400_000
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NO_CHROMIUM, reason="Debian's chromium is not installed (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = make_project(tmp_path_factory.mktemp("scaled") / "p", copy_scaled(COPIES))
    return load_config(
        root, model=MODEL, quiet=True, mkdocs_file=ROOT / "mkdocs.yml", content_dir=ROOT / "content"
    )


@pytest.fixture(scope="module")
def built(config: Config) -> tuple[Path, BuildReport]:
    report = run_build(config, embedder=HashEmbedder(MODEL))
    assert not report.failed, [str(p) for p in report.problems]
    assert len(report.resolutions) == 5 * COPIES
    return config.site_dir, report


@pytest.fixture(scope="module")
def served(built: tuple[Path, BuildReport]) -> Iterator[str]:
    with serving(built[0]) as base:
        yield base


@pytest.fixture
def tab(browser: Any, served: str) -> Iterator[Tab]:
    opened = Tab(browser, served, width=375, height=800)
    yield opened
    opened.close()
    assert opened.blocked == [], "requests to other hosts"


def _largest_theme(report: BuildReport) -> str:
    counts = Counter(t for r in report.resolutions for d in r.directives for t in set(d.themes))
    theme, n = counts.most_common(1)[0]
    assert n > THEME_PAGE_DIRECTIVES, "the scaled corpus has a theme that is split"
    return theme


def test_every_page_is_small_and_the_navigation_lists_no_resolutions(
    built: tuple[Path, BuildReport], tab: Tab
) -> None:
    site, report = built
    # the deadlines calendar is split per academic year by its own page rules, not these
    calendar = site / urls.page_url(urls.DEADLINES_PAGE)
    pages = {p: p.stat().st_size for p in site.rglob("*.html") if p.parent != calendar}
    assert len(pages) > 5 * COPIES
    assert max(pages.values()) < PAGE_LIMIT, max(pages, key=pages.__getitem__)
    res = report.resolutions[0]
    tab.goto(f"resheniya/{res.slug}/")
    assert tab.page.locator("h1").count() == 1
    in_nav = tab.page.locator("nav.md-nav--primary a[href*='resheniya/']").count()
    assert in_nav <= 2, "the section links its index, not every resolution"


def test_a_large_theme_leads_through_a_year_page_to_a_directive(
    built: tuple[Path, BuildReport], tab: Tab
) -> None:
    theme = _largest_theme(built[1])
    page = tab.page
    tab.goto(f"temy/{theme}/")
    years = page.locator("article table tbody tr")
    assert years.count() >= 2
    first_year = years.first.locator("td").first
    label = first_year.inner_text()
    first_year.locator("a").click()
    page.wait_for_url(f"**/temy/{theme}/{label.split()[0]}/")
    assert label.split()[0] in page.locator("h1").inner_text()
    directives = page.locator("article li > a[href*='resheniya/']")
    assert 0 < directives.count() <= THEME_PAGE_DIRECTIVES
    target = directives.first.get_attribute("href") or ""
    anchor = target.split("#", 1)[1]
    directives.first.click()
    page.wait_for_url(f"**/#{anchor}")
    assert tab.anchor_in_view(anchor)
    tab.shot("scale-theme-directive")


def test_a_district_theme_link_lands_on_that_districts_directives(
    built: tuple[Path, BuildReport], tab: Tab
) -> None:
    theme = _largest_theme(built[1])
    page = tab.page
    tab.goto("rajony/")
    page.locator("article li a[href*='rajon']").first.click()
    page.wait_for_load_state("load")
    link = page.locator(f"article table a[href*='temy/{theme}/']").first
    href = link.get_attribute("href") or ""
    anchor = href.split("#", 1)[1]
    assert anchor.startswith("d-")
    link.click()
    page.wait_for_url(f"**/#{anchor}")
    assert f"/temy/{theme}/" in page.url
    assert tab.anchor_in_view(anchor)
    tab.shot("scale-district-theme")


def test_the_search_page_fetches_the_shards_of_a_query_not_the_whole_index(
    built: tuple[Path, BuildReport], config: Config, tab: Tab
) -> None:
    site = built[0]
    search = site / "assets" / "search"
    requested: list[str] = []
    tab.page.on("request", lambda request: requested.append(request.url.split("?", 1)[0]))
    tab.goto("poisk/")
    tab.page.wait_for_function("() => document.getElementById('avg-search').dataset.ready")
    query = "наставничество молодых педагогов"
    tab.page.fill("#avg-q", query)
    tab.page.press("#avg-q", "Enter")  # a lexical-only site: the words answer
    tab.page.wait_for_function("() => document.getElementById('avg-search').dataset.mode")
    index = load_index(config)
    shown = tab.page.eval_on_selector_all(".avg-result", "l => l.map(i => i.dataset.id)")
    lexical = index.lexical.scores(query)
    best = [index.records[r].id for r in rank_vector(index, query, None, 10, mode="lexical")[0]]
    assert shown and shown == best[: len(shown)] and lexical.max() > 0
    # and by meaning, with the query vector the build's embedder gives
    vector = HashEmbedder(MODEL).embed_query(query)
    page = tab.page.evaluate(
        "async ([q, v]) => await window.avgustSearch.rankVector(q, v, {k: 10})",
        [query, vector.tolist()],
    )
    python = [index.records[r].id for r in rank_vector(index, query, vector, 10)[0]]
    assert page[0]["id"] == python[0]
    assert len({h["id"] for h in page} & set(python)) >= 8
    data = [u.split("/assets/search/", 1)[1] for u in requested if "/assets/search/" in u]
    data = [path for path in data if not path.endswith((".js", ".css"))]
    assert "meta.json" in data and not [p for p in data if "index.json" in p or ".f16" in p]
    fetched = sum((search / path).stat().st_size for path in set(data))
    every = sum(p.stat().st_size for p in (search / "s").iterdir())
    assert fetched < FIRST_SEARCH_LIMIT and fetched < every / 3, (fetched, every)
