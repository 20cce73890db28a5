"""«Подборка» and «Сравнение»: the small JSON the browser reads; a page per district's years.

The collection (content/podborka/) and the comparison (content/sravnenie/) are built in
the browser from the open data, but never from data/directives.json, which grows with the
whole corpus: each resolution has its own small file ``data/r/<slug>.json`` (a directive id
``<slug>#<anchor>`` names the one file it is in), and ``data/rajony.json`` lists the
districts with their resolutions. A visitor downloads only the resolutions they use.

One district across years is static: ``sravnenie/<district>.md`` marks each directive of a
year as kept (a directive of the district's previous year reads like it), new, or — for
the previous year's directives — dropped. "Reads like" is the centred cosine of
:mod:`avgust.index.similar` with its bars (0.40, or 0.35 when the two share a theme),
computed at build time from the index vectors for same-district consecutive years only.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from avgust import urls
from avgust.config import DEFAULT_SIMILAR_THEME_THRESHOLD, DEFAULT_SIMILAR_THRESHOLD
from avgust.index.similar import centred
from avgust.records import Resolution, SimilarDirective, directive_id
from avgust.ru.format import format_deadline
from avgust.site.corpus import Corpus, Item
from avgust.site.markdown import check_markdown, md_text
from avgust.site.pages.common import directive_line, front_matter, kind_label, pager_line
from avgust.urls import md_link, page_url
from avgust.util.fs import gzip_stable


@dataclass(frozen=True)
class Continuity:
    """Directives of a district's consecutive years matched to each other.

    ``before[id]``: the best match of a directive in its district's previous year (it was
    kept); ``after[id]``: the best match in the next year (absent: it was dropped). Only
    matches at or above the bars are kept. ``years`` holds, per district, its years with
    directives, oldest first.
    """

    before: Mapping[str, SimilarDirective] = field(default_factory=dict)
    after: Mapping[str, SimilarDirective] = field(default_factory=dict)
    years: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def district_years(resolutions: Sequence[Resolution]) -> dict[str, dict[int, list[Item]]]:
    """Per district (as the pages name it), its dated directives by year."""
    out: dict[str, dict[int, list[Item]]] = defaultdict(lambda: defaultdict(list))
    for res in sorted(resolutions, key=lambda r: (r.date or "", r.slug)):
        if res.year is not None:
            out[Corpus.district(res)][res.year] += [Item(res, d) for d in res.directives]
    return out


def continuity(
    resolutions: Sequence[Resolution],
    positions: Mapping[str, int],
    vectors: np.ndarray,
    threshold: float = DEFAULT_SIMILAR_THRESHOLD,
    theme_threshold: float = DEFAULT_SIMILAR_THEME_THRESHOLD,
) -> Continuity:
    """Match every district's directives year to year by centred cosine (see module doc).

    ``vectors`` are the index's (row ``positions[id]`` is directive ``id``); they are centred
    on the whole corpus's mean, as the similar directives are.
    """
    shifted = centred(np.asarray(vectors, dtype=np.float32))
    before: dict[str, SimilarDirective] = {}
    after: dict[str, SimilarDirective] = {}
    years: dict[str, tuple[int, ...]] = {}
    slugs = sorted({t for r in resolutions for d in r.directives for t in d.themes})
    columns = {slug: n for n, slug in enumerate(slugs)}
    for district, by_year in district_years(resolutions).items():
        ordered = sorted(y for y, items in by_year.items() if items)
        years[district] = tuple(ordered)
        for old_year, new_year in itertools.pairwise(ordered):
            old = [i for i in by_year[old_year] if i.id in positions]
            new = [i for i in by_year[new_year] if i.id in positions]
            if not old or not new:
                continue
            scores = (
                shifted[[positions[i.id] for i in new]] @ shifted[[positions[i.id] for i in old]].T
            )
            shared = (_themes(new, columns) @ _themes(old, columns).T) > 0
            passes = (scores >= threshold) | (shared & (scores >= theme_threshold))
            masked = np.where(passes, scores, -np.inf)
            back, ahead = masked.argmax(axis=1), masked.argmax(axis=0)
            for row in np.flatnonzero(passes.any(axis=1)):
                match = old[back[row]].id
                before[new[row].id] = SimilarDirective(match, _score(scores[row, back[row]]))
            for col in np.flatnonzero(passes.any(axis=0)):
                match = new[ahead[col]].id
                after[old[col].id] = SimilarDirective(match, _score(scores[ahead[col], col]))
    return Continuity(before, after, years)


def _themes(items: Sequence[Item], columns: Mapping[str, int]) -> np.ndarray:
    """One row per directive, 1 in the column of each of its themes."""
    out = np.zeros((len(items), max(1, len(columns))), dtype=np.float32)
    for row, item in enumerate(items):
        for slug in item.directive.themes:
            out[row, columns[slug]] = 1.0
    return out


def _score(value: float) -> float:
    return round(min(float(value), 1.0), 4)


def source_label(c: Corpus, res: Resolution) -> str:
    """How a citation names the document: "Мучкапский район, решение от 26.08.2020"."""
    when = f" от {res.date[8:10]}.{res.date[5:7]}.{res.date[:4]}" if res.date else ""
    return f"{c.district(res)}, {kind_label(res).lower()}{when}"


def _url(site_url: str | None, page: str, anchor: str | None = None) -> str:
    base = site_url.rstrip("/") + "/" if site_url else ""
    return f"{base}{page_url(page)}" + (f"#{anchor}" if anchor else "")


def resolution_data(c: Corpus, res: Resolution, site_url: str | None) -> dict[str, Any]:
    """``data/r/<slug>.json``: what the collection and the comparison show of a resolution.

    URLs are absolute under the site URL when one is configured, else relative to the site root.
    """
    page = c.resolution_path(res)
    used = dict.fromkeys(slug for d in res.directives for slug in d.themes)
    return {
        "slug": res.slug,
        "label": c.labels[res.slug],
        "district": c.district(res),
        "kind": kind_label(res),
        "title": res.title,
        "date": res.date,
        "year": res.year,
        "url": _url(site_url, page),
        "source": source_label(c, res),
        "themes": {
            slug: c.theme_by_slug[slug].name if slug in c.theme_by_slug else slug for slug in used
        },
        "directives": [
            {
                "id": directive_id(res.slug, d.anchor),
                "number": d.number,
                "addressees": list(d.addressees),
                "context": d.context,
                "text": d.text,
                "deadline": format_deadline(d.deadline),
                "themes": list(dict.fromkeys(d.themes)),
                "url": _url(site_url, page, d.anchor),
            }
            for d in res.directives
        ],
    }


def districts_data(c: Corpus) -> dict[str, Any]:
    """``data/rajony.json``: the themes and the districts with their years (a line each)."""
    return {
        "themes": [{"slug": t.slug, "name": t.name} for t in c.themes],
        "districts": [
            {
                "name": district,
                "key": c.district_page[district],
                "years": sorted({r.year for r in c.in_district(district) if r.year}),
            }
            for district in c.districts
        ],
    }


def district_data(c: Corpus, district: str, years_page: str | None) -> dict[str, Any]:
    """``data/d/<district>.json``: the district's resolutions, oldest first, and its pages."""
    return {
        "name": district,
        "key": c.district_page[district],
        "region": c.region(district),
        "page": page_url(c.district_path(district)),
        "years_page": page_url(years_page) if years_page else None,
        "resolutions": [
            {"slug": r.slug, "year": r.year, "date": r.date, "count": len(r.directives)}
            for r in sorted(c.in_district(district), key=lambda r: (r.date or "", r.slug))
        ],
    }


