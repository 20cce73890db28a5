"""The deadlines calendar: directives by month, one set of pages per academic year, and .ics feeds.

Each academic year has its own page (``sroki/2020-21.md``), split into further pages of
at most :data:`PAGE_ENTRIES` entries and about :data:`PAGE_BYTES` of them, so no page
grows with the number of years or past a fixed size; the calendar's index page shows the
first page of the latest year and, for every year, where each month starts. The academic year of a
deadline is :mod:`avgust.ru.calendar`'s rule. Every entry carries its district,
addressees and month as data attributes, which the filter form (shown by the site
script, content/assets/avgust.js) uses; without JavaScript all entries are shown.

The iCalendar feeds (RFC 5545, written by the ``icalendar`` package) have one all-day
event per directive with a dated deadline, on the deadline's last day, with a UID
that stays the same for the directive across builds: one feed per district and one
for all. An :class:`EventMemo` keeps each event's text from the build before, by the hash of
its fields: icalendar's writing of 64,000 events was a third of the pages stage at 100,000
directives, and a rebuild after one new resolution changes a few dozen of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import icalendar

from avgust import urls
from avgust.records import DeadlineKind, Resolution
from avgust.ru.calendar import (
    academic_year_label,
    academic_year_of_day,
    academic_year_of_resolution,
)
from avgust.ru.format import format_deadline, month_name, plural
from avgust.site.corpus import Corpus, Item, excerpt
from avgust.site.markdown import html_text, md_text
from avgust.site.pages.common import directive_line, front_matter, pager_line
from avgust.site.pages.resolution import NO_DEADLINES, citation
from avgust.urls import md_link
from avgust.util.text import squash

PAGE_ENTRIES = 250
"""The most entries one calendar page lists; a longer academic year gets more pages."""
PAGE_BYTES = 150_000
"""About the most bytes of entries on one calendar page (its HTML is about as long as its
Markdown): long directives fill a page before PAGE_ENTRIES do."""
FEED_LINKS = 200
"""Past this many districts the index links only the feed of all districts; each district's
feed is on its own page."""
ALL_FEED_BYTES = 10_000_000
"""The most bytes of the all-districts .ics feed: past it the feed keeps the latest deadlines
that fit (~1 KB an event, ~10,000 of them) and says so in its description and on the
calendar's page. At 100,000 directives all of them would be one file of ~70 MB, more than a
phone's calendar takes in; a district's own feed has all of its deadlines."""
UNDATED_LINKS = 100
"""The most resolutions without deadlines the index names."""
_ENTRY_MARKUP = 400  # bytes of an entry besides its text: link, label, attributes

_ONGOING = {DeadlineKind.PERMANENT, DeadlineKind.RECURRING, DeadlineKind.OTHER}
_PRODID = "-//avgust//Календарь сроков//RU"


@dataclass
class _Block:
    """A heading of the calendar and its entries: a month, "в течение года", "постоянно"."""

    anchor: str
    title: str
    month: str = ""  # "2020-10" for a month's block
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class _Page:
    path: str
    year: int | None
    part: int
    blocks: tuple[_Block, ...]

    @property
    def count(self) -> int:
        return sum(len(b.items) for b in self.blocks)


def _year_of(item: Item) -> int | None:
    date = item.resolution.date
    return academic_year_of_resolution(date) if date else None


def _years(c: Corpus) -> dict[int | None, list[_Block]]:
    """Each academic year's blocks in reading order (the newest year first)."""
    months: dict[int | None, dict[str, _Block]] = defaultdict(dict)
    whole: dict[int | None, list[Item]] = defaultdict(list)
    ongoing: dict[int | None, list[Item]] = defaultdict(list)
    unread: dict[int | None, list[Item]] = defaultdict(list)
    for item in c.items:
        deadline = item.directive.deadline
        if deadline.kind is DeadlineKind.NONE:
            continue
        if deadline.kind in _ONGOING:
            ongoing[_year_of(item)].append(item)
        elif deadline.kind is DeadlineKind.ACADEMIC_YEAR and deadline.start:
            whole[academic_year_of_day(deadline.start)].append(item)
        elif deadline.kind is DeadlineKind.DURING_YEAR and item.resolution.date:
            whole[_year_of(item)].append(item)
        elif deadline.end:
            key = deadline.end[:7]
            block = months[academic_year_of_day(deadline.end)].setdefault(
                key,
                _Block(f"m-{key}", month_name(int(key[:4]), int(key[5:7])), key),
            )
            block.items.append(item)
        else:
            unread[_year_of(item)].append(item)
    years: dict[int | None, list[_Block]] = {}
    keys = set(months) | set(whole) | set(ongoing) | set(unread)
    for year in sorted(keys, key=lambda y: -1 if y is None else y, reverse=True):
        blocks = [months[year][k] for k in sorted(months[year])]
        for block in blocks:
            block.items.sort(
                key=lambda i: (i.directive.deadline.end or "", c.labels[i.resolution.slug])
            )
        if whole[year]:
            blocks.append(_Block(f"w-{year}", "В течение учебного года", items=whole[year]))
        if ongoing[year]:
            blocks.append(_Block(f"postoyanno-{year}", "Постоянно и ежегодно", items=ongoing[year]))
        if unread[year]:
            blocks.append(
                _Block(f"ne-raspoznan-{year}", "Срок записан, но не распознан", items=unread[year])
            )
        years[year] = blocks
    return years


