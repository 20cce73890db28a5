"""The deadlines calendar: directives by month of the academic year."""

from __future__ import annotations

from collections import defaultdict

from avgust import urls
from avgust.records import DeadlineKind
from avgust.ru.calendar import (
    academic_year_label,
    academic_year_of_day,
    academic_year_of_resolution,
)
from avgust.ru.format import month_name, plural
from avgust.site.corpus import Corpus, Item
from avgust.site.pages.common import directive_line, front_matter

_ONGOING = {DeadlineKind.PERMANENT, DeadlineKind.RECURRING, DeadlineKind.OTHER}


def deadlines_page(c: Corpus) -> str:
    page = urls.DEADLINES_PAGE
    by_month: dict[int, dict[tuple[int, int], list[Item]]] = defaultdict(lambda: defaultdict(list))
    whole_year: dict[int, list[Item]] = defaultdict(list)
    ongoing: list[Item] = []
    unread: list[Item] = []
    for item in c.items:
        deadline = item.directive.deadline
        if deadline.kind is DeadlineKind.NONE:
            continue
        if deadline.kind in _ONGOING:
            ongoing.append(item)
        elif deadline.kind is DeadlineKind.ACADEMIC_YEAR and deadline.start:
            whole_year[academic_year_of_day(deadline.start)].append(item)
        elif deadline.kind is DeadlineKind.DURING_YEAR and item.resolution.date:
            whole_year[academic_year_of_resolution(item.resolution.date)].append(item)
        elif deadline.end:
            day = deadline.end
            by_month[academic_year_of_day(day)][(int(day[:4]), int(day[5:7]))].append(item)
        else:
            unread.append(item)
    lines = [
        front_matter("Календарь сроков", "Что нужно сделать к какому месяцу учебного года"),
        "# Календарь сроков",
        "",
        "Поручения по месяцу, к которому их нужно выполнить, — в пределах учебного года "
        "(с сентября по август). Поручение со сроком «до 10 октября» стоит в октябре.",
        "{: .avg-lead }",
        "",
    ]
    for start in sorted(set(by_month) | set(whole_year), reverse=True):
        total = sum(len(v) for v in by_month[start].values()) + len(whole_year[start])
        lines += [
            f"## {academic_year_label(start)} учебный год ({total}) {{#y-{start}}}",
            "",
        ]
        for (year, month), items in sorted(by_month[start].items()):
            lines += [f"### {month_name(year, month)} ({len(items)}) {{#m-{year}-{month:02d}}}", ""]
            items.sort(key=lambda i: (i.directive.deadline.end or "", c.labels[i.resolution.slug]))
            lines += [directive_line(c, i, page, calendar=True) for i in items]
            lines.append("")
        if whole_year[start]:
            lines += [f"### В течение учебного года ({len(whole_year[start])}) {{#w-{start}}}", ""]
            lines += [directive_line(c, i, page, calendar=True) for i in whole_year[start]]
            lines.append("")
    if ongoing:
        lines += [f"## Постоянно и ежегодно ({len(ongoing)}) {{#postoyanno}}", ""]
        lines += [directive_line(c, i, page, calendar=True) for i in ongoing]
        lines.append("")
    if unread:
        lines += [f"## Срок записан, но не распознан ({len(unread)}) {{#ne-raspoznan}}", ""]
        lines += [directive_line(c, i, page, calendar=True) for i in unread]
        lines.append("")
    none = sum(1 for i in c.items if i.directive.deadline.kind is DeadlineKind.NONE)
    if none:
        lines += [f"Ещё {plural(none, 'поручение', 'поручения', 'поручений')} без срока.", ""]
    return "\n".join(lines)
