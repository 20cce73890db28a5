"""Trust under hostile input (issue 14, the input side): guards, bounds and agreement.

Each case is made in tmp_path and checked fast. The shapes that were once slow (long
paragraphs, one long directive, thousands of items with one number) are checked here for
their results only; their time is measured by scripts/bench_parse.py, never asserted.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import avgust.parse.parser as parser_module
import avgust.pipeline as pipeline_module
import avgust.read.sources as sources_module
from avgust.cli import main
from avgust.errors import AvgustError, Problem, Severity
from avgust.parse.batch import parse_all
from avgust.parse.parser import parse_file, parse_text
from avgust.read.sidecar import MAX_SIDECAR_BYTES, load_sidecar, read_sidecar
from avgust.read.sources import discover_sources, read_source
from avgust.records import Sidecar
from avgust.search.hybrid import MAX_K, MAX_QUERY_CHARS, check_search_args
from avgust.site.check import check_resolution
from avgust.site.corpus import MAX_SLUG_CHARS, Corpus, capped_slug
from avgust.site.markdown import check_markdown
from avgust.site.pages.resolution import resolution_page

HEAD = "РЕШЕНИЕ\nконференции педагогов Мучкапского района Тамбовской области\nот 26.08.2020\n\n"
BODY = "Конференция РЕШИЛА:\n\n1. Провести смотр кабинетов.\nСрок: до 01.10.2020\n"
GOOD = HEAD + BODY


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def check(folder: Path) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(folder), "--json"])
    return code, json.loads(out.getvalue())


def errors(reports: list[dict[str, Any]], name: str) -> list[str]:
    (report,) = [r for r in reports if r["path"].endswith(name)]
    return [p["message"] for p in report["problems"] if p["severity"] == "error"]


# --- the once-quadratic shapes: same results --------------------------------------------


def test_many_continuation_lines_make_one_paragraph() -> None:
    resolution, _ = parse_text("РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести\n" + "x\n" * 3000)
    (directive,) = resolution.directives
    assert directive.text == "Провести" + " x" * 3000


def test_a_long_word_is_no_district() -> None:
    resolution, _ = parse_text("РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести " + "а" * 20_000)
    assert resolution.district is None
    assert len(resolution.directives) == 1


def test_thousands_of_items_with_one_number_get_unique_ascii_anchors() -> None:
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n" + "1. Провести смотр кабинетов.\n" * 3000
    resolution, _ = parse_text(text)
    anchors = [d.anchor for d in resolution.directives]
    assert len(anchors) == 3000 == len(set(anchors))
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", a) for a in anchors)
    # the anchors real documents already have stay as they were
    assert anchors[:3] == ["p-1", "p-1b", "p-1c"]
    assert anchors[25:28] == ["p-1z", "p-1-27", "p-1-28"]
    assert check_resolution(resolution) == []


def test_suffixed_anchors_step_over_a_number_that_owns_the_same_anchor() -> None:
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1.27. Первое.\n" + "1. Провести смотр.\n" * 28
    resolution, _ = parse_text(text)
    anchors = [d.anchor for d in resolution.directives]
    assert anchors[0] == "p-1-27"
    assert len(set(anchors)) == len(anchors)
    assert anchors[-2:] == ["p-1-28", "p-1-29"]  # the 27th "1." steps over "1.27"


# --- per-document guards ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "value", "text", "message"),
    [
        ("MAX_TEXT_CHARS", 500, GOOD + "а" * 600 + "\n", "text too large"),
        ("MAX_LINES", 5, GOOD, "too many lines"),
        ("MAX_LINE_CHARS", 100, GOOD + "2. " + "б" * 150 + "\n", "line of 153 characters"),
    ],
)
def test_text_guards_name_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, text: str, message: str
) -> None:
    monkeypatch.setattr(sources_module, limit, value)
    path = write(tmp_path, "big.txt", text)
    with pytest.raises(AvgustError, match=message) as error:
        read_source(path)
    assert error.value.path == str(path)


def test_docx_unpacked_size_is_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("РЕШЕНИЕ")
    path = tmp_path / "packed.docx"
    document.save(str(path))
    assert read_source(path).text.startswith("РЕШЕНИЕ")
    monkeypatch.setattr(sources_module, "MAX_UNPACKED_BYTES", 1000)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("python-docx must not open an oversized package")

    monkeypatch.setattr("docx.Document", never)
    with pytest.raises(AvgustError, match="unpacks to") as error:
        read_source(path)
    assert error.value.path == str(path)


def test_one_oversized_document_is_left_out_the_others_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources_module, "MAX_LINES", 30)
    folder = tmp_path / "resolutions"
    write(folder, "good.txt", GOOD)
    write(folder, "long.txt", GOOD + "2. Провести.\n" * 40)
    resolutions, reports = parse_all(discover_sources(folder))
    assert [Path(r.source).name for r in resolutions] == ["good.txt"]
    (bad,) = [r for r in reports if r.path.endswith("long.txt")]
    assert bad.errors == 1 and "too many lines" in bad.problems[0].message


# --- special files: never followed out of the folder, never waited on -------------------


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_sidecar_is_refused_without_opening_it(tmp_path: Path) -> None:
    folder = tmp_path / "resolutions"
    write(folder, "x.txt", GOOD)
    os.mkfifo(folder / "x.yml")
    with pytest.raises(AvgustError, match="FIFO") as error:
        load_sidecar(folder / "x.txt")
    assert error.value.path == str(folder / "x.yml")
    code, reports = check(folder)
    assert code == 1
    (problem,) = [p for r in reports for p in r["problems"]]
    assert problem["path"].endswith("x.yml") and "FIFO" in problem["message"]


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_source_is_reported_not_skipped_nor_opened(tmp_path: Path) -> None:
    folder = tmp_path / "resolutions"
    write(folder, "good.txt", GOOD)
    os.mkfifo(folder / "pipe.txt")
    assert folder / "pipe.txt" in discover_sources(folder)
    code, reports = check(folder)
    assert code == 1
    assert any("FIFO" in m for m in errors(reports, "pipe.txt"))
    assert not errors(reports, "good.txt")


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path / "elsewhere", "secret.txt", GOOD)
    folder = tmp_path / "resolutions"
    write(folder, "good.txt", GOOD)
    (folder / "leak.txt").symlink_to(secret)
    with pytest.raises(AvgustError, match="outside its folder"):
        read_source(folder / "leak.txt")
    (folder / "good.yml").symlink_to(write(tmp_path / "elsewhere", "meta.yml", "notes: x\n"))
    with pytest.raises(AvgustError, match="outside its folder"):
        load_sidecar(folder / "good.txt")


def test_a_link_inside_the_folder_is_followed(tmp_path: Path) -> None:
    folder = tmp_path / "resolutions"
    target = write(folder, "original.txt", GOOD)
    (folder / "alias.txt").symlink_to(target.name)
    assert read_source(folder / "alias.txt").text == GOOD


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "resolutions"
    write(folder, "good.txt", GOOD)
    (folder / "good.yml").symlink_to(folder / "missing.yml")
    with pytest.raises(AvgustError, match="broken link"):
        load_sidecar(folder / "good.txt")


# --- sidecar bounds ---------------------------------------------------------------------


def sidecar_source(tmp_path: Path, yaml_text: str) -> Path:
    source = write(tmp_path, "2020-x.txt", GOOD)
    write(tmp_path, "2020-x.yml", yaml_text)
    return source


def test_an_oversized_sidecar_is_refused(tmp_path: Path) -> None:
    source = sidecar_source(tmp_path, "notes: x\n" + "#" * MAX_SIDECAR_BYTES + "\n")
    with pytest.raises(AvgustError, match="sidecar too large"):
        load_sidecar(source)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("district: " + "Д" * 260 + "\n", "district is 260 characters long; the limit is 200"),
        ("title: " + "т" * 1001 + "\n", "title is 1,001 characters long"),
        ("slug: " + "a" * 81 + "\n", "slug is 81 characters long"),
        ('district: "Мучкапский\\x07 район"\n', "control character U\\+0007"),
        ('title: "a\\nb"\n', "control character U\\+000A"),
        ("source_url: https://minobr.gov.ru@evil.example/\n", "user part"),
        ("source_url: https://user:pw@minobr.gov.ru/doc\n", "user part"),
    ],
)
def test_sidecar_values_are_bounded(tmp_path: Path, yaml_text: str, message: str) -> None:
    source = sidecar_source(tmp_path, yaml_text)
    with pytest.raises(AvgustError, match=message) as error:
        load_sidecar(source)
    assert error.value.path == str(source.with_suffix(".yml"))
    assert error.value.line == 1


def test_notes_may_span_lines(tmp_path: Path) -> None:
    source = sidecar_source(tmp_path, "notes: |\n  первая строка\n  вторая\n")
    sidecar = load_sidecar(source)
    assert sidecar is not None and sidecar.notes == "первая строка\nвторая"


def test_invisible_characters_are_removed_with_a_warning(tmp_path: Path) -> None:
    source = sidecar_source(
        tmp_path,
        'kind: решение\ntitle: "Решение\u202e конференции"\ndistrict: "Мучкап\u200bский район"\n',
    )
    sidecar, warnings = read_sidecar(source)
    assert sidecar == Sidecar(
        kind="решение", title="Решение конференции", district="Мучкапский район"
    )
    assert [(w.line, w.severity) for w in warnings] == [
        (2, Severity.WARNING),
        (3, Severity.WARNING),
    ]
    assert "U+202E" in warnings[0].message and "U+200B" in warnings[1].message
    assert all(w.path == str(source.with_suffix(".yml")) for w in warnings)
    resolution, problems = parse_file(source, root=tmp_path)
    assert resolution.district == "Мучкапский район"
    assert [p.path for p in problems if "invisible" in p.message] == ["2020-x.yml", "2020-x.yml"]


# --- check and build agree; one document never stops the others -------------------------


def test_a_long_district_gives_a_short_page_name(tmp_path: Path) -> None:
    adjective = "Длинно" + "о" * 300 + "ского"
    resolution, _ = parse_text(HEAD.replace("Мучкапского", adjective) + BODY, "long.txt")
    assert resolution.district is not None and len(resolution.district) > 300
    assert check_resolution(resolution) == []
    corpus = Corpus([resolution], (), {})
    page = corpus.district_path(corpus.districts[0])
    assert len(Path(page).name) <= MAX_SLUG_CHARS + len(".md")


def test_capped_slug_cuts_on_a_word_boundary_and_keeps_names_apart() -> None:
    first = capped_slug("rajon-" * 30 + "odin")
    second = capped_slug("rajon-" * 30 + "dva")
    assert first != second
    assert len(first) <= MAX_SLUG_CHARS and len(second) <= MAX_SLUG_CHARS
    assert re.fullmatch(r"(rajon-)+[0-9a-f]{8}", first)
    assert capped_slug("muchkapskij-rajon") == "muchkapskij-rajon"


@pytest.mark.parametrize("district", ["Район javascript:alert(1)", 'Район " onclick="alert(1)'])
def test_script_looking_text_is_escaped_not_refused(district: str) -> None:
    resolution, _ = parse_text(GOOD, "x.txt")
    resolution = replace(resolution, district=district, region=district)
    assert check_resolution(resolution) == []


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        "<a href=' java\tscript:alert(1)'>x</a>",
        '<span onclick="alert(1)">x</span>',
        "<div><script>alert(1)</script></div>",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_unsafe_tags_are_still_refused(html: str) -> None:
    with pytest.raises(AvgustError, match="unsafe HTML"):
        check_markdown("page.md", f"text\n\n{html}\n")


def test_source_link_text_is_the_host_only() -> None:
    resolution, _ = parse_text(GOOD, "x.txt")
    resolution = replace(resolution, source_url="https://minobr.gov.ru@evil.example:8080/doc")
    page = resolution_page(Corpus([resolution], (), {}), resolution, 10)
    (line,) = [x for x in page.splitlines() if "Опубликован" in x]
    assert line.startswith("- **Опубликован:** [evil.example](")
    assert "minobr" not in line.split("](")[0]


def test_a_document_the_page_writer_would_refuse_fails_check_and_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "resolutions"
    write(folder, "good.txt", GOOD)
    write(folder, "bad.txt", GOOD.replace("Мучкапского", "Бобровского"))

    def refuse_bad(resolution: Any) -> list[Problem]:
        if not resolution.source.endswith("bad.txt"):
            return []
        return [Problem(resolution.source, "page refused", severity=Severity.ERROR)]

    resolutions, reports = parse_all(discover_sources(folder), root=tmp_path, accept=refuse_bad)
    monkeypatch.setattr(pipeline_module, "check_resolution", refuse_bad)
    assert [Path(r.source).name for r in resolutions] == ["good.txt"]
    (bad,) = [r for r in reports if r.path.endswith("bad.txt")]
    assert [p.message for p in bad.problems if p.severity is Severity.ERROR] == ["page refused"]
    code, json_reports = check(folder)
    assert code == 1 and errors(json_reports, "bad.txt") == ["page refused"]


# --- search arguments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "школа", "-k", "0"], "between 1 and 1000"),
        (["search", "школа", "-k", "-1"], "between 1 and 1000"),
        (["search", "школа", "-k", str(MAX_K + 1)], "between 1 and 1000"),
        (["search", "ш" * (MAX_QUERY_CHARS + 1)], "the limit is 1,000"),
    ],
)
def test_search_refuses_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in " ".join((captured.out + captured.err).split())


def test_search_library_checks_its_arguments() -> None:
    check_search_args("школа", 1)
    check_search_args("ш" * MAX_QUERY_CHARS, MAX_K)
    for query, k in (("школа", 0), ("школа", MAX_K + 1), ("ш" * (MAX_QUERY_CHARS + 1), 10)):
        with pytest.raises(AvgustError):
            check_search_args(query, k)


def test_plain_paragraphs_after_a_directive_join_as_before() -> None:
    """extend_last adds its pieces once; the text is what _tidy gave step by step."""
    from avgust.parse.parser import _paragraphs, _tidy

    lines = ["Итоги смотра;", "Отчёт ,  таблицы ;", "Справка", "Свод ;", "Ещё."] * 400
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести смотр.\n" + "\n".join(lines) + "\n"
    resolution, _ = parse_text(text)
    (directive,) = resolution.directives
    expected = "Провести смотр."
    for para in _paragraphs("\n".join(lines)):
        expected = _tidy(f"{expected} {para.text}")
    assert directive.text == expected


def test_an_endless_paragraph_is_refused_naming_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "MAX_PARAGRAPH_CHARS", 1000)
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести смотр\n" + "и ещё\n" * 300
    with pytest.raises(AvgustError, match="a paragraph of 1,814 characters") as error:
        parse_text(text, "endless.txt")
    assert (error.value.path, error.value.line) == ("endless.txt", 5)


def test_pages_are_written_for_the_shapes_that_once_stopped_the_build(tmp_path: Path) -> None:
    """30 items with one number, a 300-letter district, script-looking district text."""
    from avgust.config import load_config
    from avgust.site.write import write_pages

    folder = tmp_path / "resolutions"
    many = write(folder, "many.txt", HEAD + "Конференция РЕШИЛА:\n\n" + "1. Провести смотр.\n" * 30)
    long = write(folder, "long.txt", GOOD.replace("Мучкапского", "Длинно" + "о" * 300 + "ского"))
    odd = write(folder, "odd.txt", GOOD.replace("Мучкапского", "Бобровского"))
    resolutions = [parse_file(path)[0] for path in (many, long, odd)]
    resolutions[0] = replace(resolutions[0], slug="2020-many")
    resolutions[2] = replace(
        resolutions[2],
        district='Район javascript:alert(1) " onclick="x',
        source_url="https://minobr.gov.ru@evil.example/",
    )
    assert all(check_resolution(r) == [] for r in resolutions)
    config = load_config(
        Path(__file__).resolve().parents[1], docs_dir=tmp_path / "docs", site_dir=tmp_path / "site"
    )
    written = write_pages(resolutions, (), {}, config)
    # every file is named by a capped slug and its extension (.md, .json, .ics)
    assert [p for p in written if len(p.name.partition(".")[0]) > MAX_SLUG_CHARS] == []
    page = (config.docs_dir / "resheniya" / "2020-many.md").read_text("utf-8")
    assert 'id="p-1-27"' in page and 'id="p-1-30"' in page
    odd_page = (config.docs_dir / "resheniya" / f"{resolutions[2].slug}.md").read_text("utf-8")
    assert "[evil.example](" in odd_page