COMPARE_PAGE_BYTES = 120_000
"""About the most bytes of year comparisons on one page of a district's years: older years
continue on further pages, so the page does not grow with the district's archive."""
COMPARE_TEXT = 200
"""Characters of a directive's text in a comparison (cut with «…»; its link leads to it)."""


def district_years_page(c: Corpus, district: str, links: Continuity) -> str | None:
    """The first page of the district's years side by side, or None when it has fewer
    than two years."""
    pages = district_years_pages(c, district, links)
    return next(iter(pages.values()), None)


def district_years_pages(c: Corpus, district: str, links: Continuity) -> dict[str, str]:
    """The district's years side by side, newest first: docs/ path → Markdown. The first
    page has a table of every pair of years; the pairs fill pages of about
    COMPARE_PAGE_BYTES each (none when the district has fewer than two years)."""
    years = links.years.get(district, ())
    if len(years) < 2:
        return {}
    key = c.district_page[district]
    by_year = district_years(c.in_district(district))[district]
    pairs = list(reversed(list(itertools.pairwise(years))))
    chunks: list[list[tuple[int, int]]] = [[]]
    budget = COMPARE_PAGE_BYTES
    for old_year, new_year in pairs:
        size = sum(
            len(i.directive.text[:COMPARE_TEXT].encode("utf-8")) + 300
            for i in (*by_year[new_year], *by_year[old_year])
        )
        if chunks[-1] and budget - size < 0:
            chunks.append([])
            budget = COMPARE_PAGE_BYTES
        chunks[-1].append((old_year, new_year))
        budget -= size
    paths = [urls.district_years_path(key, n) for n in range(1, len(chunks) + 1)]
    where = {new: path for path, chunk in zip(paths, chunks, strict=True) for _, new in chunk}
    labels = [_span(chunk) for chunk in chunks]
    out: dict[str, str] = {}
    for n, (page, chunk) in enumerate(zip(paths, chunks, strict=True), 1):
        of = f", {labels[n - 1]}" if len(chunks) > 1 else ""
        lines = [
            front_matter(
                f"{district} по годам{of}",
                f"{district}: что сохранилось, что появилось, что ушло",
            ),
            f"# {md_text(district)} по годам",
            "",
            "Каждое поручение года сравнено с поручениями предыдущего года этого района: "
            "**сохранилось** — в прошлом году было поручение о том же (близость по смыслу), "
            "**новое** — такого не было, **не повторилось** — поручение прошлого года, "
            "которого в этом году нет.",
            "{: .avg-lead }",
            "",
            f"[Все поручения района]({md_link(page, c.district_path(district))}) · "
            f"[Сравнить с другими районами]({md_link(page, urls.COMPARE_PAGE)})",
            "",
        ]
        pager = [f"Годы: {pager_line(page, paths, labels)}", "{: .avg-pager }", ""]
        if len(chunks) > 1:
            lines += pager
        if n == 1 and len(pairs) > 1:
            lines += _pairs_table(page, pairs, where, by_year, links)
        for old_year, new_year in chunk:
            lines += _pair(c, page, links, old_year, by_year[old_year], new_year, by_year[new_year])
        if len(chunks) > 1:
            lines += pager
        out[page] = "\n".join(lines)
    return out


