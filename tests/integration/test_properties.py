"""Property-based tests: the reader, the parser and the deadline reader on hostile input.

What must hold for every input, not only for the five documents:

* ``read_source`` returns text or raises :class:`AvgustError` naming the file, for
  any bytes under any supported name (with the magic bytes of zip, PDF, BOMs, OLE)
  and for a real .docx or .pdf with bytes flipped or cut short; a resolution saved
  as UTF-8, UTF-8 with BOM, UTF-16 or cp1251, with LF, CRLF or CR line ends, reads
  back to the same text and parses to the same records;
* ``parse_text`` raises nothing but AvgustError, is deterministic (the same text
  gives equal records and problems), and its records are well formed (order 1..n,
  unique anchors, lines inside the text, consistent deadlines) — on arbitrary
  Unicode, on real resolution lines shuffled, cut, case-changed and spliced with
  numbering, bullets, "Срок:" and decision fragments, and on texts made of those
  fragments alone;
* ``parse_deadline``, ``find_inline_deadline`` and ``looks_like_deadline`` never raise
  on any string, and every deadline is consistent: kind NONE for a blank ``raw`` and
  otherwise only for a bare label ("Срок: —"); ``start <= end`` when both are set;
  ISO dates only; no dates for PERMANENT/NONE/UNPARSED; BY_DATE has an ``end`` once a
  reference date is given.

Example counts are set per test in :data:`EXAMPLES`: 2,838 in all, about 30 s on two
idle cores. The example database is off so that every run is the same kind of run.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from avgust.errors import AvgustError
from avgust.parse.deadline import find_inline_deadline, looks_like_deadline, parse_deadline
from avgust.parse.parser import parse_text
from avgust.read.office import OFFICE_SUFFIXES
from avgust.read.sources import SUPPORTED_SUFFIXES, read_source
from avgust.records import Deadline, DeadlineKind, Resolution, Sidecar, to_dict
from tests.support.project import source_files

#: Examples per test; the module docstring sums them.
EXAMPLES = {
    "parse_arbitrary": 300,
    "parse_mutated": 250,
    "parse_fragments": 400,
    "deadline_arbitrary": 500,
    "deadline_fragments": 500,
    "inline_in_real_lines": 300,
    "read_encodings": 80,
    "read_bytes": 300,
    "read_bytes_office": 8,  # each example is one LibreOffice run (≈ 1.5 s)
    "read_damaged": 200,
}


def _settings(name: str) -> Callable[[Any], Any]:
    return settings(
        max_examples=EXAMPLES[name],
        deadline=None,  # no timed assertions; a slow example is not a failure
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


REAL_LINES = tuple(
    line
    for path in source_files()
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
)

# Pieces that steer the parser into its branches: numbers, bullets, headings, lead-ins,
# deadline lines, signatures, quotes and brackets left open.
FRAGMENTS = (
    "1.",
    "2.1.",
    "1.1.10.",
    "3)",
    "а)",
    "- ",
    "• ",
    "· ",
    "**",
    "Срок:",
    "Срок исполнения:",
    "Сроки: ",
    "до 01.10.2020",
    "до 31.02.2021",
    "01.12.2018",
    "в течение года",
    "в течение 2020-2021 учебного года",
    "постоянно",
    "ежегодно, до 1 сентября",
    "сентябрь 2018",
    "(февраль)",
    "с 1 по 30 октября 2018",
    "2020-2022 гг.",
    "IV квартал 2020 г.",
    "к концу 2019 года",
    "Конференция РЕШИЛА:",
    "считают необходимым:",
    "ПОСТАНОВИЛИ:",
    "Отделу образования:",
    "Руководителям образовательных организаций",
    "обеспечить:",
    "Ответственные: руководители ОО",
    "с. Мучкап, 26 августа 2020 г.",
    "РЕШЕНИЕ",
    "РЕЗОЛЮЦИЯ",
    "«Точка роста»",
    "«",
    "»",
    "(",
    ")",
    '"',
    ":",
    ";",
    "\n",
    "\n\n",
    "\t",
    "\u00a0",
    "\u200b",
    "[bookmark: _Toc1]",
    "2021",
    "%",
    "№ 474",
)

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)  # no lone surrogates


def _mutated_line(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(REAL_LINES))
    how = draw(st.sampled_from(("keep", "cut", "prefix", "suffix", "upper", "lower", "splice")))
    if how == "cut":
        start = draw(st.integers(0, len(line)))
        return line[start : start + draw(st.integers(0, 120))]
    if how == "prefix":
        return draw(st.sampled_from(FRAGMENTS)) + " " + line
    if how == "suffix":
        return line + " " + draw(st.sampled_from(FRAGMENTS))
    if how == "upper":
        return line.upper()
    if how == "lower":
        return line.lower()
    if how == "splice":
        at = draw(st.integers(0, len(line)))
        return line[:at] + draw(st.sampled_from(FRAGMENTS)) + line[at:]
    return line


@st.composite
def mutated_resolutions(draw: st.DrawFn) -> str:
    """Real resolution lines, shuffled, cut, spliced with fragments, joined by mixed breaks."""
    lines = [_mutated_line(draw) for _ in range(draw(st.integers(1, 40)))]
    breaks = draw(st.lists(st.sampled_from(("\n", "\n\n", "\n \n")), min_size=len(lines)))
    return "".join(line + brk for line, brk in zip(lines, breaks, strict=False))


@st.composite
def fragment_texts(draw: st.DrawFn) -> str:
    """Texts made only of the fragments that steer the parser, with some free text."""
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(FRAGMENTS),
                st.sampled_from(("Провести", "семинар", "Обеспечить", "участие", "школ")),
                st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,;:-0123456789", max_size=12),
            ),
            max_size=60,
        )
    )
    separators = draw(st.lists(st.sampled_from((" ", "\n", "", "\n\n")), min_size=len(pieces)))
    return "".join(p + s for p, s in zip(pieces, separators, strict=False))


_REFERENCES = st.one_of(
    st.none(),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2040, 12, 31)).map(datetime.date.isoformat),
)


# --- the parser ----------------------------------------------------------------------------


def _parse_or_project_error(text: str) -> tuple[Resolution, list[Any]] | None:
    """parse_text's result, or None when it raised AvgustError (any other error fails)."""
    try:
        resolution, problems = parse_text(text, "hostile.txt")
    except AvgustError as error:
        assert error.path == "hostile.txt"
        assert error.message
        return None
    return resolution, problems