def _paginate(year: int | None, blocks: Sequence[_Block]) -> list[_Page]:
    """The year's blocks cut into pages of at most PAGE_ENTRIES entries and about PAGE_BYTES
    (a block may continue on the next page; a page holds at least one entry)."""
    pages: list[list[_Block]] = [[]]
    room, budget = PAGE_ENTRIES, PAGE_BYTES
    for block in blocks:
        items = block.items
        at, first = 0, True
        while at < len(items):
            if room == 0 or budget <= 0:
                pages.append([])
                room, budget = PAGE_ENTRIES, PAGE_BYTES
            end = at
            while end < len(items) and end - at < room and (budget > 0 or end == at):
                budget -= _entry_bytes(items[end])
                end += 1
            take, at = items[at:end], end
            title = block.title if first else f"{block.title} (продолжение)"
            anchor = block.anchor if first else f"{block.anchor}-{len(pages)}"
            pages[-1].append(_Block(anchor, title, block.month, take))
            room -= len(take)
            first = False
    return [
        _Page(urls.deadlines_path(year, n), year, n, tuple(b)) for n, b in enumerate(pages, 1) if b
    ]


def _entry_bytes(item: Item) -> int:
    return len(item.directive.text.encode("utf-8")) + _ENTRY_MARKUP


def calendar_pages(c: Corpus) -> list[_Page]:
    """Every page of the calendar but its index, the newest academic year first."""
    return [page for year, blocks in _years(c).items() for page in _paginate(year, blocks)]


def _year_title(year: int | None) -> str:
    return f"{academic_year_label(year)} учебный год" if year is not None else "Без даты"


def _page_title(page: _Page) -> str:
    title = _year_title(page.year)
    return title if page.part == 1 else f"{title}, страница {page.part}"


PART_PAGES = f"/{urls.DEADLINES_PAGES}/*-*-*.md"
"""A gitignore pattern of the pages a year continues on (``sroki/2020-21-2.md``), which the
navigation leaves out: they are reached from the year's first page."""


def calendar_nav(c: Corpus) -> list[tuple[str, str]]:
    """(title, path) of the first page of each academic year, for the navigation."""
    return [(_page_title(p), p.path) for p in calendar_pages(c) if p.part == 1]


def deadlines_pages(
    c: Corpus, site_url: str | None, memo: EventMemo | None = None
) -> dict[str, str | bytes]:
    """The calendar's pages and its .ics feeds, by their docs/ path."""
    return dict(iter_deadlines_pages(c, site_url, memo))


def iter_deadlines_pages(
    c: Corpus, site_url: str | None, memo: EventMemo | None = None
) -> Iterator[tuple[str, str | bytes]]:
    """:func:`deadlines_pages` one file at a time, as (docs/ path, body); the feeds' events
    from ``memo`` where an earlier build wrote them (it learns the others)."""
    pages = calendar_pages(c)
    for page in pages:
        same_year = [p for p in pages if p.year == page.year]
        yield page.path, _calendar_page(c, page, same_year)
    memo = memo if memo is not None else EventMemo()
    events = {i.id: memo.event(_event_fields(c, i, site_url)) for i in c.items if _dated(i)}
    everything, left_out = _all_feed(c, events)
    yield urls.deadline_feed_path(urls.ALL_DEADLINES_FEED), everything
    del everything
    yield urls.DEADLINES_PAGE, _index_page(c, pages, left_out)
    by_district: dict[str, list[bytes]] = defaultdict(list)
    for item in c.items:
        if item.id in events:
            by_district[c.district(item.resolution)].append(events[item.id])
    for district, slug in _feeds(c):
        yield (
            urls.deadline_feed_path(slug),
            _calendar(f"Сроки поручений: {district}", by_district[district]),
        )