def _span(chunk: Sequence[tuple[int, int]]) -> str:
    newest, oldest = chunk[0][1], chunk[-1][0]
    return f"{oldest}–{newest}"


def _pairs_table(
    page: str,
    pairs: Sequence[tuple[int, int]],
    where: Mapping[int, str],
    by_year: Mapping[int, Sequence[Item]],
    links: Continuity,
) -> list[str]:
    lines = [
        "| Годы | Сохранилось | Новых | Не повторилось |",
        "| --- | ---: | ---: | ---: |",
    ]
    for old_year, new_year in pairs:
        new, old = by_year[new_year], by_year[old_year]
        kept = sum(1 for i in new if i.id in links.before)
        dropped = sum(1 for i in old if i.id not in links.after)
        target = md_link(page, where[new_year], f"g-{new_year}")
        lines.append(
            f"| [{new_year} и {old_year}]({target}) | {kept} | {len(new) - kept} | {dropped} |"
        )
    return [*lines, ""]


def _pair(
    c: Corpus,
    page: str,
    links: Continuity,
    old_year: int,
    old: Sequence[Item],
    new_year: int,
    new: Sequence[Item],
) -> list[str]:
    kept = [i for i in new if i.id in links.before]
    fresh = [i for i in new if i.id not in links.before]
    dropped = [i for i in old if i.id not in links.after]
    lines = [
        f"## {new_year} год по сравнению с {old_year} {{#g-{new_year}}}",
        "",
        f"Сохранилось: {len(kept)} · новых: {len(fresh)} · не повторилось: {len(dropped)}.",
        "{: .avg-summary }",
        "",
    ]
    if kept:
        lines += [f"### Сохранились ({len(kept)}) {{#g-{new_year}-sohranilis}}", ""]
        for item in kept:
            match = c.by_id.get(links.before[item.id].id)
            lines.append(_line(c, item, page) + _was(c, page, match, old_year))
        lines.append("")
    if fresh:
        lines += [f"### Новые ({len(fresh)}) {{#g-{new_year}-novye}}", ""]
        lines += [_line(c, i, page) for i in fresh]
        lines.append("")
    if dropped:
        lines += [
            f"### Не повторились из {old_year} года ({len(dropped)}) "
            f"{{#g-{new_year}-ne-povtorilis}}",
            "",
        ]
        lines += [_line(c, i, page) for i in dropped]
        lines.append("")
    if not new:
        lines += [f"В {new_year} году у района нет поручений.", ""]
    return lines


def _line(c: Corpus, item: Item, page: str) -> str:
    return directive_line(c, item, page, limit=COMPARE_TEXT)


