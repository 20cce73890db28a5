"""Document text made safe for Markdown and HTML, and dates and deadlines made readable in Russian.

Everything a resolution says reaches the site through :func:`md_text` (Markdown),
:func:`html_text` (raw HTML) or :func:`plain_title` (page titles, which MkDocs
themes print without escaping). :func:`md_text` checks its own output with
markdown-it-py: the escaped text must read back as exactly one run of plain text.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache

from babel import Locale
from babel.dates import format_date as _babel_date
from markdown_it import MarkdownIt

from avgust._types import AvgustError, Deadline, DeadlineKind

LOCALE = "ru"

# Characters that mean something to Markdown, Python-Markdown's extensions (attr_list,
# tables, abbr, footnotes, admonition, details, md_in_html) or HTML anywhere in a line.
# They become numeric character references, which every Markdown reads as literal text.
_ANYWHERE = frozenset("&<>*_[]\\`{}#|~^=$!")
# Characters that only matter at the start of a line (lists, definitions, details, quotes).
_LEADING = frozenset("-+:?>%")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?= |$)")
_DEADLINE_LABEL = re.compile(r"^\s*сроки?\s*(исполнения)?\s*[:.-]?\s*", re.IGNORECASE)
_ACADEMIC_YEAR = re.compile(r"((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)?\d\d)")


@cache
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


_CONTROLS = {n: " " for n in (*range(0x20), *range(0x7F, 0xA0))}


def squash(text: str) -> str:
    """``text`` on one line: control characters and every run of whitespace become one space.

    (Python-Markdown uses STX/ETX internally to mark stashed HTML, so they must never
    reach it from a document.)
    """
    return " ".join(text.translate(_CONTROLS).split())


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


def format_date(iso: str, pattern: str = "d MMMM y") -> str:
    """An ISO date in Russian words: ``"2020-10-10"`` → ``"10 октября 2020"``."""
    return str(_babel_date(dt.date.fromisoformat(iso), pattern, locale=LOCALE))


def month_name(year: int, month: int) -> str:
    """``(2020, 10)`` → ``"Октябрь 2020"``."""
    return str(_babel_date(dt.date(year, month, 1), "LLLL y", locale=LOCALE)).capitalize()


def plural(count: int, one: str, few: str, many: str) -> str:
    """``count`` and the word in its Russian form: ``plural(5, "поручение", …)`` → "5 поручений"."""
    form = Locale(LOCALE).plural_form(count)
    word = one if form == "one" else few if form == "few" else many
    return f"{count} {word}"


def academic_year_label(value: str | None) -> str | None:
    """``"2020-2021"``, ``"2020/2021"`` or ``"2020/21"`` → ``"2020/21"``; None if unreadable."""
    if not value:
        return None
    found = _ACADEMIC_YEAR.search(value)
    if not found:
        return None
    start, end = found.groups()
    return f"{start}/{end[-2:]}"


def academic_year_of(iso: str) -> int:
    """The first calendar year of the academic year (1 September – 31 August) ``iso`` falls in."""
    day = dt.date.fromisoformat(iso)
    return day.year if day.month >= 9 else day.year - 1


def format_deadline(deadline: Deadline) -> str:
    """A deadline as a teacher would say it; "" when there is none.

    ``до 10 октября 2020`` · ``весь 2020/21 учебный год`` · ``постоянно`` ·
    ``с 1 по 30 октября 2018`` · ``2020–2022 годы`` · ``октябрь 2018`` …
    The text as written is the fallback whenever the dates are missing.
    """
    raw = _DEADLINE_LABEL.sub("", squash(deadline.raw)).rstrip(" .;")
    start, end = deadline.start, deadline.end
    kind = deadline.kind
    text: str | None = None
    if kind is DeadlineKind.NONE:
        text = ""
    elif kind is DeadlineKind.PERMANENT:
        text = "постоянно"
    elif kind is DeadlineKind.BY_DATE and end:
        text = f"до {format_date(end)}"
    elif kind is DeadlineKind.RANGE and start and end:
        text = _format_range(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    elif kind is DeadlineKind.MONTH and (start or end):
        text = format_date(start or end or "", "LLLL y")
    elif kind is DeadlineKind.YEAR_END and end:
        text = f"до конца {end[:4]} года"
    elif kind is DeadlineKind.ACADEMIC_YEAR and start and end:
        text = f"весь {start[:4]}/{end[2:4]} учебный год"
    elif kind is DeadlineKind.DURING_YEAR:
        text = f"в течение года (до {format_date(end)})" if end else "в течение года"
    if text is None:
        text = raw[:1].lower() + raw[1:] if raw[:2].istitle() else raw
    return text


def _format_range(start: dt.date, end: dt.date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        if start.year == end.year:
            return f"в течение {start.year} года"
        return f"{start.year}–{end.year} годы"
    if start.year == end.year and start.month == end.month:
        return f"с {start.day} по {format_date(end.isoformat())}"
    if start.year == end.year:
        return f"с {format_date(start.isoformat(), 'd MMMM')} по {format_date(end.isoformat())}"
    return f"с {format_date(start.isoformat())} по {format_date(end.isoformat())}"


__all__ = [
    "academic_year_label",
    "academic_year_of",
    "format_date",
    "format_deadline",
    "html_text",
    "md_paragraphs",
    "md_text",
    "month_name",
    "plain_title",
    "plural",
    "squash",
]