def _assert_well_formed(text: str, resolution: Resolution) -> None:
    directives = resolution.directives
    assert [d.order for d in directives] == list(range(1, len(directives) + 1))
    anchors = [d.anchor for d in directives]
    assert len(set(anchors)) == len(anchors), anchors
    line_count = max(1, len(text.splitlines()))
    for directive in directives:
        assert directive.text.strip()
        assert 1 <= directive.line <= line_count
        _assert_consistent(directive.deadline, resolution.date)
    assert resolution.slug
    if resolution.date is not None:
        datetime.date.fromisoformat(resolution.date)


def _check_parse(text: str) -> None:
    first = _parse_or_project_error(text)
    second = _parse_or_project_error(text)
    if first is None or second is None:
        assert first is second is None  # deterministic: the same text raises the same way
        return
    assert to_dict(first[0]) == to_dict(second[0])
    assert first[1] == second[1]
    _assert_well_formed(text, first[0])


@_settings("parse_arbitrary")
@given(_TEXT)
def test_parse_arbitrary_text(text: str) -> None:
    _check_parse(text)


@_settings("parse_mutated")
@given(mutated_resolutions())
def test_parse_mutated_real_resolutions(text: str) -> None:
    _check_parse(text)


@_settings("parse_fragments")
@given(fragment_texts())
def test_parse_numbering_bullets_and_deadline_fragments(text: str) -> None:
    _check_parse(text)


_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1251")
_LINE_ENDS = ("\n", "\r\n", "\r")


