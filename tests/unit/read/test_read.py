"""Reading source documents: encodings, line ends, .docx, .pdf and every kind of bad file."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import docx
import pytest

from avgust.errors import AvgustError
from avgust.read.sources import MAX_SOURCE_BYTES, SUPPORTED_SUFFIXES, discover_sources, read_source
from tests.support.project import RESOLUTIONS

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Real Russian text from the corpus, with «», №, – and ё so that code pages differ.
RUSSIAN = (
    "РЕШЕНИЕ\n"
    "августовской конференции педагогических и руководящих работников образовательных "
    "организаций Мучкапского района от 26.08.2020 «Национальный проект «Образование»: "
    "стратегия перемен»\n"
    "2.7. Провести качественный анализ результатов ЕГЭ в 2020 году с определением проблем "
    "и постановкой задач на 2021 год.\n"
    "Срок: до 01.09.2020\n"
    "В рамках реализации федерального проекта «Успех каждого ребёнка» продолжается "
    "внедрение персонифицированного финансирования – Указ № 474.\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the real corpus ---------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(RESOLUTIONS.glob("*.txt")), ids=lambda p: p.stem)
def test_reads_the_five_resolutions_as_they_are(source: Path) -> None:
    result = read_source(source)
    assert result.encoding == "utf-8"
    assert result.format == "txt"
    assert result.path == source
    # Same lines as the file, so that line numbers point into it.
    assert result.text.split("\n") == source.read_text(encoding="utf-8").split("\n")
    assert "\r" not in result.text


def test_the_corpus_has_five_resolutions() -> None:
    assert [p.name for p in discover_sources(RESOLUTIONS)] == [
        "2018-sosnovskij.txt",
        "2019-krasnokutskij.txt",
        "2020-muchkapskij.txt",
        "2021-akushinskij.txt",
        "2021-rasskazovskij.txt",
    ]


# --- encodings ---------------------------------------------------------------------


def test_cp1251_russian_text(tmp_path: Path) -> None:
    path = write(tmp_path, "cp1251.txt", RUSSIAN.encode("cp1251"))
    result = read_source(path)
    assert result.encoding == "cp1251"
    assert result.text == RUSSIAN


@pytest.mark.parametrize(
    "text",
    [
        "Решение конференции Мучкапского района",
        "ПРИОРИТЕТЫ ОБРАЗОВАТЕЛЬНОЙ ПОЛИТИКИ",
        # charset-normalizer 3.5 alone guesses cp932, cp1125, big5 and cp1125 for these:
        "Решение",
        "в течение 2019 года",
        "Срок: до 01.10.2020",
        "Ёлочка, ягода, яблоко",
    ],
)
def test_short_cp1251_text_is_not_taken_for_another_code_page(tmp_path: Path, text: str) -> None:
    result = read_source(write(tmp_path, "short.txt", text.encode("cp1251")))
    assert (result.encoding, result.text) == ("cp1251", text)


def test_whole_cp1251_resolution(tmp_path: Path) -> None:
    original = (RESOLUTIONS / "2018-sosnovskij.txt").read_text(encoding="utf-8")
    path = write(tmp_path, "win.txt", original.replace("\n", "\r\n").encode("cp1251"))
    result = read_source(path)
    assert result.encoding == "cp1251"
    assert result.text == original


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866"])
def test_other_russian_code_pages(tmp_path: Path, encoding: str) -> None:
    # «», – and № are not in these code pages.
    text = RUSSIAN.translate(str.maketrans("«»–№", '""-N'))
    result = read_source(write(tmp_path, "old.txt", text.encode(encoding)))
    assert (result.encoding, result.text) == (encoding, text)


def test_utf8_with_bom(tmp_path: Path) -> None:
    result = read_source(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + RUSSIAN.encode()))
    assert result.encoding == "utf-8-sig"
    assert result.text == RUSSIAN
    assert not result.text.startswith("\ufeff")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    data = RUSSIAN.replace("\n", "\r\n").encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    result = read_source(write(tmp_path, "u16.txt", data))
    assert result.encoding == "utf-16"
    assert result.text == RUSSIAN


def test_line_ends_become_lf(tmp_path: Path) -> None:
    data = "первая\r\nвторая\rтретья\n\r\nпятая".encode()
    result = read_source(write(tmp_path, "ends.txt", data))
    assert result.text == "первая\nвторая\nтретья\n\nпятая"


def test_nul_and_other_line_breaking_controls_become_spaces(tmp_path: Path) -> None:
    # One NUL and a form feed in a long text: kept as text, line count unchanged.
    body = "1.1.\x00Разработать план\x0c\nСрок:\tпостоянно\u2028конец\n" + "текст " * 100
    result = read_source(write(tmp_path, "nul.txt", body.encode()))
    assert result.text.startswith("1.1. Разработать план \nСрок:\tпостоянно конец\n")
    assert result.text.splitlines() == result.text.split("\n")


def test_markdown_is_read_as_text(tmp_path: Path) -> None:
    result = read_source(write(tmp_path, "x.md", "**РЕШЕНИЕ**\n\n- пункт\n".encode()))
    assert (result.format, result.encoding, result.text) == (
        "md",
        "utf-8",
        "**РЕШЕНИЕ**\n\n- пункт\n",
    )


# --- .docx ---------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("РЕШЕНИЕ").runs[0].bold = True
    paragraph = document.add_paragraph("конференции ")
    paragraph.add_run("Мучкапского района").bold = True
    paragraph.add_run(" от 26.08.2020")
    document.add_paragraph("Обеспечить выполнение", style="List Number")
    document.add_paragraph("Провести анализ", style="List Number")
    document.add_paragraph("пункт списка", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Мероприятие"
    table.cell(0, 1).text = "Срок"
    table.cell(1, 0).text = "Провести совещание"
    table.cell(1, 1).text = "до 01.10.2020"
    document.add_paragraph("Строка с\tтабуляцией").add_run().add_break()
    document.add_paragraph("Последний абзац")
    document.save(str(path))
    return path


def test_docx_paragraphs_tables_numbers_and_bold(tmp_path: Path) -> None:
    result = read_source(make_docx(tmp_path / "решение.docx"))
    assert (result.format, result.encoding) == ("docx", "docx")
    assert result.text.split("\n") == [
        "**РЕШЕНИЕ**",
        "конференции **Мучкапского района** от 26.08.2020",
        "1. Обеспечить выполнение",
        "2. Провести анализ",
        "- пункт списка",
        "",  # a plan table (Мероприятие | Срок): one numbered line per row
        "1. Провести совещание (срок: до 01.10.2020)",
        "",
        "Строка с\tтабуляцией ",
        "Последний абзац",
    ]


def test_docx_merged_cell_is_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Отделу образования"
    table.cell(1, 0).text = "1.1"
    table.cell(1, 1).text = "Обеспечить"
    document.save(str(tmp_path / "merged.docx"))
    assert read_source(tmp_path / "merged.docx").text == "Отделу образования\n1.1\nОбеспечить"


def test_corrupt_docx(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.docx", b"PK\x03\x04 this is not a zip file at all")
    with pytest.raises(AvgustError, match=r"corrupt \.docx") as error:
        read_source(path)
    assert error.value.path == str(path)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(AvgustError, match=r"corrupt \.docx"):
        read_source(path)


def test_truncated_docx(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx").read_bytes()
    path = write(tmp_path, "cut.docx", good[: len(good) // 2])
    with pytest.raises(AvgustError, match=r"corrupt \.docx"):
        read_source(path)


def test_old_word_file_named_docx(tmp_path: Path) -> None:
    path = write(tmp_path, "old.docx", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512))
    with pytest.raises(AvgustError, match=r"old binary Word file \(\.doc\)"):
        read_source(path)


# --- .pdf ----------------------------------------------------------------------------

needs_font = pytest.mark.skipif(not FONT.exists(), reason=f"{FONT} is missing")


@needs_font
def test_pdf_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.cell(text="РЕШЕНИЕ конференции Мучкапского района")
    pdf.ln()
    pdf.cell(text="1.1. Обеспечить выполнение до 01.10.2020")
    pdf.add_page()
    pdf.cell(text="Срок: постоянно")
    pdf.output(str(tmp_path / "решение.pdf"))
    result = read_source(tmp_path / "решение.pdf")
    assert (result.format, result.encoding) == ("pdf", "pdf")
    assert result.text == (
        "РЕШЕНИЕ конференции Мучкапского района\n"
        "1.1. Обеспечить выполнение до 01.10.2020\n"
        "\n"
        "Срок: постоянно"
    )


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(0, 0, 0)
    pdf.rect(20, 20, 100, 50, style="F")  # a drawing, like a scanned page: no text
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(AvgustError, match=r"no text layer and OCR found none"):
        read_source(tmp_path / "scan.pdf")


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    with pytest.raises(AvgustError, match=r"corrupt \.pdf") as error:
        read_source(path)
    assert error.value.path == str(path)


# --- bad files -----------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="no such file") as error:
        read_source(tmp_path / "нет.txt")
    assert error.value.path == str(tmp_path / "нет.txt")


@pytest.mark.parametrize("name", ["table.csv", "noext", "plan.xls"])
def test_unsupported_suffix_names_the_supported_ones(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"text")
    with pytest.raises(AvgustError, match="unsupported file type") as error:
        read_source(path)
    assert all(suffix in error.value.message for suffix in SUPPORTED_SUFFIXES)


def test_suffix_case_does_not_matter(tmp_path: Path) -> None:
    assert read_source(write(tmp_path, "X.TXT", "Решение".encode())).text == "Решение"


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="empty file"):
        read_source(write(tmp_path, "empty.txt", b""))


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="only whitespace"):
        read_source(write(tmp_path, "blank.md", b" \r\n\t\r\n"))


def test_random_bytes_named_txt(tmp_path: Path) -> None:
    path = write(tmp_path, "garbage.txt", random.Random(7).randbytes(4096))
    with pytest.raises(AvgustError, match=r"binary data|cannot detect") as error:
        read_source(path)
    assert error.value.path == str(path)


def test_nul_heavy_file(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="NUL bytes"):
        read_source(write(tmp_path, "nul.txt", b"abc\x00\x00\x00def\x00" * 50))


def test_control_characters_in_a_decodable_file(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 20 + "Решение".encode()
    with pytest.raises(AvgustError, match="control characters"):
        read_source(write(tmp_path, "ctl.txt", data))


def test_too_large_file_names_size_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(MAX_SOURCE_BYTES + 1)
    with pytest.raises(AvgustError, match="too large") as error:
        read_source(path)
    assert f"{MAX_SOURCE_BYTES + 1:,}" in error.value.message
    assert f"{MAX_SOURCE_BYTES:,}" in error.value.message
    assert error.value.path == str(path)


# --- discover_sources ----------------------------------------------------------------


def test_discover_sources_skips_sidecars_readme_hidden_and_folders(tmp_path: Path) -> None:
    for name in [
        "b.docx",
        "a.txt",
        "c.PDF",
        "d.md",
        "a.yml",
        "d.yaml",
        "README.md",
        ".hidden.txt",
        "~$b.docx",
        "notes.csv",
    ]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_bytes(b"x")
    assert [p.name for p in discover_sources(tmp_path)] == ["a.txt", "b.docx", "c.PDF", "d.md"]


def test_discover_sources_in_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="no such folder"):
        discover_sources(tmp_path / "nowhere")
