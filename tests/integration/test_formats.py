"""The same resolution as .txt, .docx, .doc, .odt, .rtf, .html and a scanned .pdf gives the
same directives — read by the real LibreOffice and the real Tesseract, no mocks."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from avgust.errors import AvgustError
from avgust.parse.parser import parse_file, parse_source
from avgust.read.office import convert
from avgust.read.sources import read_source
from avgust.records import Directive, SourceText
from tests.support.formats import (
    DATA,
    TEXT,
    docx_bytes,
    html_bytes,
    needs_soffice,
    needs_tesseract,
    scan_pdf_bytes,
)


@pytest.fixture(scope="session")
def formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The resolution in every format (LibreOffice and the scan made once per session)."""
    folder = tmp_path_factory.mktemp("formats")
    files = {"txt": folder / "resolution.txt", "docx": folder / "resolution.docx"}
    files["txt"].write_text(TEXT, encoding="utf-8")
    files["docx"].write_bytes(docx_bytes())
    (folder / "numbered.docx").write_bytes(docx_bytes(word_numbering=True))
    files["html"] = folder / "resolution.html"
    files["html"].write_bytes(html_bytes())
    files["pdf"] = folder / "scan.pdf"
    files["pdf"].write_bytes(scan_pdf_bytes())
    return files


@pytest.fixture(scope="session")
def office(formats: dict[str, Path]) -> dict[str, Path]:
    """.doc, .odt and .rtf converted from the .docx (and from the Word-numbered .docx)."""
    folder = formats["docx"].parent
    out: dict[str, Path] = {}
    for source in ("resolution", "numbered"):
        data = (folder / f"{source}.docx").read_bytes()
        for fmt in ("doc", "odt", "rtf"):
            path = folder / f"{source}.{fmt}"
            path.write_bytes(convert(data, ".docx", path, to=fmt))
            out[f"{source}.{fmt}"] = path
    return out


def key(d: Directive) -> tuple[object, ...]:
    return (d.number, d.addressees, d.text, d.deadline, d.responsible)


def directives(path: Path, cache: Path | None = None) -> tuple[Directive, ...]:
    source = read_source(path, cache_dir=cache)
    resolution, _ = parse_source(source)
    return resolution.directives


def test_the_text_itself_parses_right(formats: dict[str, Path]) -> None:
    resolution, problems = parse_file(formats["txt"])
    assert resolution.date == "2023-08-25"
    assert resolution.district == "Таловский район"
    assert "августа" not in resolution.title  # the date line is not part of the title
    got = {d.number: d for d in resolution.directives}
    assert list(got) == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    assert got["1.1"].text.endswith("среднего общего образования.")
    assert (got["1.1"].deadline.kind, got["1.1"].deadline.start) == ("month", "2023-09-01")
    assert (got["1.2"].deadline.kind, got["1.2"].deadline.end) == ("range", "2023-12-31")
    assert got["1.3"].responsible == "Петрова Н. В., Сидоров А. А."
    assert "Ответственные" not in got["1.3"].text
    assert got["2.1"].deadline.end == "2023-09-15"
    assert got["2.1"].text.endswith("на 2023-2024 учебный год.")
    assert (got["2.2"].deadline.start, got["2.2"].deadline.end) == ("2023-09-01", None)
    assert got["2.3"].deadline.kind == "recurring"
    assert got["2.3"].responsible == "Руководители общеобразовательных организаций"
    assert (got["3.1"].deadline.kind, got["3.1"].deadline.raw) == (
        "other",
        "в соответствии с графиком",
    )
    assert got["3.2"].deadline.raw == "Срок исполнения: декабрь 2023 г., май 2024 г."
    assert got["3.2"].deadline.end == "2024-05-31"
    assert got["3.3"].text == "Подготовить сборник лучших практик воспитательной работы."
    assert got["3.3"].deadline.end == "2024-04-01"
    assert [str(p) for p in problems if "region" not in p.message] == []


def test_docx_gives_the_same_directives(formats: dict[str, Path]) -> None:
    assert list(map(key, directives(formats["docx"]))) == list(map(key, directives(formats["txt"])))


