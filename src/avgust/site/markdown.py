"""Document text made safe for Markdown and HTML.

Everything a resolution says reaches the site through :func:`md_text` (Markdown),
:func:`html_text` (raw HTML) or :func:`plain_title` (page titles, which MkDocs
themes print without escaping). :func:`md_text` checks its own output with
markdown-it-py: the escaped text must read back as exactly one run of plain text.
"""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache
from html import unescape
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from avgust.errors import AvgustError
from avgust.util.text import squash

# Characters that mean something to Markdown, Python-Markdown's extensions (attr_list,
# tables, abbr, footnotes, admonition, details, md_in_html) or HTML anywhere in a line.
# They become numeric character references, which every Markdown reads as literal text.
_ANYWHERE = frozenset("&<>*_[]\\`{}#|~^=$!")
# Characters that only matter at the start of a line (lists, definitions, details, quotes).
_LEADING = frozenset("-+:?>%")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?= |$)")


@cache
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


@lru_cache(maxsize=1 << 16)  # a directive's text is shown on several pages
def md_text(text: str) -> str:
    """``text`` as inline Markdown that renders to exactly that text (whitespace squashed).

    Raises AvgustError if markdown-it-py would still read markup in the result: that
    would be a bug here, and a page must never be written with it.
    """
    plain = squash(text)
    out = [f"&#{ord(ch)};" if ch in _ANYWHERE else ch for ch in plain]
    if out and plain[0] in _LEADING:
        out[0] = f"&#{ord(plain[0])};"
    escaped = "".join(out)
    marker = _ORDERED_MARKER.match(escaped)
    if marker:
        digits, mark = marker.groups()
        escaped = f"{digits}&#{ord(mark)};{escaped[marker.end() :]}"
    _check_plain(plain, escaped)
    return escaped


def _check_plain(plain: str, escaped: str) -> None:
    tokens = _inline_parser().parseInline(escaped)
    children = (tokens[0].children or []) if tokens else []
    kinds = {token.type for token in children}
    read_back = "".join(token.content for token in children)
    if kinds - {"text"} or read_back != plain:
        raise AvgustError(f"cannot escape text for Markdown: {plain[:80]!r}")


def md_paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` (split at blank lines), each escaped with :func:`md_text`."""
    return [md_text(part) for part in re.split(r"\n\s*\n", text) if part.strip()]


def html_text(text: str) -> str:
    """``text`` for raw HTML, in element content or a quoted attribute (whitespace squashed)."""
    return html.escape(squash(text), quote=True)


_TITLE_SWAPS = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "”", "'": "’", "`": "ˋ"})


def plain_title(text: str) -> str:
    """``text`` for a page title or description in front matter or navigation.

    MkDocs themes print titles into HTML without escaping (and ``striptags`` unescapes
    entities), so the characters HTML needs are swapped for look-alikes instead.
    """
    return squash(text).translate(_TITLE_SWAPS)


@cache
def _page_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def check_markdown(page: str, text: str) -> None:
    """Refuse a page whose Markdown links anywhere but to the site itself or http(s)."""
    tokens = _page_parser().parse(text)
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


_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?")
_ATTRIBUTE = re.compile(r"([^\s=\"'/>]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")


__all__ = ["check_markdown", "html_text", "md_paragraphs", "md_text", "plain_title"]
