"""The Markdown pages of the site, generated from the parsed resolutions into docs/.

One page per resolution (its directives grouped by addressee, each at a stable
anchor such as ``#p-2-1`` with its deadline, themes and similar directives of
other districts), per theme, per district and per year; a deadlines calendar; a
home page with figures and a chart; the open data (JSON and CSV) and a copy of
every source document. The hand-written pages of ``content/`` are copied in too.

docs/ is rewritten as a whole: everything is written into a temporary folder next
to it, checked, and swapped in. The navigation goes to ``docs/.nav.yml``, which the
MkDocs hook in :mod:`avgust._site` reads (MkDocs itself skips dot files).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import posixpath
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml
from markdown_it import MarkdownIt
from slugify import slugify

from avgust._config import Config
from avgust._fs import make_readable
from avgust._markup import (
    academic_year_label,
    academic_year_of,
    format_date,
    format_deadline,
    html_text,
    md_paragraphs,
    md_text,
    month_name,
    plain_title,
    plural,
    squash,
)
from avgust._site import NAV_FILE, replace_dir, site_url
from avgust._types import (
    RESOLUTION_PAGES,
    AvgustError,
    DeadlineKind,
    Directive,
    Problem,
    Resolution,
    SimilarDirective,
    Theme,
    directive_id,
    to_dict,
)

CONTENT_DIR = "content"
NO_DISTRICT = "Район не указан"
GENERATED_NOTE = (
    "# docs/ is generated\n\nEverything here is written by `avgust build` (src/avgust/_pages.py)"
    " and rewritten on every build. Edit content/ or the code instead.\n"
)
# Tableau 10: distinct on screen and in print, kind to the colour-blind.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# The ids a resolution page gives its own headings; a directive anchor must differ.
_PAGE_IDS = re.compile(r"^(vvodnaya-chast|porucheniya|razdel-\d+|adresat-\d+)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: The longest page file name made from a district or theme name (before ".md", "-2").
MAX_SLUG_CHARS = 80
# As the parser makes resolution slugs: "Мучкапский район" → "muchkapskij-rajon".
_TRANSLIT = [["й", "j"], ["Й", "J"]]
_TEXT_SOURCES = {".txt", ".md", ".markdown", ".text", ""}
DATA_FIELDS = (
    "id",
    "url",
    "resolution",
    "kind",
    "title",
    "district",
    "region",
    "date",
    "year",
    "academic_year",
    "number",
    "anchor",
    "order",
    "line",
    "addressees",
    "context",
    "text",
    "responsible",
    "deadline_raw",
    "deadline_kind",
    "deadline_start",
    "deadline_end",
    "deadline_text",
    "themes",
    "similar",
    "source",
)


@dataclass(frozen=True)
class _Item:
    """A directive together with the resolution it belongs to."""

    resolution: Resolution
    directive: Directive

    @property
    def id(self) -> str:
        return directive_id(self.resolution.slug, self.directive.anchor)


class _Corpus:
    """The resolutions with every lookup the pages need, and where each page lives."""

    def __init__(
        self,
        resolutions: Sequence[Resolution],
        themes: Sequence[Theme],
        similar: Mapping[str, Sequence[SimilarDirective]],
    ) -> None:
        self.resolutions = sorted(resolutions, key=lambda r: (r.date or "", r.slug), reverse=True)
        self.themes = tuple(themes)
        self.similar = similar
        self._check_unique()
        self.items = [_Item(r, d) for r in self.resolutions for d in r.directives]
        self.by_id = {item.id: item for item in self.items}
        self.theme_by_slug = {t.slug: t for t in self.themes}
        self.theme_page = _unique_slugs({t.slug: t.slug for t in self.themes})
        self.district_page = _unique_slugs(
            {self.district(r): self.district(r) for r in resolutions}
        )
        self.districts = sorted(self.district_page)
        self.years = sorted({r.year for r in self.resolutions if r.year is not None}, reverse=True)
        self.labels = self._labels()
        self.theme_items: dict[str, list[_Item]] = defaultdict(list)
        for item in self.items:
            for slug in dict.fromkeys(item.directive.themes):
                self.theme_items[slug].append(item)

    def _check_unique(self) -> None:
        seen: set[str] = set()
        for res in self.resolutions:
            if not _SLUG.match(res.slug):
                raise AvgustError(
                    f"resolution slug {res.slug!r} is not ASCII letters, digits, -", res.source
                )
            if res.slug in seen:
                raise AvgustError(f"two resolutions share the slug {res.slug!r}", res.source)
            seen.add(res.slug)
            anchors: set[str] = set()
            for directive in res.directives:
                if (
                    not _ANCHOR.match(directive.anchor)
                    or directive.anchor in anchors
                    or _PAGE_IDS.match(directive.anchor)
                ):
                    raise AvgustError(
                        f"directive anchor {directive.anchor!r} is not unique ASCII",
                        res.source,
                        directive.line or None,
                    )
                anchors.add(directive.anchor)

    def _labels(self) -> dict[str, str]:
        """Short names for navigation and links: "Мучкапский район, 2020" (+ date if taken)."""
        base: dict[str, str] = {}
        for res in self.resolutions:
            district = self.district(res)
            base[res.slug] = f"{district}, {res.year}" if res.year else district
        taken = Counter(base.values())
        labels: dict[str, str] = {}
        for res in self.resolutions:
            label = base[res.slug]
            labels[res.slug] = (
                f"{label} ({format_date(res.date)})" if taken[label] > 1 and res.date else label
            )
        return labels

    @staticmethod
    def district(res: Resolution) -> str:
        return squash(res.district) if res.district and res.district.strip() else NO_DISTRICT

    def region(self, district: str) -> str | None:
        return next(
            (r.region for r in self.resolutions if self.district(r) == district and r.region), None
        )

    def in_district(self, district: str) -> list[Resolution]:
        return [r for r in self.resolutions if self.district(r) == district]

    def in_year(self, year: int) -> list[Resolution]:
        return [r for r in self.resolutions if r.year == year]

    # Page paths, relative to docs/ (POSIX).
    @staticmethod
    def resolution_path(res: Resolution) -> str:
        return f"{RESOLUTION_PAGES}/{res.slug}.md"

    def theme_path(self, slug: str) -> str:
        return f"temy/{self.theme_page[slug]}.md"

    def district_path(self, district: str) -> str:
        return f"rajony/{self.district_page[district]}.md"

    @staticmethod
    def year_path(year: int) -> str:
        return f"gody/{year}.md"

    @staticmethod
    def source_path(res: Resolution) -> str:
        suffix = Path(res.source).suffix.lower()
        if suffix in (".html", ".htm"):
            # a district's page with its scripts must not run on this site's origin
            return f"sources/{res.slug}{suffix}.txt"
        return f"sources/{res.slug}{'.txt' if suffix in _TEXT_SOURCES else suffix}"

    def directive_label(self, item: _Item) -> str:
        number = item.directive.number
        return f"{self.labels[item.resolution.slug]}, {'п. ' + number if number else 'поручение'}"


def _unique_slugs(names: Mapping[str, str]) -> dict[str, str]:
    """ASCII file names for ``names`` (Cyrillic is transliterated), unique among themselves."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for key, name in sorted(names.items()):
        base = _capped_slug(slugify(name, replacements=_TRANSLIT)) or "page"
        slug, n = base, 2
        while slug in used or slug == "index":
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        out[key] = slug
    return out