@_settings("read_encodings")
@given(mutated_resolutions(), st.sampled_from(_ENCODINGS), st.sampled_from(_LINE_ENDS))
def test_encoding_and_line_ends_do_not_change_the_records(
    text: str, encoding: str, line_end: str
) -> None:
    """The same resolution saved as cp1251 or UTF-16, with CRLF or CR, parses the same."""
    try:
        data = text.replace("\n", line_end).encode(encoding)
    except UnicodeEncodeError:
        assume(False)  # "\u200b" and the like have no cp1251 byte
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "resolution.txt"
        path.write_bytes(data)
        try:
            source = read_source(path)
        except AvgustError as error:
            # only a text that is no text at all may be refused
            assert not text.strip() and "whitespace" in error.message, error
            return
    assert source.text == text
    expected = _parse_or_project_error(text)
    actual = _parse_or_project_error(source.text)
    assert (None if expected is None else to_dict(expected[0])) == (
        None if actual is None else to_dict(actual[0])
    )


_MAGIC = (b"", b"PK\x03\x04", b"%PDF-1.4\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
          b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x00\x00\xfe\xff")  # fmt: skip


_HOSTILE_TAIL = st.sampled_from(("", "Решение конференции РЕШИЛА: 1. Провести смотр."))


@_settings("read_bytes")
@given(
    st.sampled_from([s for s in SUPPORTED_SUFFIXES if s not in OFFICE_SUFFIXES]),
    st.sampled_from(_MAGIC),
    st.binary(max_size=3000),
    _HOSTILE_TAIL,
)
def test_reading_arbitrary_bytes_raises_only_the_project_error(
    suffix: str, magic: bytes, data: bytes, text: str
) -> None:
    """Any bytes under any supported name: a SourceText or an AvgustError naming the file."""
    _read_hostile(suffix, magic + data + text.encode("utf-8"))


@_settings("read_bytes_office")
@given(
    st.sampled_from(OFFICE_SUFFIXES),
    st.sampled_from(_MAGIC),
    st.binary(max_size=3000),
    _HOSTILE_TAIL,
)
def test_reading_arbitrary_bytes_through_libreoffice_raises_only_the_project_error(
    suffix: str, magic: bytes, data: bytes, text: str
) -> None:
    """The same for .doc/.odt/.rtf, with fewer examples: each one starts LibreOffice."""
    _read_hostile(suffix, magic + data + text.encode("utf-8"))


def _read_hostile(suffix: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"hostile{suffix}"
        path.write_bytes(content)
        try:
            source = read_source(path)
        except AvgustError as error:
            assert error.path == str(path) and error.message
            return
    assert source.text.strip()
    assert "\r" not in source.text


def _valid_documents() -> dict[str, bytes]:
    """A real .docx (numbered list, bold, a table) and a real .pdf with a text layer."""
    import io

    import docx
    from fpdf import FPDF

    document = docx.Document()
    document.add_paragraph("РЕШЕНИЕ").runs[0].bold = True
    document.add_paragraph("Конференция РЕШИЛА:")
    document.add_paragraph("Провести смотр кабинетов", style="List Number")
    document.add_paragraph("Обеспечить участие", style="List Bullet")
    document.add_table(rows=1, cols=2).cell(0, 1).text = "до 01.10.2020"
    out = io.BytesIO()
    document.save(out)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="RESHENIE 1. Provesti smotr. Srok: 01.10.2020")
    return {".docx": out.getvalue(), ".pdf": bytes(pdf.output())}


_DOCUMENTS = _valid_documents()


@_settings("read_damaged")
@given(
    st.sampled_from(sorted(_DOCUMENTS)),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=8),
    st.one_of(st.none(), st.floats(0.05, 1, exclude_max=True)),
)
def test_reading_a_damaged_docx_or_pdf_raises_only_the_project_error(
    suffix: str, flips: list[tuple[float, int]], cut: float | None
) -> None:
    """A real .docx or .pdf with bytes flipped and maybe cut short: read, or AvgustError."""
    data = bytearray(_DOCUMENTS[suffix])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    if cut is not None:
        data = data[: int(cut * len(data))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"damaged{suffix}"
        path.write_bytes(bytes(data))
        try:
            source = read_source(path)
        except AvgustError as error:
            assert error.path == str(path) and error.message
            return
    assert source.text.strip()


def test_blank_text_is_the_project_error() -> None:
    for text in ("", " ", "\n\n\t", "\u00a0"):
        with pytest.raises(AvgustError, match="no text"):
            parse_text(text, "blank.txt", Sidecar())


# --- the deadline reader -------------------------------------------------------------------

#: What a deadline of kind NONE may say: nothing, or a label and "—"/"нет"/"без срока".
_NOTHING = re.compile(
    r"[\W_]*(?:(?:сроки?|исполнения|выполнения|реализации|проведения|исп|дата|нет|не"
    r"|установлен|без|срока)(?!\w)[\W_]*)*",
    re.IGNORECASE,
)


def _assert_consistent(deadline: Deadline, reference: str | None) -> None:
    assert isinstance(deadline.kind, DeadlineKind)
    if not deadline.raw:
        assert deadline.kind is DeadlineKind.NONE, deadline
    if deadline.kind is DeadlineKind.NONE:  # blank, or a label with nothing after it
        assert _NOTHING.fullmatch(deadline.raw), deadline
    assert deadline.raw == deadline.raw.strip()
    start = datetime.date.fromisoformat(deadline.start) if deadline.start else None
    end = datetime.date.fromisoformat(deadline.end) if deadline.end else None
    if start and end:
        assert start <= end, deadline
    if deadline.kind in (DeadlineKind.PERMANENT, DeadlineKind.NONE, DeadlineKind.UNPARSED):
        assert start is None and end is None, deadline
    if deadline.kind is DeadlineKind.BY_DATE:
        assert start is None, deadline
        if reference is not None:  # without one, "до 1 сентября" has no year
            assert end is not None, deadline


def _check_deadline(raw: str, reference: str | None) -> None:
    deadline = parse_deadline(raw, reference)
    _assert_consistent(deadline, reference)
    assert deadline.raw == raw.strip()
    assert parse_deadline(raw, reference) == deadline
    inline = find_inline_deadline(raw, reference)
    if inline is not None:
        _assert_consistent(inline, reference)
        assert inline.raw and inline.raw in raw
        assert inline.kind is not DeadlineKind.NONE
    assert isinstance(looks_like_deadline(raw), bool)


@_settings("deadline_arbitrary")
@given(_TEXT, _REFERENCES)
def test_deadline_reader_on_arbitrary_strings(raw: str, reference: str | None) -> None:
    _check_deadline(raw, reference)


@_settings("deadline_fragments")
@given(
    st.lists(
        st.one_of(
            st.sampled_from(FRAGMENTS),
            st.sampled_from(
                (
                    "до",
                    "к",
                    "по",
                    "с",
                    "не позднее",
                    "в срок до",
                    "в течение",
                    "до конца",
                    "к началу",
                    "учебного года",
                    "года",
                    "г.",
                    "гг.",
                    "-",
                    "–",
                    "/",
                    ",",
                    "и",
                    "января",
                    "февраль",
                    "мая",
                    "декабрь",
                    "квартал",
                    "полугодие",
                    "0",
                    "00",
                    "31",
                    "29.02.2021",
                    "29.02.2020",
                    "1999",
                    "2100",
                    "9999",
                    "0000",
                    "20",
                )
            ),
            st.integers(0, 3000).map(str),
        ),
        max_size=12,
    ).map(" ".join),
    _REFERENCES,
)
def test_deadline_reader_on_deadline_like_strings(raw: str, reference: str | None) -> None:
    _check_deadline(raw, reference)


@_settings("inline_in_real_lines")
@given(st.composite(_mutated_line)(), _REFERENCES)
def test_inline_deadlines_in_mutated_real_lines(line: str, reference: str | None) -> None:
    _check_deadline(line, reference)


def test_the_stated_example_count_is_the_real_one() -> None:
    assert f"{sum(EXAMPLES.values()):,} in all" in " ".join((__doc__ or "").split())


def test_a_bad_reference_is_the_project_error() -> None:
    with pytest.raises(AvgustError, match="reference date"):
        parse_deadline("до 01.10.2020", "26.08.2020")
