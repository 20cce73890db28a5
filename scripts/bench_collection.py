"""What «Подборка» and «Сравнение» make a visitor download, and what they cost a build, at scale.

Synthetic corpora of the five real resolutions copied under new slugs: ten years (2015–2024)
per district, so N resolutions are N/10 districts. Vectors are random (the sizes do not
depend on them; the time of :func:`continuity` does not either). Prints one table:

* all directives in one JSON file (what the open data was before it was split per region
  and year), for contrast;
* the biggest per-resolution file (data/r/<slug>.json) and data/rajony.json;
* what the collection page fetches for 20 directives of 20 resolutions, and what the
  comparison page fetches for two districts (rajony.json + their resolutions);
* the biggest district-years page (Markdown); the build time of continuity (the year-to-year
  matching) and of the pages and files.

    .venv/bin/python scripts/bench_collection.py                 # N = 5, 500, 3,300
    .venv/bin/python scripts/bench_collection.py --resolutions 50
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np

from avgust.config import load_config
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Resolution, directive_id
from avgust.site.corpus import Corpus
from avgust.site.data import data_records
from avgust.site.pages.compare import compare_files, continuity

YEARS = tuple(range(2015, 2025))


def corpus(real: list[Resolution], n: int) -> list[Resolution]:
    if n <= len(real):
        return real[:n]
    out = []
    for i in range(n):
        base = real[i % len(real)]
        district, year = i // len(YEARS), YEARS[i % len(YEARS)]
        out.append(
            replace(
                base,
                slug=f"{year}-rajon-{district}",
                district=f"Район № {district}",
                date=f"{year}-08-{20 + i % 8:02d}",
            )
        )
    return out


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def measure(real: list[Resolution], n: int) -> list[str]:
    resolutions = corpus(real, n)
    c = Corpus(resolutions, (), {})
    ids = [directive_id(r.slug, d.anchor) for r in resolutions for d in r.directives]
    vectors = np.random.default_rng(0).standard_normal((len(ids), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    links = continuity(resolutions, {k: i for i, k in enumerate(ids)}, vectors)
    matched = time.perf_counter() - started
    files, _ = compare_files(c, links, None)
    written = time.perf_counter() - started - matched
    everything = len(json.dumps(data_records(c, None), ensure_ascii=False).encode())
    per_res = {p: len(b) for p, b in files.items() if isinstance(b, bytes)}  # data/r, gzipped
    rajony = len(str(files["data/rajony.json"]).encode())
    twenty = sum(sorted(per_res.values())[-20:])  # 20 directives of the 20 biggest files
    two = rajony
    for district in json.loads(str(files["data/rajony.json"]))["districts"][:2]:
        data = str(files[f"data/d/{district['key']}.json"])
        two += len(data.encode())
        two += sum(per_res[f"data/r/{r['slug']}.json.gz"] for r in json.loads(data)["resolutions"])
    pages = [len(str(b).encode()) for p, b in files.items() if p.endswith(".md")]
    return [
        f"{n:,}",
        f"{len(ids):,}",
        kb(everything),
        kb(max(per_res.values())),
        kb(rajony),
        kb(twenty),
        kb(two),
        kb(max(pages)) if pages else "—",
        f"{matched:.2f} s",
        f"{written:.2f} s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resolutions", type=int, nargs="*", default=[5, 500, 3300])
    args = parser.parse_args()
    config = load_config()
    real, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    head = [
        "resolutions",
        "directives",
        "all in one JSON",
        "max r/<slug>.json",
        "rajony.json",
        "collection of 20",
        "compare 2 districts",
        "max years page",
        "continuity",
        "pages + files",
    ]
    rows = [measure(real, n) for n in args.resolutions]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
