"""The theme, district and year pages, and the index pages that list them.

Pages stay small when the corpus grows: a theme with more than THEME_PAGE_DIRECTIVES
directives gets a landing page (its years with counts and page links) and per-year
pages of at most that many directives, grouped by district; a year with more than
LIST_PAGE_ENTRIES documents, and a district list longer than that, continue on
numbered pages. Below those sizes every page is one page, as before.
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from avgust import urls
from avgust.records import Resolution, Theme
from avgust.ru.format import format_date, plural
from avgust.site.corpus import Corpus, Item
from avgust.site.markdown import md_paragraphs, md_text
from avgust.site.pages.chart import theme_chart
from avgust.site.pages.common import (
    directive_line,
    district_title,
    front_matter,
    kind_label,
    pager_line,
    resolution_item,
    title_markdown,
)
from avgust.urls import md_link

THEME_PAGE_DIRECTIVES = 100
"""Most directives on one theme page: ~600 bytes of HTML each, so ≤ ~100 KB of them."""
THEME_PAGE_BYTES = 150_000
"""About the most bytes of directives on one theme page (their text, ~400 bytes of link
each and ~700 of headings per document): long directives fill a page before
THEME_PAGE_DIRECTIVES do."""
_ENTRY_MARKUP = 400
_GROUP_MARKUP = 700
LIST_PAGE_ENTRIES = 200
"""Most documents (or districts) listed on one year page or district list page."""

_T = TypeVar("_T")
Group = tuple[str, Resolution, tuple[Item, ...]]  # district, resolution, its directives


@dataclass(frozen=True)
class ThemePart:
    """One page of a large theme: its directives of one year, ``number`` of ``of``."""

    path: str
    year: int | None
    number: int
    of: int
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(items) for _, _, items in self.groups)


# per corpus and theme slug: its parts, and the first part of each district
_PARTS: weakref.WeakKeyDictionary[Corpus, dict[str, list[ThemePart]]] = weakref.WeakKeyDictionary()
_FIRST_PART: weakref.WeakKeyDictionary[Corpus, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def theme_pages(c: Corpus, theme: Theme) -> dict[str, str]:
    """A theme's page, and when it is large its per-year pages: docs/ path → Markdown."""
    pages = {c.theme_path(theme.slug): theme_page(c, theme)}
    for part in theme_parts(c, theme.slug):
        pages[part.path] = theme_part_page(c, theme, part)
    return pages


def theme_page(c: Corpus, theme: Theme) -> str:
    page = c.theme_path(theme.slug)
    items = c.theme_items.get(theme.slug, [])
    lines = [
        front_matter(f"{theme.name} — тема", theme.description),
        f"# {md_text(theme.name)}",
        "",
    ]
    lines += [f"{p}\n" for p in md_paragraphs(theme.description)]
    if not items:
        lines += ["Пока нет поручений по этой теме.", ""]
        return "\n".join(lines)
    districts = sorted({c.district(i.resolution) for i in items})
    years = sorted({i.resolution.year for i in items if i.resolution.year})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    summary = (
        f"**{plural(len(items), 'поручение', 'поручения', 'поручений')}** в "
        f"{plural(len(districts), 'районе', 'районах', 'районах')}"
    )
    lines += [f"{summary}{' · ' + span if span else ''}.", "{: .avg-summary }", ""]
    parts = theme_parts(c, theme.slug)
    if parts:
        return "\n".join(lines + _theme_years(c, page, parts))
    lines += _groups_markdown(c, page, _groups(c, items))
    return "\n".join(lines)


def theme_parts(c: Corpus, slug: str) -> list[ThemePart]:
    """The per-year pages of a theme with more than THEME_PAGE_DIRECTIVES directives (else
    none), newest year first, each of at most that many directives."""
    cached = _PARTS.setdefault(c, {})
    if slug in cached:
        return cached[slug]
    items = c.theme_items.get(slug, [])
    parts: list[ThemePart] = []
    if len(items) > THEME_PAGE_DIRECTIVES or _bytes(items) > THEME_PAGE_BYTES:
        by_year: dict[int | None, list[Item]] = defaultdict(list)
        for item in items:
            by_year[item.resolution.year].append(item)
        order = sorted(by_year, key=lambda y: (y is None, -(y or 0)))
        for year in order:
            chunks = _chunks(_groups(c, by_year[year]), THEME_PAGE_DIRECTIVES)
            for n, chunk in enumerate(chunks, 1):
                path = urls.theme_part_path(c.theme_page[slug], year, n)
                parts.append(ThemePart(path, year, n, len(chunks), tuple(chunk)))
    cached[slug] = parts
    return parts


