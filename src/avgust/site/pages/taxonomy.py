"""The theme, district and year pages, and the index pages that list them."""

from __future__ import annotations

from collections import Counter

from avgust import urls
from avgust.records import Theme
from avgust.ru.format import format_date, plural
from avgust.site.corpus import Corpus
from avgust.site.markdown import md_paragraphs, md_text
from avgust.site.pages.chart import theme_chart
from avgust.site.pages.common import (
    directive_line,
    district_title,
    front_matter,
    kind_label,
    resolution_item,
    title_markdown,
)
from avgust.urls import md_link


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
    for district in districts:
        in_district = [i for i in items if c.district(i.resolution) == district]
        slug = c.district_page[district]
        lines += [f"## {md_text(district)} ({len(in_district)}) {{#d-{slug}}}", ""]
        for res in c.in_district(district):
            chosen = [i for i in in_district if i.resolution.slug == res.slug]
            if not chosen:
                continue
            when = f"{res.year} год" if res.year else md_text(kind_label(res))
            lines += [f"### {when} ({len(chosen)}) {{#d-{slug}-{res.slug}}}", ""]
            title = title_markdown(res)
            lines += [f"Из документа: [{title}]({md_link(page, c.resolution_path(res))})", ""]
            lines += [directive_line(c, i, page) for i in chosen]
            lines.append("")
    return "\n".join(lines)


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
    lines += [" · ".join(facts), "{: .avg-summary }", "", "## Документы {#dokumenty}", ""]
    for res in resolutions:
        when = format_date(res.date) if res.date else "дата не указана"
        n = plural(len(res.directives), "поручение", "поручения", "поручений")
        title = title_markdown(res)
        lines.append(f"- **{when}** — [{title}]({md_link(page, c.resolution_path(res))}) · {n}")
    lines.append("")
    counts = Counter(
        slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
    )
    slug = c.district_page[district]
    lines += _theme_table(c, page, counts, anchor=f"d-{slug}")
    return "\n".join(lines)


def year_page(c: Corpus, year: int) -> str:
    page = c.year_path(year)
    resolutions = c.in_year(year)
    count = sum(len(r.directives) for r in resolutions)
    lines = [
        front_matter(f"{year} год"),
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
    for res in resolutions:
        n = plural(len(res.directives), "поручение", "поручения", "поручений")
        district = c.district(res)
        lines.append(
            f"- [{md_text(district)}]({md_link(page, c.district_path(district))}) — "
            f"[{title_markdown(res)}]({md_link(page, c.resolution_path(res))}) · {n}"
        )
    lines.append("")
    counts = Counter(
        slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
    )
    lines += _theme_table(c, page, counts)
    return "\n".join(lines)


def _theme_table(
    c: Corpus, page: str, counts: Counter[str], anchor: str | None = None
) -> list[str]:
    known = [(t, counts[t.slug]) for t in c.themes if counts[t.slug]]
    if not known:
        return []
    known.sort(key=lambda pair: (-pair[1], pair[0].name))
    lines = ["## Темы {#temy}", "", "| Тема | Поручений |", "| --- | ---: |"]
    for theme, n in known:
        lines.append(
            f"| [{md_text(theme.name)}]({md_link(page, c.theme_path(theme.slug), anchor)}) | {n} |"
        )
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
    for year in c.years:
        lines += [f"## {year} год {{#y-{year}}}", ""]
        for res in c.in_year(year):
            lines.append(resolution_item(c, page, res))
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


def districts_index(c: Corpus) -> str:
    page = urls.DISTRICTS_INDEX
    lines = [front_matter("Районы"), "# Районы", ""]
    for district in c.districts:
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