def _was(c: Corpus, page: str, match: Item | None, year: int) -> str:
    if match is None:
        return ""
    number = match.directive.number
    target = md_link(page, c.resolution_path(match.resolution), match.directive.anchor)
    return f" · *в {year}: [{md_text('п. ' + number) if number else 'поручение'}]({target})*"


def compare_files(
    c: Corpus, links: Continuity | None, site_url: str | None
) -> tuple[dict[str, str | bytes], list[tuple[str, str]]]:
    """The collection's and comparison's data files and the district-years pages, by docs/
    path; and those pages as (path, title) for the navigation."""
    pages: list[tuple[str, str]] = []
    files = dict(iter_compare_files(c, links, site_url, pages))
    return files, pages


def iter_compare_files(
    c: Corpus, links: Continuity | None, site_url: str | None, pages: list[tuple[str, str]]
) -> Iterator[tuple[str, str | bytes]]:
    """:func:`compare_files` one file at a time, as (docs/ path, body); the pages for the
    navigation are appended to ``pages`` as they are made."""
    for district in c.districts:
        written = district_years_pages(c, district, links) if links is not None else {}
        path = next(iter(written), None)
        if path:
            yield from written.items()
            pages.append((path, f"{district} по годам"))
        data = district_data(c, district, path)
        yield urls.district_data_path(c.district_page[district]), _json(data)
    for res in c.resolutions:
        yield (
            urls.resolution_data_path(res.slug),
            gzip_stable(_json(resolution_data(c, res, site_url))),
        )
    yield urls.DISTRICTS_JSON, _json(districts_data(c))


COMPARE_LIST_ENTRIES = 200
"""The most districts the comparison page (and each page continuing its list) names."""


def compare_index(
    c: Corpus, pages: Sequence[tuple[str, str]], intro: str | None
) -> dict[str, str | bytes]:
    """The comparison page (``intro``, content/sravnenie/index.md, with the list of the
    districts' years pages below it, by region) and the pages its list continues on.

    The comparison page comes as bytes, which the page writer does not check again: its
    hand-written part has the comparison's script, and the list is checked here."""
    written = {path for path, _ in pages}
    districts = [d for d in c.districts if urls.district_years_path(c.district_page[d]) in written]
    districts.sort(key=lambda d: (c.region(d) is None, c.region(d) or "", d))
    chunks = [
        districts[n : n + COMPARE_LIST_ENTRIES]
        for n in range(0, len(districts), COMPARE_LIST_ENTRIES)
    ] or [[]]
    paths = [urls.compare_list_path(n) for n in range(1, len(chunks) + 1)]
    out: dict[str, str | bytes] = {}
    for n, (page, chunk) in enumerate(zip(paths, chunks, strict=True), 1):
        if n == 1:
            lines = ["## Один район по годам {#po-godam}", ""]
        else:
            title = f"Районы по годам, страница {n} из {len(paths)}"
            lines = [front_matter(title), f"# {title}", ""]
            lines += [f"[Сравнение районов]({md_link(page, urls.COMPARE_PAGE)})", ""]
        if not districts:
            lines += ["Пока нет районов с решениями нескольких лет.", ""]
        pager = [f"Страницы: {pager_line(page, paths)}", "{: .avg-pager }", ""]
        lines += pager if len(paths) > 1 else []
        region: str | None = ""
        for district in chunk:
            if c.region(district) != region or not lines[-1].startswith("- "):
                region = c.region(district)
                lines += ["", f"**{md_text(region or 'Регион не указан')}**", ""]
            years = sorted({r.year for r in c.in_district(district) if r.year})
            span = f" — {years[0]}–{years[-1]}" if len(years) > 1 else ""
            target = md_link(page, urls.district_years_path(c.district_page[district]))
            lines.append(f"- [{md_text(district)}]({target}){span}")
        lines.append("")
        lines += pager if len(paths) > 1 else []
        text = "\n".join(lines)
        if n == 1:
            check_markdown(page, text)
            head = intro or front_matter("Сравнение районов") + "# Сравнение районов\n"
            out[page] = (head.rstrip() + "\n\n" + text).encode("utf-8")
        else:
            out[page] = text
    return out


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


__all__ = [
    "COMPARE_LIST_ENTRIES",
    "COMPARE_PAGE_BYTES",
    "COMPARE_TEXT",
    "Continuity",
    "compare_files",
    "compare_index",
    "continuity",
    "district_data",
    "district_years",
    "district_years_page",
    "district_years_pages",
    "districts_data",
    "iter_compare_files",
    "resolution_data",
    "source_label",
]