def theme_anchor(c: Corpus, slug: str, district: str) -> tuple[str, str]:
    """Where a theme's directives of a district start: (docs/ page, anchor)."""
    firsts = _FIRST_PART.setdefault(c, {})
    if slug not in firsts:
        first: dict[str, str] = {}
        for part in theme_parts(c, slug):
            for name, _, _ in part.groups:
                first.setdefault(name, part.path)
        firsts[slug] = first
    return firsts[slug].get(district, c.theme_path(slug)), f"d-{c.district_page[district]}"


def theme_part_page(c: Corpus, theme: Theme, part: ThemePart) -> str:
    page = part.path
    when = f"{part.year} год" if part.year else "без даты"
    of = f", страница {part.number} из {part.of}" if part.of > 1 else ""
    lines = [
        front_matter(f"{theme.name} — {when}{of}", theme.description),
        f"# {md_text(theme.name)}: {when}",
        "",
        f"{plural(part.count, 'поручение', 'поручения', 'поручений')}{of} · "
        f"[все годы темы]({md_link(page, c.theme_path(theme.slug))})",
        "{: .avg-summary }",
        "",
    ]
    siblings = [p.path for p in theme_parts(c, theme.slug) if p.year == part.year]
    pager = _pager(page, siblings)
    lines += [*pager, *_groups_markdown(c, page, part.groups), *pager]
    return "\n".join(lines)


def _theme_years(c: Corpus, page: str, parts: Sequence[ThemePart]) -> list[str]:
    lines = ["## По годам {#po-godam}", "", "| Год | Поручений | Районов | Страницы |"]
    lines.append("| --- | ---: | ---: | --- |")
    by_year: dict[int | None, list[ThemePart]] = defaultdict(list)
    for part in parts:
        by_year[part.year].append(part)
    for year, in_year in by_year.items():
        count = sum(p.count for p in in_year)
        districts = len({name for p in in_year for name, _, _ in p.groups})
        links = pager_line(page, [p.path for p in in_year])
        label = f"[{year} год]({md_link(page, in_year[0].path)})" if year else "без даты"
        lines.append(f"| {label} | {count} | {districts} | {links} |")
    return [*lines, ""]


def _groups(c: Corpus, items: Sequence[Item]) -> list[Group]:
    """Directives by district (A–Я), then by document as the district lists them."""
    by_resolution: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_resolution[item.resolution.slug].append(item)
    groups: list[Group] = []
    for district in sorted({c.district(i.resolution) for i in items}):
        for res in c.in_district(district):
            if res.slug in by_resolution:
                groups.append((district, res, tuple(by_resolution[res.slug])))
    return groups


def _bytes(items: Sequence[Item]) -> int:
    return sum(len(i.directive.text.encode("utf-8")) + _ENTRY_MARKUP for i in items)


def _chunks(groups: Sequence[Group], size: int) -> list[list[Group]]:
    """Groups into pages of at most ``size`` directives and about THEME_PAGE_BYTES; a larger
    group is cut (a page holds at least one directive)."""
    pages: list[list[Group]] = [[]]
    room, budget = size, THEME_PAGE_BYTES
    for district, res, items in groups:
        at = 0
        budget -= _GROUP_MARKUP
        while at < len(items):
            if room == 0 or budget <= 0:
                pages.append([])
                room, budget = size, THEME_PAGE_BYTES
            end = at
            while end < len(items) and end - at < room and (budget > 0 or end == at):
                budget -= _bytes(items[end : end + 1])
                end += 1
            pages[-1].append((district, res, items[at:end]))
            room -= end - at
            at = end
    return pages


def _groups_markdown(c: Corpus, page: str, groups: Sequence[Group]) -> list[str]:
    lines: list[str] = []
    totals: Counter[str] = Counter()
    for district, _, items in groups:
        totals[district] += len(items)
    shown: set[str] = set()
    for district, res, chosen in groups:
        slug = c.district_page[district]
        if district not in shown:
            shown.add(district)
            lines += [f"## {md_text(district)} ({totals[district]}) {{#d-{slug}}}", ""]
        when = f"{res.year} год" if res.year else md_text(kind_label(res))
        title = title_markdown(res)
        # a line, not a heading: a theme page lists some 30 documents, and a heading each
        # would be as many entries more in the page's table of contents
        lines += [
            f"**{when} ({len(chosen)})** · из документа "
            f"[{title}]({md_link(page, c.resolution_path(res))})",
            f"{{: #d-{slug}-{res.slug} .avg-from }}",
            "",
        ]
        lines += [directive_line(c, i, page) for i in chosen]
        lines.append("")
    return lines


