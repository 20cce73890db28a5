"""The deadlines calendar: pages per academic year that stay small, and .ics feeds read back.

The five real resolutions (parsed, no themes needed) and, for the size rule, the same
resolutions copied under other slugs until a year has more entries than a page holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import icalendar
import pytest

from avgust import urls
from avgust.parse.batch import parse_all
from avgust.records import DeadlineKind, Resolution
from avgust.site.corpus import Corpus
from avgust.site.pages.calendar import (
    PAGE_ENTRIES,
    EventMemo,
    calendar_pages,
    deadlines_pages,
    ical_feed,
)
from tests.support.project import ROOT, source_files

SITE = "https://example.org/avgust/"
_ONGOING = {DeadlineKind.PERMANENT, DeadlineKind.RECURRING}


@pytest.fixture(scope="module")
def resolutions() -> list[Resolution]:
    found, reports = parse_all(source_files(), root=ROOT)
    assert len(found) == 5, [p for r in reports for p in r.problems]
    return found


@pytest.fixture(scope="module")
def files(resolutions: list[Resolution]) -> dict[str, str | bytes]:
    return deadlines_pages(Corpus(resolutions, (), {}), SITE)


def _feed(files: dict[str, str | bytes], name: str) -> icalendar.Calendar:
    body = files[urls.deadline_feed_path(name)]
    assert isinstance(body, bytes)
    return icalendar.Calendar.from_ical(body)


def test_every_dated_directive_is_one_all_day_event_on_its_deadline(
    resolutions: list[Resolution], files: dict[str, str | bytes]
) -> None:
    events = {str(e["uid"]): e for e in _feed(files, "vse").walk("VEVENT")}
    dated = [
        d
        for r in resolutions
        for d in r.directives
        if d.deadline.end and d.deadline.kind not in _ONGOING
    ]
    assert len(events) == len(dated) > 20
    res = next(r for r in resolutions if r.district == "Мучкапский район")
    event = events[f"{res.slug}.p-2-2@avgust"]
    assert event.decoded("dtstart") == dt.date(2020, 10, 10)
    assert event.decoded("dtend") == dt.date(2020, 10, 11)
    assert str(event["url"]) == f"{SITE}resheniya/{res.slug}/#p-2-2"
    description = str(event["description"])
    assert "Мучкапский район, решение от 26.08.2020, п. 2.2" in description
    assert "до 10 октября 2020" in description


def test_a_district_feed_holds_only_its_district_and_the_file_is_rfc_5545(
    files: dict[str, str | bytes],
) -> None:
    feed = _feed(files, "muchkapskij-rajon")
    summaries = [str(e["summary"]) for e in feed.walk("VEVENT")]
    assert summaries and all(s.startswith("Мучкапский район, 2020") for s in summaries)
    raw = files[urls.deadline_feed_path("muchkapskij-rajon")]
    assert isinstance(raw, bytes)
    lines = raw.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and b"VERSION:2.0" in lines
    assert all(len(line) <= 75 for line in lines), "lines are folded at 75 octets"
    assert not re.search(rb"[^\r]\n", raw), "every line ends in CRLF"


def test_uids_and_files_are_the_same_on_every_build(
    resolutions: list[Resolution], files: dict[str, str | bytes]
) -> None:
    assert deadlines_pages(Corpus(list(reversed(resolutions)), (), {}), SITE) == files


def test_a_rebuild_takes_each_unchanged_event_from_the_last_build_and_makes_the_changed_anew(
    resolutions: list[Resolution], files: dict[str, str | bytes]
) -> None:
    first = EventMemo()
    assert deadlines_pages(Corpus(resolutions, (), {}), SITE, first) == files
    events = len(list(_feed(files, "vse").walk("VEVENT")))
    assert len(first.used) == events  # one entry an event, none twice
    # what the build before wrote is what this one writes: a marked entry shows it is reused
    key, text = next(iter(first.used.items()))
    uid = re.search(r"UID:(\S+)", text)
    assert uid
    marked = EventMemo({**first.used, key: text.replace("TRANSPARENT", "OPAQUE")})
    again = deadlines_pages(Corpus(resolutions, (), {}), SITE, marked)
    feed = again[urls.deadline_feed_path("vse")]
    assert isinstance(feed, bytes) and feed.count(b"TRANSP:OPAQUE") == 1
    assert marked.used.keys() == first.used.keys()
    # a directive whose text changed: its event is made anew, the others come from the memo
    slug, anchor = uid.group(1).removesuffix("@avgust").split(".", 1)
    changed = [
        dataclasses.replace(
            r,
            directives=tuple(
                dataclasses.replace(d, text=d.text + " (уточнено)") if d.anchor == anchor else d
                for d in r.directives
            ),
        )
        if r.slug == slug
        else r
        for r in resolutions
    ]
    later = EventMemo(marked.used)
    rebuilt = deadlines_pages(Corpus(changed, (), {}), SITE, later)
    event = next(e for e in _feed(rebuilt, "vse").walk("VEVENT") if str(e["uid"]) == uid.group(1))
    assert str(event["transp"]) == "TRANSPARENT" and "(уточнено)" in str(event["description"])
    assert len(later.used) == events and key not in later.used
    assert len(later.used.keys() & first.used.keys()) == events - 1


def test_text_is_escaped_in_the_feed(resolutions: list[Resolution]) -> None:
    res = resolutions[0]
    first = next(d for d in res.directives if d.deadline.end and d.deadline.kind not in _ONGOING)
    text = "Провести; семинар, «A\\B»\nвторая строка"
    hostile = dataclasses.replace(res, directives=(dataclasses.replace(first, text=text),))
    corpus = Corpus([hostile], (), {})
    body = ical_feed(corpus, corpus.items, "x", None)
    assert b"\\;" in body and b"\\," in body and b"\\\\" in body
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["description"]).startswith("Провести; семинар, «A\\B» вторая строка")
    assert "url" not in event  # no site URL: no URL property, the path is in the description


def test_each_academic_year_has_its_own_page_and_the_index_shows_the_planned_year(
    files: dict[str, str | bytes],
) -> None:
    pages = sorted(p for p in files if p.endswith(".md"))
    assert pages == [
        "sroki/2018-19.md",
        "sroki/2019-20.md",
        "sroki/2020-21.md",
        "sroki/2021-22.md",
        "sroki/index.md",
    ]
    index = files[urls.DEADLINES_PAGE]
    assert isinstance(index, str)
    assert re.search(r"^## 20\d\d/\d\d учебный год \{#tekushchij\}$", index, re.M)
    assert "[2019/20 учебный год](2019-20.md)" in index
    assert "[Мучкапский район](ics/muchkapskij-rajon.ics)" in index


def test_resolutions_without_any_deadline_say_so(resolutions: list[Resolution]) -> None:
    res = resolutions[0]
    bare = dataclasses.replace(
        res,
        slug="bez-srokov",
        directives=tuple(
            dataclasses.replace(d, deadline=dataclasses.replace(d.deadline, kind=DeadlineKind.NONE))
            for d in res.directives
        ),
    )
    index = deadlines_pages(Corpus([*resolutions, bare], (), {}), None)[urls.DEADLINES_PAGE]
    assert isinstance(index, str)
    assert re.search(r"^## Решения без сроков \(\d+\) \{#bez-srokov\}$", index, re.M)
    assert "(../resheniya/bez-srokov.md) — сроки не указаны" in index


def test_no_calendar_page_lists_more_than_a_page_holds(resolutions: list[Resolution]) -> None:
    copies = [dataclasses.replace(r, slug=f"{r.slug}-{n}") for n in range(40) for r in resolutions]
    corpus = Corpus(copies, (), {})
    pages = calendar_pages(corpus)
    assert max(p.count for p in pages) <= PAGE_ENTRIES
    assert sum(p.count for p in pages) == sum(
        1 for i in corpus.items if i.directive.deadline.kind is not DeadlineKind.NONE
    )
    files = deadlines_pages(corpus, None)
    second = files.get("sroki/2020-21-2.md")
    assert isinstance(second, str), "a full year continues on a second page"
    assert "Страницы этого года: [1](2020-21.md) · **2**" in second
