"""Dates, deadlines and counts as a Russian reader says them (babel's Russian locale)."""

from __future__ import annotations

import datetime as dt
import functools
import re

from babel import Locale
from babel.dates import format_date as _babel_date

from avgust.records import Deadline, DeadlineKind
from avgust.util.text import squash

LOCALE = "ru"
_DEADLINE_LABEL = re.compile(r"^\s*сроки?\s*(исполнения)?\s*[:.-]?\s*", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)  # Babel's formatting is slow and a build repeats dates
def format_date(iso: str, pattern: str = "d MMMM y") -> str:
    """An ISO date in Russian words: ``"2020-10-10"`` → ``"10 октября 2020"``."""
    return str(_babel_date(dt.date.fromisoformat(iso), pattern, locale=LOCALE))


def month_name(year: int, month: int) -> str:
    """``(2020, 10)`` → ``"Октябрь 2020"``."""
    return str(_babel_date(dt.date(year, month, 1), "LLLL y", locale=LOCALE)).capitalize()


def plural(count: int, one: str, few: str, many: str) -> str:
    """``count`` and the word in its Russian form: ``plural(5, "поручение", …)`` → "5 поручений"."""
    form = Locale(LOCALE).plural_form(count)
    word = one if form == "one" else few if form == "few" else many
    return f"{count} {word}"


@functools.lru_cache(maxsize=65536)  # pages show each directive's deadline several times
def format_deadline(deadline: Deadline) -> str:
    """A deadline as a teacher would say it; "" when there is none.

    ``до 10 октября 2020`` · ``весь 2020/21 учебный год`` · ``постоянно`` ·
    ``с 1 по 30 октября 2018`` · ``2020–2022 годы`` · ``октябрь 2018`` …
    The text as written is the fallback whenever the dates are missing.
    """
    raw = _DEADLINE_LABEL.sub("", squash(deadline.raw)).rstrip(" .;")
    start, end = deadline.start, deadline.end
    kind = deadline.kind
    text: str | None = None
    if kind is DeadlineKind.NONE:
        text = ""
    elif kind is DeadlineKind.PERMANENT:
        text = "постоянно"
    elif kind is DeadlineKind.BY_DATE and end:
        text = f"до {format_date(end)}"
    elif kind is DeadlineKind.RANGE and start and end:
        text = _format_range(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    elif kind is DeadlineKind.MONTH and (start or end):
        text = format_date(start or end or "", "LLLL y")
    elif kind is DeadlineKind.YEAR_END and end:
        text = f"до конца {end[:4]} года"
    elif kind is DeadlineKind.ACADEMIC_YEAR and start and end:
        text = f"весь {start[:4]}/{end[2:4]} учебный год"
    elif kind is DeadlineKind.DURING_YEAR:
        text = f"в течение года (до {format_date(end)})" if end else "в течение года"
    if text is None:
        text = raw[:1].lower() + raw[1:] if raw[:2].istitle() else raw
    return text


def _format_range(start: dt.date, end: dt.date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        if start.year == end.year:
            return f"в течение {start.year} года"
        return f"{start.year}–{end.year} годы"
    if start.year == end.year and start.month == end.month:
        return f"с {start.day} по {format_date(end.isoformat())}"
    if start.year == end.year:
        return f"с {format_date(start.isoformat(), 'd MMMM')} по {format_date(end.isoformat())}"
    return f"с {format_date(start.isoformat())} по {format_date(end.isoformat())}"


__all__ = ["LOCALE", "format_date", "format_deadline", "month_name", "plural"]
