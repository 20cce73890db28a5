"""The one academic-year rule (avgust.ru.calendar) and the month forms, used by every stage."""

from __future__ import annotations

import re

import pytest

from avgust.parse.deadline import parse_deadline
from avgust.parse.parser import parse_text
from avgust.ru.calendar import (
    DATE_MONTH_PATTERN,
    MONTH_FORMS,
    academic_year_bounds,
    academic_year_label,
    academic_year_of_day,
    academic_year_of_resolution,
    month_number,
    read_academic_year,
)


@pytest.mark.parametrize(
    ("day", "first"),
    [("2020-08-31", 2019), ("2020-09-01", 2020), ("2020-10-10", 2020), ("2021-05-31", 2020)],
)
def test_a_day_falls_in_the_year_that_started_the_september_before(day: str, first: int) -> None:
    assert academic_year_of_day(day) == first


@pytest.mark.parametrize(
    ("date", "first"),
    [("2020-08-26", 2020), ("2018-08-28", 2018), ("2020-06-01", 2020), ("2021-03-15", 2020)],
)
def test_a_resolution_plans_the_year_that_starts_after_it(date: str, first: int) -> None:
    assert academic_year_of_resolution(date) == first


def test_labels_bounds_and_written_years() -> None:
    assert academic_year_label(2020) == "2020/21" and academic_year_label(1999) == "1999/00"
    start, end = academic_year_bounds(2020)
    assert (start.isoformat(), end.isoformat()) == ("2020-09-01", "2021-08-31")
    for written in ("2020-2021", "2020/2021", "2020/21", "в 2020–2021 учебном году"):
        assert read_academic_year(written) == 2020
    assert read_academic_year("в течение года") is None and read_academic_year(None) is None


def test_every_form_of_every_month_is_known() -> None:
    assert len(MONTH_FORMS) == 12
    for number, forms in enumerate(MONTH_FORMS, 1):
        assert {month_number(form) for form in forms} == {number}
        assert month_number(forms[1].upper()) == number
    assert month_number("августейший") is None
    assert re.fullmatch(DATE_MONTH_PATTERN, "мая") and re.fullmatch(
        DATE_MONTH_PATTERN, "Август", re.I
    )


def test_the_parser_and_the_deadline_reader_use_the_same_rule() -> None:
    text = (
        "РЕШЕНИЕ\nавгустовской конференции\n26 августа 2020 года\n\nРЕШИЛИ:\n1. Обеспечить всё.\n"
    )
    resolution, _ = parse_text(text, "x.txt")
    assert resolution.academic_year == "2020/21"
    during = parse_deadline("в течение учебного года", "2020-08-26")
    assert (during.start, during.end) == ("2020-09-01", "2021-08-31")
