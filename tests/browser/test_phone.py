"""A teacher on a 375 px phone: the resolution, the addressee filter, sharing, the calendar, axe.

Real chromium over the real site (the five resolutions, built once per session). Every
wait is on an event or a DOM state (the site script marks ``<html data-avg-ready>``
when it has set the page up), never on a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.support.browser import NO_CHROMIUM, Tab
from tests.support.project import ROOT
from tests.support.sitebuild import BuiltSite

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NO_CHROMIUM, reason="Debian's chromium is not installed (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api")

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 667}
MUCHKAP = "resheniya/2020-muchkapskij-rajon/"


@pytest.fixture
def phone(browser: Any, served: tuple[str, BuiltSite]) -> Iterator[Tab]:
    base = served[0]
    opened = Tab(
        browser,
        base,
        **PHONE,
        permissions=["clipboard-read", "clipboard-write"],
        accept_downloads=True,
    )
    yield opened
    opened.close()
    assert opened.blocked == [], "requests to other hosts"


def _ready(tab: Tab, path: str) -> None:
    tab.goto(path)
    tab.page.wait_for_selector("html[data-avg-ready]", state="attached")


def test_the_first_directive_is_on_the_first_screen(phone: Tab) -> None:
    _ready(phone, MUCHKAP)
    first = phone.page.locator(".avg-directive").first
    box = first.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    # the preamble is behind a closed «Вводная часть»
    intro = phone.page.locator("details#vvodnaya-chast")
    assert intro.get_attribute("open") is None
    assert "26 августа 2020 года в режиме онлайн" not in phone.page.locator("main").inner_text()
    intro.locator("summary").click()
    assert "26 августа 2020 года в режиме онлайн" in intro.inner_text()
    phone.shot("phone-resolution")


def test_the_addressee_chips_show_one_addressees_directives(phone: Tab) -> None:
    _ready(phone, MUCHKAP)
    page = phone.page
    total = page.locator(".avg-directive:visible").count()
    chip = page.get_by_role("button", name="Образовательным организациям", exact=True)
    chip.click()
    assert chip.get_attribute("aria-pressed") == "true"
    shown = page.locator(".avg-directive:visible")
    assert 0 < shown.count() < total
    groups = page.locator(".avg-group:visible h3")
    headings = [h.strip() for h in groups.all_inner_texts()]
    assert all("Образовательным организациям" in h or h.startswith("Всем") for h in headings)
    page.get_by_role("button", name="Все", exact=True).click()
    assert page.locator(".avg-directive:visible").count() == total
    phone.shot("phone-chips")


def test_share_copies_link_text_and_citation_and_the_link_opens_the_directive(
    phone: Tab,
) -> None:
    _ready(phone, MUCHKAP)
    page = phone.page
    card = page.locator("#p-2-4")
    button = card.locator(".avg-share")
    button.scroll_into_view_if_needed()
    size = button.bounding_box()
    assert size is not None and size["width"] >= 44 and size["height"] >= 44, size
    button.click()
    status = card.locator(".avg-shared")
    sync_api.expect(status).to_have_text("Ссылка и текст скопированы")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Мучкапский район, решение от 26.08.2020, п. 2.4" in copied
    url = copied.strip().splitlines()[-1]
    assert url == phone.base + MUCHKAP + "#p-2-4"
    assert "Похожие" not in copied and "Скопировать" not in copied
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("html[data-avg-ready]", state="attached")
    assert phone.anchor_in_view("p-2-4")


def test_a_link_into_the_closed_introduction_opens_it(phone: Tab) -> None:
    _ready(phone, MUCHKAP + "#razdel-1")
    assert phone.page.locator("details#vvodnaya-chast").get_attribute("open") is not None
    assert phone.anchor_in_view("razdel-1")


def test_the_calendar_filters_by_district_and_month_and_downloads_an_ics(phone: Tab) -> None:
    _ready(phone, "sroki/2020-21/")
    page = phone.page
    form = page.locator("form.avg-cal-filter")
    total = page.locator(".avg-cal-due").count()
    form.locator("select[name=district]").select_option(label="Мучкапский район")
    visible = page.locator("li:has(.avg-cal-due):visible")
    texts = visible.all_inner_texts()
    assert texts and all("Мучкапский район" in t for t in texts)
    form.locator("select[name=month]").select_option(label="Октябрь 2020")
    texts = visible.all_inner_texts()
    assert 0 < len(texts) < total and all("октября 2020" in t for t in texts), texts
    # the first addressee of the first October entry: its filter keeps that entry
    key = visible.first.locator(".avg-cal-due").get_attribute("data-addressees").split()[0]
    form.locator("select[name=addressee]").select_option(value=key)
    narrowed = visible.all_inner_texts()
    assert narrowed[:1] == texts[:1] and len(narrowed) <= len(texts)
    form.locator("select[name=addressee]").select_option(value="")
    sync_api.expect(form.locator(".avg-cal-count")).to_have_text(
        re.compile(rf"Показано: {len(texts)} из {total}")
    )
    phone.shot("phone-calendar")
    form.locator(".avg-cal-all").click()
    assert visible.count() == total
    _ready(phone, "sroki/")
    link = page.locator("a.avg-ics", has_text="Мучкапский район")
    with page.expect_download() as info:
        link.click()
    feed = icalendar.Calendar.from_ical(Path(info.value.path()).read_bytes())
    events = list(feed.walk("VEVENT"))
    assert events and all(str(e["summary"]).startswith("Мучкапский район") for e in events)
    assert info.value.suggested_filename == "muchkapskij-rajon.ics"


TEMPLATES = [
    "",
    MUCHKAP,
    "temy/nastavnichestvo/",
    "rajony/muchkapskij-rajon/",
    "gody/2020/",
    "sroki/",
    "sroki/2020-21/",
    "dannye/",
    "poisk/",
    "proekt/kak-dobavit/",
    "podborka/",
    "sravnenie/",
]


def _serious(tab: Tab) -> list[str]:
    """axe-core's serious and critical violations of the page as it is now."""
    if not tab.page.evaluate("() => typeof axe === 'object'"):
        tab.page.add_script_tag(path=str(AXE))
    found: list[str] = tab.page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .filter((v) => v.impact === "serious" || v.impact === "critical")
             .map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(" ")}`)"""
    )
    return found


@pytest.mark.parametrize("path", TEMPLATES)
def test_axe_finds_no_serious_violations(
    browser: Any, served: tuple[str, BuiltSite], path: str
) -> None:
    assert AXE.is_file(), "npm ci --prefix web (axe-core is a devDependency)"
    tab = Tab(browser, served[0], **PHONE, bypass_csp=True)
    try:
        _ready(tab, path)
        assert _serious(tab) == []
        assert tab.blocked == []
    finally:
        tab.close()


def test_axe_finds_no_serious_violations_in_what_scripts_show(
    browser: Any, served: tuple[str, BuiltSite]
) -> None:
    """The header search's answer, the search page's results, a filled collection and two
    districts compared: what the static templates above do not show."""
    base, built = served
    ids = [f"{r.slug}#{r.directives[0].anchor}" for r in built.resolutions[:3]]
    tab = Tab(browser, base, **PHONE, bypass_csp=True)
    try:
        _ready(tab, "temy/vospitanie/")
        assert tab.search("наставничество").count() > 0
        assert _serious(tab) == [], "header search"
        _ready(tab, "poisk/?query=наставничество")
        tab.page.wait_for_selector(".avg-result .avg-collect")
        assert _serious(tab) == [], "search page"
        tab.page.evaluate("(ids) => window.avgustCollection.set(ids)", ids)
        _ready(tab, "podborka/")
        tab.page.wait_for_function(
            "(n) => document.querySelectorAll('li.avg-collection-item').length === n",
            arg=len(ids),
        )
        assert _serious(tab) == [], "collection"
        keys = tab.page.evaluate(
            """async () => (await (await fetch("../data/rajony.json")).json())
                 .districts.slice(0, 2).map((d) => d.key)"""
        )
        _ready(tab, f"sravnenie/#rajony={keys[0]},{keys[1]}")
        tab.page.wait_for_selector("#avg-compare[data-ready] section.avg-cmp-section")
        assert _serious(tab) == [], "comparison"
        assert tab.blocked == []
    finally:
        tab.close()
