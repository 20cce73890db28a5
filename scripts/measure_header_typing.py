"""What the header box downloads and how fast it answers when a query is typed key by key.

The box searches by words on every keystroke (one search at a time, then the latest text), so
the shards of the partial words are fetched too: this prints, for each key interval, the
search files fetched while typing each query (by kind: l lemma shards, t postings, r record
chunks, p pages, m manifests of the old format) and the time from the last key to the answer,
timed in the page. Run it on a built site (``make site`` or one kept by bench_scale.py):

    .venv/bin/python scripts/measure_header_typing.py build/site --delays 0 100 250
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_index import QUERIES as INDEX_QUERIES  # noqa: E402
from bench_scale import ANSWER_CLOCK, HEADER_BOX  # noqa: E402

QUERIES = INDEX_QUERIES[:3]  # Russian: the box answers them by words
ANSWERED = """(q) => { const r = document.querySelector('.avg-hs');
                      return r.dataset.query === q && r.dataset.mode === 'lexical'; }"""


def typing(site: Path, delay: float) -> list[tuple[str, float, Counter[str]]]:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, serving

    page_path = sorted(p.parent for p in (site / "resheniya").glob("*/index.html"))[-1]
    out = []
    with serving(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 800})
        fetched: list[str] = []
        page.on("requestfinished", lambda request: fetched.append(request.url))
        page.goto(base + page_path.relative_to(site).as_posix() + "/")
        page.wait_for_load_state("load")
        page.evaluate(ANSWER_CLOCK)
        box = page.locator(HEADER_BOX)
        box.click()
        page.wait_for_function("() => document.querySelector('.avg-hs').dataset.ready === 'true'")
        for query in QUERIES:
            start = len(fetched)
            box.fill("")
            box.press_sequentially(query, delay=delay)
            page.wait_for_function(ANSWERED, arg=query)
            kinds: Counter[str] = Counter()
            for url in fetched[start:]:
                rel = url.removeprefix(base)
                kind = re.match(r"assets/search/s/([a-z]+)\d*-", rel)
                if kind:
                    kinds[kind.group(1)] += (site / rel).stat().st_size
            answered = float(page.evaluate("(q) => window.avgustAnswered[q + '|lexical']", query))
            out.append((query, answered, kinds))
        browser.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (build/site)")
    parser.add_argument("--delays", type=float, nargs="+", default=[0, 100, 250])
    args = parser.parse_args(argv)
    print("| ms between keys | query | last key → answer | search files fetched while typing |")
    print("|---|---|---|---|")
    for delay in args.delays:
        for query, answered, kinds in typing(args.site, delay):
            split = ", ".join(f"{k} {v / 1000:.0f}" for k, v in sorted(kinds.items()))
            total = sum(kinds.values()) / 1000
            print(f"| {delay:.0f} | {query} | {answered:.0f} ms | {total:.0f} KB ({split}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