def _all_feed(c: Corpus, events: dict[str, bytes]) -> tuple[bytes, int]:
    """The all-districts feed and how many events it leaves out: every event, or past
    ALL_FEED_BYTES those of the latest deadlines that fit, newest first."""
    name = "Сроки поручений: все районы"
    # the feed is its head plus its events' bytes: measured without joining ~70 MB of them
    if len(_calendar(name, [])) + sum(map(len, events.values())) <= ALL_FEED_BYTES:
        return _calendar(name, list(events.values())), 0
    dated = sorted(
        (i for i in c.items if i.id in events),
        key=lambda i: (i.directive.deadline.end or "", i.id),
        reverse=True,
    )
    chosen: list[bytes] = []
    budget = ALL_FEED_BYTES - len(_calendar(name, [], _note(len(dated), len(dated))))
    for item in dated:
        budget -= len(events[item.id])
        if budget < 0:
            break
        chosen.append(events[item.id])
    note = _note(len(chosen), len(dated))
    return _calendar(name, chosen, note), len(dated) - len(chosen)


def _note(kept: int, of: int) -> str:
    return (
        f"Последние по сроку {kept} событий из {of}: файл всех районов ограничен "
        f"{ALL_FEED_BYTES // 1_000_000} МБ. Все сроки района — в календаре района."
    )


def _feeds(c: Corpus) -> list[tuple[str, str]]:
    return [(d, c.district_page[d]) for d in c.districts]


def _index_page(c: Corpus, pages: Sequence[_Page], left_out: int = 0) -> str:
    page = urls.DEADLINES_PAGE
    lines = [
        front_matter("Календарь сроков", "Что нужно сделать к какому месяцу учебного года"),
        "# Календарь сроков",
        "",
        "Поручения по месяцу срока, учебный год — с сентября по август: "
        "«до 10 октября» стоит в октябре.",
        "{: .avg-lead }",
        "",
    ]
    if pages:
        latest = _current(c, pages)
        others = [p for p in pages if p.part == 1 and p.year != latest.year]
        jumps = [f"[{md_text(_page_title(p))}]({md_link(page, p.path)})" for p in others]
        jumps.append("[календари .ics](#ics)")
        lines += ["Другие годы: " + " · ".join(jumps), "{: .avg-jumps }", ""]
        lines += [f"## {md_text(_year_title(latest.year))} {{#tekushchij}}", ""]
        lines += _body(c, page, latest)
    lines += _year_links(c, page, pages, None)
    lines += _feed_links(c, page, left_out)
    undated = _without_deadlines(c)
    if undated:
        lines += [f"## Решения без сроков ({len(undated)}) {{#bez-srokov}}", ""]
        lines += [
            f"- [{md_text(c.labels[r.slug])}]({md_link(page, c.resolution_path(r))}) — "
            f"{NO_DEADLINES}"
            for r in undated[:UNDATED_LINKS]
        ]
        if len(undated) > UNDATED_LINKS:
            rest = plural(len(undated) - UNDATED_LINKS, "решение", "решения", "решений")
            lines.append(
                f"- и ещё {rest} — в [списке решений]({md_link(page, urls.RESOLUTIONS_INDEX)})"
            )
        lines.append("")
    none = sum(1 for i in c.items if i.directive.deadline.kind is DeadlineKind.NONE)
    if none:
        lines += [f"Ещё {plural(none, 'поручение', 'поручения', 'поручений')} без срока.", ""]
    return "\n".join(lines)


def _current(c: Corpus, pages: Sequence[_Page]) -> _Page:
    """The first page of the year the newest resolution plans (else of the newest year)."""
    planned = [academic_year_of_resolution(r.date) for r in c.resolutions if r.date]
    year = max(planned) if planned else None
    return next((p for p in pages if p.year == year and p.part == 1), pages[0])


def _without_deadlines(c: Corpus) -> list[Resolution]:
    return [
        r
        for r in c.resolutions
        if r.directives and not any(format_deadline(d.deadline) for d in r.directives)
    ]


def _year_links(c: Corpus, page: str, pages: Sequence[_Page], here: _Page | None) -> list[str]:
    """Each year with its count and where each of its months starts: a line per year, of
    at most 14 links however many pages the year has."""
    by_year: dict[int | None, list[_Page]] = defaultdict(list)
    for p in pages:
        by_year[p.year].append(p)
    lines = ["## Учебные годы {#gody}" if here is None else "**Учебные годы:**", ""]
    for year, parts in by_year.items():
        total = sum(p.count for p in parts)
        link = f"[{md_text(_year_title(year))}]({md_link(page, parts[0].path)})"
        starts = [
            f"[{md_text(b.title)}]({md_link(page, p.path, b.anchor)})"
            for p in parts
            for b in p.blocks
            if not b.title.endswith("(продолжение)")
        ]
        count = plural(total, "поручение", "поручения", "поручений")
        months = ": " + " · ".join(starts) if len(parts) > 1 else ""
        lines.append(f"- {link} — {count}{months}")
    lines.append("")
    return lines


