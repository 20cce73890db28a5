"""The generated Markdown pages: what they say, where they link, and that document text stays text.

The real pages come from the five real resolutions, parsed and given themes by the
lemma rules of themes.yml (no embeddings, so they are the same on every machine),
and a small hand-picked map of similar directives (tests/fixtures/data/pages/similar.json).
Golden copies of some pages are in tests/fixtures/golden/pages/ (``AVGUST_REGEN=1`` rewrites them).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import markdown  # type: ignore[import-untyped]
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.parse.batch import parse_all
from avgust.records import Deadline, DeadlineKind, Resolution, SimilarDirective, Theme
from avgust.ru.format import format_deadline
from avgust.site.corpus import Corpus
from avgust.site.data import DATA_FIELDS
from avgust.site.markdown import md_text, plain_title
from avgust.site.pages.common import district_title
from avgust.site.write import write_pages
from avgust.themes import assign_themes, load_themes
from avgust.urls import NAV_FILE
from avgust.util.text import squash
from tests.support import opendata
from tests.support.project import DATA, GOLDEN, ROOT, check_golden, source_files
from tests.support.sitebuild import HOSTILE, hostile_corpus

PAGES_DATA = DATA / "pages"
GOLDEN_PAGES = GOLDEN / "pages"


def load_similar(resolutions: list[Resolution]) -> dict[str, list[SimilarDirective]]:
    """tests/fixtures/data/pages/similar.json, whose ids name the district instead of the slug."""
    slugs = {r.district: r.slug for r in resolutions}

    def real(key: str) -> str:
        district, anchor = key.split("#")
        return f"{slugs.get(district, 'missing')}#{anchor}"

    raw = json.loads((PAGES_DATA / "similar.json").read_text(encoding="utf-8"))
    return {
        real(key): [SimilarDirective(real(s["id"]), s["score"]) for s in value]
        for key, value in raw.items()
    }


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Resolution], tuple[Theme, ...]]:
    resolutions, reports = parse_all(source_files(), root=ROOT)
    assert len(resolutions) == 5, [p for r in reports for p in r.problems]
    themes = load_themes(ROOT / "themes.yml")
    directives = [d for r in resolutions for d in r.directives]
    assigned = iter(assign_themes(directives, themes))
    tagged = [
        dataclasses.replace(
            r, directives=tuple(dataclasses.replace(d, themes=next(assigned)) for d in r.directives)
        )
        for r in resolutions
    ]
    return tagged, themes


def _config(tmp: Path) -> Config:
    return load_config(ROOT, docs_dir=tmp / "docs", site_dir=tmp / "site")


@pytest.fixture(scope="module")
def docs(
    corpus: tuple[list[Resolution], tuple[Theme, ...]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    config = _config(tmp_path_factory.mktemp("pages"))
    written = write_pages(corpus[0], corpus[1], load_similar(corpus[0]), config)
    assert written and all(p.is_relative_to(config.docs_dir) for p in written)
    return config.docs_dir


def _page(docs: Path, rel: str) -> str:
    return (docs / rel).read_text(encoding="utf-8")


def _resolution(corpus: tuple[list[Resolution], tuple[Theme, ...]], district: str) -> Resolution:
    return next(r for r in corpus[0] if r.district == district)


MUCHKAP = "resheniya/2020-muchkapskij-rajon.md"


# ---------------------------------------------------------------- golden pages

GOLDEN_FILES = {
    "home.md": "index.md",
    "resolution.md": MUCHKAP,
    "theme.md": "temy/nastavnichestvo.md",
    "district.md": "rajony/muchkapskij-rajon.md",
    "year.md": "gody/2021.md",
    "deadlines.md": "sroki/index.md",
    "deadlines-year.md": "sroki/2020-21.md",
    "nav.yml": NAV_FILE,
}


@pytest.mark.parametrize("golden", GOLDEN_FILES)
def test_generated_pages_match_the_golden_files(docs: Path, golden: str) -> None:
    check_golden(GOLDEN_PAGES / golden, _page(docs, GOLDEN_FILES[golden]))


# ---------------------------------------------------------------- what the pages hold


def test_every_resolution_theme_district_and_year_has_a_page(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    resolutions, themes = corpus
    for res in resolutions:
        assert (docs / "resheniya" / f"{res.slug}.md").is_file()
        assert (docs / "gody" / f"{res.year}.md").is_file()
    assert {p.stem for p in (docs / "temy").glob("*.md")} == {t.slug for t in themes} | {"index"}
    assert len(list((docs / "rajony").glob("*.md"))) == len({r.district for r in resolutions}) + 1
    for page in (
        "index.md",
        "sroki/index.md",
        "dannye.md",
        "proekt/index.md",
        "proekt/kak-dobavit.md",
    ):
        assert (docs / page).is_file(), page
    assert (docs / "assets" / "avgust.css").is_file()


@pytest.mark.parametrize(
    ("slug", "name", "district"),
    [
        ("tochka-rosta", "«Точка роста»", "Мучкапский район"),
        ("nastavnichestvo", "Наставничество", "Сосновский район"),
        ("vospitanie", "Воспитание", "Акушинский район"),
    ],
)
def test_key_theme_pages_list_directives_by_district_with_counts(
    docs: Path, slug: str, name: str, district: str
) -> None:
    text = _page(docs, f"temy/{slug}.md")
    assert f"\n# {md_text(name)}\n" in text
    found = re.search(rf"^## {district} \((\d+)\) \{{#d-[a-z-]+\}}$", text, re.M)
    assert found, f"{district} is not a section of temy/{slug}.md"
    section = text[found.end() :].split("\n## ", 1)[0]
    assert section.count("\n- [") == int(found.group(1)) > 0


def test_a_resolution_page_has_facts_sections_and_directives_by_addressee(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    res = _resolution(corpus, "Мучкапский район")
    assert f"resheniya/{res.slug}.md" == MUCHKAP
    text = _page(docs, MUCHKAP)
    assert "- **Район:** [Мучкапский район](../rajony/muchkapskij-rajon.md)" in text
    assert "- **Дата:** [26 августа 2020](../gody/2020.md)" in text
    assert "- **Учебный год:** 2020/21" in text
    assert f"(../sources/{res.slug}.txt)" in text
    assert '<details class="avg-intro" id="vvodnaya-chast" markdown>' in text
    # every directive once, at its anchor, in the order of its addressee group
    for directive in res.directives:
        assert text.count(f'id="{directive.anchor}"') == 1, directive.anchor
        assert f"(#{directive.anchor}){{ .avg-num" in text
    headings = re.findall(r"^### (.+) \{#adresat-\d+\}$", text, re.M)
    expected = list(dict.fromkeys(", ".join(d.addressees) for d in res.directives if d.addressees))
    assert [h for h in headings if h != "Всем участникам"] == [md_text(a) for a in expected]
    # the directive "до 10.10.2020" reads as a date in words
    assert "Срок: до 10 октября 2020</span>" in text


def test_similar_directives_link_to_anchors_in_other_districts_only(docs: Path) -> None:
    text = _page(docs, MUCHKAP)
    block = text[text.index('id="p-2-4"') :].split("</div>", 1)[0]
    assert '??? avg-similar "Похожие поручения в других районах (2)"' in block
    links = re.findall(r"^    - \[([^\]]+)\]\(([^)]+)\)", block, re.M)
    assert links == [
        ("Сосновский район, 2018, п. 3.4", "2018-sosnovskij-rajon.md#p-3-4"),
        ("Рассказовский район, 2021, поручение", "2021-rasskazovskij-rajon.md#d-12"),
    ]
    back = _page(docs, "resheniya/2018-sosnovskij-rajon.md")
    assert "(2020-muchkapskij-rajon.md#p-2-4)" in back
    # a directive without similar ones has no block
    other = text[text.index('id="p-2-3"') :].split("</div>", 1)[0]
    assert "avg-similar" not in other


def test_similar_boxes_name_each_directive_by_a_link_whose_target_is_its_id(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    """A box item is only a link, no text (collection.js puts the whole texts in from
    data/r/ when the box is opened, see tests/browser/test_collection.py); its id is read
    off the target's resolution slug and anchor, so that must name the directive."""
    similar = load_similar(corpus[0])
    items = []
    for page in sorted((docs / "resheniya").glob("*.md")):
        boxes = page.read_text(encoding="utf-8").split('??? avg-similar "')[1:]
        for box in boxes:
            lines = box.split("\n\n")[1].splitlines()
            assert all(re.fullmatch(r"    - \[[^\]]+\]\([^)\s]+\)", line) for line in lines), lines
            items += re.findall(r"\]\((?:[^)]*/)?([^/)]+)\.md#([^)]+)\)", "\n".join(lines))
    assert items
    ids = {s.id for hits in similar.values() for s in hits}
    assert {f"{slug}#{anchor}" for slug, anchor in items} <= ids


