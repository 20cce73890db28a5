"""Read deadlines (сроки) as resolutions write them into :class:`~avgust.records.Deadline` records.

Three entry points:

* :func:`parse_deadline` reads one deadline given on its own ("Срок: до 10.10.2020",
  "в течение года", "постоянно", "01.12.2018");
* :func:`looks_like_deadline` tells whether a whole line is only a deadline, so that the
  parser can attach it to the directive above;
* :func:`find_inline_deadline` finds a deadline phrase inside a directive's own text
  ("разработку до 1 октября 2019 года и реализацию …").

``reference`` is the resolution's ISO date; relative forms ("в течение года", "(февраль)",
"до 1 сентября") are resolved against it, and keep their kind with no dates without it.

Kinds and what ``start``/``end`` (ISO dates) mean:

BY_DATE
    A point to finish by: "до 10.10.2020", "01.12.2018", "до 20 сентября 2019 года",
    "не позднее 1 марта 2021 г.", "до 01.09.20" → ``end`` only. A coarser period after
    "до"/"к" means its first day ("до сентября 2020" → 2020-09-01); after "не позднее"/"по"
    and "до конца"/"к концу" its last day ("до конца сентября 2020" → 2020-09-30);
    "до начала"/"к началу" its first day ("к началу учебного года" → September 1).
RANGE
    A period: "с 1 по 30 октября 2018" → 2018-10-01..2018-10-30; "2020-2022 гг." →
    2020-01-01..2022-12-31; "в течение 2019 года" → 2019-01-01..2019-12-31; quarters and
    half-years ("IV квартал 2020 г.", "1 полугодие 2021"); month spans ("декабрь 2020 -
    май 2021"); "с сентября 2019 года" → ``start`` only. Two years joined by "-" or with
    "гг."/"годы" are calendar years; consecutive years with a singular "год"/"года" or
    joined by "/" are an academic year ("2020-2021 год", "2019/2020").
MONTH
    "сентябрь 2018" → 2018-09-01..2018-09-30. Without a year ("(февраль)") the first such
    month that begins on or after the reference.
YEAR_END
    "к концу 2019 года", "до конца 2020 года" → ``end`` 2019-12-31; "до конца года" is the
    reference's calendar year; "до конца учебного года" ends on August 31. A bare year
    after "до"/"к" on its own line ("Срок: до 2024 года") reads the national-project way,
    through the end of that year.
ACADEMIC_YEAR
    "в течение 2020-2021 учебного года", "2020-2021 уч. год", "2019/2020 учебный год" →
    2020-09-01..2021-08-31. "в течение учебного года" without years is the academic year
    of the reference: from September 1 of the reference year when its month is June or
    later, else the one already under way.
DURING_YEAR
    "в течение года", "в течение всего года": the academic year as above (reference
    2020-08-26 → 2020-09-01..2021-08-31); without a reference no dates.
    "в течение текущего года" is the reference's calendar year and a RANGE.
PERMANENT
    "постоянно", "систематически", "регулярно", "на постоянной основе", "бессрочно" → no dates.
RECURRING
    Something that repeats or waits for an occasion: "ежегодно", "ежеквартально",
    "ежемесячно", "еженедельно", "2 раза в год", "по мере необходимости".
    A date written with the recurrence gives the next occurrence: "ежегодно, до 1
    сентября" with reference 2021-08-24 → ``end`` 2021-09-01.
OTHER
    A deadline set elsewhere: "в соответствии с графиком", "по графику", "согласно плану"
    → no dates, ``raw`` kept.
NONE
    Blank input (:meth:`Deadline.none`), or a label with nothing after it ("Срок: —").
UNPARSED
    Anything else, and impossible dates ("31.02.2020"); ``raw`` is kept, nothing raises.

Yearless dates and periods resolve to the first occurrence on or after the reference
("до 1 сентября", reference 2020-08-26 → 2020-09-01). A list of deadlines in one line
("декабрь 2023 г., май 2024 г.") reads as a RANGE from the start of the first to the end
of the last, ``raw`` keeping both.

:func:`extract_deadline` takes a labelled deadline out of a directive's text: "(срок: …)",
"; срок – …;", "Срок исполнения: …" at the end, "в срок до …" and "– до 15.09.2023" at the
end.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

from avgust.errors import SourceError
from avgust.records import Deadline, DeadlineKind
from avgust.ru.calendar import MONTH_NUMBER, academic_year_bounds, academic_year_of_resolution

__all__ = ["extract_deadline", "find_inline_deadline", "looks_like_deadline", "parse_deadline"]

_ORDINAL_FIRST_LETTER: Final = {"п": 1, "в": 2, "т": 3, "ч": 4}  # первый, второй, третий, четвёртый

_FLAGS: Final = re.IGNORECASE
_DASH: Final = "[-‐‑‒–—−]"
_Y4: Final = r"(?:19|20)\d\d"
_MONTHS: Final = "|".join(sorted(MONTH_NUMBER, key=len, reverse=True))
_YEAR_WORD: Final = r"(?:год(?:ами|ах|ов|ы|а|у)?|г\.\s?г\.?|гг?\.?)(?!\w)"
_YEAR_TAIL: Final = rf"(?P<y>{_Y4})(?!\d)(?:\s*(?P<yw>{_YEAR_WORD}))?"
_ACADEMIC_WORD: Final = (
    r"(?:учебн(?:ый|ого|ом|ому|ые|ых|ым|ыми)|уч\.?)\s*(?:год(?:ами|ах|ов|ы|а|у)?|гг?\.?)(?!\w)"
)
_PART: Final = (
    r"(?:(?P<roman>IV|I{1,3})(?![a-z])|(?P<digit>[1-4])(?!\d)"
    r"|(?P<word>перв|втор|трет|четв[её]рт)\w*)"
    r"(?:\s*-?\s*(?:ый|ий|ой|ое|ом|ого|го|й|е|м)(?!\w))?"
)

_Mode = Literal["line", "inline"]


@dataclass(frozen=True)
class _Term:
    """A period as written, possibly incomplete (no year) until resolved."""

    unit: str
    year: int | None = None
    last_year: int | None = None  # "years" and "academic" spans; academic halves
    month: int | None = None
    day: int | None = None
    part: int | None = None  # quarter or half-year number
    modifier: str | None = None  # "текущего", "всего" … before a yearless "год"/"учебный год"
    year_word: bool = False  # a "г."/"год" follows the year


@dataclass(frozen=True)
class _Reading:
    kind: DeadlineKind
    start: date | None = None
    end: date | None = None


_UNREADABLE: Final = _Reading(DeadlineKind.UNPARSED)


class _NoSuchDateError(Exception):
    """A deadline shaped like a date that is no date (31.02.2020, 2022-2020 гг.)."""


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_TERM_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "academic",
        _rx(
            rf"(?:(?P<y1>{_Y4})\s*(?:{_DASH}|/)\s*(?P<y2>{_Y4}|\d\d)(?!\d)\s*"
            rf"|(?P<mod>текущ\w*|нов\w*|предстоящ\w*|всего|этого)\s+)?{_ACADEMIC_WORD}"
        ),
    ),
    (
        "years",
        _rx(
            rf"(?P<y1>{_Y4})(?:\s*(?P<sep>{_DASH}|/)\s*|\s+и\s+)(?P<y2>{_Y4}|\d\d)(?!\d)"
            rf"(?:\s*(?P<yw>{_YEAR_WORD}))?"
        ),
    ),
    (
        "half",
        _rx(
            rf"{_PART}\s*полугоди(?:е|я|и|ю|ем)(?!\w)"
            rf"(?:\s*(?P<ay1>{_Y4})\s*(?:{_DASH}|/)\s*(?P<ay2>{_Y4}|\d\d)(?!\d)\s*{_ACADEMIC_WORD}"
            rf"|\s*{_YEAR_TAIL})?"
        ),
    ),
    ("quarter", _rx(rf"{_PART}\s*(?:квартал(?:а|е|ом|у)?|кв\.?)(?!\w)(?:\s*{_YEAR_TAIL})?")),
    (
        "numeric",
        _rx(
            rf"(?P<d>\d{{1,2}})[./](?P<mo>\d{{1,2}})[./](?P<y>{_Y4}|\d\d)(?!\d)"
            rf"(?:\s*(?P<yw>{_YEAR_WORD}))?"
        ),
    ),
    (
        "text_date",
        _rx(
            rf"(?P<d>\d{{1,2}})(?!\d)(?:\s*-?\s*(?:го|е))?\s*(?P<m>{_MONTHS})(?!\w)(?:\s*{_YEAR_TAIL})?"
        ),
    ),
    ("numeric_short", _rx(r"(?P<d>\d{1,2})\.(?P<mo>\d{1,2})(?!\d)(?!\.\d)")),
    ("month", _rx(rf"(?P<m>{_MONTHS})(?!\w)(?:\s*,?\s*{_YEAR_TAIL})?")),
    ("year", _rx(_YEAR_TAIL)),
    (
        "relyear",
        _rx(r"(?:(?P<mod>текущ\w*|эт\w*|сего|нынешн\w*|календарн\w*|всего)\s+)?год(?:а|у)?(?!\w)"),
    ),
    ("day_number", _rx(r"(?P<d>\d{1,2})(?!\d)(?![./,]\d)")),
    (
        "duration",
        _rx(
            r"(?:(?:\d+|дв\w+|тр\w+|одного|всего)\s+)?"
            r"(?:месяц\w*|недел[иьяю]\w*|дн(?:я|ей)|квартала|полугодия|четверти)(?!\w)"
        ),
    ),
)

_OPERATORS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (name, _rx(rf"(?:{pattern})(?:\s+|(?=\d))"))
    for name, pattern in (
        ("end_of", r"(?:к|до|не\s+позднее|не\s+позже)\s+конц[ауе]"),
        ("start_of", r"(?:к|до)\s+начал[ау]"),
        ("during", r"в\s+течени[еи]"),
        ("not_later", r"(?:в\s+срок\s+)?не\s+поз(?:днее|же)"),
        ("by", r"(?:в\s+срок\s+)?до|ко?"),
        ("through", r"по"),
        ("since", r"(?:начиная\s+)?со?"),
        ("in", r"во?|на"),
    )
)

_COARSE: Final[frozenset[str]] = frozenset({"month", "quarter", "half"})
# Which written periods each operator takes, on a line of its own and inside a sentence.
# Inside a sentence a bare year after "до"/"к" is nearly always a programme title
# ("на период до 2030 года"), so it is not read there.
_LINE_UNITS: Final[dict[str, frozenset[str]]] = {
    "bare": frozenset({"day", "year", "years", "academic"}) | _COARSE,
    "in": frozenset({"year", "years", "academic"}) | _COARSE,
    "during": frozenset({"year", "years", "academic", "relyear", "duration"}) | _COARSE,
    "by": frozenset({"day", "year"}) | _COARSE,
    "not_later": frozenset({"day", "year"}) | _COARSE,
    "through": frozenset({"day", "year"}) | _COARSE,
    "end_of": frozenset({"year", "academic", "relyear"}) | _COARSE,
    "start_of": frozenset({"year", "academic"}) | _COARSE,
    "since": frozenset({"day", "year", "academic"}) | _COARSE,
}
_INLINE_UNITS: Final[dict[str, frozenset[str]]] = {
    "during": frozenset({"year", "years", "academic", "relyear"}) | _COARSE,
    "by": frozenset({"day"}) | _COARSE,
    "not_later": frozenset({"day"}) | _COARSE,
    "end_of": _LINE_UNITS["end_of"],
    "start_of": _LINE_UNITS["start_of"],
    "since": frozenset({"day", "month", "academic"}),
}
_RANGE_ENDS: Final[frozenset[str]] = frozenset({"day", "year"}) | _COARSE
_PAREN_UNITS: Final[frozenset[str]] = frozenset({"day", "academic"}) | _COARSE

_RANGE_PREFIX: Final = _rx(r"(?:начиная\s+)?со?\s+")
_RANGE_LINK: Final = _rx(rf"\s*(?P<dash>{_DASH})\s*|\s+(?P<word>по|до)\s+")
_PAREN_OPEN: Final = _rx(r"\(\s*")
_PAREN_CLOSE: Final = _rx(r"\s*\)")

_LABEL: Final = _rx(
    r"(?:сроки?(?:\s+(?:исполнения|выполнения|реализации|проведения|исп\.?))?"
    r"|дата\s+исполнения)(?!\w)\s*(?P<colon>[:\-–—])?\s*"
)
_BULLET: Final = _rx(r"[-–—·•]\s+")
_EMPTY: Final = _rx(rf"(?:{_DASH}|нет|не\s+установлен|без\s+срока)?")
_PERMANENT: Final = _rx(
    r"постоянно|систематически|регулярно|непрерывно|бессрочно|на\s+постоянной\s+основе"
    r"|в\s+постоянном\s+режиме|в\s+течени[еи]\s+всего\s+периода|весь\s+период"
)
_PERIOD_WORD: Final = r"(?:год|квартал|полугодие|месяц|неделю|четверть|триместр|учебный\s+год)"
_FREQUENCY: Final = (
    r"(?:ежегодно|ежеквартально|ежемесячно|еженедельно|ежедневно|каждый\s+год"
    rf"|(?:(?:\d+|один|два|три|четыре)\s+)?раза?\s+в\s+{_PERIOD_WORD}"
    rf"|(?:дважды|трижды)\s+в\s+{_PERIOD_WORD})"
)
_ON_OCCASION: Final = (
    r"(?:по\s+мере\s+(?:необходимости|поступления|потребности|готовности)"
    r"|(?:по|согласно)\s+(?:отдельному\s+|утвержденному\s+|утверждённому\s+)?(?:графику|плану)"
    r"|в\s+соответствии\s+с\s+(?:графиком|планом))(?!\w)"
)
_SCHEDULE: Final = _rx(
    r"(?:(?:по|согласно)\s+(?:отдельному\s+|утвержденному\s+|утверждённому\s+)?(?:графику|плану)"
    r"|в\s+соответствии\s+с\s+(?:утвержд[её]нным\s+)?(?:графиком|планом))(?!\w)"
)
_FREQUENCY_FIRST: Final = _rx(rf"\(?{_FREQUENCY}\)?(?:\s*[,;:]?\s*(?P<rest>.+))?")
_FREQUENCY_LAST: Final = _rx(rf"(?P<rest>.+?)\s*[,;]?\s*\(?{_FREQUENCY}\)?")
_OCCASION_ALONE: Final = _rx(rf"{_ON_OCCASION}(?P<rest>.*)")
_OCCASION_REMARK: Final = _rx(rf"(?P<rest>.+?)\s*[,;]?\s*\(?{_ON_OCCASION}.*")
_VERB: Final = _rx(r"\w+(?:ть|ться)(?!\w)")
_TRAILING_REMARK: Final = re.compile(r"(?P<rest>.+?)\s*\([^()]*\)")
_LIST_SEPARATOR: Final = _rx(r"\s*[,;]\s*|\s+и\s+")

# A lone "2021" is the year under a title; "1.1.10" is a paragraph number, not a date.
_NOT_A_DEADLINE_LINE: Final = re.compile(r"\d{4}|\d{1,2}\.\d{1,2}\.\d\d(?<!\d\d\.\d\d\.\d\d)")
_WORD_START: Final = re.compile(r"(?<!\w)\w|\(")
_TITLE_BEFORE: Final = _rx(r"период(?:а|ом)?\s*$")
_FROM_BEFORE: Final = _rx(r"(?<!\w)от\s+\S+\s*$")
_NUMBER_AFTER: Final = re.compile(r"\s*№")


def parse_deadline(raw: str, reference: str | None = None) -> Deadline:
    """Read one deadline as written ("Срок: до 10.10.2020", "в течение года", "01.12.2018").

    ``reference`` is the resolution's ISO date for relative forms. ``raw`` of the result is
    the input stripped of surrounding whitespace. Blank input gives :meth:`Deadline.none`;
    input that cannot be read gives kind UNPARSED. Never raises on ``raw``; raises
    :class:`SourceError` only when ``reference`` is not an ISO date.
    """
    ref = _reference(reference)
    text = raw.strip()
    if not text:
        return Deadline.none()
    core = _core(text)
    schedule = _SCHEDULE.match(core)
    if schedule and _is_remark(core[schedule.end() :]):
        return Deadline(raw=text, kind=DeadlineKind.OTHER)
    reading = _read_line(core, ref) or _list_reading(core, ref) or _UNREADABLE
    return _deadline(text, reading)


def _list_reading(core: str, ref: date | None) -> _Reading | None:
    """ "декабрь 2023 г., май 2024 г.": from the first start to the last end."""
    parts = [p for p in _LIST_SEPARATOR.split(core) if p.strip()]
    if len(parts) < 2:
        return None
    readings = [_read_line(part, ref) for part in parts]
    if not all(r is not None and (r.start or r.end) for r in readings):
        return None
    first, last = readings[0], readings[-1]
    assert first is not None and last is not None
    start = first.start or first.end
    end = last.end or last.start
    if start is None or end is None or start > end:
        return None
    return _Reading(DeadlineKind.RANGE, start, end)


def looks_like_deadline(line: str) -> bool:
    """Whether a whole line is only a deadline, to be attached to the directive above.

    True for "Срок: до 01.10.2020", "01.12.2018", "в течение года", "постоянно",
    "сентябрь 2018", "2020-2021 уч. год", "ежегодно", "Срок: <anything>"; also for
    date-shaped lines that are no date ("31.02.2020": the reader will keep them as
    UNPARSED). False for sentences, for a bare number "2021" (a title's year), and for a
    line ending in ":" ("в течение 2019/2020 учебного года:" leads the directives below).
    """
    text = _flatten(line)
    if not text or text.endswith(":"):
        return False
    label = _LABEL.match(text)
    if label and label.group("colon") and _strip_edges(text[label.end() :]):
        return True
    core = _core(text)
    if not core or _NOT_A_DEADLINE_LINE.fullmatch(core):
        return False
    reading = _read_line(core, None, strict=True)
    if reading is not None and reading.kind is not DeadlineKind.NONE:
        return True
    parts = [_read_line(part, None, strict=True) for part in _LIST_SEPARATOR.split(core)]
    return len(parts) > 1 and all(p is not None and p.kind is not DeadlineKind.NONE for p in parts)


def find_inline_deadline(text: str, reference: str | None = None) -> Deadline | None:
    """The first deadline phrase inside a directive's text, or None.

    Reads only forms that mark a deadline: "до <date>", "к <date>", "не позднее <date>",
    "в срок до <date>", "к концу/до конца <year>", "к началу/до начала <period>",
    "в течение <period>", "с <date> по <date>", "с <date with year>", and a bare period in
    parentheses ("(февраль)"). ``raw`` is the phrase as it stands in the text (with the
    parentheses for a parenthesised period). Skipped: phrases inside quotes (titles of
    laws and programmes), "на период до …", "от 5 до 18 лет", a date followed by "№"
    (a document's date), and a bare year after "до"/"к" ("до 2030 года").
    """
    ref = _reference(reference)
    quotes = _QuoteTracker(text)
    for word in _WORD_START.finditer(text):
        pos = word.start()
        if quotes.inside(pos) or _TITLE_BEFORE.search(text, max(0, pos - 12), pos):
            continue
        best: tuple[_Reading, int] | None = None
        for reading, end in _readings_at(text, pos, ref, "inline"):
            if _NUMBER_AFTER.match(text, end):
                continue
            if best is None or _better(reading, end, *best):
                best = reading, end
        if best is not None:
            return _deadline(text[pos : best[1]].strip(), best[0])
    return None


# --- reading a whole line ---------------------------------------------------------------


def _read_line(core: str, ref: date | None, *, strict: bool = False) -> _Reading | None:
    """The reading of a deadline line without its label; None when it is no deadline.

    ``strict`` (for :func:`looks_like_deadline`) refuses a recurrence word followed by a
    sentence: "ежегодно проводить конкурс" is a directive, not a deadline.
    """
    reading = _read_whole(core, ref, strict=strict)
    if reading is None:
        remark = _TRAILING_REMARK.fullmatch(core) or _OCCASION_REMARK.fullmatch(core)
        if remark:
            reading = _read_whole(remark.group("rest"), ref, strict=strict)
    return reading


def _read_whole(core: str, ref: date | None, *, strict: bool) -> _Reading | None:
    if _EMPTY.fullmatch(core):
        return _Reading(DeadlineKind.NONE)
    if _PERMANENT.fullmatch(core):
        return _Reading(DeadlineKind.PERMANENT)
    if occasion := _OCCASION_ALONE.fullmatch(core):
        if strict and not _is_remark(occasion.group("rest")):
            return None
        return _Reading(DeadlineKind.RECURRING)
    if recurring := _FREQUENCY_FIRST.fullmatch(core) or _FREQUENCY_LAST.fullmatch(core):
        rest = recurring.group("rest") or ""
        dated = _read_dated(rest, ref) if rest else None
        if dated is not None and dated.kind is not DeadlineKind.UNPARSED:
            return _Reading(DeadlineKind.RECURRING, dated.start, dated.end)
        if strict and not _is_remark(rest):
            return None
        return _Reading(DeadlineKind.RECURRING)
    return _read_dated(core, ref)


def _is_remark(tail: str) -> bool:
    """A few words after a recurrence ("документов", "(декабрь, май)"), not a sentence."""
    return len(tail.split()) <= 5 and not _VERB.search(tail)


def _read_dated(core: str, ref: date | None) -> _Reading | None:
    """The first reading that spans the whole of ``core``; a valid one before an invalid."""
    whole = [r for r, end in _readings_at(core, 0, ref, "line") if end == len(core)]
    valid = [r for r in whole if r.kind is not DeadlineKind.UNPARSED]
    return (valid or whole)[0] if whole else None


def _flatten(text: str) -> str:
    """One line, single spaces, without Markdown emphasis."""
    return " ".join(text.replace("*", " ").replace("_", " ").split())


def _strip_edges(text: str) -> str:
    return text.strip().rstrip(" .;,:!").strip()


def _core(text: str) -> str:
    """The deadline itself: no label, bullet, wrapping parentheses or end punctuation."""
    core = _strip_edges(_flatten(text))
    while True:
        before = core
        if bullet := _BULLET.match(core):
            core = core[bullet.end() :]
        if label := _LABEL.match(core):
            core = core[label.end() :]
        if core.startswith("(") and core.endswith(")") and "(" not in core[1:-1]:
            core = core[1:-1]
        core = _strip_edges(core)
        if core == before:
            return core


# --- the grammar: terms, operators, ranges ----------------------------------------------


def _readings_at(
    text: str, pos: int, ref: date | None, mode: _Mode
) -> Iterator[tuple[_Reading, int]]:
    """Every reading of a deadline that starts at ``pos``, with the position where it ends."""
    if mode == "line":
        for term, end in _terms_at(text, pos):
            # a yearless "учебный год" needs "в течение"/"в"/"на": alone it is a title's tail
            if term.unit in _LINE_UNITS["bare"] and not (
                term.unit == "academic" and term.year is None
            ):
                yield _reading("bare", term, ref), end
        yield from _ranges_at(text, pos, ref, prefix="optional")
    else:
        yield from _parenthesised_at(text, pos, ref)
        yield from _ranges_at(text, pos, ref, prefix="required")
    yield from _operators_at(text, pos, ref, mode)


def _operators_at(
    text: str, pos: int, ref: date | None, mode: _Mode
) -> Iterator[tuple[_Reading, int]]:
    """ "до 01.09.2020", "в течение года", "к концу 2019 года", "с сентября 2019 года" …"""
    units = _LINE_UNITS if mode == "line" else _INLINE_UNITS
    for op, pattern in _OPERATORS:
        if op not in units or not (matched := pattern.match(text, pos)):
            continue
        if mode == "inline" and op == "by" and _FROM_BEFORE.search(text, max(0, pos - 40), pos):
            continue  # "от 5 до 18 лет", "от 1 до 3 сентября"
        # "до 20.09" is read only on a line of its own: in a sentence "до 1.5" is a number
        short = mode == "line" and op in ("by", "not_later", "through")
        for term, end in _terms_at(text, matched.end(), short=short):
            if term.unit not in units[op]:
                continue
            if mode == "inline" and op == "since" and term.year is None:
                continue  # "с 8 марта" without a year is a greeting more often than a start
            yield _reading(op, term, ref), end
        if mode == "line" and op in ("in", "during"):
            yield from _ranges_at(text, matched.end(), ref, prefix="forbidden")


def _parenthesised_at(text: str, pos: int, ref: date | None) -> Iterator[tuple[_Reading, int]]:
    """A bare period in parentheses inside a sentence: "(февраль)", "(сентябрь-октябрь 2020)"."""
    if not (paren := _PAREN_OPEN.match(text, pos)):
        return
    inner = [
        (_reading("bare", term, ref), end)
        for term, end in _terms_at(text, paren.end())
        if term.unit in _PAREN_UNITS
    ]
    inner.extend(_ranges_at(text, paren.end(), ref, prefix="forbidden"))
    for reading, end in inner:
        if close := _PAREN_CLOSE.match(text, end):
            yield reading, close.end()


def _ranges_at(
    text: str, pos: int, ref: date | None, *, prefix: Literal["required", "optional", "forbidden"]
) -> Iterator[tuple[_Reading, int]]:
    """ "с <a> по <b>", "с <a> до <b>", "<a> - <b>"; a dash is not read when "с" is required."""
    opening = _RANGE_PREFIX.match(text, pos) if prefix != "forbidden" else None
    if prefix == "required" and opening is None:
        return
    for first, first_end in _terms_at(text, opening.end() if opening else pos, left=True):
        if first.unit not in _RANGE_ENDS and first.unit != "day_number":
            continue
        if not (link := _RANGE_LINK.match(text, first_end)):
            continue
        word = (link.group("word") or "").lower()
        if (word and opening is None) or (not word and prefix == "required"):
            continue
        for last, end in _terms_at(text, link.end()):
            if last.unit in _RANGE_ENDS:
                yield _range_reading(first, last, ref, to_start=word == "до"), end


def _terms_at(
    text: str, pos: int, *, left: bool = False, short: bool = False
) -> Iterator[tuple[_Term, int]]:
    """Every written period at ``pos``; a lone day number only as the ``left`` end of a range."""
    for name, pattern in _TERM_PATTERNS:
        if (name == "numeric_short" and not short) or (name == "day_number" and not left):
            continue
        matched = pattern.match(text, pos)
        if matched and (term := _term(name, matched)) is not None:
            yield term, matched.end()


def _term(name: str, m: re.Match[str]) -> _Term | None:
    groups = m.groupdict()
    year_word = bool(groups.get("yw"))
    if name == "academic":
        if groups["y1"]:
            first = int(groups["y1"])
            return _Term("academic", first, _full_year(groups["y2"], first), year_word=True)
        return _Term("academic", modifier=(groups["mod"] or "").lower() or None)
    if name == "years":
        first = int(groups["y1"])
        last = _full_year(groups["y2"], first)
        word = (groups["yw"] or "").lower().rstrip(".")
        # "2020-2021 год" and "2019/2020" name a school year; "2020-2022 гг." calendar years
        singular = word in ("год", "года", "году")
        if last == first + 1 and (singular or (not word and groups["sep"] == "/")):
            return _Term("academic", first, last, year_word=year_word)
        return _Term("years", first, last, year_word=year_word)
    if name in ("half", "quarter"):
        part = _part(groups)
        if name == "half":
            if part > 2:
                return None
            if groups["ay1"]:
                first = int(groups["ay1"])
                last = _full_year(groups["ay2"], first)
                return _Term("half", first, last, part=part, year_word=True)
        return _Term(
            "half" if name == "half" else "quarter",
            _int(groups["y"]),
            part=part,
            year_word=year_word,
        )
    if name in ("numeric", "numeric_short"):
        year = _full_year(groups["y"], 2000) if groups.get("y") else None
        return _Term(
            "day", year, month=int(groups["mo"]), day=int(groups["d"]), year_word=year_word
        )
    if name in ("text_date", "month"):
        month = MONTH_NUMBER.get(groups["m"].lower())
        if month is None:  # a case-insensitive match of an odd spelling
            return None
        day = _int(groups.get("d"))
        unit: str = "day" if day is not None else "month"
        return _Term(unit, _int(groups["y"]), month=month, day=day, year_word=year_word)
    if name == "year":
        return _Term("year", int(groups["y"]), year_word=year_word)
    if name == "relyear":
        return _Term("relyear", modifier=(groups["mod"] or "").lower() or None)
    if name == "duration":
        return _Term("duration")
    return _Term("day_number", day=int(groups["d"]))


def _part(groups: dict[str, str | None]) -> int:
    """The number of a quarter or half: "IV", "4", "четвёртый" → 4."""
    if roman := groups["roman"]:
        return 4 if roman[-1] in "vV" else len(roman)
    if groups["digit"]:
        return int(groups["digit"])
    return _ORDINAL_FIRST_LETTER.get((groups["word"] or "п")[0].lower(), 1)


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _full_year(written: str, century_from: int) -> int:
    """ "2021" → 2021; "21" → 2021 (the century of ``century_from``)."""
    return int(written) if len(written) == 4 else century_from // 100 * 100 + int(written)


# --- meaning: from a written period to dates --------------------------------------------


def _reading(op: str, term: _Term, ref: date | None) -> _Reading:
    if term.unit == "duration":
        return _UNREADABLE  # "в течение месяца": a deadline, but from what day is not written
    try:
        bounds = _bounds(term, ref)
    except _NoSuchDateError:
        return _UNREADABLE
    start, end = bounds if bounds else (None, None)
    unit = term.unit
    if op in ("bare", "in", "during"):
        if unit == "day":
            return _Reading(DeadlineKind.BY_DATE, end=end)
        if unit == "month":
            return _Reading(DeadlineKind.MONTH, start, end)
        if unit == "relyear" and term.modifier in (None, "всего"):
            academic = _academic_bounds(ref)
            return (
                _Reading(DeadlineKind.DURING_YEAR, *academic)
                if academic
                else _Reading(DeadlineKind.DURING_YEAR)
            )
        if unit == "academic" and (term.year is None or term.last_year == term.year + 1):
            return _Reading(DeadlineKind.ACADEMIC_YEAR, start, end)
        return _Reading(DeadlineKind.RANGE, start, end)
    if op == "since":
        return _Reading(DeadlineKind.RANGE, start=start)
    if op == "start_of":
        return _Reading(DeadlineKind.BY_DATE, end=start)
    if unit in ("year", "relyear", "academic"):
        return _Reading(DeadlineKind.YEAR_END, end=end)
    return _Reading(DeadlineKind.BY_DATE, end=start if op == "by" else end)


def _range_reading(first: _Term, last: _Term, ref: date | None, *, to_start: bool) -> _Reading:
    try:
        first, last = _complete(first, last)
        last_bounds = _bounds(last, ref)
        if last_bounds is None:
            return _Reading(DeadlineKind.RANGE)
        if first.unit == "day_number":
            if last.unit != "day":
                return _UNREADABLE
            first = _Term("day", last_bounds[0].year, month=last_bounds[0].month, day=first.day)
        elif first.year is None and first.unit != "year":
            first = replace(first, year=last_bounds[0].year)
            if (first_bounds := _bounds(first, ref)) and first_bounds[0] > last_bounds[0]:
                first = replace(first, year=last_bounds[0].year - 1)
        first_bounds = _bounds(first, ref)
    except _NoSuchDateError:
        return _UNREADABLE
    if first_bounds is None:
        return _Reading(DeadlineKind.RANGE)
    start, end = first_bounds[0], last_bounds[0] if to_start else last_bounds[1]
    if start > end:
        return _UNREADABLE
    return _Reading(DeadlineKind.RANGE, start, end)


def _complete(first: _Term, last: _Term) -> tuple[_Term, _Term]:
    """ "с 1 сентября 2020 по 31 мая": the later end takes its year from the earlier one."""
    if first.year is not None and last.year is None and last.unit in ("day", *_COARSE):
        last = replace(last, year=first.year)
        first_bounds, last_bounds = _bounds(first, None), _bounds(last, None)
        if first_bounds and last_bounds and last_bounds[1] < first_bounds[0]:
            last = replace(last, year=first.year + 1)
    return first, last


def _bounds(term: _Term, ref: date | None) -> tuple[date, date] | None:
    """First and last day of a written period; None for a relative one without reference."""
    unit = term.unit
    for year in (term.year, term.last_year):
        if year is not None and not 1900 <= year <= 2099:
            raise _NoSuchDateError
    if unit == "day":
        assert term.month is not None and term.day is not None
        if term.year is not None:
            day = _date(term.year, term.month, term.day)
            return day, day
        if ref is None:
            _date(2000, term.month, term.day)  # still reject 31.02 and 45 мая without a reference
            return None
        for year in range(ref.year, ref.year + 9):
            try:
                day = date(year, term.month, term.day)
            except ValueError:
                continue
            if day >= ref:
                return day, day
        raise _NoSuchDateError
    if unit in _COARSE:
        if unit == "half" and term.last_year is not None:  # a half of an academic year
            assert term.year is not None
            return (
                (date(term.year, 9, 1), date(term.year, 12, 31))
                if term.part == 1
                else (date(term.last_year, 1, 1), date(term.last_year, 8, 31))
            )
        first_month, last_month = _months(term)
        if term.year is not None:
            return _month_span(term.year, first_month, last_month)
        if ref is None:
            return None
        year = ref.year if date(ref.year, first_month, 1) >= ref else ref.year + 1
        return _month_span(year, first_month, last_month)
    if unit == "year":
        assert term.year is not None
        return date(term.year, 1, 1), date(term.year, 12, 31)
    if unit == "relyear":
        return (date(ref.year, 1, 1), date(ref.year, 12, 31)) if ref else None
    if unit == "years" and term.year is not None and term.last_year is not None:
        if term.last_year <= term.year:
            raise _NoSuchDateError
        return date(term.year, 1, 1), date(term.last_year, 12, 31)
    if unit == "academic":
        if term.year is None or term.last_year is None:
            return _academic_bounds(ref)
        if term.last_year <= term.year:
            raise _NoSuchDateError
        return date(term.year, 9, 1), date(term.last_year, 8, 31)
    raise _NoSuchDateError  # a lone day number is only the first end of a range


def _months(term: _Term) -> tuple[int, int]:
    assert term.month is not None or term.part is not None
    if term.unit == "month":
        assert term.month is not None
        return term.month, term.month
    assert term.part is not None
    size = 3 if term.unit == "quarter" else 6
    return size * term.part - size + 1, size * term.part


def _month_span(year: int, first_month: int, last_month: int) -> tuple[date, date]:
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def _academic_bounds(ref: date | None) -> tuple[date, date] | None:
    """The academic year a resolution of ``ref`` plans (see avgust.ru.calendar)."""
    if ref is None:
        return None
    return academic_year_bounds(academic_year_of_resolution(ref))


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _NoSuchDateError from None


# --- small helpers ----------------------------------------------------------------------


def _reference(reference: str | None) -> date | None:
    if reference is None:
        return None
    try:
        return date.fromisoformat(reference)
    except (TypeError, ValueError):
        raise SourceError(f"reference date is not an ISO date: {reference!r}") from None


def _deadline(raw: str, reading: _Reading) -> Deadline:
    if reading.kind is DeadlineKind.NONE and not raw:
        return Deadline.none()
    return Deadline(
        raw=raw,
        kind=reading.kind,
        start=reading.start.isoformat() if reading.start else None,
        end=reading.end.isoformat() if reading.end else None,
    )


def _better(reading: _Reading, end: int, best: _Reading, best_end: int) -> bool:
    """A readable phrase beats an unreadable one; then the longer phrase wins."""
    readable = reading.kind is not DeadlineKind.UNPARSED
    best_readable = best.kind is not DeadlineKind.UNPARSED
    return (readable, end) > (best_readable, best_end)


class _QuoteTracker:
    """Whether a position is inside «…» or "…", i.e. inside a title of a law or programme.

    Positions must be asked in increasing order; the text is scanned once.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._depth = 0  # open «
        self._straight = 0  # straight quotes seen

    def inside(self, pos: int) -> bool:
        for char in self._text[self._pos : pos]:
            if char == "«":
                self._depth += 1
            elif char == "»":
                self._depth = max(0, self._depth - 1)
            elif char == '"':
                self._straight += 1
        self._pos = max(self._pos, pos)
        return self._depth > 0 or self._straight % 2 == 1


# --- labelled deadlines inside a directive ----------------------------------------------

_LABEL_WORDS: Final = (
    r"сроки?(?:\s+(?:исполнения|выполнения|реализации|проведения|исп\.?))?|дата\s+исполнения"
)
_PAREN_LABELLED: Final = _rx(rf"\s*\(\s*(?P<raw>(?:{_LABEL_WORDS})\s*[:\-–—]\s*[^()]+?)\s*\)")
_SENTENCE_LABELLED: Final = _rx(
    rf"(?:(?<=[.;,!?])|^)\s*(?P<raw>(?:{_LABEL_WORDS})\s*[:\-–—]\s*[^;]+?)\s*(?:;|$)"
)
_TRAILING_DASHED: Final = _rx(
    r"\s+[-–—]\s*(?P<raw>(?:в\s+срок\s+)?(?:до|не\s+позднее|не\s+позже|к)\s+[^–—;]+?)\s*[.;]?$"
)
_TRAILING_IN_TERM: Final = _rx(
    r"[\s,]+(?P<raw>в\s+срок\s+(?:до|не\s+позднее|не\s+позже)\s+[^;]+?)\s*[.;]?$"
)


def extract_deadline(text: str, reference: str | None = None) -> tuple[str, Deadline | None]:
    """``text`` without a labelled deadline, and that deadline (None when there is none).

    Labelled forms are taken out wherever they stand: "(срок: сентябрь 2023 г.)",
    "(срок – …)", "…; срок – с 1 сентября 2023 г.;", "… Срок исполнения: декабрь 2023 г.".
    At the end of the text also "в срок до 15.09.2023" and "– до 01.04.2024", when they
    read as a date. A label with an unreadable value is still taken out (UNPARSED, raw kept).
    """
    for pattern, labelled in (
        (_PAREN_LABELLED, True),
        (_SENTENCE_LABELLED, True),
        (_TRAILING_DASHED, False),
        (_TRAILING_IN_TERM, False),
    ):
        match = pattern.search(text)
        if match is None:
            continue
        raw = match.group("raw").strip().rstrip(" ;,")
        deadline = parse_deadline(raw, reference)
        if deadline.kind is DeadlineKind.NONE or (
            not labelled and deadline.kind is DeadlineKind.UNPARSED
        ):
            continue
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
        rest = re.sub(r"\s+([.;,])", r"\1", re.sub(r"\s{2,}", " ", rest)).strip(" ;,")
        if (
            rest
            and not rest.endswith((".", "!", "?", "»", '"', ")"))
            and text.rstrip().endswith(".")
        ):
            rest += "."
        return rest, deadline
    return text, None


_TRAILING_TERM: Final = _rx(rf"(?P<raw>{_FREQUENCY}|{_ON_OCCASION})\s*[.;]?\s*$")


def trailing_term(text: str, reference: str | None = None) -> Deadline | None:
    """A recurrence or a schedule that ends a directive ("… еженедельно.", "… в соответствии
    с графиком."), read but left in the text; None when the text does not end with one."""
    match = _TRAILING_TERM.search(text)
    if match is None or (match.start() and text[match.start() - 1].isalnum()):
        return None
    return parse_deadline(match.group("raw"), reference)
