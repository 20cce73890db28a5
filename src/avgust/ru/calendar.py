"""The Russian school calendar: month names in their forms, and the one academic-year rule.

An academic year runs from 1 September to 31 August and is named by its first calendar
year ("2020/21" starts on 1 September 2020). Two questions have two answers:

- which academic year a *day* falls in (:func:`academic_year_of_day`): September cuts,
  so 10 October 2020 is in 2020/21 and 31 August 2020 in 2019/20;
- which academic year a *resolution* plans (:func:`academic_year_of_resolution`): an
  August conference plans the year that starts in September, and so does anything held
  from June on (the year's results are in by then), so a conference of 26 August 2020
  plans 2020/21, one of March 2021 still 2020/21.

"в течение года" and "в течение учебного года" in a resolution mean the year it plans.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

MONTH_FORMS: Final = (
    # nominative, genitive, prepositional, dative
    ("январь", "января", "январе", "январю"),
    ("февраль", "февраля", "феврале", "февралю"),
    ("март", "марта", "марте", "марту"),
    ("апрель", "апреля", "апреле", "апрелю"),
    ("май", "мая", "мае", "маю"),
    ("июнь", "июня", "июне", "июню"),
    ("июль", "июля", "июле", "июлю"),
    ("август", "августа", "августе", "августу"),
    ("сентябрь", "сентября", "сентябре", "сентябрю"),
    ("октябрь", "октября", "октябре", "октябрю"),
    ("ноябрь", "ноября", "ноябре", "ноябрю"),
    ("декабрь", "декабря", "декабре", "декабрю"),
)
MONTH_NUMBER: Final = {form: n for n, forms in enumerate(MONTH_FORMS, 1) for form in forms}
"""Any form of a month's name (lower case) → its number (1–12)."""

DATE_MONTH_PATTERN: Final = (
    "(" + "|".join(sorted((f for fs in MONTH_FORMS for f in fs[:2]), key=len, reverse=True)) + ")"
)
"""A regex group matching a month as a date writes it: "26 августа 2020", "1 май 2021"."""

PLANNING_FROM_MONTH: Final = 6  # a resolution from June on plans the year that starts next
YEAR_STARTS_MONTH: Final = 9

_LABEL: Final = re.compile(r"((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)?\d\d)")


def month_number(word: str) -> int | None:
    """The month a form names ("августа" → 8), None for other words."""
    return MONTH_NUMBER.get(word.lower())


def academic_year_of_day(day: dt.date | str) -> int:
    """The first calendar year of the academic year that ``day`` falls in."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return day.year if day.month >= YEAR_STARTS_MONTH else day.year - 1


def academic_year_of_resolution(date: dt.date | str) -> int:
    """The first calendar year of the academic year a resolution of ``date`` plans."""
    date = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return date.year if date.month >= PLANNING_FROM_MONTH else date.year - 1


def academic_year_bounds(first: int) -> tuple[dt.date, dt.date]:
    """1 September of ``first`` to 31 August of the next year."""
    return dt.date(first, YEAR_STARTS_MONTH, 1), dt.date(first + 1, YEAR_STARTS_MONTH - 1, 31)


def academic_year_label(first: int) -> str:
    """``2020`` → ``"2020/21"``."""
    return f"{first}/{(first + 1) % 100:02d}"


def read_academic_year(value: str | None) -> int | None:
    """The first year of a written academic year: "2020-2021", "2020/2021", "2020/21" → 2020."""
    found = _LABEL.search(value or "")
    return int(found.group(1)) if found else None


__all__ = [
    "DATE_MONTH_PATTERN",
    "MONTH_FORMS",
    "MONTH_NUMBER",
    "academic_year_bounds",
    "academic_year_label",
    "academic_year_of_day",
    "academic_year_of_resolution",
    "month_number",
    "read_academic_year",
]
