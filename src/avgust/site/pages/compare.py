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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from avgust import urls
from avgust.config import DEFAULT_SIMILAR_THEME_THRESHOLD, DEFAULT_SIMILAR_THRESHOLD
from avgust.index.similar import centred
from avgust.records import Resolution, SimilarDirective, directive_id
from avgust.ru.format import format_deadline
from avgust.site.corpus import Corpus, Item
from avgust.site.markdown import md_text
from avgust.site.pages.common import directive_line, front_matter, kind_label
from avgust.urls import md_link, page_url


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


def district_years_page(c: Corpus, district: str, links: Continuity) -> str | None:
    """The district's years side by side, or None when it has fewer than two years."""
    years = links.years.get(district, ())
    if len(years) < 2:
        return None
    page = urls.district_years_path(c.district_page[district])
    by_year = district_years(c.in_district(district))[district]
    lines = [
        front_matter(
            f"{district} по годам", f"{district}: что сохранилось, что появилось, что ушло"
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
    for old_year, new_year in reversed(list(itertools.pairwise(years))):
        new, old = by_year[new_year], by_year[old_year]
        kept = [i for i in new if i.id in links.before]
        fresh = [i for i in new if i.id not in links.before]
        dropped = [i for i in old if i.id not in links.after]
        lines += [
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
                lines.append(directive_line(c, item, page) + _was(c, page, match, old_year))
            lines.append("")
        if fresh:
            lines += [f"### Новые ({len(fresh)}) {{#g-{new_year}-novye}}", ""]
            lines += [directive_line(c, i, page) for i in fresh]
            lines.append("")
        if dropped:
            lines += [
                f"### Не повторились из {old_year} года ({len(dropped)}) "
                f"{{#g-{new_year}-ne-povtorilis}}",
                "",
            ]
            lines += [directive_line(c, i, page) for i in dropped]
            lines.append("")
        if not new:
            lines += [f"В {new_year} году у района нет поручений.", ""]
    return "\n".join(lines)


def _was(c: Corpus, page: str, match: Item | None, year: int) -> str:
    if match is None:
        return ""
    number = match.directive.number
    target = md_link(page, c.resolution_path(match.resolution), match.directive.anchor)
    return f" · *в {year}: [{md_text('п. ' + number) if number else 'поручение'}]({target})*"


def compare_files(
    c: Corpus, links: Continuity | None, site_url: str | None
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The collection's and comparison's data files and the district-years pages, by docs/
    path; and those pages as (path, title) for the navigation."""
    files: dict[str, str] = {}
    pages: list[tuple[str, str]] = []
    for district in c.districts:
        text = district_years_page(c, district, links) if links is not None else None
        path = urls.district_years_path(c.district_page[district]) if text else None
        if path and text:
            files[path] = text
            pages.append((path, f"{district} по годам"))
        data = district_data(c, district, path)
        files[urls.district_data_path(c.district_page[district])] = _json(data)
    for res in c.resolutions:
        files[urls.resolution_data_path(res.slug)] = _json(resolution_data(c, res, site_url))
    files[urls.DISTRICTS_JSON] = _json(districts_data(c))
    return files, pages


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


__all__ = [
    "Continuity",
    "compare_files",
    "continuity",
    "district_data",
    "district_years",
    "district_years_page",
    "districts_data",
    "resolution_data",
    "source_label",
]
