"""Measure the in-browser semantic search of the built site and print tables.

Builds the site as `avgust build` does (into a temporary folder, its caches seeded from the
project's .cache/ so nothing is embedded or converted twice; or give --site and --index of a
finished build), serves it on 127.0.0.1 and drives Debian's chromium through Python playwright
(never `playwright install`). Every request to another host is blocked and counted.

- (a) results: every query of tests/fixtures/data/relevance.yml (ru, en, uk, de) in the page, with
  hit@5 / recall@10 against the judged directives, next to the Python search;
- (b) agreement: per query, the overlap of the page's top 10 with `avgust search --json -k 10`
  (the library's search() in process, same index); target mean >= 0.8;
- (c) download: bytes transferred (CDP Network.loadingFinished, headers included) from opening
  the search page to the first semantic result, by kind; target <= 40 MB for model, runtime and
  vectors; a second visit (Cache API) and pages that do not search, which must load none of it;
- (d) latency: median over 20 queries of embed + rank, timed in the page (performance.now())
  once the model is loaded; target <= 300 ms.

Exits 1 if a target is missed.

    .venv/bin/python scripts/measure_browser_search.py
    .venv/bin/python scripts/measure_browser_search.py --site build/site --index index
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.index.embed import get_embedder
from avgust.index.store import Index, load_index
from avgust.parse.batch import parse_all
from avgust.pipeline import run_build
from avgust.read.sources import discover_sources
from avgust.search.hybrid import search
from avgust.site.serve import serving

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SEARCH_PAGE = "poisk/"
ASSETS = "/assets/search/"
BUDGET_MB = 40.0
AGREEMENT_TARGET = 0.8
LATENCY_TARGET_MS = 300.0
FIRST_QUERY = "наставничество молодых педагогов"
SHOWCASE = ("mentoring for young teachers", "наставничество", "наставництво")
MB = 1e6


# ------------------------------------------------------------------ the site


def prepare(args: argparse.Namespace, work: Path) -> tuple[Config, Path]:
    """The configuration whose index the site was built from, and the site folder.

    Without --site, builds into ``work`` (docs, site, index and caches).
    """
    if args.site:
        config = load_config(ROOT, index_dir=args.index.resolve() if args.index else None)
        return config, args.site.resolve()
    cache = work / "cache"
    cache.mkdir()
    seed = ROOT / ".cache"
    if (seed / "embeddings.sqlite").is_file():
        shutil.copy2(seed / "embeddings.sqlite", cache / "embeddings.sqlite")
    if (seed / "browser-model").is_dir():
        shutil.copytree(seed / "browser-model", cache / "browser-model", ignore=_locks)
    for lexicon in seed.glob("lexicon-sample-*.json"):
        shutil.copy2(lexicon, cache / lexicon.name)
    config = load_config(
        ROOT,
        docs_dir=work / "docs",
        site_dir=work / "site",
        index_dir=work / "index",
        cache_dir=cache,
        quiet=True,
    )
    started = time.perf_counter()
    report = run_build(config)
    if report.failed:
        raise AvgustError("the build failed: " + "; ".join(map(str, report.problems)))
    print(f"built the site in {time.perf_counter() - started:.0f} s → {config.site_dir}")
    print_table(
        ["stage", "result", "s"], [[s.name, s.result, f"{s.seconds:.1f}"] for s in report.stages]
    )
    return config, config.site_dir


def _locks(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n.endswith(".lock")]


# ------------------------------------------------------------------ the browser


@dataclass
class Request:
    url: str
    transferred: int = 0  # encodedDataLength: on the wire, headers included
    body: int = 0  # decoded body bytes
    cached: bool = False  # served by the browser's HTTP cache


@dataclass
class Traffic:
    """Every request of one page, from CDP's Network events."""

    requests: dict[str, Request] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)

    def attach(self, context: Any, page: Any, base: str) -> None:
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.send("Network.enable")

        def route(r: Any) -> None:
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)

    def _sent(self, event: dict[str, Any]) -> None:
        self.requests.setdefault(event["requestId"], Request(event["request"]["url"]))

    def _data(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]].body += int(event["dataLength"])

    def _finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]].transferred = int(event["encodedDataLength"])

    def _from_cache(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]].cached = True

    def mark(self) -> set[str]:
        return set(self.requests)

    def since(self, mark: set[str]) -> list[Request]:
        return [r for key, r in self.requests.items() if key not in mark]


