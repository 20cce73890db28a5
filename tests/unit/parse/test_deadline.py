"""The deadline reader on the forms the five resolutions use and on other districts' styles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avgust.errors import AvgustError
from avgust.parse.deadline import find_inline_deadline, looks_like_deadline, parse_deadline
from avgust.records import Deadline, DeadlineKind
from tests.support.project import RESOLUTIONS

BY_DATE = DeadlineKind.BY_DATE
RANGE = DeadlineKind.RANGE
MONTH = DeadlineKind.MONTH
YEAR_END = DeadlineKind.YEAR_END
ACADEMIC_YEAR = DeadlineKind.ACADEMIC_YEAR
DURING_YEAR = DeadlineKind.DURING_YEAR
PERMANENT = DeadlineKind.PERMANENT
RECURRING = DeadlineKind.RECURRING
NONE = DeadlineKind.NONE
UNPARSED = DeadlineKind.UNPARSED

MUCHKAP = "2020-08-26"  # the date of 2020-muchkapskij.txt, the reference of most cases below


def lines(name: str) -> list[str]:
    return (RESOLUTIONS / name).read_text(encoding="utf-8").splitlines()


def line_with(name: str, snippet: str) -> str:
    """The one line of a resolution that contains ``snippet``."""
    found = [line for line in lines(name) if snippet in line]
    assert len(found) == 1, f"{snippet!r} is in {len(found)} lines of {name}"
    return found[0]


def case(
    raw: str,
    kind: DeadlineKind,
    start: str | None = None,
    end: str | None = None,
    reference: str | None = MUCHKAP,
    *,
    id: str,
) -> object:
    return pytest.param(raw, reference, kind, start, end, id=id)


def read(raw: str, reference: str | None) -> tuple[DeadlineKind, str | None, str | None]:
    deadline = parse_deadline(raw, reference)
    return deadline.kind, deadline.start, deadline.end


# --- parse_deadline: the forms of the brief -----------------------------------------------

BRIEF_FORMS = [
    case("Срок: до 10.10.2020", BY_DATE, end="2020-10-10", id="srok-do-numeric"),
    case("01.12.2018", BY_DATE, end="2018-12-01", id="bare-numeric"),
    case("до 20 сентября 2019 года", BY_DATE, end="2019-09-20", id="do-text-date"),
    case("не позднее 1 марта 2021 г.", BY_DATE, end="2021-03-01", id="ne-pozdnee"),
    case("с 1 по 30 октября 2018", RANGE, "2018-10-01", "2018-10-30", id="s-po-days"),
    case("2020-2022 гг.", RANGE, "2020-01-01", "2022-12-31", id="years-gg"),
    case("в течение 2019 года", RANGE, "2019-01-01", "2019-12-31", id="during-year-n"),
    case("с сентября 2019 года", RANGE, "2019-09-01", None, id="since-month"),
    case("сентябрь 2018", MONTH, "2018-09-01", "2018-09-30", id="month-year"),
    case("(февраль)", MONTH, "2021-02-01", "2021-02-28", id="paren-month-no-year"),
    case("к концу 2019 года", YEAR_END, end="2019-12-31", id="k-koncu"),
    case("до конца 2020 года", YEAR_END, end="2020-12-31", id="do-konca"),
    case(
        "в течение 2020-2021 учебного года",
        ACADEMIC_YEAR,
        "2020-09-01",
        "2021-08-31",
        id="during-academic",
    ),
    case("2020-2021 уч. год", ACADEMIC_YEAR, "2020-09-01", "2021-08-31", id="uch-god"),
    case("2019/2020 учебный год", ACADEMIC_YEAR, "2019-09-01", "2020-08-31", id="slash-uchebnyj"),
    case(
        "в течение учебного года",
        ACADEMIC_YEAR,
        "2020-09-01",
        "2021-08-31",
        id="during-academic-relative",
    ),
    case("в течение года", DURING_YEAR, "2020-09-01", "2021-08-31", id="during-year"),
    case("постоянно", PERMANENT, id="postoyanno"),
    case("систематически", PERMANENT, id="sistematicheski"),
    case("на постоянной основе", PERMANENT, id="na-postoyannoj-osnove"),
    case("ежегодно", RECURRING, id="ezhegodno"),
    case("ежеквартально", RECURRING, id="ezhekvartalno"),
    case("ежемесячно", RECURRING, id="ezhemesyachno"),
    case("еженедельно", RECURRING, id="ezhenedelno"),
    case("по мере необходимости", RECURRING, id="po-mere-neobhodimosti"),
    case("IV квартал 2020 г.", RANGE, "2020-10-01", "2020-12-31", id="quarter-roman"),
    case("1 полугодие 2021", RANGE, "2021-01-01", "2021-06-30", id="half-year"),
    case("до 01.09.20", BY_DATE, end="2020-09-01", id="two-digit-year"),
    case(
        "Срок исполнения: IV квартал 2020 г.", RANGE, "2020-10-01", "2020-12-31", id="srok-ispoln"
    ),
    case("Сроки: до 31.12.2020;", BY_DATE, end="2020-12-31", id="sroki-semicolon"),
    case("(до 01.10.2020)", BY_DATE, end="2020-10-01", id="wrapped-in-parentheses"),
    case("до 01.01.2020 года.", BY_DATE, end="2020-01-01", id="trailing-goda-dot"),
]


@pytest.mark.parametrize(("raw", "reference", "kind", "start", "end"), BRIEF_FORMS)
def test_parse_reads_the_forms_of_the_brief(
    raw: str, reference: str | None, kind: DeadlineKind, start: str | None, end: str | None
) -> None:
    assert read(raw, reference) == (kind, start, end)


# --- parse_deadline: other districts' styles ----------------------------------------------

OTHER_STYLES = [
    case("Срок: август 2021 г.", MONTH, "2021-08-01", "2021-08-31", id="srok-month-g"),
    case("до 1.09.2020", BY_DATE, end="2020-09-01", id="one-digit-day"),
    case(
        "в течение 2021/2022 уч. года",
        ACADEMIC_YEAR,
        "2021-09-01",
        "2022-08-31",
        id="during-slash-uch-goda",
    ),
    case("декабрь 2020 - май 2021", RANGE, "2020-12-01", "2021-05-31", id="month-span-years"),
    case("ежегодно, до 1 сентября", RECURRING, end="2020-09-01", id="ezhegodno-do-date"),
    case("до 1 сентября ежегодно", RECURRING, end="2020-09-01", id="date-then-ezhegodno"),
    case("сентябрь-октябрь 2020", RANGE, "2020-09-01", "2020-10-31", id="month-span-one-year"),
    case("ноябрь - февраль 2021", RANGE, "2020-11-01", "2021-02-28", id="month-span-over-new-year"),
    case("с 01.09.2020 по 31.05.2021", RANGE, "2020-09-01", "2021-05-31", id="s-po-numeric"),
    case("01.09.2020 - 31.12.2020", RANGE, "2020-09-01", "2020-12-31", id="numeric-dash-numeric"),
    case("с 1 сентября 2020 по 31 мая", RANGE, "2020-09-01", "2021-05-31", id="s-po-year-once"),
    case("1-30 октября 2018", RANGE, "2018-10-01", "2018-10-30", id="day-dash-day"),
    case("до конца сентября 2020", BY_DATE, end="2020-09-30", id="do-konca-month"),
    case("до сентября 2021 г.", BY_DATE, end="2021-09-01", id="do-month"),
    case("к началу 2021-2022 учебного года", BY_DATE, end="2021-09-01", id="k-nachalu-academic"),
    case(
        "в I полугодии 2020/2021 учебного года",
        RANGE,
        "2020-09-01",
        "2020-12-31",
        id="half-of-academic-year",
    ),
    case("третий квартал 2021 года", RANGE, "2021-07-01", "2021-09-30", id="quarter-word"),
    case("в 4-м квартале 2021 г.", RANGE, "2021-10-01", "2021-12-31", id="quarter-digit-suffix"),
    case("в течение 2019-2020 гг.", RANGE, "2019-01-01", "2020-12-31", id="during-years"),
    case("2020-2021 год", ACADEMIC_YEAR, "2020-09-01", "2021-08-31", id="singular-god-academic"),
    case("2020-21 уч.г.", ACADEMIC_YEAR, "2020-09-01", "2021-08-31", id="short-second-year"),
    case("на 2021-2023 учебные годы", RANGE, "2021-09-01", "2023-08-31", id="several-academic"),
    case("в 2021 году", RANGE, "2021-01-01", "2021-12-31", id="v-year"),
    case("в сентябре 2020 года", MONTH, "2020-09-01", "2020-09-30", id="v-month-prepositional"),
    case("в течение сентября", MONTH, "2020-09-01", "2020-09-30", id="during-month-no-year"),
    case("к 1 сентября", BY_DATE, end="2020-09-01", id="k-date-no-year"),
    case("до 20.09", BY_DATE, end="2020-09-20", id="do-day-month-numeric"),
    case("в срок до 15 октября 2020 г.", BY_DATE, end="2020-10-15", id="v-srok-do"),
    case("по 31.12.2020", BY_DATE, end="2020-12-31", id="po-date"),
    case("до конца года", YEAR_END, end="2020-12-31", id="do-konca-goda"),
    case("до конца учебного года", YEAR_END, end="2021-08-31", id="do-konca-academic"),
    case("в течение текущего года", RANGE, "2020-01-01", "2020-12-31", id="during-current-year"),
    case("в течение всего года", DURING_YEAR, "2020-09-01", "2021-08-31", id="during-whole-year"),
    case("Срок: до 2024 года", YEAR_END, end="2024-12-31", id="do-bare-year"),
    case("01.09.2020г.", BY_DATE, end="2020-09-01", id="glued-g"),
    case("до 1 сентября 2021г", BY_DATE, end="2021-09-01", id="glued-g-no-dot"),
    case("**Срок:** до 01.09.2020", BY_DATE, end="2020-09-01", id="markdown-label"),
    case("Срок – в течение года", DURING_YEAR, "2020-09-01", "2021-08-31", id="srok-dash"),
    case("2 раза в год (декабрь, май)", RECURRING, id="twice-a-year"),
    case("по графику", DeadlineKind.OTHER, id="po-grafiku"),
    case("в соответствии с графиком", DeadlineKind.OTHER, id="v-sootvetstvii-s-grafikom"),
    case("ноябрь–декабрь 2023 г.", RANGE, "2023-11-01", "2023-12-31", id="month-span-2023"),
    case("декабрь 2023 г., май 2024 г.", RANGE, "2023-12-01", "2024-05-31", id="two-dates"),
    case("с 1 сентября 2022 г.", RANGE, "2022-09-01", id="since-day"),
    case("регулярно", PERMANENT, id="regulyarno"),
    case(
        "в течение года (по отдельному плану)",
        DURING_YEAR,
        "2020-09-01",
        "2021-08-31",
        id="trailing-remark",
    ),
    case("Постоянно.", PERMANENT, id="capital-and-dot"),
    case("В ТЕЧЕНИЕ 2019 ГОДА", RANGE, "2019-01-01", "2019-12-31", id="upper-case"),
    case("в течении года", DURING_YEAR, "2020-09-01", "2021-08-31", id="misspelt-techenii"),
]


@pytest.mark.parametrize(("raw", "reference", "kind", "start", "end"), OTHER_STYLES)
def test_parse_reads_other_districts_styles(
    raw: str, reference: str | None, kind: DeadlineKind, start: str | None, end: str | None
) -> None:
    assert read(raw, reference) == (kind, start, end)


# --- parse_deadline: the reference date -------------------------------------------------

RELATIVE = [
    case("(август)", MONTH, "2021-08-01", "2021-08-31", id="month-of-reference-is-next-year"),
    case("(август)", MONTH, "2020-08-01", "2020-08-31", "2020-08-01", id="month-begins-on-ref"),
    case("до 30 августа", BY_DATE, end="2020-08-30", id="day-later-this-month"),
    case("до 1 августа", BY_DATE, end="2021-08-01", id="day-passed-this-year"),
    case("до 29 февраля", BY_DATE, end="2024-02-29", reference="2021-03-01", id="leap-day"),
    case("IV квартал", RANGE, "2020-10-01", "2020-12-31", id="quarter-no-year"),
    case(
        "в течение года",
        DURING_YEAR,
        "2020-09-01",
        "2021-08-31",
        "2021-01-15",
        id="during-year-from-january",
    ),
    case(
        "в течение учебного года",
        ACADEMIC_YEAR,
        "2021-09-01",
        "2022-08-31",
        "2021-06-01",
        id="academic-from-june",
    ),
]


@pytest.mark.parametrize(("raw", "reference", "kind", "start", "end"), RELATIVE)
def test_relative_forms_resolve_against_the_reference(
    raw: str, reference: str | None, kind: DeadlineKind, start: str | None, end: str | None
) -> None:
    assert read(raw, reference) == (kind, start, end)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        pytest.param("в течение года", DURING_YEAR, id="during-year"),
        pytest.param("(февраль)", MONTH, id="paren-month"),
        pytest.param("до 1 сентября", BY_DATE, id="day-no-year"),
        pytest.param("в течение учебного года", ACADEMIC_YEAR, id="academic"),
        pytest.param("до конца года", YEAR_END, id="year-end"),
        pytest.param("ежегодно, до 1 сентября", RECURRING, id="recurring-with-day"),
        pytest.param("сентябрь - октябрь", RANGE, id="month-span"),
    ],
)
def test_relative_forms_keep_their_kind_without_reference(raw: str, kind: DeadlineKind) -> None:
    assert read(raw, None) == (kind, None, None)


def test_absolute_forms_need_no_reference() -> None:
    assert read("Срок: до 10.10.2020", None) == (BY_DATE, None, "2020-10-10")
    assert read("2020-2021 уч. год", None) == (ACADEMIC_YEAR, "2020-09-01", "2021-08-31")


@pytest.mark.parametrize("reference", ["26.08.2020", "2020-13-01", "soon", ""])
def test_a_bad_reference_is_an_avgust_error(reference: str | None) -> None:
    with pytest.raises(AvgustError, match="reference date"):
        parse_deadline("в течение года", reference)


# --- parse_deadline: raw, blank, unreadable ---------------------------------------------


def test_raw_is_the_input_stripped_of_surrounding_whitespace_only() -> None:
    deadline = parse_deadline("  \tСрок:  до 10.10.2020 г.;\n", MUCHKAP)
    assert deadline.raw == "Срок:  до 10.10.2020 г.;"
    assert deadline.end == "2020-10-10"


@pytest.mark.parametrize("raw", ["", "   ", "\n\t"], ids=["empty", "spaces", "newline-tab"])
def test_blank_is_no_deadline(raw: str) -> None:
    assert parse_deadline(raw) == Deadline.none()


@pytest.mark.parametrize("raw", ["Срок: —", "Срок: -", "Срок:", "Сроки: нет"])
def test_a_label_with_nothing_after_it_is_none_with_raw_kept(raw: str) -> None:
    assert parse_deadline(raw) == Deadline(raw=raw, kind=NONE)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("31.02.2020", id="feb-31"),
        pytest.param("до 31.02.2020", id="do-feb-31"),
        pytest.param("до 35.13.2020", id="no-such-month"),
        pytest.param("до 30 февраля 2021 года", id="text-feb-30"),
        pytest.param("до 31 июня", id="june-31-no-year"),
        pytest.param("2022-2020 гг.", id="years-backwards"),
        pytest.param("с 30 по 1 октября 2018", id="range-backwards"),
        pytest.param("в течение месяца", id="duration-without-start"),
        pytest.param("по согласованию с управлением", id="words"),
        pytest.param("весна", id="season"),
    ],
)
def test_unreadable_deadlines_are_unparsed_with_raw_kept(raw: str) -> None:
    assert parse_deadline(raw, MUCHKAP) == Deadline(raw=raw, kind=UNPARSED)


@pytest.mark.parametrize(
    "raw",
    [
        "()",
        "(((",
        "до",
        "с по",
        "-",
        "— — —",
        "Срок: Срок: Срок:",
        "00.00.0000",
        "99.99.99",
        "IV IV квартал квартал",
        "0 полугодие 2020",
        "3 полугодие 2020",
        "с 1 по",
        "до 1 сентября 1800 года",
        "2020-2021-2022",
        "ежегодно, ежегодно, ежегодно",
        "İV квартал 2020",
        "МАЙ 2021",
        "\x00\ufeff",
        "до " + "9" * 500,
        " " * 5000 + "x",
        "( до 1 сентября 2021 года",
    ],
)
def test_parse_never_raises_on_odd_strings(raw: str) -> None:
    deadline = parse_deadline(raw, MUCHKAP)
    assert deadline.raw == raw.strip()
    assert isinstance(deadline.kind, DeadlineKind)


DEADLINE_BITS = st.sampled_from(
    ["до", "с", "по", "к", "концу", "в течение", "2020", "-", "01.09.2020", "31.02.20", "1", "30",
     "сентября", "май", "(", ")", "года", "г.", "уч.", "учебного", "/", "IV", "квартал",
     "полугодие", "ежегодно", ",", "Срок:", "«", "»", "№"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(DEADLINE_BITS, max_size=8).map(" ".join), st.sampled_from([None, MUCHKAP]))
def test_parse_never_raises_on_jumbled_deadline_words(raw: str, reference: str | None) -> None:
    deadline = parse_deadline(raw, reference)
    assert deadline.raw == raw.strip()
    assert (deadline.start is None or deadline.end is None) or deadline.start <= deadline.end
    looks_like_deadline(raw)
    found = find_inline_deadline(raw, reference)
    assert found is None or found.raw in raw


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_nothing_raises_on_any_text(raw: str) -> None:
    assert parse_deadline(raw).raw == raw.strip()
    looks_like_deadline(raw)
    find_inline_deadline(raw, MUCHKAP)


# --- the five resolutions ---------------------------------------------------------------


def test_sosnovskij_every_deadline_line_is_found_and_read() -> None:
    """The 21 directives of 2018-sosnovskij each have a deadline on a line of its own."""
    text = lines("2018-sosnovskij.txt")
    found = [i for i, line in enumerate(text) if looks_like_deadline(line)]
    assert len(found) == 21
    for i in found:
        directive = next(line for line in reversed(text[:i]) if line.strip())
        assert directive[:1].isdigit(), f"{text[i]!r} does not follow a directive"
        assert parse_deadline(text[i], "2018-08-28").kind is not UNPARSED


def test_muchkapskij_every_srok_line_is_found_and_read() -> None:
    text = lines("2020-muchkapskij.txt")
    srok = [line for line in text if line.startswith("Срок:")]
    assert len(srok) == 35
    assert [line for line in text if looks_like_deadline(line)] == srok
    kinds = {parse_deadline(line, MUCHKAP).kind for line in srok}
    assert kinds == {BY_DATE, DURING_YEAR, ACADEMIC_YEAR}


@pytest.mark.parametrize(
    "name", ["2019-krasnokutskij.txt", "2021-akushinskij.txt", "2021-rasskazovskij.txt"]
)
def test_resolutions_without_deadline_lines_have_none(name: str) -> None:
    assert [line for line in lines(name) if looks_like_deadline(line)] == []


SOSNOVSKIJ = [
    ("01.12.2018", BY_DATE, None, "2018-12-01"),
    ("сентябрь 2018", MONTH, "2018-09-01", "2018-09-30"),
    ("в течение года", DURING_YEAR, "2018-09-01", "2019-08-31"),
    ("в течение 2019 года", RANGE, "2019-01-01", "2019-12-31"),
    ("с 1 по 30 октября 2018", RANGE, "2018-10-01", "2018-10-30"),
    ("до 01.01.2019", BY_DATE, None, "2019-01-01"),
    ("постоянно", PERMANENT, None, None),
]


@pytest.mark.parametrize(
    ("line", "kind", "start", "end"), SOSNOVSKIJ, ids=[s[0] for s in SOSNOVSKIJ]
)
def test_sosnovskij_deadline_lines(
    line: str, kind: DeadlineKind, start: str | None, end: str | None
) -> None:
    assert line in lines("2018-sosnovskij.txt")
    assert read(line, "2018-08-28") == (kind, start, end)


MUCHKAPSKIJ = [
    ("Срок: 2020-2021 уч. год", ACADEMIC_YEAR, "2020-09-01", "2021-08-31"),
    ("Срок: до 10.10.2020", BY_DATE, None, "2020-10-10"),
    ("Срок: в течение года", DURING_YEAR, "2020-09-01", "2021-08-31"),
    ("Срок: до 31.05.2021", BY_DATE, None, "2021-05-31"),
    ("Срок: до 30.08.2020", BY_DATE, None, "2020-08-30"),
]


@pytest.mark.parametrize(
    ("line", "kind", "start", "end"), MUCHKAPSKIJ, ids=[m[0] for m in MUCHKAPSKIJ]
)
def test_muchkapskij_deadline_lines(
    line: str, kind: DeadlineKind, start: str | None, end: str | None
) -> None:
    assert line in lines("2020-muchkapskij.txt")
    assert read(line, MUCHKAP) == (kind, start, end)


# --- looks_like_deadline ----------------------------------------------------------------

DEADLINE_LINES = [
    "Срок: до 01.10.2020",
    "01.12.2018",
    "01.12.18",
    "в течение года",
    "постоянно",
    "сентябрь 2018",
    "с 1 по 30 октября 2018",
    "до 01.01.2019",
    "в течение 2019 года",
    "2020-2021 уч. год",
    "ежегодно",
    "Срок исполнения: IV квартал 2020 г.",
    "**Срок:** до 01.09.2020",
    "(в течение года)",
    "Сроки: по мере необходимости",
    "2 раза в год (декабрь, май)",
    "ежегодно, до 1 сентября",
    "в течение месяца",
    "31.02.2020",
    "Срок: —",
    "ноябрь 2020, март 2021",
    "сентябрь и октябрь 2020",
    "  до 1 сентября 2021 г.  ",
]


@pytest.mark.parametrize("line", DEADLINE_LINES)
def test_looks_like_deadline(line: str) -> None:
    assert looks_like_deadline(line)


REAL_NON_DEADLINE_LINES = [
    ("2018-sosnovskij.txt", "3.3. Завершить реализацию до 01.01.2020 года"),
    ("2018-sosnovskij.txt", "1.6. Обеспечить контроль за соблюдением"),
    ("2018-sosnovskij.txt", "от 28.08.2018 года"),
    ("2019-krasnokutskij.txt", "в течение 2019/2020 учебного года:"),
    ("2019-krasnokutskij.txt", "Одобрена участниками пленарного заседания"),
    ("2019-krasnokutskij.txt", "- в 2019-2024 годах участие обучающихся"),
    ("2019-krasnokutskij.txt", "- разработку до 1 октября 2019 года и реализацию"),
    ("2020-muchkapskij.txt", "2.7. Провести качественный анализ результатов ЕГЭ в 2020 году"),
    ("2020-muchkapskij.txt", "4. МБОУ Мучканской СОШ (в текущем году"),
    ("2021-akushinskij.txt", "с. Акуша, 29 августа 2018 года"),
    ("2021-akushinskij.txt", "( до 1 сентября 2021 года);"),
    ("2021-akushinskij.txt", "С 1 сентября 2021 г.  вводится система"),
    ("2021-akushinskij.txt", "· в Стратегию развития системы образования на период до 2030 года"),
    ("2021-rasskazovskij.txt", "учебном году»**"),
    ("2021-rasskazovskij.txt", "В 2020-2021 учебном году в районе была продолжена"),
]


@pytest.mark.parametrize(
    ("name", "snippet"), REAL_NON_DEADLINE_LINES, ids=[s for _, s in REAL_NON_DEADLINE_LINES]
)
def test_directive_sentences_of_the_resolutions_are_not_deadline_lines(
    name: str, snippet: str
) -> None:
    assert not looks_like_deadline(line_with(name, snippet))


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("2021", id="year-under-a-title"),
        pytest.param("1.1.10", id="paragraph-number"),
        pytest.param("", id="empty"),
        pytest.param("Срок:", id="label-alone"),
        pytest.param("учебный год", id="yearless-academic-year-alone"),
        pytest.param("Ежегодно проводить конкурс «Учитель года».", id="ezhegodno-sentence"),
        pytest.param("Постоянно контролировать выполнение решения.", id="postoyanno-sentence"),
        pytest.param("В течение года провести мониторинг.", id="v-techenie-sentence"),
        pytest.param("По мере необходимости проводить совещания", id="po-mere-sentence"),
        pytest.param("Сроки реализации проекта продлены до 2024 года.", id="sroki-sentence"),
        pytest.param("«до 01.09.2020»", id="quoted"),
    ],
)
def test_sentences_and_stray_numbers_are_not_deadline_lines(line: str) -> None:
    assert not looks_like_deadline(line)


def test_a_lead_in_ending_with_a_colon_still_parses() -> None:
    """The parser may want the deadline of a lead-in ("в течение … года:") for its list."""
    lead_in = line_with("2019-krasnokutskij.txt", "в течение 2019/2020 учебного года:")
    assert not looks_like_deadline(lead_in)
    assert read(lead_in, "2019-08-30") == (ACADEMIC_YEAR, "2019-09-01", "2020-08-31")


# --- find_inline_deadline ---------------------------------------------------------------

REAL_INLINE = [
    (
        "2019-krasnokutskij.txt",
        "- разработку до 1 октября 2019 года и реализацию",
        ("до 1 октября 2019 года", BY_DATE, None, "2019-10-01"),
    ),
    (
        "2019-krasnokutskij.txt",
        "к концу 2019 года до 73 %",
        ("к концу 2019 года", YEAR_END, None, "2019-12-31"),
    ),
    (
        "2019-krasnokutskij.txt",
        "- до 31 декабря 2019 года получения услуги",
        ("до 31 декабря 2019 года", BY_DATE, None, "2019-12-31"),
    ),
    (
        "2019-krasnokutskij.txt",
        "«Точка роста» до 20 сентября 2019 года обеспечить:",
        ("до 20 сентября 2019 года", BY_DATE, None, "2019-09-20"),
    ),
    (
        "2019-krasnokutskij.txt",
        "с сентября 2019 года обеспечить реализацию",
        ("с сентября 2019 года", RANGE, "2019-09-01", None),
    ),
    (
        "2019-krasnokutskij.txt",
        "в течение 2019/2020 учебного года:",
        ("в течение 2019/2020 учебного года", ACADEMIC_YEAR, "2019-09-01", "2020-08-31"),
    ),
    (
        "2021-akushinskij.txt",
        "программ воспитания ( до 1 сентября 2021 года);",
        ("до 1 сентября 2021 года", BY_DATE, None, "2021-09-01"),
    ),
    (
        "2021-akushinskij.txt",
        "педагогический совет (февраль)",
        ("(февраль)", MONTH, "2022-02-01", "2022-02-28"),
    ),
    (
        "2018-sosnovskij.txt",
        "3.3. Завершить реализацию до 01.01.2020 года планов",
        ("до 01.01.2020 года", BY_DATE, None, "2020-01-01"),
    ),
]
REFERENCES = {
    "2018-sosnovskij.txt": "2018-08-28",
    "2019-krasnokutskij.txt": "2019-08-30",
    "2020-muchkapskij.txt": MUCHKAP,
    "2021-akushinskij.txt": "2021-08-29",
    "2021-rasskazovskij.txt": "2021-08-24",
}


@pytest.mark.parametrize(
    ("name", "snippet", "expected"), REAL_INLINE, ids=[r[2][0] for r in REAL_INLINE]
)
def test_inline_deadlines_in_the_resolutions(
    name: str, snippet: str, expected: tuple[str, DeadlineKind, str | None, str | None]
) -> None:
    found = find_inline_deadline(line_with(name, snippet), REFERENCES[name])
    assert found is not None
    assert (found.raw, found.kind, found.start, found.end) == expected


REAL_NO_INLINE = [
    ("2019-krasnokutskij.txt", "Указом Президента Российской Федерации от 8 июля 2019 года № 327"),
    ("2018-sosnovskij.txt", "от 26.12.2017 №196-З"),
    ("2018-sosnovskij.txt", "от двух месяцев до 3-х лет"),
    ("2020-muchkapskij.txt", "«О национальных целях развития Российской Федерации на период до"),
    ("2020-muchkapskij.txt", "2.7. Провести качественный анализ результатов ЕГЭ в 2020 году"),
    ("2020-muchkapskij.txt", "2.2. В целях кадрового обеспечения"),
    ("2021-akushinskij.txt", "· в Стратегию развития системы образования на период до 2030 года"),
    ("2021-akushinskij.txt", "Иванова» до 2024 года: создание условий"),
    ("2021-akushinskij.txt", "-обеспечить внедрение и реализацию ФГОС общего образования (8класс)"),
    ("2021-rasskazovskij.txt", "политики до 2024 года."),
    ("2021-rasskazovskij.txt", "для детей в возрасте от 3 до 7 лет."),
    ("2019-krasnokutskij.txt", "в том числе в 2019/2020 учебном году – 100 %"),
    ("2019-krasnokutskij.txt", "- в 2019-2024 годах участие обучающихся"),
    ("2019-krasnokutskij.txt", "Великой Отечественной войне 1941-1945 годов"),
    ("2021-rasskazovskij.txt", "- усилить работу по популяризации профессии педагога"),
]


@pytest.mark.parametrize(("name", "snippet"), REAL_NO_INLINE, ids=[s for _, s in REAL_NO_INLINE])
def test_no_inline_deadline_in_legal_references_titles_and_plain_directives(
    name: str, snippet: str
) -> None:
    assert find_inline_deadline(line_with(name, snippet), REFERENCES[name]) is None


INLINE = [
    (
        "Провести мониторинг в срок до 15 октября 2020 г. и представить отчёт",
        ("в срок до 15 октября 2020 г.", BY_DATE, None, "2020-10-15"),
    ),
    (
        "представить отчёт не позднее 1 марта 2021 г.",
        ("не позднее 1 марта 2021 г.", BY_DATE, None, "2021-03-01"),
    ),
    (
        "обеспечить к 1 сентября 2020 года готовность школ",
        ("к 1 сентября 2020 года", BY_DATE, None, "2020-09-01"),
    ),
    (
        "подготовить кадры к началу 2021-2022 учебного года;",
        ("к началу 2021-2022 учебного года", BY_DATE, None, "2021-09-01"),
    ),
    (
        "в течение первого полугодия 2021 года провести аудит",
        ("в течение первого полугодия 2021 года", RANGE, "2021-01-01", "2021-06-30"),
    ),
    (
        "провести с 1 по 15 октября 2020 г. декаду науки",
        ("с 1 по 15 октября 2020 г.", RANGE, "2020-10-01", "2020-10-15"),
    ),
    (
        "провести декаду (сентябрь-октябрь 2020) в школах",
        ("(сентябрь-октябрь 2020)", RANGE, "2020-09-01", "2020-10-31"),
    ),
    (
        "утвердить план работы до 20.09.2020.",
        ("до 20.09.2020", BY_DATE, None, "2020-09-20"),
    ),
    ("завершить ремонт до конца года", ("до конца года", YEAR_END, None, "2020-12-31")),
    (
        "в течение года проводить обучающие семинары",
        ("в течение года", DURING_YEAR, "2020-09-01", "2021-08-31"),
    ),
    (
        "обеспечить до 1 сентября подготовку",
        ("до 1 сентября", BY_DATE, None, "2020-09-01"),
    ),
    (
        "провести аттестацию до 31.02.2021 и отчитаться",
        ("до 31.02.2021", UNPARSED, None, None),
    ),
]


@pytest.mark.parametrize(("text", "expected"), INLINE, ids=[i[1][0] for i in INLINE])
def test_inline_deadlines_in_other_styles(
    text: str, expected: tuple[str, DeadlineKind, str | None, str | None]
) -> None:
    found = find_inline_deadline(text, MUCHKAP)
    assert found is not None
    assert (found.raw, found.kind, found.start, found.end) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("увеличить охват к 2024 году до 80 %", id="k-bare-year-percent"),
        pytest.param("реализовать Стратегию на период до 1 января 2030 года", id="na-period-do"),
        pytest.param("издать приказ «Об утверждении плана до 31.12.2020»", id="inside-quotes"),
        pytest.param('проект "Успех до 1 сентября 2020 года" продолжить', id="straight-quotes"),
        pytest.param("поздравить ветеранов с 8 марта", id="s-holiday-no-year"),
        pytest.param("в соответствии с приказом от 01.09.2020 № 123", id="ot-date-nomer"),
        pytest.param("увеличить долю до 1.5 раз", id="do-decimal"),
        pytest.param("детей в возрасте от 1,5 до 3 лет", id="age-range"),
        pytest.param("приказ до 01.09.2020 № 45 отменить", id="date-before-nomer"),
        pytest.param("провести от 1 до 3 сентября 2020 года", id="ot-do-days"),
        pytest.param("Ежегодно проводить конкурс «Учитель года»", id="recurrence-not-inline"),
        pytest.param("постоянно действующий семинар", id="postoyanno-adjective"),
        pytest.param("", id="empty"),
    ],
)
def test_no_inline_deadline(text: str) -> None:
    assert find_inline_deadline(text, MUCHKAP) is None


def test_first_inline_deadline_wins() -> None:
    text = "разработать до 1 октября 2019 года и утвердить до 1 декабря 2019 года"
    found = find_inline_deadline(text)
    assert found is not None
    assert found.end == "2019-10-01"


# --- labelled deadlines inside a directive (extract_deadline) ------------------------

TALOVO = "2023-08-25"


@pytest.mark.parametrize(
    ("text", "rest", "raw", "end"),
    [
        (
            "Провести мониторинг (срок: до 01.10.2023).",
            "Провести мониторинг.",
            "срок: до 01.10.2023",
            "2023-10-01",
        ),
        (
            "Провести мониторинг (срок – октябрь 2023 г.)",
            "Провести мониторинг",
            "срок – октябрь 2023 г.",
            "2023-10-31",
        ),
        (
            "Провести мониторинг; срок – до 01.10.2023; по итогам",
            "Провести мониторинг; по итогам",
            "срок – до 01.10.2023",
            "2023-10-01",
        ),
        (
            "Провести мониторинг. Срок исполнения: 01.10.2023",
            "Провести мониторинг.",
            "Срок исполнения: 01.10.2023",
            "2023-10-01",
        ),
        (
            "Провести мониторинг в срок до 01.10.2023.",
            "Провести мониторинг.",
            "в срок до 01.10.2023",
            "2023-10-01",
        ),
        (
            "Провести мониторинг – до 15.09.2023.",
            "Провести мониторинг.",
            "до 15.09.2023",
            "2023-09-15",
        ),
        (
            "Провести мониторинг (срок: когда получится)",
            "Провести мониторинг",
            "срок: когда получится",
            None,
        ),
    ],
)
def test_labelled_deadlines_are_taken_out_of_the_text(
    text: str, rest: str, raw: str, end: str | None
) -> None:
    from avgust.parse.deadline import extract_deadline

    got_rest, deadline = extract_deadline(text, TALOVO)
    assert deadline is not None
    assert (got_rest, deadline.raw, deadline.end) == (rest, raw, end)


@pytest.mark.parametrize(
    "text",
    [
        "Сократить срок подготовки до двух недель.",
        "Провести конкурс «Срок: до 2030 года»",
        "Обеспечить охват детей от 5 до 18 лет",
        "Провести мониторинг.",
    ],
)
def test_sentences_without_a_labelled_deadline_stay_whole(text: str) -> None:
    from avgust.parse.deadline import extract_deadline

    assert extract_deadline(text, TALOVO) == (text, None)