def test_every_relative_link_in_the_markdown_reaches_a_file(docs: Path) -> None:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    checked = 0
    for page in docs.rglob("*.md"):
        for token in parser.parse(page.read_text(encoding="utf-8")):
            for child in token.children or []:
                href = child.attrGet("href")
                if child.type != "link_open" or not isinstance(href, str):
                    continue
                target = href.split("#", 1)[0]
                if target and "://" not in target:
                    assert (page.parent / target).resolve().is_file(), f"{page}: {href}"
                    checked += 1
    assert checked > 500


def test_the_deadlines_page_puts_each_dated_directive_in_its_month(docs: Path) -> None:
    text = _page(docs, "sroki/2020-21.md")
    october = text.split("### Октябрь 2020 (", 1)[1].split("\n### ", 1)[0]
    assert "- **до 10 октября 2020**{ .avg-cal-due" in october
    assert " · [Мучкапский район, 2020, п. 2.2]" in october
    assert "# Сроки: 2020/21 учебный год" in text
    assert "### В течение учебного года (" in text
    every_year = "\n".join(p.read_text("utf-8") for p in (docs / "sroki").glob("20*.md"))
    months = re.findall(r"^### (\w+) (\d{4}) \(\d+\) \{#m-(\d{4})-(\d\d)\}$", every_year, re.M)
    assert len(months) >= 10
    assert all(year == id_year for _, year, id_year, _ in months)