@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "odt", "rtf"])
def test_libreoffice_formats_give_the_same_directives(
    formats: dict[str, Path], office: dict[str, Path], fmt: str
) -> None:
    source = read_source(office[f"resolution.{fmt}"])
    assert (source.format, source.encoding) == (fmt, fmt)
    assert list(map(key, parse_source(source)[0].directives)) == list(
        map(key, directives(formats["txt"]))
    )


@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "odt", "rtf"])
def test_word_list_numbering_survives_conversion(office: dict[str, Path], fmt: str) -> None:
    lines = read_source(office[f"numbered.{fmt}"]).text.splitlines()
    headings = [line for line in lines if line.endswith(":") and line[:1].isdigit()]
    assert [h.split()[0] for h in headings] == ["1.", "2.", "3."]


def test_html_page_gives_the_same_directives_without_its_chrome(formats: dict[str, Path]) -> None:
    source = read_source(formats["html"])
    assert (source.format, source.encoding) == ("html", "cp1251")
    for chrome in ("Главная", "Опубликовано", "Просмотров", "Поделиться", "Метрика", "©"):
        assert chrome not in source.text
    resolution, _ = parse_source(source)
    assert resolution.date == "2023-08-25"  # not the page's "Опубликовано: 01.09.2023"
    assert list(map(key, resolution.directives)) == list(map(key, directives(formats["txt"])))


def test_suffix_htm_is_html(tmp_path: Path) -> None:
    path = tmp_path / "page.HTM"
    path.write_bytes("<html><body><p>Решение</p><ul><li>пункт</li></ul></body></html>".encode())
    assert read_source(path).text == "Решение\n\n- пункт"


