"""The one search box, in the header of every page, in a real browser (Debian's chromium).

The site is the one `avgust build` makes of the five real resolutions (built once per session).
Every request to another host is blocked and the tests assert there was none. The tests wait
for what the page says it has shown (``.avg-hs`` data-query / data-mode), never for time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from avgust.index.store import Index, load_index
from tests.support.browser import NO_CHROMIUM, SCREENSHOTS, serving
from tests.support.sitebuild import BuiltSite, real_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NO_CHROMIUM, reason="Debian's chromium is not installed (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api")

PAGE = "temy/vospitanie/"  # not the search page
BOX = "input.avg-hs-input"
DIRECTIVES = '.avg-hs-option[data-kind="directive"]'
BEFORE_FOCUS_LIMIT = 50_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return real_site(tmp_path_factory)


@pytest.fixture(scope="module")
def index(built: BuiltSite) -> Index:
    return load_index(built.config)


@pytest.fixture(scope="module")
def served(built: BuiltSite) -> Iterator[str]:
    with serving(built.site) as base:
        yield base


class Tab:
    """A tab that only talks to the local server and counts the search bytes it downloads."""

    def __init__(self, browser: Any, base: str, width: int = 1280, context: Any = None) -> None:
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.search_bytes: list[tuple[str, int]] = []
        self.context = context or browser.new_context(viewport={"width": width, "height": 860})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfinished", self._finished)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _finished(self, request: Any) -> None:
        if "/assets/search/" in request.url:
            sizes = request.sizes()
            self.search_bytes.append((request.url, sizes["responseBodySize"]))

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def type(self, query: str) -> None:
        self.page.locator(BOX).click()
        self.page.locator(BOX).fill(query)
        self.wait_for(query, "lexical")

    def wait_for(self, query: str, mode: str, timeout: int = 30_000) -> None:
        self.page.wait_for_function(
            """([q, m]) => { const r = document.querySelector('.avg-hs');
                             return r.dataset.query === q && r.dataset.mode === m; }""",
            arg=[query, mode],
            timeout=timeout,
        )

    def directives(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = self.page.eval_on_selector_all(
            DIRECTIVES,
            "items => items.map(li => ({id: li.dataset.id, href: li.querySelector('a').href,"
            " text: li.innerText}))",
        )
        return found

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, served: str) -> Iterator[Tab]:
    opened = Tab(browser, served)
    yield opened
    opened.close()
    assert opened.blocked == [], "requests to other hosts"
    assert opened.errors == []


MODEL_FILES = (".onnx.gz", ".wasm", "tokenizer.json")


def _model_requests(tab: Tab) -> list[str]:
    return [u for u, _ in tab.search_bytes if u.split("?")[0].endswith(MODEL_FILES)]


def _mentoring(index: Index) -> set[str]:
    return {r.id for r in index.records if "nastavnichestvo" in r.themes or "наставни" in r.text}


def test_a_page_load_downloads_almost_nothing_of_the_search_before_focus(tab: Tab) -> None:
    tab.goto(PAGE)
    tab.page.wait_for_load_state("networkidle")
    before = sum(size for _, size in tab.search_bytes)
    names = sorted(url.rsplit("/", 1)[1] for url, _ in tab.search_bytes)
    assert names == ["header.js", "search.css"]  # code, no data
    assert before < BEFORE_FOCUS_LIMIT, before
    with tab.page.expect_event("requestfinished", lambda r: r.url.endswith("/meta.json")):
        tab.page.locator(BOX).focus()  # the focus is what fetches the first data file


def test_typing_in_the_header_gives_directives_by_words_then_enter_refines_them_by_meaning(
    tab: Tab, index: Index
) -> None:
    tab.goto(PAGE)
    tab.type("наставничество")
    lexical = tab.directives()
    assert lexical and {d["id"] for d in lexical} <= _mentoring(index)
    first = index.record(lexical[0]["id"])
    assert lexical[0]["href"].endswith(first.url)  # the link goes to the directive's anchor
    assert first.district and first.district in lexical[0]["text"]
    assert str(first.year) in lexical[0]["text"]
    # the theme page the query names comes before the directives
    theme = tab.page.locator('.avg-hs-option[data-kind="theme"]')
    assert theme.count() == 1 and "Наставничество" in theme.inner_text()
    assert tab.page.evaluate("() => window.avgustHeaderSearch.state().model") == "idle"
    assert _model_requests(tab) == []  # typing never fetches the model
    tab.page.locator(BOX).press("Enter")  # an explicit search: now the model loads
    tab.wait_for("наставничество", "hybrid", timeout=180_000)
    assert "уточнены по смыслу" in tab.page.locator(".avg-hs-live").inner_text()
    hybrid = tab.directives()
    assert hybrid and len({d["id"] for d in hybrid} & _mentoring(index)) >= len(hybrid) - 1
    # with the model there, typing answers by words at once, then by meaning after a pause
    tab.page.locator(BOX).fill("воспитание")
    tab.wait_for("воспитание", "lexical")
    tab.wait_for("воспитание", "hybrid")
    tab.page.locator(BOX).fill("наставничество")
    tab.wait_for("наставничество", "hybrid")
    assert tab.directives() == hybrid
    tab.page.locator(DIRECTIVES).first.locator("a").click()
    anchor = hybrid[0]["id"].split("#", 1)[1]
    tab.page.wait_for_url(f"**/#{anchor}")
    assert tab.page.evaluate("() => document.querySelector(':target')?.id") == anchor


def test_the_answer_follows_the_keystrokes_and_the_last_text_wins(tab: Tab) -> None:
    """Every keystroke searches by words (no pause counted against the answer), one search at
    a time: a search held on the network is overtaken by the text typed meanwhile."""
    tab.goto(PAGE)
    box = tab.page.locator(BOX)
    box.click()
    tab.page.wait_for_function("() => document.querySelector('.avg-hs').dataset.ready === 'true'")
    held: list[Any] = []
    records = "**/assets/search/s/r*.bin"
    tab.page.route(records, lambda route: held.append(route))
    with tab.page.expect_request(lambda request: "/assets/search/s/r" in request.url):
        box.fill("горячее питание")
    box.fill("воспитание")  # typed while the first search waits for its records
    assert held  # the page's messages come in order: the route was taken before the fill
    tab.page.unroute(records)
    for route in held:
        route.continue_()
    tab.wait_for("воспитание", "lexical")
    last = tab.directives()
    assert last and all("воспитани" in d["text"].lower() for d in last)
    box.fill("")
    box.press_sequentially("воспитание")  # one input event a letter
    tab.wait_for("воспитание", "lexical")
    assert tab.directives() == last


def test_an_english_query_finds_russian_directives_once_the_model_is_loaded(
    tab: Tab, index: Index
) -> None:
    tab.goto(PAGE)
    tab.type("mentoring for young teachers")
    assert tab.directives() == []  # no Russian word to match
    tab.page.locator(".avg-hs-go").click()
    tab.wait_for("mentoring for young teachers", "hybrid", timeout=180_000)
    found = tab.directives()
    assert found and _mentoring(index) & {d["id"] for d in found[:3]}


def test_a_typo_is_corrected_from_the_vocabulary(tab: Tab, index: Index) -> None:
    tab.goto(PAGE)
    tab.type("наставничиство")
    assert "«наставничиство» → «наставничество»" in tab.page.locator(".avg-hs-note").inner_text()
    found = tab.directives()
    assert found and {d["id"] for d in found} <= _mentoring(index)


def test_a_q_link_opens_the_box_with_the_answer(tab: Tab, index: Index) -> None:
    tab.goto(PAGE + "?q=горячее+питание")
    tab.wait_for("горячее питание", "lexical")
    assert tab.page.locator(BOX).input_value() == "горячее питание"
    assert tab.page.locator(BOX).get_attribute("aria-expanded") == "true"
    found = tab.directives()
    assert found and all("питани" in d["text"].lower() for d in found)


def test_the_keyboard_moves_through_the_results_and_opens_one(tab: Tab) -> None:
    tab.goto(PAGE)
    tab.type("наставничество")
    box = tab.page.locator(BOX)
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-haspopup") == "grid"
    assert tab.page.locator("#avg-hs-list").get_attribute("role") == "grid"
    box.press("ArrowDown")
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    cell = tab.page.locator(f"#{active}")
    assert cell.get_attribute("role") == "gridcell"
    assert cell.get_attribute("aria-selected") == "true"
    row = cell.locator("xpath=..")
    assert row.get_attribute("data-kind") == "directive"  # the theme page, then this one
    assert cell.locator("a").count() == 1
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    box.press("ArrowDown")  # closed: the arrows do nothing
    assert box.get_attribute("aria-activedescendant") is None
    tab.type("наставничество молодых")
    box.press("ArrowDown")
    box.press("ArrowDown")
    href = tab.page.locator(f"#{box.get_attribute('aria-activedescendant')}").locator("a")
    target = href.get_attribute("href")
    box.press("Enter")
    tab.page.wait_for_url(target)


def test_a_directive_found_in_the_header_goes_into_the_collection_by_click_or_keyboard(
    tab: Tab,
) -> None:
    tab.goto(PAGE)
    tab.type("наставничество")
    page = tab.page
    rows = page.locator(DIRECTIVES)
    first, second = (str(rows.nth(i).get_attribute("data-id")) for i in (0, 1))
    button = rows.first.locator("button.avg-collect")
    assert button.inner_text() == "+ В подборку"
    button.click()
    sync_api.expect(button).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => window.avgustCollection.ids()") == [first]
    assert page.locator(".avg-hs-panel").is_visible()  # the list stays open
    assert page.locator(".avg-collection-count").inner_text() == "1"
    # the keyboard: down to the second directive (theme page, first, second), right, Enter
    box = page.locator(BOX)
    for key in ("ArrowDown", "ArrowDown", "ArrowDown", "ArrowRight"):
        box.press(key)
    active = page.locator(f"#{box.get_attribute('aria-activedescendant')}")
    assert active.locator("button.avg-collect").get_attribute("data-collect") == second
    box.press("Enter")
    assert page.evaluate("() => window.avgustCollection.ids()") == [first, second]
    assert page.locator(".avg-hs-panel").is_visible()
    box.press("ArrowLeft")  # back to the link of the same row
    link = page.locator(f"#{box.get_attribute('aria-activedescendant')}").locator("a")
    assert str(link.get_attribute("href")).endswith("#" + second.split("#")[1])


def test_a_model_that_does_not_load_is_explained_and_can_be_retried(
    browser: Any, served: str
) -> None:
    offline = Tab(browser, served)
    model = "**/assets/search/model/model.onnx.gz*"
    offline.page.route(model, lambda route: route.abort("internetdisconnected"))
    try:
        offline.goto(PAGE)
        offline.type("наставничество")
        offline.page.locator(BOX).press("Enter")
        retry = offline.page.locator(".avg-hs-note button.avg-hs-retry")
        retry.wait_for(timeout=60_000)
        note = offline.page.locator(".avg-hs-note").inner_text()
        assert "проверьте подключение к интернету" in note
        assert "Failed to fetch" not in note and "(" not in note
        offline.page.unroute(model)
        retry.click()
        offline.wait_for("наставничество", "hybrid", timeout=180_000)
        assert offline.page.evaluate("() => window.avgustHeaderSearch.state().model") == "ready"
    finally:
        offline.close()
    assert offline.blocked == []


def test_few_results_when_scores_fall_away_and_show_more_for_the_rest(tab: Tab) -> None:
    tab.goto(PAGE)
    tab.type("обеспечить")  # a word of very many directives
    shown = tab.page.locator(DIRECTIVES).count()
    more = tab.page.locator('.avg-hs-option[data-kind="more"]')
    assert shown == 5 and more.count() == 1
    more.locator("a").click()
    tab.page.wait_for_function(f"() => document.querySelectorAll('{DIRECTIVES}').length > 5")
    tab.type("горячее питание")
    scores = [
        float(s)
        for s in tab.page.eval_on_selector_all(DIRECTIVES, "l => l.map(i => i.dataset.score)")
    ]
    assert 0 < len(scores) < 10  # only the directives about it, not ten
    assert min(scores) >= 0.35 * max(scores)


def test_the_full_view_is_one_link_away(tab: Tab) -> None:
    tab.goto(PAGE)
    tab.type("наставничество")
    tab.page.locator('.avg-hs-option[data-kind="all"] a').click()
    tab.page.wait_for_url("**/poisk/?q=*")
    tab.page.wait_for_function(
        "() => document.querySelector('.avg-search-results .avg-result') !== null"
    )
    assert tab.page.locator("#avg-q").input_value() == "наставничество"


def test_on_a_metered_connection_the_model_waits_for_consent(browser: Any, served: str) -> None:
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(navigator, 'connection', {value: {saveData: true}})"
    )
    metered = Tab(browser, served, context=context)
    try:
        metered.goto(PAGE)
        metered.type("наставничество")
        metered.page.locator(BOX).press("Enter")
        metered.page.locator(".avg-hs-load").wait_for()
        assert metered.page.evaluate("() => window.avgustHeaderSearch.state().model") == "ask"
        heavy = [
            u for u, _ in metered.search_bytes if u.split("?")[0].endswith((".onnx.gz", ".wasm"))
        ]
        assert heavy == []
        assert "экономия трафика" in metered.page.locator(".avg-hs-note").inner_text()
    finally:
        metered.close()
    assert metered.blocked == [] and metered.errors == []


def test_the_box_fits_a_phone_and_its_results_too(browser: Any, served: str) -> None:
    phone = Tab(browser, served, width=375)
    try:
        phone.goto(PAGE)
        phone.type("наставничество")
        width = phone.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375
        panel = phone.page.locator(".avg-hs-panel").bounding_box()
        assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= 375
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.page.screenshot(path=str(SCREENSHOTS / "08-header-search-375px.png"))
    finally:
        phone.close()
    assert phone.blocked == [] and phone.errors == []