def _slices(values: Sequence[_T], size: int) -> list[Sequence[_T]]:
    """``values`` in consecutive slices of ``size`` (one empty slice when there are none)."""
    return [values[i : i + size] for i in range(0, len(values), size)] or [values[:0]]


def _pager(page: str, pages: Sequence[str]) -> list[str]:
    """«Страницы: 1 · **2** · 3» between pages of one list (nothing for a single page)."""
    if len(pages) < 2:
        return []
    return [f"Страницы: {pager_line(page, pages)}", "{: .avg-pager }", ""]


def district_page(c: Corpus, district: str) -> str:
    page = c.district_path(district)
    resolutions = c.in_district(district)
    count = sum(len(r.directives) for r in resolutions)
    region = c.region(district)
    lines = [front_matter(district_title(district)), f"# {md_text(district)}", ""]
    facts = [md_text(region)] if region else []
    facts += [
        plural(len(resolutions), "документ", "документа", "документов"),
        plural(count, "поручение", "поручения", "поручений"),
    ]
    lines += [" · ".join(facts), "{: .avg-summary }", ""]
    feed = md_link(page, urls.deadline_feed_path(c.district_page[district]))
    lines += [
        f"[Сроки района — календарь .ics]({feed})"
        f'{{ .avg-ics download="{c.district_page[district]}.ics" }}',
        "",
        "## Документы {#dokumenty}",
        "",
    ]
    for res in resolutions:
        when = format_date(res.date) if res.date else "дата не указана"
        n = plural(len(res.directives), "поручение", "поручения", "поручений")
        title = title_markdown(res)
        lines.append(f"- **{when}** — [{title}]({md_link(page, c.resolution_path(res))}) · {n}")
    lines.append("")
    counts = Counter(
        slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
    )
    lines += _theme_table(c, page, counts, district=district)
    return "\n".join(lines)


def year_pages(c: Corpus, year: int) -> dict[str, str]:
    """A year's page, continued on numbered pages past LIST_PAGE_ENTRIES documents."""
    resolutions = c.in_year(year)
    chunks = _slices(resolutions, LIST_PAGE_ENTRIES)
    paths = [urls.year_part_path(year, n) for n in range(1, len(chunks) + 1)]
    return {
        path: year_page(c, year, part=n, chunk=chunk, paths=paths)
        for n, (path, chunk) in enumerate(zip(paths, chunks, strict=True), 1)
    }


def year_page(
    c: Corpus,
    year: int,
    part: int = 1,
    chunk: Sequence[Resolution] | None = None,
    paths: Sequence[str] = (),
) -> str:
    page = urls.year_part_path(year, part)
    resolutions = c.in_year(year)
    count = sum(len(r.directives) for r in resolutions)
    of = f", страница {part} из {len(paths)}" if len(paths) > 1 else ""
    lines = [
        front_matter(f"{year} год{of}"),
        f"# {year} год",
        "",
        f"Августовские конференции {year} года: "
        f"{plural(len(resolutions), 'документ', 'документа', 'документов')}, "
        f"{plural(count, 'поручение', 'поручения', 'поручений')} "
        f"на {year}/{(year + 1) % 100:02d} учебный год.",
        "{: .avg-summary }",
        "",
        "## Документы {#dokumenty}",
        "",
    ]
    pager = _pager(page, paths)
    lines += pager
    for res in resolutions if chunk is None else chunk:
        n = plural(len(res.directives), "поручение", "поручения", "поручений")
        district = c.district(res)
        lines.append(
            f"- [{md_text(district)}]({md_link(page, c.district_path(district))}) — "
            f"[{title_markdown(res)}]({md_link(page, c.resolution_path(res))}) · {n}"
        )
    lines.append("")
    lines += pager
    if part == 1:
        counts = Counter(
            slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
        )
        lines += _theme_table(c, page, counts)
    return "\n".join(lines)


def _theme_table(
    c: Corpus, page: str, counts: Counter[str], district: str | None = None
) -> list[str]:
    """Themes with counts; for a district, each links to where the district's part starts."""
    known = [(t, counts[t.slug]) for t in c.themes if counts[t.slug]]
    if not known:
        return []
    known.sort(key=lambda pair: (-pair[1], pair[0].name))
    lines = ["## Темы {#temy}", "", "| Тема | Поручений |", "| --- | ---: |"]
    for theme, n in known:
        target, anchor = (
            theme_anchor(c, theme.slug, district)
            if district is not None
            else (c.theme_path(theme.slug), None)
        )
        lines.append(f"| [{md_text(theme.name)}]({md_link(page, target, anchor)}) | {n} |")
    return [*lines, ""]