def _feed_links(c: Corpus, page: str, left_out: int = 0) -> list[str]:
    every = md_link(page, urls.deadline_feed_path(urls.ALL_DEADLINES_FEED))
    fewer = (
        f" — последние по сроку; ещё {plural(left_out, 'срок', 'срока', 'сроков')} "
        "только в календарях районов"
        if left_out
        else ""
    )
    lines = [
        "## Календарь в телефон {#ics}",
        "",
        "Сроки в формате iCalendar (.ics): откройте файл на телефоне или подпишитесь на него в "
        "календаре — каждое поручение станет событием в день срока, со ссылкой на него.",
        "",
        f'- [Все районы]({every}){{ .avg-ics download="{urls.ALL_DEADLINES_FEED}.ics" }}{fewer}',
    ]
    feeds = _feeds(c)
    if len(feeds) <= FEED_LINKS:
        lines += [feed_link(page, d, slug) for d, slug in feeds]
    else:
        districts = md_link(page, urls.DISTRICTS_INDEX)
        lines += ["", f"Календарь своего района — на его странице: [все районы]({districts})."]
    lines.append("")
    return lines


def feed_link(page: str, district: str, slug: str) -> str:
    """A list item that downloads the district's .ics feed."""
    target = md_link(page, urls.deadline_feed_path(slug))
    return f'- [{md_text(district)}]({target}){{ .avg-ics download="{slug}.ics" }}'


def _calendar_page(c: Corpus, page: _Page, same_year: Sequence[_Page]) -> str:
    title = _page_title(page)
    lines = [
        front_matter(f"Сроки: {title}", f"Календарь сроков поручений: {title}"),
        f"# Сроки: {md_text(title)}",
        "",
        f"[Все учебные годы и календари .ics]({md_link(page.path, urls.DEADLINES_PAGE)})",
        "",
    ]
    if len(same_year) > 1:
        paths = [p.path for p in same_year]
        lines += ["Страницы этого года: " + pager_line(page.path, paths), ""]
    lines += _body(c, page.path, page)
    return "\n".join(lines)


def _body(c: Corpus, here: str, page: _Page) -> list[str]:
    """The page's blocks; each entry's deadline carries its district, addressees and month.

    The filter form is raw HTML with no document text in it: the script fills its
    district and addressee choices from the hidden Markdown key lists below it.
    """
    districts = sorted({c.district(i.resolution) for b in page.blocks for i in b.items})
    addressees = sorted(
        {
            squash(a).rstrip(" :")
            for b in page.blocks
            for i in b.items
            for a in i.directive.addressees
            if a.strip()
        }
    )
    district_key = {d: str(n) for n, d in enumerate(districts, 1)}
    addressee_key = {a: str(n) for n, a in enumerate(addressees, 1)}
    months = [(b.month, b.title) for b in page.blocks if b.month]
    lines = [_filter_form(months), "", '<div class="avg-cal-keys" hidden markdown>', ""]
    lines += [f'*{md_text(d)}*{{ data-district="{district_key[d]}" }}' for d in districts]
    lines += [""]
    lines += [f'*{md_text(a)}*{{ data-addressee="{addressee_key[a]}" }}' for a in addressees]
    lines += ["", "</div>", ""]
    for block in page.blocks:
        lines += [
            '<div class="avg-cal-block" markdown>',
            "",
            f"### {md_text(block.title)} ({len(block.items)}) {{#{block.anchor}}}",
            "",
        ]
        for item in block.items:
            keys = " ".join(
                dict.fromkeys(
                    addressee_key[squash(a).rstrip(" :")]
                    for a in item.directive.addressees
                    if a.strip()
                )
            )
            attrs = (
                f'.avg-cal-due data-district="{district_key[c.district(item.resolution)]}"'
                f' data-addressees="{keys}" data-month="{block.month}"'
            )
            lines.append(directive_line(c, item, here, calendar=True, due_attrs=attrs))
        lines += ["", "</div>", ""]
    return lines