@pytest.fixture(scope="session")
def scanned(
    formats: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[SourceText, Path]:
    """The scan read by the real Tesseract once per session: its text and the OCR cache
    folder that read wrote (tests that change a cache take a copy of it)."""
    cache = tmp_path_factory.mktemp("ocr") / "cache"
    return read_source(formats["pdf"], cache_dir=cache), cache


@needs_tesseract
def test_scanned_pdf_is_recognised_and_cached(
    formats: dict[str, Path], scanned: tuple[SourceText, Path], tmp_path: Path
) -> None:
    source, written = scanned
    assert source.encoding == "pdf+ocr"
    assert source.ocr_pages == (1,)
    assert source.ocr_confidence is not None and source.ocr_confidence > 80
    read = parse_source(source)[0].directives
    expected = directives(formats["txt"])
    assert len(read) == len(expected)
    for got, want in zip(read, expected, strict=True):
        ratio = difflib.SequenceMatcher(None, got.text, want.text).ratio()
        assert ratio > 0.95, (got.text, want.text)
        assert got.deadline.end == want.deadline.end
    # the cache: one file named by the sha256; a second read takes it and runs no OCR
    (entry,) = (written / "ocr").iterdir()
    import hashlib

    assert entry.name == hashlib.sha256(formats["pdf"].read_bytes()).hexdigest() + ".json"
    cache = tmp_path / "cache"
    shutil.copytree(written, cache)
    entry = cache / "ocr" / entry.name
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["pages"] = ["Текст из кэша"]
    entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert read_source(formats["pdf"], cache_dir=cache).text == "Текст из кэша"


@needs_tesseract
def test_check_reports_ocr_and_its_confidence(
    formats: dict[str, Path], scanned: tuple[SourceText, Path], tmp_path: Path
) -> None:
    """What check reports of a scan (the OCR result comes from the session's cache: the
    recognition itself is tested above)."""
    from avgust.parse.batch import parse_all

    shutil.copytree(scanned[1], tmp_path / "cache")
    _, (report,) = parse_all([formats["pdf"]], cache_dir=tmp_path / "cache")
    (problem,) = [p for p in report.problems if "OCR" in p.message]
    assert "mean confidence" in problem.message and "of page 1:" in problem.message
    assert report.ocr_confidence is not None


def test_the_fixture_text_is_the_one_in_data() -> None:
    assert (DATA / "resolution.txt").read_text(encoding="utf-8") == TEXT
    assert isinstance(read_source(DATA / "resolution.txt"), SourceText)


# --- plan tables ------------------------------------------------------------------------

PLAN = [
    ("Провести августовские совещания педагогов", "август 2023 г.", "Отдел образования"),
    ("Утвердить планы работы методических объединений", "до 15.09.2023", "ММЦ"),
    ("Организовать мониторинг адаптации первоклассников", "октябрь 2023 г.", "Руководители ОО"),
    ("Провести школьный этап олимпиады", "сентябрь–октябрь 2023 г.", "Руководители ОО"),
    ("Провести муниципальный этап олимпиады", "ноябрь–декабрь 2023 г.", "Отдел образования"),
    ("Организовать курсы повышения квалификации", "в течение года", "ММЦ"),
    ("Провести конкурс «Учитель года»", "февраль 2024 г.", "Отдел образования, ММЦ"),
    ("Провести пробные экзамены в 9 классах", "декабрь 2023 г., март 2024 г.", "Руководители ОО"),
    ("Провести совещания по итогам четверти", "ежеквартально", "Руководители ОО"),
    ("Обновить сайты образовательных организаций", "постоянно", "Руководители ОО"),
    ("Подготовить публичный доклад", "до 01.08.2024", "Отдел образования"),
    ("Организовать летнюю оздоровительную кампанию", "июнь–август 2024 г.", "Руководители ОО"),
]


def plan_docx(path: Path) -> Path:
    """A 12-row plan table with a section row; columns: №, Срок, Мероприятие, Ответственные."""
    import docx

    document = docx.Document()
    document.add_paragraph("РЕШЕНИЕ августовской конференции педагогов Таловского района")
    document.add_paragraph("от 25 августа 2023 года")
    document.add_paragraph("Конференция решила утвердить план мероприятий:")
    table = document.add_table(rows=2 + len(PLAN), cols=4)
    for i, head in enumerate(("№ п/п", "Сроки исполнения", "Мероприятие", "Ответственные")):
        table.cell(0, i).text = head
    section = table.cell(1, 0).merge(table.cell(1, 3))
    section.text = "Организационные мероприятия"
    for row, (task, deadline, who) in enumerate(PLAN, start=2):
        for col, text in enumerate((f"{row - 1}.", deadline, task, who)):
            table.cell(row, col).text = text
    document.save(str(path))
    return path


def check_plan(resolution_directives: tuple[Directive, ...]) -> None:
    assert len(resolution_directives) == len(PLAN)  # not 26: «Ответственные» are no directives
    for directive, (task, deadline, who) in zip(resolution_directives, PLAN, strict=True):
        assert directive.text.rstrip(".") == task
        assert directive.responsible == who
        assert directive.deadline.raw == f"срок: {deadline}"
        assert directive.deadline.kind.value not in ("unparsed", "none"), deadline


def test_docx_plan_table_gives_one_directive_per_row(tmp_path: Path) -> None:
    check_plan(directives(plan_docx(tmp_path / "plan.docx")))


@needs_soffice
def test_odt_plan_table_gives_one_directive_per_row(tmp_path: Path) -> None:
    source = plan_docx(tmp_path / "plan.docx")
    odt = tmp_path / "plan.odt"
    odt.write_bytes(convert(source.read_bytes(), ".docx", source, to="odt"))
    check_plan(directives(odt))


def test_table_without_plan_header_stays_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Показатель", "2023"
    table.cell(1, 0).text, table.cell(1, 1).text = "Охват", "95 %"
    document.save(str(tmp_path / "t.docx"))
    assert read_source(tmp_path / "t.docx").text.split("\n") == [
        "Показатель",
        "2023",
        "Охват",
        "95 %",
    ]


# --- without the tools ------------------------------------------------------------------


def test_without_libreoffice_the_error_names_the_file_and_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "решение.odt"
    path.write_bytes(b"PK\x03\x04 an OpenDocument file")
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    with pytest.raises(AvgustError, match="install the Debian package libreoffice-writer-nogui"):
        read_source(path)


def test_without_tesseract_the_error_names_the_file_and_the_package(
    formats: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    with pytest.raises(AvgustError, match="install the Debian package tesseract-ocr-rus") as error:
        read_source(formats["pdf"], cache_dir=tmp_path)
    assert error.value.path == str(formats["pdf"])