def resolutions_index(c: Corpus) -> str:
    page = urls.RESOLUTIONS_INDEX
    lines = [
        front_matter("Решения и резолюции"),
        "# Решения и резолюции",
        "",
        "Решения августовских конференций и совещаний работников образования — "
        "каждое на своей странице, с поручениями по адресатам и сроками.",
        "",
    ]
    large = len(c.resolutions) > LIST_PAGE_ENTRIES  # then each year links to its year page
    for year in c.years:
        lines += [f"## {year} год {{#y-{year}}}", ""]
        in_year = c.in_year(year)
        if large:
            docs = plural(len(in_year), "документ", "документа", "документов")
            lines.append(f"[{docs} {year} года]({md_link(page, c.year_path(year))})")
        else:
            lines += [resolution_item(c, page, res) for res in in_year]
        lines.append("")
    undated = [r for r in c.resolutions if r.year is None]
    if undated:
        lines += ["## Без даты {#bez-daty}", ""]
        lines += [resolution_item(c, page, r) for r in undated]
        lines.append("")
    return "\n".join(lines)


def themes_index(c: Corpus) -> str:
    page = urls.THEMES_INDEX
    lines = [
        front_matter("Темы"),
        "# Темы",
        "",
        "Поручения отнесены к темам по ключевым словам и по смыслу. На странице темы — "
        "все её поручения по районам и годам.",
        "{: .avg-lead }",
        "",
    ]
    for theme in c.themes:
        items = c.theme_items.get(theme.slug, [])
        districts = {c.district(i.resolution) for i in items}
        n = plural(len(items), "поручение", "поручения", "поручений")
        where = f", {plural(len(districts), 'район', 'района', 'районов')}" if districts else ""
        link = f"[{md_text(theme.name)}]({md_link(page, c.theme_path(theme.slug))})"
        lines.append(f"- **{link}** · {n}{where}")
        if theme.description.strip():
            lines.append(f"  <br>{md_text(theme.description)}")
    lines += ["", "## Темы по годам {#temy-po-godam}", "", theme_chart(c, page, by="year"), ""]
    return "\n".join(lines)


def districts_index_pages(c: Corpus) -> dict[str, str]:
    """The district list, continued on numbered pages past LIST_PAGE_ENTRIES districts."""
    chunks = _slices(c.districts, LIST_PAGE_ENTRIES)
    paths = [urls.districts_index_part(n) for n in range(1, len(chunks) + 1)]
    return {
        path: districts_index(c, chunk, paths, path)
        for path, chunk in zip(paths, chunks, strict=True)
    }


def districts_index(
    c: Corpus,
    districts: Sequence[str] | None = None,
    paths: Sequence[str] = (),
    page: str = urls.DISTRICTS_INDEX,
) -> str:
    chosen = c.districts if districts is None else districts
    of = len(paths) > 1
    title = f"Районы: {chosen[0]} — {chosen[-1]}" if of and chosen else "Районы"
    lines = [front_matter(title), "# Районы", ""]
    if of:
        lines += [plural(len(c.districts), "район", "района", "районов"), ""]
    pager = _pager(page, paths)
    lines += pager
    for district in chosen:
        resolutions = c.in_district(district)
        region = c.region(district)
        years = ", ".join(str(r.year) for r in resolutions if r.year)
        n = plural(
            sum(len(r.directives) for r in resolutions), "поручение", "поручения", "поручений"
        )
        where = f" ({md_text(region)})" if region else ""
        lines.append(
            f"- [{md_text(district)}]({md_link(page, c.district_path(district))}){where}"
            f"{' — ' + years if years else ''} · {n}"
        )
    lines.append("")
    lines += pager
    return "\n".join(lines)


def years_index(c: Corpus) -> str:
    page = urls.YEARS_INDEX
    lines = [front_matter("Годы"), "# Годы", ""]
    for year in c.years:
        resolutions = c.in_year(year)
        n = plural(
            sum(len(r.directives) for r in resolutions), "поручение", "поручения", "поручений"
        )
        docs = plural(len(resolutions), "документ", "документа", "документов")
        lines.append(f"- [{year} год]({md_link(page, c.year_path(year))}) — {docs}, {n}")
    lines += ["", "## Темы по годам {#temy-po-godam}", "", theme_chart(c, page, by="year"), ""]
    return "\n".join(lines)
