"""What a visitor downloads for the header search, at 5 real and at synthetic larger corpora.

For each corpus size the sharded search data (avgust.browser.shards) is written to a temporary
folder and the page's own reader, src/avgust/browser/js/shards.js, runs in Node with a loader
that counts the bytes of every file it asks for, once per file (as the browser's memory does):

* focus: meta.json, the only file read when the box is focused;
* first search by words: the lemma and term shards of the query, the record chunks of the five
  results shown and the pages file;
* + by meaning: the header's IVF directory and centroids, the nearest lists (2-bit codes), the
  int8 files of the rows rescored and the statistics (the model aside), also split by kind
  (with the record chunks of its results);
* next search: what a second, different query adds (mean over the other queries).

The full «Поиск по смыслу» page (js/fusion.js, the full fusion of avgust.search.hybrid over
the shards) runs in the same Node process with a fresh reader: its first search (meta.json, the
query's shards, the lists, the statistics, the shown records: the model aside) and the next
ones, and the top-10 overlap of its ranking with avgust.search.hybrid.rank_vector over every
vector, for the header's queries and the 37 relevance queries.

The synthetic corpora recombine the real directives as scripts/bench_index.py does, with
blended vectors (--blend there): each synthetic directive's vector is the normalised sum of the
real vectors of the two directives it joins. Also printed: the header IVF search's recall@10
(avgust.browser.shards.header_search, the twin of shards.js) against the exhaustive cosine
search for real query vectors, the top-10 overlap of the sharded
hybrid ranking with the same fusion computed over every vector, and the size the old
monolithic files (index.json + vectors.f16) would have.

    .venv/bin/python scripts/measure_search_scale.py                    # 5, 200, 1000
    .venv/bin/python scripts/measure_search_scale.py --sizes 5 200 3300
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import QUERIES, SOURCES, BlendEmbedder, real_texts, synthetic_corpus

from avgust.browser.export import browser_lexicon
from avgust.browser.shards import (
    META_FILE,
    TIE,
    Page,
    export_shards,
    header_search,
    read_header_ivf,
)
from avgust.config import load_config
from avgust.index.bm25 import LexicalIndex
from avgust.index.embed import get_embedder
from avgust.index.store import Index, records_of
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Resolution, Theme
from avgust.search.hybrid import POOL, FusionParams, rank_vector
from avgust.themes import load_themes, parse_rule, theme_text

ROOT = Path(__file__).resolve().parent.parent
SHARDS_JS = (ROOT / "src" / "avgust" / "browser" / "js" / "shards.js").as_uri()
FUSION_JS = (ROOT / "src" / "avgust" / "browser" / "js" / "fusion.js").as_uri()
SHOWN = 5
# the kinds of file of a search by meaning, as the table groups them (avgust.browser.shards)
KINDS = (("hd", "h"), ("hv",), ("w",), ("g",), ("r",))
RELEVANCE = "tests/fixtures/data/relevance.yml"

HARNESS = """
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
const [moduleUrl, folder, queriesPath, fusionUrl, themesPath, agreePath] = process.argv.slice(2);
const { Shards } = await import(moduleUrl);
const { ShardedRanker } = await import(fusionUrl);
let bytes = 0;
let largest = 0;
let largestPath = "";
let kinds = null; // while set: the bytes of each kind of file (c, v, g, r…) fetched
const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
const load = async (path) => {
  const data = new Uint8Array(readFileSync(join(folder, path)));
  bytes += data.byteLength;
  if (kinds) {
    const kind = path.split("/").pop().split("-")[0].replace(/[0-9]+$/, "");
    kinds[kind] = (kinds[kind] ?? 0) + data.byteLength;
  }
  if (data.byteLength > largest) [largest, largestPath] = [data.byteLength, path];
  return data;
};
const shards = new Shards(meta, load);
const queries = JSON.parse(readFileSync(queriesPath, "utf8"));
const out = [];
for (const q of queries) {
  const start = bytes;
  const lexical = await shards.lexicalTop(q.query, 30);
  await shards.records(lexical.rows.slice(0, SHOWN));
  await shards.pages();
  const words = bytes - start;
  if (out.length === 0) kinds = {};
  const hybrid = await shards.hybrid(q.query, Float32Array.from(q.vector), 30);
  await shards.records(hybrid.rows.slice(0, SHOWN));
  out.push({ words, meaning: bytes - start - words, hybrid: hybrid.rows.slice(0, 10), kinds });
  kinds = null;
}
const raw = readFileSync(themesPath);
const themes = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
bytes = 0;
const reader = new Shards(meta, load);
const page = new ShardedRanker(reader, await reader.file(meta.page), themes);
const full = [];
for (const q of queries) {
  const start = bytes;
  const ranked = await page.rank(q.query, Float32Array.from(q.vector), { k: 11 });
  await page.shards.records(ranked.rows);
  full.push(bytes - start);
}
const agree = [];
for (const q of JSON.parse(readFileSync(agreePath, "utf8"))) {
  agree.push((await page.rank(q.query, Float32Array.from(q.vector), { k: 10 })).rows);
}
process.stdout.write(JSON.stringify({ out, largest, largestPath, full, agree }));
""".replace("SHOWN", str(SHOWN))


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def _corpus(real: Sequence[Resolution], size: int) -> list[Resolution]:
    return list(real) if size <= len(real) else synthetic_corpus(real, size)


def measure(
    corpus: Sequence[Resolution],
    vectors: np.ndarray,
    queries: dict[str, np.ndarray],
    cache_dir: Path,
    calibration: np.ndarray,
    held_out: np.ndarray,
    themes: Sequence[Theme],
    relevance: Sequence[str],
) -> dict[str, Any]:
    records = records_of(corpus)
    lexical = LexicalIndex.build([r.lexical_text for r in records])
    lexicon = browser_lexicon(lexical, cache_dir=cache_dir)
    districts = sorted({r.district for r in corpus if r.district})
    pages = [Page("district", d, f"rajony/{i}/") for i, d in enumerate(districts)]
    pages += [Page("resolution", r.title, f"resheniya/{r.slug}/") for r in corpus]
    params = FusionParams(lexical_weight=0.6)
    index = Index(
        folder=cache_dir,
        manifest={},
        records=tuple(records),
        vectors=np.ascontiguousarray(vectors, np.float32),
        faiss_index=None,
        lexical=lexical,
        similar={},
        lexical_weight=params.lexical_weight,
        themes=tuple(themes),
        theme_vectors=np.asarray(calibration, np.float32),
    )
    agreement = [(q, v) for q, v in queries.items()]
    agreement += list(zip(relevance, held_out, strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp)
        files = export_shards(
            records,
            lexical,
            lexicon,
            vectors,
            pages,
            dest,
            extra={"lexical_weight": params.lexical_weight},
            page={
                "fusion": {**dataclasses.asdict(params), "pool": POOL},
                "signal_themes": [
                    {"slug": t.slug, "rules": [_rule_json(r) for r in t.rules]} for t in themes
                ],
            },
            queries=calibration,
        )
        meta_bytes = (dest / META_FILE).read_bytes()
        meta = json.loads(meta_bytes)
        qfile = dest / "queries.json"
        qfile.write_text(
            json.dumps([{"query": q, "vector": v.tolist()} for q, v in queries.items()]),
            encoding="utf-8",
        )
        harness = dest / "harness.mjs"
        harness.write_text(HARNESS, encoding="utf-8")
        (dest / "themes.f32").write_bytes(np.ascontiguousarray(calibration, "<f4").tobytes())
        agree_file = dest / "agree.json"
        agree_file.write_text(
            json.dumps([{"query": q, "vector": v.tolist()} for q, v in agreement]),
            encoding="utf-8",
        )
        command = ["node", str(harness), SHARDS_JS, str(dest), str(qfile), FUSION_JS]
        done = subprocess.run(
            [*command, str(dest / "themes.f32"), str(agree_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout)
        header = read_header_ivf(dest, meta)
        total = sum(f.stat().st_size for f in files)
    recalls, strict_recalls, overlaps = [], [], []
    bm25 = {q: lexical.scores(q).astype(np.float64) for q in queries}
    for (query, q), out in zip(queries.items(), result["out"], strict=True):
        exact = vectors @ q
        rows, _ = header_search(header, q, 10)
        strict = set(np.argsort(-exact, kind="stable")[:10].tolist())
        strict_recalls.append(len(strict & set(rows.tolist())) / 10)
        tenth = float(np.sort(exact)[::-1][9])
        recalls.append(float(np.mean(exact[rows] >= tenth - TIE)))
        dense = vectors @ q
        fused = (dense - dense.mean()) / dense.std()
        if bm25[query].std() > 1e-9:
            fused += 0.6 * (bm25[query] - bm25[query].mean()) / bm25[query].std()
        best = set(np.lexsort((np.arange(len(fused)), -fused))[:10].tolist())
        overlaps.append(len(best & set(out["hybrid"])) / 10)
    held = []  # the relevance queries: typed queries that played no part in the calibration
    for q in held_out:
        exact = vectors @ q
        rows, _ = header_search(header, q, 10)
        held.append(float(np.mean(exact[rows] >= np.sort(exact)[::-1][9] - TIE)))
    page_overlaps = []
    for (query, q), rows in zip(agreement, result["agree"], strict=True):
        exhaustive, _ = rank_vector(index, query, q, 10)
        page_overlaps.append(len(set(exhaustive.tolist()) & set(rows)) / 10)
        if page_overlaps[-1] < 0.7:
            print(f"  full page {page_overlaps[-1]:.1f}: {query}", file=sys.stderr)
    outs = result["out"]
    monolith = _monolith_bytes(records, lexical, vectors)
    return {
        "resolutions": len(corpus),
        "directives": len(records),
        "files": len(files),
        "total": total,
        "meta": len(meta_bytes),
        "meta_gz": _gz(meta_bytes),
        "first_words": outs[0]["words"],
        "first_meaning": outs[0]["meaning"],
        "meaning_kinds": outs[0]["kinds"],
        "next": float(np.mean([o["words"] + o["meaning"] for o in outs[1:]])),
        "largest": result["largest"],
        "largest_kind": result["largestPath"].split("/")[-1].split("-")[0],
        "lists": len(header.rows),
        "nprobe": f"{header.nprobe} (full page {meta['ivf']['nprobe']})",
        "recall": float(np.mean(recalls)),
        "recall_min": float(np.min(recalls)),
        "strict": float(np.mean(strict_recalls)),
        "held_out": float(np.mean(held)),
        "overlap": float(np.mean(overlaps)),
        "page_first": result["full"][0],
        "page_next": float(np.mean(result["full"][1:])),
        "page_overlap": float(np.mean(page_overlaps)),
        "page_overlap_min": float(np.min(page_overlaps)),
        "monolith": monolith,
    }


def _rule_json(rule: str) -> dict[str, Any]:
    parsed = parse_rule(rule)
    return {"terms": list(parsed.terms), "exclude": parsed.exclude}


def _monolith_bytes(records: Sequence[object], lexical: LexicalIndex, vectors: np.ndarray) -> int:
    """index.json (records and BM25 docs, without the lexicon) + vectors.f16, as before."""
    data = lexical.to_json()
    text = json.dumps(
        {"vocab": data["vocab"], "docs": data["docs"], "records": [str(r) for r in records]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return len(text.encode()) + vectors.size * 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 200, 1000])
    args = parser.parse_args(argv)
    base = load_config(ROOT, quiet=True)
    real, _ = parse_all(discover_sources(base.resolutions_dir), root=base.root)
    embedder = BlendEmbedder(get_embedder(base), real_texts(real))
    queries = {q: embedder.embed_query(q) for q in QUERIES}
    relevance = yaml.safe_load((ROOT / RELEVANCE).read_text(encoding="utf-8"))["queries"]
    held_out = np.stack([embedder.embed_query(str(q["query"])) for q in relevance])
    # nprobe is calibrated as the build does it: on the theme descriptions embedded as queries
    # (and held-out directive vectors made query-like, avgust.browser.shards.build_ivf)
    themes = load_themes(base.themes_file)
    calibration = np.stack([embedder.embed_query(theme_text(t)) for t in themes])
    rows = []
    for size in args.sizes:
        SOURCES.clear()
        corpus = _corpus(real, size)
        texts = [d.text for r in corpus for d in r.directives]
        vectors = embedder.real if size <= len(real) else embedder.embed_passages(texts)
        vectors = np.asarray(vectors, np.float32)
        rows.append(
            measure(
                corpus,
                vectors,
                queries,
                base.cache_dir,
                calibration,
                held_out,
                themes,
                [str(q["query"]) for q in relevance],
            )
        )
        print(f"measured {size} resolutions", file=sys.stderr)

    def kb(n: float) -> str:
        return f"{n / 1000:,.1f} KB"

    head = (
        "| resolutions | directives | meta.json (gzip) | first search: words | + by meaning "
        "| by meaning: centroids + lists + rescoring + statistics + records "
        "| next search | largest file fetched | all search data (files) "
        "| before: index.json+vectors "
        "| IVF lists / nprobe | recall@10 IVF, ties ±0.001 (min) | strict "
        "| recall@10, 37 relevance queries | hybrid top-10 overlap "
        "| full page: first search | next search | full page top-10 = exhaustive (min) |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        k = r["meaning_kinds"]
        print(
            f"| {r['resolutions']:,} | {r['directives']:,} | {kb(r['meta'])} ({kb(r['meta_gz'])}) "
            f"| {kb(r['first_words'])} | {kb(r['first_meaning'])} "
            f"| {' + '.join(f'{sum(k.get(x, 0) for x in xs) / 1000:,.0f}' for xs in KINDS)} KB "
            f"| {kb(r['next'])} "
            f"| {kb(r['largest'])} ({r['largest_kind']}) "
            f"| {r['total'] / 1e6:.1f} MB ({r['files']}) "
            f"| {r['monolith'] / 1e6:.1f} MB | {r['lists']} / {r['nprobe']} "
            f"| {r['recall']:.3f} ({r['recall_min']:.1f}) | {r['strict']:.3f} "
            f"| {r['held_out']:.3f} "
            f"| {r['overlap']:.3f} "
            f"| {kb(r['page_first'])} | {kb(r['page_next'])} "
            f"| {r['page_overlap']:.3f} ({r['page_overlap_min']:.1f}) |"
        )
    print()
    print(model_table(base.cache_dir))
    return 0


def model_table(cache_dir: Path) -> str:
    """The model download as GitHub Pages serves it: .json and .wasm gzipped on the fly, the
    .onnx stored gzipped by the export (Pages would send a plain .onnx as it is)."""
    from avgust.browser.model import ensure_browser_model

    model = ensure_browser_model(cache_dir, quiet=True)
    runtime = ROOT / "web" / "node_modules" / "onnxruntime-web" / "dist"
    files = [
        ("model.onnx (stored as model.onnx.gz)", model / "model.onnx", True),
        ("tokenizer.json", model / "tokenizer.json", True),
        ("ort-wasm-simd-threaded.wasm", runtime / "ort-wasm-simd-threaded.wasm", True),
    ]
    lines = ["| model file | bytes | gzip | on the wire (Pages) |", "|---|---|---|---|"]
    wire = 0
    for name, path, served_gzipped in files:
        if not path.is_file():
            lines.append(f"| {name} | missing | | |")
            continue
        data = path.read_bytes()
        gz = _gz(data)
        sent = gz if served_gzipped else len(data)
        wire += sent
        lines.append(
            f"| {name} | {len(data) / 1e6:.2f} MB | {gz / 1e6:.2f} MB | {sent / 1e6:.2f} MB |"
        )
    lines.append(f"| total | | | {wire / 1e6:.2f} MB |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