def kind(url: str) -> str:
    """What a request is for (the first semantic search's download, by part)."""
    path = url.split("?", 1)[0]
    if ASSETS + "model/" in path:
        return "model (ONNX, tokenizer)"
    if ASSETS + "runtime/" in path:
        return "runtime (onnxruntime-web, tokenizers.js)"
    if path.endswith((".half", ".f32")) and ASSETS in path:
        return "vectors"
    if ASSETS in path:
        return "search page data and script"
    return "the page itself (HTML, theme CSS/JS)"


MODEL_KINDS = ("model (ONNX, tokenizer)", "runtime (onnxruntime-web, tokenizers.js)", "vectors")


class Page:
    """One tab on the search page, with its traffic."""

    def __init__(self, browser: Any, base: str, context: Any = None) -> None:
        self.base = base
        self.context = context or browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.traffic = Traffic()
        self.traffic.attach(self.context, self.page, base)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open_search(self) -> None:
        self.page.goto(self.base + SEARCH_PAGE)
        self.page.wait_for_function(
            "() => document.getElementById('avg-search')?.dataset.ready === 'true'"
        )

    def search_in_box(self, query: str) -> float:
        """Type a query and submit; seconds until the semantic result is shown."""
        started = time.perf_counter()
        self.page.fill("#avg-q", query)
        self.page.press("#avg-q", "Enter")
        self.page.wait_for_function(
            "() => { const r = document.getElementById('avg-search');"
            " return r.dataset.model === 'ready' && r.dataset.mode === 'hybrid'; }",
            timeout=300_000,
        )
        return time.perf_counter() - started

    def run(self, query: str, k: int = 10) -> dict[str, Any]:
        result: dict[str, Any] = self.page.evaluate(
            "async ([q, k]) => await window.avgustSearch.run(q, {k, mode: 'hybrid'})", [query, k]
        )
        return result


# ------------------------------------------------------------------ relevance and agreement


@dataclass(frozen=True)
class Query:
    id: str
    lang: str
    text: str
    relevant: frozenset[str]  # directive ids


def relevance_queries(config: Config, index: Index) -> list[Query]:
    """The relevance queries, each {resolution, contains} resolved to directive ids."""
    resolutions, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    slugs = {Path(r.source).stem: r.slug for r in resolutions}
    data = yaml.safe_load((ROOT / "tests/fixtures/data/relevance.yml").read_text(encoding="utf-8"))
    queries = []
    for item in data["queries"]:
        relevant = {
            r.id
            for rel in item["relevant"]
            for r in index.records
            if r.resolution == slugs.get(rel["resolution"])
            and _squash(rel["contains"]) in _squash(r.text)
        }
        queries.append(Query(item["id"], item["lang"], item["query"], frozenset(relevant)))
    return queries


def _squash(text: str) -> str:
    return " ".join(text.split()).rstrip(";,.").casefold()


def hit_recall(ranked: Sequence[str], relevant: frozenset[str]) -> tuple[float, float]:
    if not relevant:
        return float("nan"), float("nan")
    hit5 = float(any(i in relevant for i in ranked[:5]))
    return hit5, len(relevant.intersection(ranked[:10])) / min(10, len(relevant))


