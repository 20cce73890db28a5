"""A resolution's page: facts, preamble and sections, directives grouped by addressee."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from avgust.records import Directive, Resolution
from avgust.ru.calendar import academic_year_label, read_academic_year
from avgust.ru.format import format_date, format_deadline, plural
from avgust.site.corpus import Corpus, Item, similar_items
from avgust.site.markdown import md_paragraphs, md_text
from avgust.site.pages.common import front_matter, kind_label, safe_url, title_markdown
from avgust.urls import md_link
from avgust.util.text import squash


def resolution_page(c: Corpus, res: Resolution, source_size: int) -> str:
    page = c.resolution_path(res)
    district = c.district(res)
    lines = [
        front_matter(
            f"{c.labels[res.slug]} — {kind_label(res).lower()}",
            f"{kind_label(res)} августовской конференции: {district}, {res.date or ''}",
        ),
        f"# {title_markdown(res)}",
        "",
        '<div class="avg-facts" markdown>',
        "",
        f"- **Вид документа:** {md_text(kind_label(res))}",
        f"- **Район:** [{md_text(district)}]({md_link(page, c.district_path(district))})",
    ]
    if res.region:
        lines.append(f"- **Регион:** {md_text(res.region)}")
    if res.date and res.year:
        lines.append(
            f"- **Дата:** [{format_date(res.date)}]({md_link(page, c.year_path(res.year))})"
        )
    first = read_academic_year(res.academic_year)
    if first is not None:
        lines.append(f"- **Учебный год:** {academic_year_label(first)}")
    count = plural(len(res.directives), "поручение", "поручения", "поручений")
    lines.append(f"- **Поручений:** [{count}](#porucheniya)")
    source_name = md_text(Path(res.source).name)
    size = f"{max(1, round(source_size / 1024))} КБ"
    lines.append(
        f"- **Исходный документ:** [{source_name}]({md_link(page, c.source_path(res))}) ({size})"
    )
    url = safe_url(res.source_url)
    if url:
        host = urlsplit(url).hostname or urlsplit(url).netloc  # never a "user@" part
        lines.append(f"- **Опубликован:** [{md_text(host)}]({url})")
    lines += ["", "</div>", ""]
    if res.notes and res.notes.strip():
        lines.append('!!! note "Примечание"')
        lines += [f"    {p}\n" for p in md_paragraphs(res.notes)]
    if res.preamble.strip():
        lines += ["## Вводная часть {#vvodnaya-chast}", ""]
        lines += [f"{p}\n" for p in md_paragraphs(res.preamble)]
    for n, section in enumerate(res.sections, 1):
        title = md_text(section.title.strip().rstrip(":").strip()) or "Раздел"
        lines += [f"## {title} {{#razdel-{n}}}", ""]
        lines += [f"- {md_text(item)}" for item in section.items if item.strip()]
        lines.append("")
    lines += ["## Поручения {#porucheniya}", ""]
    if not res.directives:
        lines += ["В документе нет поручений.", ""]
    for n, (addressees, directives) in enumerate(_by_addressee(res.directives), 1):
        heading = md_text(", ".join(a.rstrip(" :") for a in addressees)) or "Всем участникам"
        lines += [f"### {heading} {{#adresat-{n}}}", ""]
        for directive in directives:
            lines += _directive_block(c, Item(res, directive), page)
    return "\n".join(lines)


def _by_addressee(directives: Sequence[Directive]) -> list[tuple[tuple[str, ...], list[Directive]]]:
    groups: dict[tuple[str, ...], list[Directive]] = {}
    for directive in directives:
        key = tuple(squash(a) for a in directive.addressees if a.strip())
        groups.setdefault(key, []).append(directive)
    return list(groups.items())


def _directive_block(c: Corpus, item: Item, page: str) -> list[str]:
    directive = item.directive
    anchor = directive.anchor
    number = md_text(directive.number) if directive.number else "•"
    lines = [f'<div class="avg-directive" id="{anchor}" data-directive="{item.id}" markdown>', ""]
    if directive.context and directive.context.strip():
        lines += [md_text(directive.context), "{: .avg-context }", ""]
    text = md_paragraphs(directive.text) or [""]
    lines += [
        f'[{number}](#{anchor}){{ .avg-num title="Ссылка на это поручение" }} {text[0]}',
        "",
    ]
    lines += [f"{p}\n" for p in text[1:]]
    if directive.responsible and directive.responsible.strip():
        lines += [f"Ответственные: {md_text(directive.responsible)}", "{: .avg-responsible }", ""]
    meta = _meta_line(c, item, page)
    if meta:
        lines += [meta, "{: .avg-meta }", ""]
    others = similar_items(c, item)
    if others:
        lines.append(f'??? avg-similar "Похожие поручения в других районах ({len(others)})"')
        lines.append("")
        for other in others:
            target = md_link(page, c.resolution_path(other.resolution), other.directive.anchor)
            label = md_text(c.directive_label(other))
            full = md_text(other.directive.text)  # whole, so that it can be copied
            lines.append(f'    - [{label}]({target}){{ data-directive="{other.id}" }}: {full}')
        lines.append("")
    lines += ["</div>", ""]
    return lines


def _meta_line(c: Corpus, item: Item, page: str) -> str:
    parts = []
    deadline = format_deadline(item.directive.deadline)
    if deadline:
        kind = item.directive.deadline.kind.value
        parts.append(
            f'<span class="avg-deadline" data-kind="{kind}">Срок: {md_text(deadline)}</span>'
        )
    for slug in dict.fromkeys(item.directive.themes):
        theme = c.theme_by_slug.get(slug)
        if theme is None:
            parts.append(f'<span class="avg-tag">{md_text(slug)}</span>')
        else:
            parts.append(
                f"[{md_text(theme.name)}]({md_link(page, c.theme_path(slug))}){{ .avg-tag }}"
            )
    return " ".join(parts)