def _capped_slug(slug: str) -> str:
    """``slug`` cut to :data:`MAX_SLUG_CHARS` on a word boundary, plus a hash of the whole.

    A district named in 260 letters must still give a file name the file system takes;
    the hash keeps two long names that share their start apart.
    """
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    head = slug[: MAX_SLUG_CHARS - len(digest) - 1]
    if slug[len(head)] != "-" and "-" in head:
        head = head.rsplit("-", 1)[0]
    return f"{head.rstrip('-')}-{digest}"


def _link(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A relative Markdown link target from one docs/ page to another page or file."""
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{target}#{anchor}" if anchor else target


def page_url(page: str) -> str:
    """The site URL (relative to the site root) of a docs/ page, with directory URLs."""
    if page == "index.md":
        return ""
    if page.endswith("/index.md"):
        return page[: -len("index.md")]
    return page[: -len(".md")] + "/" if page.endswith(".md") else page


def _url(from_page: str, to_page: str) -> str:
    """A relative URL for raw HTML (which MkDocs does not rewrite) between two pages."""
    here = page_url(from_page) or "./"
    there = page_url(to_page) or "./"
    base = here if here.endswith("/") else posixpath.dirname(here) + "/"
    target = posixpath.relpath(there, base.rstrip("/") or ".")
    return target + "/" if there.endswith("/") and not target.endswith("/") else target


def _front_matter(title: str, description: str = "", hide: Iterable[str] = ()) -> str:
    meta: dict[str, Any] = {"title": plain_title(title)}
    if description:
        meta["description"] = plain_title(description)
    if hide:
        meta["hide"] = list(hide)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def _kind(res: Resolution) -> str:
    return squash(res.kind).capitalize() if res.kind.strip() else "Решение"


def _title(res: Resolution) -> str:
    """The resolution's title as Markdown (its kind when it has none)."""
    return md_text(res.title) or md_text(_kind(res))


def _safe_url(url: str | None) -> str | None:
    """``url`` if it is http(s), percent-encoded so Markdown cannot misread it; else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#@!$&*+,;=%~-._")


# ---------------------------------------------------------------- resolution page


def _resolution_page(c: _Corpus, res: Resolution, source_size: int) -> str:
    page = c.resolution_path(res)
    district = c.district(res)
    lines = [
        _front_matter(
            f"{c.labels[res.slug]} — {_kind(res).lower()}",
            f"{_kind(res)} августовской конференции: {district}, {res.date or ''}",
        ),
        f"# {_title(res)}",
        "",
        '<div class="avg-facts" markdown>',
        "",
        f"- **Вид документа:** {md_text(_kind(res))}",
        f"- **Район:** [{md_text(district)}]({_link(page, c.district_path(district))})",
    ]
    if res.region:
        lines.append(f"- **Регион:** {md_text(res.region)}")
    if res.date and res.year:
        lines.append(f"- **Дата:** [{format_date(res.date)}]({_link(page, c.year_path(res.year))})")
    year_label = academic_year_label(res.academic_year)
    if year_label:
        lines.append(f"- **Учебный год:** {year_label}")
    count = plural(len(res.directives), "поручение", "поручения", "поручений")
    lines.append(f"- **Поручений:** [{count}](#porucheniya)")
    source_name = md_text(Path(res.source).name)
    size = f"{max(1, round(source_size / 1024))} КБ"
    lines.append(
        f"- **Исходный документ:** [{source_name}]({_link(page, c.source_path(res))}) ({size})"
    )
    url = _safe_url(res.source_url)
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
            lines += _directive_block(c, _Item(res, directive), page)
    return "\n".join(lines)


def _by_addressee(directives: Sequence[Directive]) -> list[tuple[tuple[str, ...], list[Directive]]]:
    groups: dict[tuple[str, ...], list[Directive]] = {}
    for directive in directives:
        key = tuple(squash(a) for a in directive.addressees if a.strip())
        groups.setdefault(key, []).append(directive)
    return list(groups.items())


def _directive_block(c: _Corpus, item: _Item, page: str) -> list[str]:
    directive = item.directive
    anchor = directive.anchor
    number = md_text(directive.number) if directive.number else "•"
    lines = [f'<div class="avg-directive" id="{anchor}" markdown>', ""]
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
    others = _similar(c, item)
    if others:
        lines.append(f'??? avg-similar "Похожие поручения в других районах ({len(others)})"')
        lines.append("")
        for other in others:
            target = _link(page, c.resolution_path(other.resolution), other.directive.anchor)
            excerpt = md_text(_excerpt(other.directive.text))
            lines.append(f"    - [{md_text(c.directive_label(other))}]({target}): {excerpt}")
        lines.append("")
    lines += ["</div>", ""]
    return lines


def _meta_line(c: _Corpus, item: _Item, page: str) -> str:
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
                f"[{md_text(theme.name)}]({_link(page, c.theme_path(slug))}){{ .avg-tag }}"
            )
    return " ".join(parts)


def _similar(c: _Corpus, item: _Item) -> list[_Item]:
    """The similar directives of other districts that exist in the corpus, best first."""
    found: list[_Item] = []
    here = c.district(item.resolution)
    for other in sorted(c.similar.get(item.id, ()), key=lambda s: -s.score):
        target = c.by_id.get(other.id)
        if target is None or other.id == item.id or c.district(target.resolution) == here:
            continue
        if target not in found:
            found.append(target)
    return found


def _excerpt(text: str, words: int = 28) -> str:
    parts = squash(text).split(" ")
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]) + " …"


def _directive_line(c: _Corpus, item: _Item, page: str, calendar: bool = False) -> str:
    """A directive as one list item: its number (a link to it), text and deadline.

    In the calendar the deadline comes first and the link names district and year.
    """
    target = _link(page, c.resolution_path(item.resolution), item.directive.anchor)
    number = item.directive.number
    deadline = format_deadline(item.directive.deadline)
    text = md_text(item.directive.text)
    if calendar:
        link = f"[{md_text(c.directive_label(item))}]({target})"
        return f"- **{md_text(deadline) or 'срок не указан'}** · {link}: {text}"
    link = f"[{md_text('п. ' + number) if number else 'к поручению'}]({target})"
    return f"- {link}: {text} — *срок: {md_text(deadline)}*" if deadline else f"- {link}: {text}"


# ---------------------------------------------------------------- theme, district, year pages


def _theme_page(c: _Corpus, theme: Theme) -> str:
    page = c.theme_path(theme.slug)
    items = c.theme_items.get(theme.slug, [])
    lines = [
        _front_matter(f"{theme.name} — тема", theme.description),
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
            when = f"{res.year} год" if res.year else md_text(_kind(res))
            lines += [f"### {when} ({len(chosen)}) {{#d-{slug}-{res.slug}}}", ""]
            title = _title(res)
            lines += [f"Из документа: [{title}]({_link(page, c.resolution_path(res))})", ""]
            lines += [_directive_line(c, i, page) for i in chosen]
            lines.append("")
    return "\n".join(lines)


def _district_page(c: _Corpus, district: str) -> str:
    page = c.district_path(district)
    resolutions = c.in_district(district)
    count = sum(len(r.directives) for r in resolutions)
    region = c.region(district)
    lines = [_front_matter(f"{district} — район"), f"# {md_text(district)}", ""]
    facts = [md_text(region)] if region else []
    facts += [
        plural(len(resolutions), "документ", "документа", "документов"),
        plural(count, "поручение", "поручения", "поручений"),
    ]
    lines += [" · ".join(facts), "{: .avg-summary }", "", "## Документы {#dokumenty}", ""]
    for res in resolutions:
        when = format_date(res.date) if res.date else "дата не указана"
        n = plural(len(res.directives), "поручение", "поручения", "поручений")
        title = _title(res)
        lines.append(f"- **{when}** — [{title}]({_link(page, c.resolution_path(res))}) · {n}")
    lines.append("")
    counts = Counter(
        slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
    )
    slug = c.district_page[district]
    lines += _theme_table(c, page, counts, anchor=f"d-{slug}")
    return "\n".join(lines)


def _year_page(c: _Corpus, year: int) -> str:
    page = c.year_path(year)
    resolutions = c.in_year(year)
    count = sum(len(r.directives) for r in resolutions)
    lines = [
        _front_matter(f"{year} год"),
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
            f"- [{md_text(district)}]({_link(page, c.district_path(district))}) — "
            f"[{_title(res)}]({_link(page, c.resolution_path(res))}) · {n}"
        )
    lines.append("")
    counts = Counter(
        slug for r in resolutions for d in r.directives for slug in dict.fromkeys(d.themes)
    )
    lines += _theme_table(c, page, counts)
    return "\n".join(lines)


def _theme_table(
    c: _Corpus, page: str, counts: Counter[str], anchor: str | None = None
) -> list[str]:
    known = [(t, counts[t.slug]) for t in c.themes if counts[t.slug]]
    if not known:
        return []
    known.sort(key=lambda pair: (-pair[1], pair[0].name))
    lines = ["## Темы {#temy}", "", "| Тема | Поручений |", "| --- | ---: |"]
    for theme, n in known:
        lines.append(
            f"| [{md_text(theme.name)}]({_link(page, c.theme_path(theme.slug), anchor)}) | {n} |"
        )
    return [*lines, ""]


# ---------------------------------------------------------------- index pages


def _resolutions_index(c: _Corpus) -> str:
    page = "resheniya/index.md"
    lines = [
        _front_matter("Решения и резолюции"),
        "# Решения и резолюции",
        "",
        "Решения августовских конференций и совещаний работников образования — "
        "каждое на своей странице, с поручениями по адресатам и сроками.",
        "",
    ]
    for year in c.years:
        lines += [f"## {year} год {{#y-{year}}}", ""]
        for res in c.in_year(year):
            lines.append(_resolution_item(c, page, res))
        lines.append("")
    undated = [r for r in c.resolutions if r.year is None]
    if undated:
        lines += ["## Без даты {#bez-daty}", ""]
        lines += [_resolution_item(c, page, r) for r in undated]
        lines.append("")
    return "\n".join(lines)


def _resolution_item(c: _Corpus, page: str, res: Resolution) -> str:
    n = plural(len(res.directives), "поручение", "поручения", "поручений")
    return (
        f"- [{md_text(c.labels[res.slug])}]({_link(page, c.resolution_path(res))}) — "
        f"{_title(res)} · {n}"
    )


def _themes_index(c: _Corpus) -> str:
    page = "temy/index.md"
    lines = [
        _front_matter("Темы"),
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
        link = f"[{md_text(theme.name)}]({_link(page, c.theme_path(theme.slug))})"
        lines.append(f"- **{link}** · {n}{where}")
        if theme.description.strip():
            lines.append(f"  <br>{md_text(theme.description)}")
    lines += ["", "## Темы по годам {#temy-po-godam}", "", _chart(c, page, by="year"), ""]
    return "\n".join(lines)


def _districts_index(c: _Corpus) -> str:
    page = "rajony/index.md"
    lines = [_front_matter("Районы"), "# Районы", ""]
    for district in c.districts:
        resolutions = c.in_district(district)
        region = c.region(district)
        years = ", ".join(str(r.year) for r in resolutions if r.year)
        n = plural(
            sum(len(r.directives) for r in resolutions), "поручение", "поручения", "поручений"
        )
        where = f" ({md_text(region)})" if region else ""
        lines.append(
            f"- [{md_text(district)}]({_link(page, c.district_path(district))}){where}"
            f"{' — ' + years if years else ''} · {n}"
        )
    lines.append("")
    return "\n".join(lines)


def _years_index(c: _Corpus) -> str:
    page = "gody/index.md"
    lines = [_front_matter("Годы"), "# Годы", ""]
    for year in c.years:
        resolutions = c.in_year(year)
        n = plural(
            sum(len(r.directives) for r in resolutions), "поручение", "поручения", "поручений"
        )
        docs = plural(len(resolutions), "документ", "документа", "документов")
        lines.append(f"- [{year} год]({_link(page, c.year_path(year))}) — {docs}, {n}")
    lines += ["", "## Темы по годам {#temy-po-godam}", "", _chart(c, page, by="year"), ""]
    return "\n".join(lines)


def _home_page(c: _Corpus) -> str:
    page = "index.md"
    used_themes = [t for t in c.themes if c.theme_items.get(t.slug)]
    figures = [
        (len(c.resolutions), ("решение", "решения", "решений"), "resheniya/index.md"),
        (len(c.districts), ("район", "района", "районов"), "rajony/index.md"),
        (len(c.items), ("поручение", "поручения", "поручений"), "sroki.md"),
        (len(used_themes), ("тема", "темы", "тем"), "temy/index.md"),
    ]
    cards = "".join(
        f'<a class="avg-figure" href="{_url(page, target)}"><b>{n}</b>'
        f"<span>{plural(n, *words).split(' ', 1)[1]}</span></a>"
        for n, words, target in figures
    )
    lines = [
        _front_matter(
            "Решения августовских конференций",
            "Решения августовских педагогических конференций: поручения, сроки, темы",
            hide=["toc"],
        ),
        "# Решения августовских конференций",
        "",
        "Что решили августовские педагогические конференции районов: каждое поручение "
        "с адресатом, сроком и темой, похожие поручения других районов и календарь сроков.",
        "{: .avg-lead }",
        "",
        f'<div class="avg-figures" data-search-exclude>{cards}</div>',
        "",
        "## Темы по районам {#temy-po-rajonam}",
        "",
        _chart(c, page, by="district"),
        "",
        "## Последние документы {#poslednie}",
        "",
    ]
    lines += [_resolution_item(c, page, r) for r in c.resolutions[:6]]
    lines += [
        "",
        "## С чего начать {#s-chego-nachat}",
        "",
        f"- **Учителю:** откройте [решение своего района]({_link(page, 'rajony/index.md')}) — "
        "поручения сгруппированы по адресатам, у каждого есть срок и постоянная ссылка.",
        f"- **Методисту:** [темы]({_link(page, 'temy/index.md')}) собирают поручения всех "
        f"районов по годам; [календарь сроков]({_link(page, 'sroki.md')}) показывает, что "
        "нужно сделать к какому месяцу.",
        f"- **Исследователю:** [открытые данные]({_link(page, 'dannye.md')}) — все поручения "
        "в JSON и CSV.",
        "",
    ]
    return "\n".join(lines)


def _chart(c: _Corpus, page: str, by: str) -> str:
    """Themes as horizontal bars stacked by district or by year: HTML labels, inline SVG bars."""
    if by == "district":
        series = list(c.districts)

        def key(item: _Item) -> str:
            return c.district(item.resolution)
    else:
        series = [str(y) for y in sorted(c.years)]

        def key(item: _Item) -> str:
            return str(item.resolution.year)

    colours = {name: PALETTE[n % len(PALETTE)] for n, name in enumerate(series)}
    rows = []
    for theme in c.themes:
        counts = Counter(key(i) for i in c.theme_items.get(theme.slug, []))
        if counts:
            rows.append((theme, counts))
    if not rows:
        return '<p class="avg-chart-empty">Пока нет поручений с темами.</p>'
    rows.sort(key=lambda row: (-sum(row[1].values()), row[0].name))
    widest = max(sum(counts.values()) for _, counts in rows)
    caption = f"Поручения по темам и {'районам' if by == 'district' else 'годам'}"
    legend = "".join(
        f'<span><i style="background:{colours[name]}"></i>{html_text(name)}</span>'
        for name in series
    )
    out = [
        f'<figure class="avg-chart" data-search-exclude aria-label="{caption}">',
        f'<div class="avg-chart-legend">{legend}</div>',
    ]
    for theme, counts in rows:
        total = sum(counts.values())
        x = 0
        rects = []
        for name in series:
            n = counts.get(name, 0)
            if n:
                tip = html_text(f"{name}: {plural(n, 'поручение', 'поручения', 'поручений')}")
                rects.append(
                    f'<rect x="{x}" y="0" width="{n}" height="1" fill="{colours[name]}">'
                    f"<title>{tip}</title></rect>"
                )
                x += n
        label = html_text(f"{theme.name}: {plural(total, 'поручение', 'поручения', 'поручений')}")
        out.append(
            f'<div class="avg-chart-row"><a href="{_url(page, c.theme_path(theme.slug))}">'
            f'{html_text(theme.name)}</a><span class="avg-chart-n">{total}</span>'
            f'<svg viewBox="0 0 {widest} 1" preserveAspectRatio="none" role="img" '
            f'aria-label="{label}">'
            f"{''.join(rects)}</svg></div>"
        )
    out.append("</figure>")
    return "".join(out)


# ---------------------------------------------------------------- deadlines and open data


_ONGOING = {DeadlineKind.PERMANENT, DeadlineKind.RECURRING, DeadlineKind.OTHER}


def _deadlines_page(c: _Corpus) -> str:
    page = "sroki.md"
    by_month: dict[int, dict[tuple[int, int], list[_Item]]] = defaultdict(lambda: defaultdict(list))
    whole_year: dict[int, list[_Item]] = defaultdict(list)
    ongoing: list[_Item] = []
    unread: list[_Item] = []
    for item in c.items:
        deadline = item.directive.deadline
        if deadline.kind is DeadlineKind.NONE:
            continue
        if deadline.kind in _ONGOING:
            ongoing.append(item)
        elif deadline.kind is DeadlineKind.ACADEMIC_YEAR and deadline.start:
            whole_year[academic_year_of(deadline.start)].append(item)
        elif deadline.kind is DeadlineKind.DURING_YEAR and item.resolution.date:
            whole_year[academic_year_of(item.resolution.date)].append(item)
        elif deadline.end:
            day = deadline.end
            by_month[academic_year_of(day)][(int(day[:4]), int(day[5:7]))].append(item)
        else:
            unread.append(item)
    lines = [
        _front_matter("Календарь сроков", "Что нужно сделать к какому месяцу учебного года"),
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
            f"## {start}/{(start + 1) % 100:02d} учебный год ({total}) {{#y-{start}}}",
            "",
        ]
        for (year, month), items in sorted(by_month[start].items()):
            lines += [f"### {month_name(year, month)} ({len(items)}) {{#m-{year}-{month:02d}}}", ""]
            items.sort(key=lambda i: (i.directive.deadline.end or "", c.labels[i.resolution.slug]))
            lines += [_directive_line(c, i, page, calendar=True) for i in items]
            lines.append("")
        if whole_year[start]:
            lines += [f"### В течение учебного года ({len(whole_year[start])}) {{#w-{start}}}", ""]
            lines += [_directive_line(c, i, page, calendar=True) for i in whole_year[start]]
            lines.append("")
    if ongoing:
        lines += [f"## Постоянно и ежегодно ({len(ongoing)}) {{#postoyanno}}", ""]
        lines += [_directive_line(c, i, page, calendar=True) for i in ongoing]
        lines.append("")
    if unread:
        lines += [f"## Срок записан, но не распознан ({len(unread)}) {{#ne-raspoznan}}", ""]
        lines += [_directive_line(c, i, page, calendar=True) for i in unread]
        lines.append("")
    none = sum(1 for i in c.items if i.directive.deadline.kind is DeadlineKind.NONE)
    if none:
        lines += [f"Ещё {plural(none, 'поручение', 'поручения', 'поручений')} без срока.", ""]
    return "\n".join(lines)


def _data_records(c: _Corpus, site_url: str | None) -> list[dict[str, Any]]:
    base = site_url.rstrip("/") + "/" if site_url else ""
    records = []
    for item in c.items:
        res, d = item.resolution, item.directive
        records.append(
            {
                "id": item.id,
                "url": f"{base}{page_url(c.resolution_path(res))}#{d.anchor}",
                "resolution": res.slug,
                "kind": res.kind,
                "title": res.title,
                "district": res.district,
                "region": res.region,
                "date": res.date,
                "year": res.year,
                "academic_year": res.academic_year,
                "number": d.number,
                "anchor": d.anchor,
                "order": d.order,
                "line": d.line,
                "addressees": list(d.addressees),
                "context": d.context,
                "text": d.text,
                "responsible": d.responsible,
                "deadline_raw": d.deadline.raw,
                "deadline_kind": d.deadline.kind.value,
                "deadline_start": d.deadline.start,
                "deadline_end": d.deadline.end,
                "deadline_text": format_deadline(d.deadline),
                "themes": list(d.themes),
                "similar": [
                    s.resolution.slug + "#" + s.directive.anchor for s in _similar(c, item)
                ],
                "source": f"{base}{c.source_path(res)}",
            }
        )
    return records


def _csv(records: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DATA_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                k: _cell("; ".join(v) if isinstance(v, list) else ("" if v is None else v))
                for k, v in record.items()
            }
        )
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the Cyrillic as UTF-8


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)") gets a "'"."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _data_page(c: _Corpus) -> str:
    rows = [
        ("`id`", "код поручения: `документ#якорь`, например `2020-muchkapskij-rajon#p-2-4`"),
        ("`url`", "адрес поручения на сайте"),
        ("`resolution`, `kind`, `title`", "документ: код, вид, заголовок"),
        (
            "`district`, `region`, `date`, `year`, `academic_year`",
            "район, регион, дата, год, учебный год",
        ),
        ("`number`, `anchor`, `order`, `line`", "номер пункта, якорь, порядок, строка в документе"),
        ("`addressees`, `context`, `text`", "адресаты, вводные слова, текст поручения"),
        ("`deadline_raw`, `deadline_kind`", "срок как записан и его вид"),
        (
            "`deadline_start`, `deadline_end`, `deadline_text`",
            "даты срока (ГГГГ-ММ-ДД) и срок словами",
        ),
        ("`themes`", "темы (коды, как в адресах страниц тем)"),
        ("`similar`", "похожие поручения других районов (коды)"),
        ("`source`", "исходный документ"),
    ]
    lines = [
        _front_matter("Открытые данные", "Все поручения в JSON и CSV"),
        "# Открытые данные",
        "",
        f"Все {plural(len(c.items), 'поручение', 'поручения', 'поручений')} из "
        f"{plural(len(c.resolutions), 'документа', 'документов', 'документов')} — одной таблицей:",
        "",
        "- [directives.csv](data/directives.csv) — CSV (UTF-8, разделитель — запятая; "
        "списки внутри ячейки — через «; »), открывается в Excel и LibreOffice;",
        "- [directives.json](data/directives.json) — те же записи в JSON;",
        "- [resolutions.json](data/resolutions.json) — документы целиком: преамбула, разделы, "
        "поручения со сроками и темами.",
        "",
        "## Поля {#polya}",
        "",
        "| Поле | Что в нём |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {text} |" for name, text in rows]  # our own Markdown
    lines += [
        "",
        "Исходные документы лежат рядом с каждой страницей решения (ссылка «Исходный документ»).",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- navigation and writing


def _nav(c: _Corpus, content: Sequence[tuple[str, str]]) -> list[Any]:
    def section(title: str, index: str, pages: Iterable[tuple[str, str]]) -> dict[str, Any]:
        return {title: [index, *({plain_title(t): p} for t, p in pages)]}

    nav: list[Any] = [
        {"Главная": "index.md"},
        section(
            "Решения",
            "resheniya/index.md",
            ((c.labels[r.slug], c.resolution_path(r)) for r in c.resolutions),
        ),
        section("Темы", "temy/index.md", ((t.name, c.theme_path(t.slug)) for t in c.themes)),
        section("Районы", "rajony/index.md", ((d, c.district_path(d)) for d in c.districts)),
        section("Годы", "gody/index.md", ((f"{y} год", c.year_path(y)) for y in c.years)),
        {"Сроки": "sroki.md"},
        {"Открытые данные": "dannye.md"},
    ]
    return nav + _content_nav(content)


def _content_nav(content: Sequence[tuple[str, str]]) -> list[Any]:
    """Top-level content pages as entries; a content folder as a section led by its index.md."""
    nav: list[Any] = []
    folders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, title in content:
        folder = path.split("/")[0] if "/" in path else ""
        if folder:
            folders[folder].append((path, title))
        else:
            nav.append({plain_title(title): path})
    for folder, pages in sorted(folders.items()):
        pages.sort(key=lambda p: (not p[0].endswith("/index.md"), p[0]))
        index = pages[0] if pages[0][0].endswith("/index.md") else None
        entries: list[Any] = [index[0]] if index else []
        entries += [{plain_title(t): p} for p, t in pages if index is None or p != index[0]]
        nav.append({plain_title(index[1] if index else folder): entries})
    return nav


_TITLE_LINE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _content_title(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        meta = yaml.safe_load(text[4 : text.find("\n---", 4)]) or {}
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            return str(meta["title"])
    found = _TITLE_LINE.search(text)
    return found.group(1) if found else path.stem


def _check_markdown(page: str, text: str) -> None:
    """Refuse a page whose Markdown links anywhere but to the site itself or http(s)."""
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    for token in tokens:
        for child in [token, *(token.children or [])]:
            href = child.attrGet("href") or child.attrGet("src")
            if isinstance(href, str) and urlsplit(href).scheme not in {"", "http", "https"}:
                raise AvgustError(f"generated page links to {href!r}", page)
            unsafe = (
                _unsafe_tag(child.content) if child.type in {"html_inline", "html_block"} else None
            )
            if unsafe is not None:
                raise AvgustError(f"generated page has unsafe HTML: {unsafe[:80]!r}", page)


def _unsafe_tag(html: str) -> str | None:
    """The first tag in ``html`` that could run script: <script>, <iframe> …, an ``on…``
    attribute, a javascript: value. Text between tags is not looked at: it is escaped,
    so a district named "javascript: onclick=" is harmless text, not a reason to refuse.
    """
    for tag in _TAG.finditer(html):
        if tag.group(1).lower() in {"script", "iframe", "object", "embed"}:
            return tag.group(0)
        for attr in _ATTRIBUTE.finditer(tag.group(2)):
            raw = attr.group(2) or attr.group(3) or attr.group(4) or ""
            value = re.sub(r"[\s\x00-\x1f]", "", unescape(raw)).lower()
            if attr.group(1).lower().startswith("on") or "javascript:" in value:
                return tag.group(0)
    return None


def check_resolution(res: Resolution) -> list[Problem]:
    """What would stop the page writer for one resolution, as errors; [] when it builds.

    `avgust check` and `avgust build` run it on every parsed document (in
    :func:`avgust._check.parse_all`), so a document whose slug, anchors or page would be
    refused is reported and left out there, and the pages of the others are written.
    """
    try:
        corpus = _Corpus([res], (), {})  # the slug and anchor checks
        page = corpus.resolution_path(res)
        _check_markdown(page, _resolution_page(corpus, res, 0))
        for district in corpus.districts:
            _check_markdown(corpus.district_path(district), _district_page(corpus, district))
    except AvgustError as error:
        return [replace(error.as_problem(), path=res.source)]
    return []


_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?")
_ATTRIBUTE = re.compile(r"([^\s=\"'/>]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")


def write_pages(
    resolutions: Sequence[Resolution],
    themes: Sequence[Theme],
    similar: Mapping[str, Sequence[SimilarDirective]],
    config: Config,
) -> list[Path]:
    """Write the whole docs/ folder (config.docs_dir) anew; return the files written in it.

    ``similar`` maps a directive id (``"<slug>#<anchor>"``) to its similar directives;
    ids missing from ``resolutions`` and directives of the same district are left out.
    The hand-written pages and assets of ``content/`` (next to avgust.toml) are copied
    in. Raises AvgustError for duplicate slugs or anchors or a missing source document.
    """
    corpus = _Corpus(resolutions, themes, similar)
    docs = config.docs_dir
    docs.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{docs.name}.", suffix=".tmp", dir=docs.parent))
    make_readable(tmp, directory=True)
    try:
        written = _write_all(corpus, config, tmp, site_url(config))
        replace_dir(tmp, docs)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(docs / rel for rel in written)


def _write_all(c: _Corpus, config: Config, out: Path, url: str | None) -> list[str]:
    files: dict[str, str | bytes] = {}
    content = _copy_content(config.root / CONTENT_DIR, files)
    for res in c.resolutions:
        source = Path(res.source)
        source = source if source.is_absolute() else config.root / source
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise AvgustError(
                f"cannot read the source document: {exc.strerror}", res.source
            ) from exc
        files[c.source_path(res)] = data
        files[c.resolution_path(res)] = _resolution_page(c, res, len(data))
    for theme in c.themes:
        files[c.theme_path(theme.slug)] = _theme_page(c, theme)
    for district in c.districts:
        files[c.district_path(district)] = _district_page(c, district)
    for year in c.years:
        files[c.year_path(year)] = _year_page(c, year)
    generated = {
        "index.md": _home_page(c),
        "resheniya/index.md": _resolutions_index(c),
        "temy/index.md": _themes_index(c),
        "rajony/index.md": _districts_index(c),
        "gody/index.md": _years_index(c),
        "sroki.md": _deadlines_page(c),
        "dannye.md": _data_page(c),
    }
    for path in generated:
        if path in files:
            raise AvgustError(
                f"content/{path} would overwrite a generated page", config.root / CONTENT_DIR
            )
    files.update(generated)
    records = _data_records(c, url)
    files["data/directives.json"] = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    files["data/directives.csv"] = _csv(records)
    files["data/resolutions.json"] = (
        json.dumps([to_dict(r) for r in c.resolutions], ensure_ascii=False, indent=1) + "\n"
    )
    files["README.md"] = GENERATED_NOTE
    files[NAV_FILE] = yaml.safe_dump({"nav": _nav(c, content)}, allow_unicode=True, sort_keys=False)
    for rel, body in files.items():
        if rel.endswith(".md") and isinstance(body, str) and rel != "README.md":
            _check_markdown(rel, body)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            target.write_text(body, encoding="utf-8", newline="\n")
    return sorted(files)


def _copy_content(root: Path, files: dict[str, str | bytes]) -> list[tuple[str, str]]:
    """Read content/ into ``files``; return its Markdown pages as (path, title)."""
    pages: list[tuple[str, str]] = []
    if not root.is_dir():
        return pages
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        rel = path.relative_to(root).as_posix()
        files[rel] = path.read_bytes()
        if path.suffix == ".md":
            pages.append((rel, _content_title(path)))
    return pages


__all__ = ["DATA_FIELDS", "NAV_FILE", "page_url", "write_pages"]