def test_the_home_page_has_figures_and_an_inline_svg_chart(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    text = _page(docs, "index.md")
    resolutions = corpus[0]
    directives = sum(len(r.directives) for r in resolutions)
    assert f"<b>{len(resolutions)}</b><span>решений</span>" in text
    assert f"<b>{directives}</b>" in text
    assert (
        text.count("<svg ") >= 10
        and "http" not in text.split("<figure", 1)[1].split("</figure>")[0]
    )
    assert '<a href="temy/nastavnichestvo/">Наставничество</a>' in text


def test_open_data_has_every_directive_in_json_and_csv(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    count = sum(len(r.directives) for r in corpus[0])
    records = opendata.json_records(docs)
    assert len(records) == count and list(records[0]) == list(DATA_FIELDS)
    rows = opendata.csv_rows(docs)
    assert len(rows) == count
    by_id = {row["id"]: row for row in rows}
    mentoring = by_id["2020-muchkapskij-rajon#p-2-4"]
    assert mentoring["url"].endswith("resheniya/2020-muchkapskij-rajon/#p-2-4")
    assert mentoring["district"] == "Мучкапский район" and "nastavnichestvo" in mentoring["themes"]
    assert mentoring["similar"] == "2018-sosnovskij-rajon#p-3-4; 2021-rasskazovskij-rajon#d-12"
    # the documents name their directives by id (a text is not in the open data a third
    # time); joined with the directives files, they are the whole corpus again
    for row in opendata.catalog(docs):
        for document in opendata.read_json(docs, row["resolutions_json"]):
            assert "directives" not in document and document["directive_ids"]
    full = [Resolution.from_dict(r) for r in opendata.resolutions(docs)]
    assert sorted(full, key=lambda r: r.slug) == sorted(corpus[0], key=lambda r: r.slug)


def test_the_open_data_is_a_file_set_per_region_and_year_that_the_data_page_lists(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    rows = opendata.catalog(docs)
    expected = {(r.year, r.region) for r in corpus[0]}
    assert {(row["year"], row["region"]) for row in rows} == expected and len(rows) == len(expected)
    page = _page(docs, "dannye.md")
    for row in rows:
        records = opendata.read_json(docs, row["directives_json"])
        assert {(r["year"], r["region"]) for r in records} == {(row["year"], row["region"])}
        assert len(records) == row["directives"]
        for key in ("directives_json", "directives_csv", "resolutions_json"):
            assert f"]({row[key]})" in page  # dannye.md sits at the root, beside data/
    catalog_csv = (docs / "data" / "catalog.csv").read_text("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(catalog_csv)))) == len(rows)
    assert not (docs / "data" / "directives.json").exists()  # no file of everything


def test_the_source_documents_are_copied_byte_for_byte(
    docs: Path, corpus: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    for res in corpus[0]:
        assert (docs / "sources" / f"{res.slug}.txt").read_bytes() == (
            ROOT / res.source
        ).read_bytes()


def test_the_navigation_lists_every_generated_page(docs: Path) -> None:
    nav = yaml.safe_load(_page(docs, NAV_FILE))["nav"]

    def pages(entries: list[object]) -> Iterator[str]:
        for entry in entries:
            if isinstance(entry, str):
                yield entry
            elif isinstance(entry, dict):
                for value in entry.values():
                    yield from pages(value) if isinstance(value, list) else [value]

    listed = set(pages(nav))
    on_disk = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")} - {"README.md"}
    assert listed == on_disk
    assert [next(iter(e)) if isinstance(e, dict) else e for e in nav][:7] == [
        "Главная", "Решения", "Темы", "Районы", "Годы", "Сроки", "Открытые данные"
    ]  # fmt: skip


def test_no_page_title_says_a_place_word_twice(docs: Path) -> None:
    """«Рассказовский район» is not «Рассказовский район — район»; a bare name gets the word."""
    pages = {p.relative_to(docs).as_posix(): p.read_text("utf-8") for p in docs.rglob("*.md")}
    titles = {
        rel: yaml.safe_load(text.split("---")[1])["title"]
        for rel, text in pages.items()
        if text.startswith("---")
    }
    place = re.compile(r"\b(район|округ|город|область|край)\b", re.IGNORECASE)
    doubled = {k: t for k, t in titles.items() if len(place.findall(t)) > 1}
    assert doubled == {}
    assert titles["rajony/rasskazovskij-rajon.md"] == "Рассказовский район"
    assert district_title("Мучкапский район") == "Мучкапский район"
    assert district_title("Мучкапский муниципальный округ") == "Мучкапский муниципальный округ"
    assert district_title("Мучкап") == "Мучкап — район"


# ---------------------------------------------------------------- URLs and slugs


def test_cyrillic_names_give_ascii_file_names_and_distinct_pages(tmp_path: Path) -> None:
    resolution, themes = hostile_corpus()
    config = _config(tmp_path)
    written = write_pages([resolution], themes, {}, config)
    names = [p.relative_to(config.docs_dir).as_posix() for p in written]
    assert all(name.isascii() for name in names), [n for n in names if not n.isascii()]
    # "воспитание" transliterates to the slug another theme already has: it gets its own page
    assert {"temy/vospitanie.md", "temy/vospitanie-2.md"} <= set(names)
    text = (config.docs_dir / "resheniya" / "2022-hostile.md").read_text("utf-8")
    assert "(../temy/vospitanie-2.md){ .avg-tag }" in text
    assert "(../rajony/testovyj-script-alert-6-script-rajon.md)" in text


# ---------------------------------------------------------------- escaping


def test_hostile_document_text_stays_plain_text_in_the_markdown(tmp_path: Path) -> None:
    resolution, themes = hostile_corpus()
    config = _config(tmp_path)
    write_pages([resolution], themes, {}, config)
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    for rel in ("resheniya/2022-hostile.md", "temy/nastavnichestvo.md", "sroki/index.md"):
        source = (config.docs_dir / rel).read_text("utf-8")
        tokens = list(parser.parse(source))
        inline = [c for t in tokens for c in (t.children or [])]
        raw_html = " ".join(t.content for t in [*tokens, *inline] if t.type.startswith("html"))
        assert "alert" not in raw_html and "<!--" not in raw_html, rel
        hrefs = [str(c.attrGet("href")) for c in inline if c.type == "link_open"]
        assert not [h for h in hrefs if "javascript" in h or "evil" in h], rel
        assert not [c for c in inline if c.type == "image"], rel
        text = " ".join(c.content for c in inline if c.type == "text")
        assert "<script>alert(1)</script>" in text or rel == "sroki/index.md", rel
    page = (config.docs_dir / "resheniya" / "2022-hostile.md").read_text("utf-8")
    rendered = html.unescape(page)
    for fragment in HOSTILE:
        assert fragment in rendered, fragment
    assert "javascript:alert(7)" not in page  # a source_url that is not http(s) is not shown


def test_titles_in_front_matter_cannot_carry_html(tmp_path: Path) -> None:
    resolution, themes = hostile_corpus()
    config = _config(tmp_path)
    write_pages([resolution], themes, {}, config)
    for page in config.docs_dir.rglob("*.md"):
        text = page.read_text("utf-8")
        if text.startswith("---\n"):
            meta = yaml.safe_load(text[4 : text.index("\n---", 4)])
            for value in (meta.get("title", ""), meta.get("description", "")):
                assert not set(value) & set("<>&\"'`"), (page, value)
    nav = (config.docs_dir / NAV_FILE).read_text("utf-8")
    assert "<" not in nav and "‹script›" in nav


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_escaped_text_reads_back_as_the_same_text_in_both_markdowns(text: str) -> None:
    escaped = md_text(text)
    assert "\n" not in escaped
    # markdown-it-py (CommonMark), as md_text itself checks ...
    tokens = MarkdownIt("commonmark").parseInline(escaped)[0].children or []
    assert {t.type for t in tokens} <= {"text"}
    # ... and Python-Markdown, which MkDocs runs, inside a list item as on the pages
    out = markdown.markdown(f"- {escaped}", extensions=["attr_list", "md_in_html", "tables"])
    body = out.removeprefix("<ul>\n<li>").removesuffix("</li>\n</ul>")
    assert "<" not in body.replace("&lt;", "")
    assert html.unescape(body) == squash(text) or not squash(text)


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (Deadline("до 10.10.2020", DeadlineKind.BY_DATE, end="2020-10-10"), "до 10 октября 2020"),
        (Deadline("01.12.2018", DeadlineKind.BY_DATE, end="2018-12-01"), "до 1 декабря 2018"),
        (
            Deadline("2020-2021 уч. год", DeadlineKind.ACADEMIC_YEAR, "2020-09-01", "2021-08-31"),
            "весь 2020/21 учебный год",
        ),
        (Deadline("постоянно", DeadlineKind.PERMANENT), "постоянно"),
        (
            Deadline("с 1 по 30 октября 2018", DeadlineKind.RANGE, "2018-10-01", "2018-10-30"),
            "с 1 по 30 октября 2018",
        ),
        (
            Deadline("сентябрь-ноябрь", DeadlineKind.RANGE, "2019-09-01", "2019-11-30"),
            "с 1 сентября по 30 ноября 2019",
        ),
        (
            Deadline("2020-2022 гг.", DeadlineKind.RANGE, "2020-01-01", "2022-12-31"),
            "2020–2022 годы",
        ),
        (
            Deadline("сентябрь 2018", DeadlineKind.MONTH, "2018-09-01", "2018-09-30"),
            "сентябрь 2018",
        ),
        (
            Deadline("к концу 2019 года", DeadlineKind.YEAR_END, end="2019-12-31"),
            "до конца 2019 года",
        ),
        (Deadline("в течение года", DeadlineKind.DURING_YEAR), "в течение года"),
        (Deadline("Ежегодно", DeadlineKind.RECURRING), "ежегодно"),
        (Deadline("Срок: по мере поступления", DeadlineKind.UNPARSED), "по мере поступления"),
        (Deadline.none(), ""),
        (Deadline("до 10.10", DeadlineKind.BY_DATE), "до 10.10"),  # no date: as written
    ],
)
def test_deadlines_read_as_a_teacher_would_say_them(deadline: Deadline, expected: str) -> None:
    assert format_deadline(deadline) == expected


def test_plain_title_swaps_html_characters_for_look_alikes() -> None:
    assert plain_title('a <b> & "c"\n d') == "a ‹b› ＆ ”c” d"


# ---------------------------------------------------------------- writing


def test_docs_is_replaced_whole_and_a_failed_write_keeps_the_old_one(
    corpus: tuple[list[Resolution], tuple[Theme, ...]], tmp_path: Path
) -> None:
    config = _config(tmp_path)
    config.docs_dir.mkdir()
    (config.docs_dir / "stale.md").write_text("# old\n", encoding="utf-8")
    resolutions, themes = corpus
    write_pages(resolutions[:1], themes, {}, config)
    assert not (config.docs_dir / "stale.md").exists()
    before = sorted(p.relative_to(config.docs_dir) for p in config.docs_dir.rglob("*"))
    twin = dataclasses.replace(resolutions[1], slug=resolutions[0].slug)
    with pytest.raises(AvgustError, match="share the slug"):
        write_pages([resolutions[0], twin], themes, {}, config)
    assert sorted(p.relative_to(config.docs_dir) for p in config.docs_dir.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_missing_source_document_is_named(
    corpus: tuple[list[Resolution], tuple[Theme, ...]], tmp_path: Path
) -> None:
    lost = dataclasses.replace(corpus[0][0], source="resolutions/lost.txt")
    with pytest.raises(AvgustError, match=r"resolutions/lost\.txt: cannot read the source"):
        write_pages([lost], corpus[1], {}, _config(tmp_path))


def test_duplicate_or_unsafe_directive_anchors_are_refused(
    corpus: tuple[list[Resolution], tuple[Theme, ...]], tmp_path: Path
) -> None:
    res = corpus[0][0]
    for anchor in (res.directives[1].anchor, "p 1", "porucheniya"):
        first = dataclasses.replace(res.directives[0], anchor=anchor)
        bad = dataclasses.replace(res, directives=(first, *res.directives[1:]))
        with pytest.raises(AvgustError, match="directive anchor"):
            write_pages([bad], corpus[1], {}, _config(tmp_path))


def test_open_data_csv_cells_cannot_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    resolution, themes = hostile_corpus()
    formulas = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1", "-2"]
    base = resolution.directives[0]
    directives = tuple(
        dataclasses.replace(base, text=f, anchor=f"p-{i}", number=str(i), order=i)
        for i, f in enumerate(formulas, start=1)
    )
    config = _config(tmp_path)
    write_pages([dataclasses.replace(resolution, directives=directives)], themes, {}, config)
    texts = [row["text"] for row in opendata.csv_rows(config.docs_dir)]
    assert texts == ["'" + f for f in formulas]
    records = opendata.json_records(config.docs_dir)
    assert [r["text"] for r in records] == formulas  # JSON keeps the text as written


def test_responsible_line_is_shown_escaped_and_in_open_data(tmp_path: Path) -> None:
    resolution, themes = hostile_corpus()
    who = "<script>alert(2)</script> **Петрова Н. В.** [ММС](javascript:alert(3))"
    first = dataclasses.replace(resolution.directives[0], responsible=who)
    resolution = dataclasses.replace(resolution, directives=(first, *resolution.directives[1:]))
    config = _config(tmp_path)
    write_pages([resolution], themes, {}, config)
    source = (config.docs_dir / "resheniya" / "2022-hostile.md").read_text("utf-8")
    tokens = list(MarkdownIt("commonmark", {"html": True}).parse(source))
    inline = [c for t in tokens for c in (t.children or [])]
    raw_html = " ".join(t.content for t in [*tokens, *inline] if t.type.startswith("html"))
    assert "alert(2)" not in raw_html
    assert not [
        c for c in inline if c.type == "link_open" and "javascript" in str(c.attrGet("href"))
    ]
    texts = " ".join(c.content for c in inline if c.type == "text")
    assert f"Ответственные: {who}" in html.unescape(texts).replace("\\", "")
    assert "responsible" in DATA_FIELDS
    records = opendata.json_records(config.docs_dir)
    assert records[0]["responsible"] == who


def test_an_html_original_is_published_as_text_not_as_a_page() -> None:
    resolution, _ = hostile_corpus()
    page = dataclasses.replace(resolution, source="resolutions/2023-talovskij.html")
    assert Corpus.source_path(page) == f"sources/{resolution.slug}.html.txt"


def test_a_hostile_region_name_is_text_on_the_data_page_and_a_plain_cell_in_the_catalog(
    tmp_path: Path,
) -> None:
    resolution, themes = hostile_corpus()
    region = '=HYPERLINK("http://evil")<img src=x onerror=alert(1)> [x](javascript:alert(2))'
    config = _config(tmp_path)
    write_pages([dataclasses.replace(resolution, region=region)], themes, {}, config)
    (row,) = opendata.catalog(config.docs_dir)
    assert row["region"] == region and "/" not in row["directives_csv"].split("/", 3)[-1]
    page = _page(config.docs_dir, "dannye.md")
    tokens = list(MarkdownIt("commonmark", {"html": True}).parse(page))
    inline = [c for t in tokens for c in (t.children or [])]
    assert not [c for c in [*tokens, *inline] if c.type.startswith("html")]
    links = [str(c.attrGet("href")) for c in inline if c.type == "link_open"]
    assert links and all(link.startswith(("data/", "#")) for link in links), links
    cells = (config.docs_dir / "data" / "catalog.csv").read_text("utf-8-sig")
    (parsed,) = csv.DictReader(io.StringIO(cells))
    assert parsed["region"] == "'" + region
