"""A resolution's page, phone first: the directives first, the document's facts and preamble below.

The page opens with a short heading, a summary line (how many directives, for whom, the
first deadline) and addressee chips, then the directives grouped by addressee, each with
a share button; the facts of the document follow, and the preamble and sections sit in a
closed «Вводная часть». Chips and share buttons are ``hidden`` until the site script
(content/assets/avgust.js) enables them, so without JavaScript everything is shown. No
document text goes into raw HTML: the script reads names from escaped Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from avgust.records import Directive, Resolution
from avgust.ru.calendar import academic_year_label, read_academic_year
from avgust.ru.format import format_date, format_deadline, plural
from avgust.site.corpus import Corpus, Item, similar_items
from avgust.site.markdown import md_paragraphs, md_text
from avgust.site.pages.common import (
    front_matter,
    kind_label,
    safe_url,
    title_markdown,
)
from avgust.urls import md_link
from avgust.util.text import squash

NO_DEADLINES = "сроки не указаны"
_SUMMARY_ADDRESSEES = 3


def citation(c: Corpus, res: Resolution) -> str:
    """How a directive of ``res`` is cited: "Мучкапский район, решение от 26.08.2020"."""
    cite = f"{c.district(res)}, {kind_label(res).lower()}"
    return f"{cite} от {format_date(res.date, 'dd.MM.y')}" if res.date else cite


def resolution_page(c: Corpus, res: Resolution, source_size: int) -> str:
    page = c.resolution_path(res)
    district = c.district(res)
    kind = kind_label(res)
    heading = f"{district}: {kind.lower()}"
    if res.date:
        heading += f" от {format_date(res.date)}"
    groups = _by_addressee(res.directives)
    lines = [
        front_matter(
            f"{c.labels[res.slug]} — {kind.lower()}",
            f"{kind} августовской конференции: {district}, {res.date or ''}",
        ),
        f"# {md_text(heading)}",
        "",
    ]
    if squash(res.title) and squash(res.title) != squash(heading):
        lines += [title_markdown(res), "{: .avg-doc-title }", ""]
    lines += [_summary(res, groups), "{: .avg-summary-line }", ""]
    lines += _chips(c, res, _addressees(groups))
    lines += ["## Поручения {#porucheniya}", ""]
    if not res.directives:
        lines += ["В документе нет поручений.", ""]
    lines += ['<div class="avg-directives" markdown>', ""]
    chip_of = {a: n for n, a in enumerate(_addressees(groups), 1)}
    for n, (addressees, directives) in enumerate(groups, 1):
        heading_text = md_text(", ".join(addressees)) or "Всем участникам"
        keys = " ".join(str(chip_of[a]) for a in addressees)
        lines += [f'<section class="avg-group" data-addressees="{keys}" markdown>', ""]
        lines += [f"### {heading_text} {{#adresat-{n}}}", ""]
        for directive in directives:
            lines += _directive_block(c, Item(res, directive), page)
        lines += ["</section>", ""]
    lines += ["</div>", ""]
    lines += _facts(c, res, page, source_size)
    lines += _introduction(res)
    return "\n".join(lines)


def _summary(res: Resolution, groups: Sequence[tuple[tuple[str, ...], list[Directive]]]) -> str:
    parts = [plural(len(res.directives), "поручение", "поручения", "поручений")]
    addressees = _addressees(groups)
    if addressees:
        named = ", ".join(addressees[:_SUMMARY_ADDRESSEES])
        more = len(addressees) - _SUMMARY_ADDRESSEES
        parts.append(f"кому: {named}" + (f" и ещё {more}" if more > 0 else ""))
    dated = [d for d in res.directives if d.deadline.end]
    if dated:
        first = min(dated, key=lambda d: d.deadline.end or "")
        parts.append(f"первый срок: {format_deadline(first.deadline)}")
    elif not any(format_deadline(d.deadline) for d in res.directives):
        parts.append(NO_DEADLINES)
    return " · ".join(md_text(p) for p in parts)


def _chips(c: Corpus, res: Resolution, addressees: Sequence[str]) -> list[str]:
    """The addressee chips' bar and the names the script makes them from.

    The bar's raw HTML holds no document text: the names (and the citation the share
    buttons copy) are hidden Markdown below it, escaped like all document text.
    """
    lines = []
    if len(addressees) >= 2:
        lines += [
            '<div class="avg-chips" role="group" aria-label="Показать поручения адресату" hidden>'
            "</div>",
            "",
        ]
    lines += ['<div class="avg-keys" hidden markdown>', ""]
    lines += [f"*{md_text(citation(c, res))}*{{ .avg-cite }}", ""]
    lines += [f'*{md_text(a)}*{{ data-addressee="{n}" }}' for n, a in enumerate(addressees, 1)]
    lines += ["", "</div>", ""]
    return lines


def _facts(c: Corpus, res: Resolution, page: str, source_size: int) -> list[str]:
    district = c.district(res)
    lines = [
        "## О документе {#o-dokumente}",
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
        f"- **Исходный документ:** [{source_name}]({md_link(page, c.source_path(res))})"
        f"{{ .avg-source }} ({size})"
    )
    url = safe_url(res.source_url)
    if url:
        host = urlsplit(url).hostname or urlsplit(url).netloc  # never a "user@" part
        lines.append(f"- **Опубликован:** [{md_text(host)}]({url}){{ .avg-source }}")
    lines += ["", "</div>", ""]
    if res.notes and res.notes.strip():
        lines.append('!!! note "Примечание"')
        lines += [f"    {p}\n" for p in md_paragraphs(res.notes)]
    return lines


def _introduction(res: Resolution) -> list[str]:
    """The preamble and the sections, behind a closed «Вводная часть»."""
    sections = [s for s in res.sections if any(i.strip() for i in s.items) or s.title.strip()]
    if not res.preamble.strip() and not sections:
        return []
    lines = [
        '<details class="avg-intro" id="vvodnaya-chast" markdown>',
        "<summary>Вводная часть</summary>",
        "",
    ]
    lines += [f"{p}\n" for p in md_paragraphs(res.preamble)]
    for n, section in enumerate(res.sections, 1):
        title = md_text(section.title.strip().rstrip(":").strip()) or "Раздел"
        lines += [f"### {title} {{#razdel-{n}}}", ""]
        lines += [f"- {md_text(item)}" for item in section.items if item.strip()]
        lines.append("")
    lines += ["</details>", ""]
    return lines


def _by_addressee(directives: Sequence[Directive]) -> list[tuple[tuple[str, ...], list[Directive]]]:
    groups: dict[tuple[str, ...], list[Directive]] = {}
    for directive in directives:
        key = tuple(
            dict.fromkeys(squash(a).rstrip(" :") for a in directive.addressees if a.strip())
        )
        groups.setdefault(key, []).append(directive)
    return list(groups.items())


def _addressees(groups: Sequence[tuple[tuple[str, ...], list[Directive]]]) -> list[str]:
    """Every addressee once, in the order the groups name them."""
    return list(dict.fromkeys(a for key, _ in groups for a in key))


def _directive_block(c: Corpus, item: Item, page: str) -> list[str]:
    directive = item.directive
    anchor = directive.anchor
    number = md_text(directive.number) if directive.number else "•"
    # Only the id: the page's scripts add what every block has (its id in the collection,
    # the number's title, the share button), ≈ 200 bytes a directive, 20 MB at 100,000.
    lines = [f'<div class="avg-directive" id="{anchor}" markdown>', ""]
    if directive.context and directive.context.strip():
        lines += [md_text(directive.context), "{: .avg-context }", ""]
    text = md_paragraphs(directive.text) or [""]
    lines += [
        f"[{number}](#{anchor}){{ .avg-num }} {text[0]}",
        "",
    ]
    lines += [f"{p}\n" for p in text[1:]]
    if directive.responsible and directive.responsible.strip():
        lines += [f"Ответственные: {md_text(directive.responsible)}", "{: .avg-responsible }", ""]
    meta = _meta_line(c, item, page)
    if meta:
        lines += [meta, "{: .avg-meta }", ""]
    # A similar directive is only its label and link: its text came to half a resolution
    # page, a copy of other pages. collection.js takes the id from the link and puts the
    # whole texts in when the box is opened.
    others = similar_items(c, item)
    if others:
        lines.append(f'??? avg-similar "Похожие поручения в других районах ({len(others)})"')
        lines.append("")
        for other in others:
            target = md_link(page, c.resolution_path(other.resolution), other.directive.anchor)
            lines.append(f"    - [{md_text(c.directive_label(other))}]({target})")
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
