"""«Подборка» and «Сравнение» in a real browser, on the site of the five real resolutions.

A methodologist adds three directives of three districts — from a resolution page, a
similar-directive box and a theme page — reloads (the collection is kept), reorders it
with the buttons and the keyboard, downloads it as .docx (read back with python-docx),
Markdown and CSV, and passes it on as a link. Two districts side by side on the
comparison page. Every wait is on an element or an event, never on time.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from avgust.records import Resolution
from avgust.site.corpus import Corpus
from tests.support.browser import NO_CHROMIUM, Tab, serving
from tests.support.sitebuild import HOSTILE, BuiltSite, hostile_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NO_CHROMIUM, reason="Debian's chromium is not installed (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def tab(browser: Any, served: tuple[str, BuiltSite]) -> Iterator[Tab]:
    opened = Tab(browser, served[0])
    yield opened
    opened.close()
    assert opened.blocked == [], "requests to other hosts"
    assert opened.dialogs == []


Picked = tuple[str, str, str]


def _by_id(built: BuiltSite) -> dict[str, tuple[Resolution, Any]]:
    return {f"{r.slug}#{d.anchor}": (r, d) for r in built.resolutions for d in r.directives}


def _three(built: BuiltSite) -> tuple[Picked, str]:
    """Three directives of three districts: one with a similar directive of another district
    (on its resolution page), that similar directive (in the box), and one of a theme page
    in a third district; and that theme's slug."""
    found = _by_id(built)
    for key, hits in sorted(built.similar.items()):
        res, _ = found[key]
        others = [h.id for h in hits if found[h.id][0].district != res.district]
        if not others:
            continue
        taken = {res.district, found[others[0]][0].district}
        for other_key, (other_res, directive) in found.items():
            if other_res.district not in taken and directive.themes:
                return (key, others[0], other_key), directive.themes[0]
    pytest.fail("the five resolutions do not give three districts to pick from")


def _add(tab: Tab, directive: str) -> None:
    button = tab.page.locator(f'button.avg-collect[data-collect="{directive}"]').first
    button.click()
    assert button.get_attribute("aria-pressed") == "true"


def _open_collection(tab: Tab, count: int, path: str = "podborka/") -> None:
    tab.goto(path)
    tab.page.wait_for_selector("#avg-collection[data-ready]")
    tab.page.wait_for_function(
        "(n) => document.querySelectorAll('li.avg-collection-item').length === n", arg=count
    )


def _shown(tab: Tab) -> list[str]:
    return [
        str(x)
        for x in tab.page.locator("li.avg-collection-item").evaluate_all(
            "(items) => items.map((li) => li.dataset.id)"
        )
    ]


def _stored(tab: Tab) -> list[str]:
    return [str(x) for x in tab.page.evaluate("() => window.avgustCollection.ids()")]


def _collect(tab: Tab, ids: list[str]) -> None:
    """Set the collection through the page API (what the search results use)."""
    tab.goto("")
    tab.page.wait_for_function("() => window.avgustCollection !== undefined")
    tab.page.evaluate("(ids) => window.avgustCollection.set(ids)", ids)


def _addressee_group(directive: Any) -> str:
    names = [re.sub(r"[\s:]+$", "", a) for a in directive.addressees]
    return ", ".join(n for n in names if n) or "Всем участникам"


def _source(res: Resolution, directive: Any) -> str:
    assert res.date is not None
    day = f"{res.date[8:10]}.{res.date[5:7]}.{res.date[:4]}"
    return f"{res.district}, {res.kind.lower()} от {day}, п. {directive.number}"


