"""Pieces every page uses: front matter, titles, safe URLs, a directive as a list item."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from avgust.records import Resolution
from avgust.ru.format import format_deadline, plural
from avgust.site.corpus import Corpus, Item
from avgust.site.markdown import md_text, plain_title
from avgust.urls import md_link
from avgust.util.text import squash


def front_matter(title: str, description: str = "", hide: Iterable[str] = ()) -> str:
    meta: dict[str, Any] = {"title": plain_title(title)}
    if description:
        meta["description"] = plain_title(description)
    if hide:
        meta["hide"] = list(hide)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


_PLACE_WORDS = re.compile(r"\b(район|округ|город|г\.|поселение|область|край)", re.IGNORECASE)


def district_title(district: str) -> str:
    """A district page's title: its name, with "район" only if the name does not say what it is."""
    return district if _PLACE_WORDS.search(district) else f"{district} — район"


def kind_label(res: Resolution) -> str:
    return squash(res.kind).capitalize() if res.kind.strip() else "Решение"


def title_markdown(res: Resolution) -> str:
    """The resolution's title as Markdown (its kind when it has none)."""
    return md_text(res.title) or md_text(kind_label(res))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is http(s), percent-encoded so Markdown cannot misread it; else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#@!$&*+,;=%~-._")


def directive_line(
    c: Corpus,
    item: Item,
    page: str,
    calendar: bool = False,
    due_attrs: str = "",
    limit: int | None = None,
) -> str:
    """A directive as one list item: its number (a link to it), text and deadline.

    In the calendar the deadline comes first (with ``due_attrs`` as its attr_list, if
    given) and the link names district and year. With ``limit`` a longer text is cut to
    about that many characters (the link leads to the whole).
    """
    target = md_link(page, c.resolution_path(item.resolution), item.directive.anchor)
    number = item.directive.number
    deadline = format_deadline(item.directive.deadline)
    text = md_text(short_text(item.directive.text, limit) if limit else item.directive.text)
    if calendar:
        link = f"[{md_text(c.directive_label(item))}]({target}){_COLLECT_ATTR}"
        due = f"{{ {due_attrs} }}" if due_attrs else ""
        return f"- **{md_text(deadline) or 'срок не указан'}**{due} · {link}: {text}"
    link = f"[{md_text('п. ' + number) if number else 'к поручению'}]({target}){_COLLECT_ATTR}"
    return f"- {link}: {text} — *срок: {md_text(deadline)}*" if deadline else f"- {link}: {text}"


def short_text(text: str, limit: int) -> str:
    """``text`` squashed and, past ``limit`` characters, cut on a word boundary with «…»."""
    flat = squash(text)
    if len(flat) <= limit:
        return flat
    head = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return head.rstrip(" ,;:—–-") + "…"


def pager_line(here: str, pages: Sequence[str], labels: Sequence[str] = (), window: int = 2) -> str:
    """«1 · **5** · 6 · … · 40»: links to the first, the last and the pages within
    ``window`` of ``here`` (all of them when there are few), so a list of any length
    gives a line of bounded length; ``labels`` name the pages (else their numbers)."""
    names = list(labels) or [str(n) for n in range(1, len(pages) + 1)]
    current = pages.index(here) if here in pages else 0
    shown = [
        n
        for n in range(len(pages))
        if len(pages) <= 2 * window + 5 or n in (0, len(pages) - 1) or abs(n - current) <= window
    ]
    out: list[str] = []
    for previous, n in zip([None, *shown], shown, strict=False):
        if previous is not None and n - previous > 1:
            out.append("…")
        name = md_text(names[n])
        out.append(f"**{name}**" if pages[n] == here else f"[{name}]({md_link(here, pages[n])})")
    return " · ".join(out)


COLLECTABLE = "avg-d"
"""The class of a list's link to a directive: collection.js gives it an "add to the
collection" button and reads the directive's id off its target (slug and anchor), so a list
does not repeat each id in an attribute (≈ 50 bytes a link, 22 MB at 100,000 directives)."""

_COLLECT_ATTR = f"{{ .{COLLECTABLE} }}"


def resolution_item(c: Corpus, page: str, res: Resolution) -> str:
    n = plural(len(res.directives), "поручение", "поручения", "поручений")
    return (
        f"- [{md_text(c.labels[res.slug])}]({md_link(page, c.resolution_path(res))}) — "
        f"{title_markdown(res)} · {n}"
    )