# ------------------------------------------------------------------ the measurements


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--index", type=Path, help="the index the site was built from")
    parser.add_argument("--latency-queries", type=int, default=20)
    args = parser.parse_args(argv)
    if shutil.which(CHROMIUM) is None:
        print(f"error: {CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="avgust-measure-") as work:
        try:
            config, site = prepare(args, Path(work))
            index = load_index(config)
        except AvgustError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        failures = run_browser(site, config, index, args)
    print()
    for failure in failures:
        print(f"MISSED: {failure}")
    print("all targets met" if not failures else f"{len(failures)} target(s) missed")
    return 1 if failures else 0


def run_browser(site: Path, config: Config, index: Index, args: argparse.Namespace) -> list[str]:
    from playwright.sync_api import sync_playwright

    with serving(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return measure(browser, base, config, index, args)
        finally:
            browser.close()


def measure(
    browser: Any, base: str, config: Config, index: Index, args: argparse.Namespace
) -> list[str]:
    failures: list[str] = []
    failures += pages_without_search(browser, base, index)

    cold = Page(browser, base)
    cold.open_search()
    opened = cold.traffic.mark()
    page_load = cold.traffic.since(set())
    seconds_cold = cold.search_in_box(FIRST_QUERY)
    first = cold.traffic.since(opened)
    print(f"\n## (c) Download: opening the search page, then the first semantic search ({base})")
    print(
        f"query {FIRST_QUERY!r}: lexical answer at once, semantic result after "
        f"{seconds_cold:.1f} s (download, session, warm-up)"
    )
    model_bytes = download_table(page_load, first)
    if model_bytes > BUDGET_MB * MB:
        failures.append(f"model + runtime + vectors {model_bytes / MB:.2f} MB > {BUDGET_MB} MB")

    warm = Page(browser, base, context=cold.context)  # same profile: the Cache API is kept
    warm.open_search()
    opened = warm.traffic.mark()
    seconds_warm = warm.search_in_box(FIRST_QUERY)
    again = [r for r in warm.traffic.since(opened) if kind(r.url) in MODEL_KINDS]
    again_bytes = sum(r.transferred for r in again)
    print(
        f"\nsecond visit (same browser profile): semantic result after {seconds_warm:.1f} s; "
        f"model, runtime and vectors fetched from the network: {again_bytes / MB:.2f} MB "
        f"({len(again)} requests: {', '.join(_name(r.url) for r in again) or 'none'})"
    )
    if again_bytes > 0.2 * MB:
        failures.append(f"the second visit downloaded {again_bytes / MB:.2f} MB of the model")

    failures += agreement(warm, config, index)
    failures += latency(warm, config, index, args.latency_queries)
    for tab in (cold, warm):
        if tab.traffic.blocked:
            failures.append(f"requests to other hosts: {tab.traffic.blocked[:3]}")
        if tab.errors:
            failures.append(f"page errors: {tab.errors[:3]}")
    print(f"\nrequests blocked (to hosts other than 127.0.0.1): {len(cold.traffic.blocked)}")
    cold.context.close()
    return failures


def pages_without_search(browser: Any, base: str, index: Index) -> list[str]:
    """Pages other than the search page must not load the search's files."""
    tab = Page(browser, base)
    paths = ["", "temy/", f"resheniya/{index.records[0].resolution}/", "proekt/poisk/"]
    rows = []
    failures = []
    for path in paths:
        mark = tab.traffic.mark()
        tab.page.goto(base + path)
        tab.page.wait_for_load_state("load")
        tab.page.wait_for_timeout(500)
        loaded = tab.traffic.since(mark)
        search_files = [r for r in loaded if ASSETS in r.url]
        rows.append(
            [
                "/" + path,
                str(len(loaded)),
                f"{sum(r.transferred for r in loaded) / MB:.2f}",
                ", ".join(_name(r.url) for r in search_files) or "none",
            ]
        )
        if search_files:
            failures.append(f"/{path} loaded search files")
    print("\n## (c) Pages that do not search")
    print_table(["page", "requests", "MB", "search files loaded"], rows)
    if tab.traffic.blocked:
        failures.append(f"requests to other hosts: {tab.traffic.blocked[:3]}")
    tab.context.close()
    return failures


def download_table(page_load: list[Request], first: list[Request]) -> int:
    """Print bytes by kind; return the bytes of model, runtime and vectors."""
    rows = []
    total = {"page": 0, "search": 0}
    for name, requests in (("opening the page", page_load), ("first semantic search", first)):
        by_kind: dict[str, list[Request]] = {}
        for r in requests:
            by_kind.setdefault(kind(r.url), []).append(r)
        for part, items in sorted(by_kind.items()):
            transferred = sum(r.transferred for r in items)
            body = sum(r.body for r in items)
            total["page" if name == "opening the page" else "search"] += transferred
            rows.append(
                [name, part, str(len(items)), f"{transferred / MB:.2f}", f"{body / MB:.2f}"]
            )
    rows.append(["total", "", "", f"{(total['page'] + total['search']) / MB:.2f}", ""])
    print_table(["when", "what", "requests", "MB transferred", "MB body"], rows)
    everything = page_load + first
    model = sum(r.transferred for r in everything if kind(r.url) in MODEL_KINDS)
    print(
        f"model + runtime + vectors: {model / MB:.2f} MB (target <= {BUDGET_MB:.0f} MB); "
        f"everything from opening the page to the first semantic result: "
        f"{(total['page'] + total['search']) / MB:.2f} MB"
    )
    largest = sorted(everything, key=lambda r: -r.transferred)[:8]
    print_table(
        ["largest files", "MB transferred"],
        [[_name(r.url), f"{r.transferred / MB:.2f}"] for r in largest],
    )
    return model


def agreement(tab: Page, config: Config, index: Index) -> list[str]:
    embedder = get_embedder(config)
    queries = relevance_queries(config, index)
    rows = []
    overlaps: dict[str, list[float]] = {}
    quality: dict[str, list[tuple[float, float, float, float]]] = {}
    for q in queries:
        page_ids = [h["id"] for h in tab.run(q.text, 10)["hits"]]
        python_ids = [h.id for h in search(index, embedder, q.text, k=10)]
        overlap = len(set(page_ids) & set(python_ids)) / 10
        same_order = page_ids == python_ids
        for group in (q.lang, "all"):
            overlaps.setdefault(group, []).append(overlap)
        ph, pr = hit_recall(page_ids, q.relevant)
        yh, yr = hit_recall(python_ids, q.relevant)
        for group in (q.lang, "all"):
            quality.setdefault(group, []).append((ph, pr, yh, yr))
        first = index.record(page_ids[0]) if page_ids else None
        rows.append(
            [
                q.id,
                _cut(q.text, 34),
                f"{overlap:.1f}",
                "=" if same_order else "≠",
                f"{ph:.0f} / {pr:.2f}",
                f"{yh:.0f} / {yr:.2f}",
                _cut(f"{first.district}: {first.text}" if first else "", 60),
            ]
        )
    print("\n## (a) Results and (b) agreement with `avgust search --json -k 10`, per query")
    print_table(
        [
            "query",
            "text",
            "top-10 overlap",
            "order",
            "page hit@5 / R@10",
            "python hit@5 / R@10",
            "page's first hit",
        ],
        rows,
    )
    summary = []
    for group in ("ru", "en", "uk", "de", "all"):
        values = overlaps.get(group, [])
        if not values:
            continue
        q4 = quality[group]
        summary.append(
            [
                group,
                str(len(values)),
                f"{statistics.mean(values):.3f}",
                f"{min(values):.1f}",
                _pair(q4, 0),
                _pair(q4, 2),
            ]
        )
    print_table(
        ["lang", "queries", "mean overlap", "min", "page hit@5 / R@10", "python hit@5 / R@10"],
        summary,
    )
    print("\n## (a) The brief's examples: the page's top 5")
    for text in SHOWCASE:
        hits = tab.run(text, 10)["hits"]
        districts = {index.record(h["id"]).district for h in hits}
        print(f"\n{text!r} — top 10 from {len(districts)} districts")
        for h in hits[:5]:
            record = index.record(h["id"])
            print(f"  {h['score']:7.3f}  {record.district}, {record.year}: {_cut(record.text, 90)}")
    mean = statistics.mean(overlaps["all"])
    return [] if mean >= AGREEMENT_TARGET else [f"mean top-10 overlap {mean:.3f} < 0.8"]


def latency(tab: Page, config: Config, index: Index, n: int) -> list[str]:
    queries = [q.text for q in relevance_queries(config, index)]
    runs = [tab.run(queries[i % len(queries)], 10) for i in range(n)]
    total = [r["ms"]["total"] for r in runs]
    embed = [r["ms"]["embed"] for r in runs]
    rank = [r["ms"]["rank"] for r in runs]
    tokens = [r["embedding"]["tokens"] for r in runs]
    print(f"\n## (d) Latency after the model is loaded: {n} queries, timed in the page (ms)")
    print_table(
        ["", "median", "p90", "max"],
        [
            ["embed (tokenise + ONNX)", *_spread(embed)],
            ["rank (hybrid fusion)", *_spread(rank)],
            ["embed + rank", *_spread(total)],
        ],
    )
    print(f"tokens per query: {min(tokens)}–{max(tokens)}")
    median = statistics.median(total)
    return [] if median <= LATENCY_TARGET_MS else [f"median latency {median:.0f} ms > 300 ms"]


def _pair(values: list[tuple[float, float, float, float]], at: int) -> str:
    """Mean hit@5 / recall@10 (columns ``at``, ``at + 1``) of the queries with judgements."""
    judged = [v for v in values if v[at] == v[at]]  # NaN: no judged directive
    if not judged:
        return "—"
    hit5 = statistics.mean(v[at] for v in judged)
    recall = statistics.mean(v[at + 1] for v in judged)
    return f"{hit5:.2f} / {recall:.2f}"


def _spread(values: list[float]) -> list[str]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return [f"{statistics.median(values):.0f}", f"{p90:.0f}", f"{max(values):.0f}"]


def _name(url: str) -> str:
    return url.split("?", 1)[0].rsplit("/", 1)[-1] or url


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain Markdown table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    sys.exit(main())