def test_three_districts_collected_kept_reordered_and_exported_as_docx(
    tab: Tab, served: tuple[str, BuiltSite], tmp_path: Path
) -> None:
    base, built = served
    (first, similar, themed), theme = _three(built)
    found = _by_id(built)
    page = tab.page

    tab.goto(f"resheniya/{first.split('#')[0]}/")
    _add(tab, first)
    block = page.locator(f'.avg-directive[id="{first.split("#")[1]}"]')
    block.locator("details.avg-similar > summary").click()
    slug, anchor = similar.split("#")
    similar_link = block.locator(f'details.avg-similar a[href$="{slug}/#{anchor}"]')
    # the similar directive's whole text is there to copy: the page has only its link, the
    # opened box gets the text from data/r/<slug>.json
    page.wait_for_selector(".avg-directive details.avg-similar[open][data-filled='2']")
    item_text = similar_link.locator("xpath=..").inner_text()
    assert " ".join(found[similar][1].text.split()) in " ".join(item_text.split())
    _add(tab, similar)
    assert page.locator(".avg-collection-count").inner_text() == "2"

    tab.goto(f"temy/{theme}/")
    _add(tab, themed)
    assert page.locator(".avg-collection-count").inner_text() == "3"

    _open_collection(tab, 3)
    assert set(_shown(tab)) == {first, similar, themed}  # grouped by addressee
    page.reload()
    _open_collection(tab, 3)
    assert _stored(tab) == [first, similar, themed]

    # one list, so any directive can move past any other: a click, then Enter on the focus
    page.get_by_label("Одним списком").check()
    page.wait_for_function(
        "() => document.querySelectorAll('.avg-collection-list h2').length === 1"
    )
    assert _shown(tab) == [first, similar, themed]
    page.locator(f'li[data-id="{first}"] .avg-move-down').click()
    page.wait_for_function(
        "(id) => document.querySelector('li.avg-collection-item:nth-child(2)')?.dataset.id === id",
        arg=first,
    )
    assert page.evaluate("() => document.activeElement.className") == "avg-move-down"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(id) => document.querySelector('li.avg-collection-item:nth-child(3)')?.dataset.id === id",
        arg=first,
    )
    order = [similar, themed, first]
    assert _stored(tab) == order
    page.reload()
    _open_collection(tab, 3)
    assert _stored(tab) == order
    tab.shot("podborka-desktop", full_page=True)

    with page.expect_download() as download:
        page.locator("button.avg-export-docx").click()
    path = tmp_path / "podborka.docx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".docx")
    document = docx.Document(str(path))
    paragraphs = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", "Подборка поручений")
    groups = list(dict.fromkeys(_addressee_group(found[i][1]) for i in order))
    assert [text for style, text in paragraphs if style == "Heading 1"] == groups
    body = [
        " ".join(text.split()) for style, text in paragraphs if style not in {"Title", "Heading 1"}
    ]
    assert sorted(body) == sorted(" ".join(found[i][1].text.split()) for i in order)
    with zipfile.ZipFile(path) as archive:
        notes = archive.read("word/footnotes.xml").decode("utf-8")
    for key in order:
        res, directive = found[key]
        url = f"{base}resheniya/{res.slug}/#{directive.anchor}"
        assert f"{_source(res, directive)}. {url}" in notes
    muchkap = [k for k in order if k.startswith("2020-muchkapskij-rajon")]
    if muchkap:
        assert "Мучкапский район, решение от 26.08.2020, п. " in notes