def _filter_form(months: Sequence[tuple[str, str]]) -> str:
    def select(name: str, label: str, everyone: str, options: Sequence[tuple[str, str]]) -> str:
        opts = f'<option value="">{everyone}</option>' + "".join(
            f'<option value="{html_text(value)}">{html_text(text)}</option>'
            for value, text in options
        )
        return f'<label>{label}<select name="{name}">{opts}</select></label>'

    return (
        '<form class="avg-cal-filter" role="search" aria-label="Фильтр сроков" hidden>'
        + select("district", "Район", "Все районы", ())
        + select("addressee", "Кому", "Всем адресатам", ())
        + select("month", "Месяц", "Все месяцы", months)
        + '<button type="button" class="avg-cal-now">Этот месяц</button>'
        + '<button type="button" class="avg-cal-all">Сбросить</button>'
        + '<output class="avg-cal-count" aria-live="polite"></output>'
        + "</form>"
    )


def ical_feed(c: Corpus, items: Sequence[Item], name: str, site_url: str | None) -> bytes:
    """An RFC 5545 calendar: one all-day event per directive with a dated deadline."""
    return _calendar(name, [_event(_event_fields(c, i, site_url)) for i in items if _dated(i)])


def _dated(item: Item) -> bool:
    return item.directive.deadline.kind not in _ONGOING and bool(item.directive.deadline.end)


def _calendar(name: str, events: Sequence[bytes], note: str = "") -> bytes:
    """The calendar of ``events`` (each an event's own iCalendar text, see :func:`_event`),
    as icalendar writes it: each event is made once and used by both feeds it is in."""
    cal = icalendar.Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if note:
        cal.add("x-wr-caldesc", note)
    head = bytes(cal.to_ical())
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(events) + end


@dataclass(frozen=True)
class _EventFields:
    """What the VEVENT of a directive with a dated deadline says (see :func:`_event_fields`)."""

    uid: str
    stamp: str  # the document's date (ISO), the event's DTSTAMP
    day: str  # the deadline's last day (ISO)
    summary: str
    description: str
    url: str | None


def _event_fields(c: Corpus, item: Item, site_url: str | None) -> _EventFields:
    deadline = item.directive.deadline
    assert deadline.end is not None
    link = urls.directive_url(item.resolution.slug, item.directive.anchor)
    url = site_url.rstrip("/") + "/" + link if site_url else None
    cite = citation(c, item.resolution)
    number = f"п. {item.directive.number}" if item.directive.number else "поручение"
    return _EventFields(
        uid=f"{item.resolution.slug}.{item.directive.anchor}@avgust",
        # DTSTAMP from the document, not the clock, so a rebuild writes the same feed
        stamp=item.resolution.date or "2000-01-01",
        day=deadline.end,
        summary=f"{c.labels[item.resolution.slug]}, {number}: {excerpt(item.directive.text, 12)}",
        description=(
            f"{squash(item.directive.text)}\n— {cite}, {number}\n"
            f"Срок: {format_deadline(deadline)}\n{url or link}"
        ),
        url=url,
    )


def _event(fields: _EventFields) -> bytes:
    """The VEVENT, as icalendar writes it: an all-day event on the deadline's last day."""
    day = dt.date.fromisoformat(fields.day)
    stamp = dt.date.fromisoformat(fields.stamp)
    event = icalendar.Event()
    event.add("uid", fields.uid)
    event.add("dtstamp", dt.datetime(stamp.year, stamp.month, stamp.day, tzinfo=dt.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", fields.summary)
    event.add("description", fields.description)
    if fields.url:
        event.add("url", fields.url)
    event.add("transp", "TRANSPARENT")
    return bytes(event.to_ical())


# what an event's text depends on besides its fields: this module and icalendar's version
EVENT_CODE = hashlib.sha256(
    Path(__file__).read_bytes() + icalendar.__version__.encode()
).hexdigest()


@dataclass
class EventMemo:
    """Events' iCalendar text by the hash of their fields: ``previous`` from an earlier build
    (for the code :data:`EVENT_CODE`), ``used`` the ones this build asked for, to keep."""

    previous: Mapping[str, str] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)

    def event(self, fields: _EventFields) -> bytes:
        key = hashlib.sha256(
            json.dumps(vars(fields), ensure_ascii=False, sort_keys=True).encode("utf-8")
        ).hexdigest()
        text = self.used.get(key) or self.previous.get(key)
        if text is None:
            text = _event(fields).decode("utf-8")
        self.used[key] = text
        return text.encode("utf-8")


__all__ = [
    "ALL_FEED_BYTES",
    "EVENT_CODE",
    "PAGE_BYTES",
    "PAGE_ENTRIES",
    "PART_PAGES",
    "EventMemo",
    "calendar_nav",
    "calendar_pages",
    "deadlines_pages",
    "feed_link",
    "ical_feed",
    "iter_deadlines_pages",
]
