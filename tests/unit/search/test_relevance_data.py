"""The two hand-made data sets stay true to the sources: relevance.yml and theme_labels.yml.

Every fragment must occur exactly once in its resolution and fall inside exactly one
parsed directive, so an edit of the data, of a source or of the parser that breaks a
label fails here instead of silently changing the figures of the evaluation scripts.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import pytest
import yaml

from avgust.parse.parser import parse_file
from avgust.themes import load_themes
from tests.support.project import DATA, RESOLUTIONS, ROOT, source_files

LANGS = {"ru", "en", "uk", "de"}


def load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@cache
def source(stem: str) -> str:
    return (RESOLUTIONS / f"{stem}.txt").read_text(encoding="utf-8")


@cache
def directive_texts(stem: str) -> tuple[str, ...]:
    resolution, _ = parse_file(RESOLUTIONS / f"{stem}.txt")
    return tuple(squash(d.text) for d in resolution.directives)


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def all_references() -> list[tuple[str, str, str]]:
    """(data file, resolution stem, fragment) for every fragment in both files."""
    refs = [
        ("relevance.yml", r["resolution"], r["contains"])
        for q in load("relevance.yml")["queries"]
        for r in q["relevant"]
    ]
    refs += [
        ("theme_labels.yml", e["resolution"], e["contains"])
        for e in load("theme_labels.yml")["labels"]
    ]
    return sorted(set(refs))


@pytest.mark.parametrize(("data", "stem", "fragment"), all_references())
def test_fragment_occurs_once_in_its_source(data: str, stem: str, fragment: str) -> None:
    assert (RESOLUTIONS / f"{stem}.txt").is_file(), f"{data}: no resolution {stem}"
    assert source(stem).count(fragment) == 1, f"{data}: {fragment!r} in {stem}"


@pytest.mark.parametrize(("data", "stem", "fragment"), all_references())
def test_fragment_lies_in_exactly_one_parsed_directive(data: str, stem: str, fragment: str) -> None:
    hits = [text for text in directive_texts(stem) if squash(fragment) in text]
    assert len(hits) == 1, f"{data}: {fragment!r} is in {len(hits)} directives of {stem}"


def test_relevance_set_shape() -> None:
    queries = load("relevance.yml")["queries"]
    langs = Counter(q["lang"] for q in queries)
    assert set(langs) <= LANGS
    assert len(queries) >= 28
    assert langs["ru"] >= 14
    assert sum(n for lang, n in langs.items() if lang != "ru") >= 14
    assert len({q["id"] for q in queries}) == len(queries)
    assert len({q["query"] for q in queries}) == len(queries)
    for q in queries:
        assert set(q) == {"id", "lang", "query", "relevant"}, q["id"]
        assert q["id"].startswith(q["lang"] + "-"), q["id"]
        keys = [(r["resolution"], r["contains"]) for r in q["relevant"]]
        assert keys, q["id"]
        assert len(set(keys)) == len(keys), f"{q['id']}: a directive listed twice"


def test_theme_labels_shape() -> None:
    labels = load("theme_labels.yml")["labels"]
    known = {t.slug for t in load_themes(ROOT / "themes.yml")}
    assert len(labels) >= 80
    assert {e["resolution"] for e in labels} == {p.stem for p in source_files()}
    seen: set[tuple[str, str]] = set()
    for entry in labels:
        assert set(entry) == {"resolution", "contains", "themes"}
        assert len(entry["themes"]) <= 3, entry["contains"]
        assert len(set(entry["themes"])) == len(entry["themes"]), entry["contains"]
        assert set(entry["themes"]) <= known, entry["contains"]
        key = (entry["resolution"], entry["contains"])
        assert key not in seen, f"labelled twice: {key}"
        seen.add(key)
    used = {slug for entry in labels for slug in entry["themes"]}
    assert used == known, f"themes never labelled: {known - used}"