def test_markdown_and_csv_exports_carry_every_directive_with_its_source(
    tab: Tab, served: tuple[str, BuiltSite], tmp_path: Path
) -> None:
    base, built = served
    (first, similar, themed), _ = _three(built)
    ids = [themed, first, similar]
    found = _by_id(built)
    _collect(tab, ids)
    _open_collection(tab, 3)
    page = tab.page

    with page.expect_download() as download:
        page.locator("button.avg-export-md").click()
    download.value.save_as(tmp_path / "p.md")
    markdown = (tmp_path / "p.md").read_text("utf-8")
    assert markdown.startswith("# Подборка поручений\n")
    for key in ids:
        res, directive = found[key]
        assert f"<{base}resheniya/{res.slug}/#{directive.anchor}>" in markdown
        assert f"## {_addressee_group(directive)}" in markdown.replace("\\", "")

    with page.expect_download() as download:
        page.locator("button.avg-export-csv").click()
    download.value.save_as(tmp_path / "p.csv")
    raw = (tmp_path / "p.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_url = {row["адрес"]: row for row in rows}
    for key in ids:
        res, directive = found[key]
        row = by_url[f"{base}resheniya/{res.slug}/#{directive.anchor}"]
        assert row["текст"] == directive.text
        assert row["источник"] == _source(res, directive)
        assert row["район"] == res.district and row["пункт"] == (directive.number or "")


def test_a_shared_link_offers_its_collection_to_another_browser(
    browser: Any, tab: Tab, served: tuple[str, BuiltSite]
) -> None:
    base, built = served
    (first, similar, themed), _ = _three(built)
    ids = [similar, first, themed]
    _collect(tab, ids)
    _open_collection(tab, 3)
    link = tab.page.locator("input.avg-share-link").input_value()
    assert link.startswith(f"{base}podborka/#ids=")
    assert "%23" in link  # the "#" of every id is encoded inside the fragment

    other = Tab(browser, base, width=375, height=800)  # a colleague's phone: empty storage
    try:
        other.page.goto(link)
        offer = other.page.locator(".avg-import")
        offer.wait_for()
        assert "3" in offer.inner_text()
        other.shot("podborka-import-phone")
        other.page.locator("button.avg-import-add").click()
        other.page.wait_for_function(
            "() => document.querySelectorAll('li.avg-collection-item').length === 3"
        )
        assert _shown(other) == ids and _stored(other) == ids
        assert other.page.evaluate("() => location.hash") == ""
        assert other.page.locator(".avg-import").count() == 0
        assert other.blocked == []
    finally:
        other.close()


def test_two_districts_side_by_side_under_a_common_theme(
    tab: Tab, served: tuple[str, BuiltSite]
) -> None:
    _, built = served
    corpus = Corpus(built.resolutions, (), {})
    themes_of: dict[str, dict[str, list[str]]] = {}
    for res in built.resolutions:
        for d in res.directives:
            for slug in d.themes:
                themes_of.setdefault(slug, {}).setdefault(corpus.district(res), []).append(
                    f"{res.slug}#{d.anchor}"
                )
    theme, districts = next((t, d) for t, d in sorted(themes_of.items()) if len(d) >= 2)
    one, two = sorted(districts)[:2]
    keys = [corpus.district_page[one], corpus.district_page[two]]
    tab.goto(f"sravnenie/#rajony={keys[0]},{keys[1]}")
    page = tab.page
    section = page.locator(f'section.avg-cmp-section[data-theme="{theme}"]')
    section.wait_for()
    for key, district in zip(keys, (one, two), strict=True):
        column = section.locator(f'.avg-cmp-col[data-district="{key}"]')
        assert district in column.locator("h3").inner_text()
        shown = column.locator("a[data-directive]").evaluate_all(
            "(links) => links.map((a) => a.dataset.directive)"
        )
        assert sorted(shown) == sorted(districts[district])
    # every directive there can go into the collection
    first = districts[one][0]
    _add(tab, first)
    assert _stored(tab) == [first]
    # one theme only, and the choice survives a reload through the fragment
    page.locator("select.avg-cmp-theme-select").select_option(theme)
    page.wait_for_function(
        "() => document.querySelectorAll('section.avg-cmp-section').length === 1"
    )
    page.reload()
    page.wait_for_selector("#avg-compare[data-ready] section.avg-cmp-section")
    checked = page.locator(".avg-cmp-choice input:checked").evaluate_all(
        "(boxes) => boxes.map((b) => b.value)"
    )
    assert sorted(checked) == sorted(keys)


def test_on_a_phone_the_compared_districts_stand_one_under_another(
    browser: Any, served: tuple[str, BuiltSite]
) -> None:
    base, built = served
    corpus = Corpus(built.resolutions, (), {})
    keys = [corpus.district_page[d] for d in corpus.districts[:2]]
    phone = Tab(browser, base, width=375, height=800)
    try:
        phone.goto(f"sravnenie/#rajony={keys[0]},{keys[1]}")
        phone.page.wait_for_selector("#avg-compare[data-ready] section.avg-cmp-section")
        boxes = phone.page.locator("section.avg-cmp-section").first.locator(".avg-cmp-col")
        a, b = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
        assert a is not None and b is not None
        assert b["y"] >= a["y"] + a["height"] - 1 and a["width"] > 300
        width = phone.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, "the page scrolls sideways on a phone"
        phone.shot("sravnenie-phone")
        assert phone.blocked == []
    finally:
        phone.close()


def test_hostile_text_stays_text_in_the_collection(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    built = hostile_site(tmp_path_factory)
    resolution = built.resolutions[0]
    ids = [f"{resolution.slug}#{d.anchor}" for d in resolution.directives]
    with serving(built.site) as base:
        hostile = Tab(browser, base)
        try:
            hostile.goto(f"resheniya/{resolution.slug}/")
            hostile.page.locator("button.avg-collect").first.wait_for()
            hostile.page.evaluate("(ids) => window.avgustCollection.set(ids)", ids)
            _open_collection(hostile, len(ids))
            shown = hostile.page.locator(".avg-collection-list").inner_text()
            assert any(h in shown for h in HOSTILE)  # shown as the document's text …
            assert (
                hostile.page.locator(
                    ".avg-collection-list script, .avg-collection-list img"
                ).count()
                == 0
            )
            assert hostile.dialogs == [] and hostile.blocked == []  # … and never run
        finally:
            hostile.close()
