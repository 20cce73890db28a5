"""A resolution saved from a district's web site (.html, .htm) as text.

Encoding: a byte order mark, else the ``<meta charset>`` / ``http-equiv`` declaration,
else strict UTF-8, else the Cyrillic code-page detection of plain text files
(windows-1251 is what most district sites still serve).

Main content only: scripts, styles, forms, ``<nav>``, ``<header>``, ``<footer>``,
``<aside>`` and elements whose class or id reads as site chrome (menu, breadcrumbs,
share buttons, counters, sidebars, comments) are removed; then ``<article>`` or
``<main>`` is taken when the page has one, otherwise readability-lxml picks the main
block. Lines such as "Опубликовано: 01.09.2021" or "Просмотров: 152" (the page's, not the
conference's) are dropped.

Blocks become lines; ``<ol>`` items are numbered as the browser shows them ("1.", nested
"1.2.", ``start`` and ``type`` honoured), ``<ul>`` items become "- …"; ``<br>`` breaks a
line; ``<table>`` rows are read as a plan (see :mod:`avgust.read.tables`) or cell by cell.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from avgust.errors import SourceError
from avgust.read.tables import plan_lines

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CHROME_WORDS = re.compile(
    r"menu|navbar|navigation|pagenav|breadcrumb|footer|share|social|counter|metrika|"
    r"sidebar|banner|comment|cookie|widget|visually-impaired|"
    r"(?:^|[\s_-])(?:nav|header|aside|search|tags|print|related|pagination|hits)(?:$|[\s_-])",
    re.I,
)
_DROPPED_TAGS = (
    "script", "style", "noscript", "template", "form", "nav", "header", "footer", "aside",
    "iframe", "svg", "canvas", "button", "select", "input", "object", "embed",
)  # fmt: skip
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "address", "center", "dd", "dt", "figure", "figcaption",
        "caption", "hr",
    }
)  # fmt: skip
_PAGE_LINE = re.compile(
    r"^\s*(?:опубликовано|дата\s+(?:публикации|размещения|создания|изменения)|обновлено|"
    r"изменено|просмотр(?:ов|ы)|автор\s+публикации|версия\s+для\s+печати|поделиться)\b.*$",
    re.I | re.M,
)


def html_text(
    path: Path, data: bytes, decode_text: Callable[[bytes, Path], tuple[str, str]]
) -> tuple[str, str]:
    """(text, encoding) of a saved web page; ``decode_text`` decodes plain text files."""
    import lxml.html

    markup, encoding = _decode(data, path, decode_text)
    try:
        root = lxml.html.document_fromstring(markup)
    except Exception as exc:  # lxml raises several kinds on garbage
        raise SourceError(f"not a readable HTML page: {exc}", path) from exc
    _drop_chrome(root)
    main = _main_block(root)
    lines: list[str] = []
    _Lines(lines).block(main)
    text = "\n".join(line for line in (" ".join(x.split()) for x in lines))
    text = _PAGE_LINE.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text, encoding


def _decode(
    data: bytes, path: Path, decode_text: Callable[[bytes, Path], tuple[str, str]]
) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data, path)
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            encoding = ""
        if encoding:
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                pass  # a wrong declaration: detect instead
    return decode_text(data, path)


def _classes(element: Any) -> str:
    return f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"


def _drop_chrome(root: Any) -> None:
    for element in list(root.iter(*_DROPPED_TAGS)):
        if element.getparent() is not None:
            element.drop_tree()
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        if element.getparent() is None:
            continue
        if element.tag in ("article", "main"):
            continue
        if _CHROME_WORDS.search(_classes(element)):
            element.drop_tree()


def _main_block(root: Any) -> Any:
    for tag in ("article", "main"):
        found = [e for e in root.iter(tag) if e.text_content().strip()]
        if found:
            return max(found, key=lambda e: len(e.text_content()))
    body = root.find("body")
    body = body if body is not None else root
    text = body.text_content()
    try:
        import lxml.html
        from readability import Document  # readability-lxml

        summary = Document(lxml.html.tostring(root, encoding="unicode")).summary(html_partial=True)
        chosen = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:
        return body
    # readability drops short pages and plan tables now and then: keep the body then
    if len(chosen.text_content().strip()) < 0.8 * len(text.strip()):
        return body
    return chosen


class _Lines:
    """Walks an element tree and appends text lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.current = ""

    def flush(self) -> None:
        if self.current.strip():
            self.lines.append(self.current)
        self.current = ""

    def inline(self, text: str | None) -> None:
        if text:
            self.current += text

    def block(self, element: Any, prefix: str = "") -> None:
        """The children of ``element``; ``prefix`` goes before the first line it starts."""
        self.inline(element.text)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                self.flush()
            elif tag in ("ol", "ul"):
                self.flush()
                self.list(child, prefix)
            elif tag == "table":
                self.flush()
                self.table(child)
            elif tag == "li":  # a stray <li> outside a list
                self.flush()
                self.current = "- "
                self.block(child)
                self.flush()
            elif tag in _BLOCKS:
                self.flush()
                self.block(child)
                self.flush()
                if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
                    self.lines.append("")  # a paragraph ends with a blank line
            elif tag:
                self.block(child)
            self.inline(child.tail)

    def list(self, element: Any, parent_number: str) -> None:
        ordered = element.tag == "ol"
        try:
            counter = int(element.get("start", "1")) - 1
        except ValueError:
            counter = 0
        kind = element.get("type", "1")
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                continue
            counter += 1
            if item.get("value", "").isdigit():
                counter = int(item.get("value"))
            if ordered:
                label = _label(counter, kind)
                number = f"{parent_number}{label}." if kind == "1" else f"{label})"
                self.current = f"{number} "
                child_prefix = number if kind == "1" else parent_number
            else:
                self.current = "- "
                child_prefix = parent_number
            self.block(item, child_prefix)
            self.flush()

    def table(self, element: Any) -> None:
        rows: list[list[str]] = []
        for row in element.iter("tr"):
            cells: list[str] = []
            for cell in row:
                if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                    continue
                cell_lines: list[str] = []
                inner = _Lines(cell_lines)
                inner.block(cell)
                inner.flush()
                text = " ".join(x for x in cell_lines if x.strip())
                try:
                    span = max(1, min(int(cell.get("colspan", "1")), 50))
                except ValueError:
                    span = 1
                cells.extend([text] * span)
            rows.append(cells)
        plan = plan_lines(rows)
        if plan is not None:
            self.lines.extend(plan)
            self.lines.append("")
            return
        for cells in rows:
            for text in dict.fromkeys(c for c in cells if c.strip()):
                self.lines.append(text)


def _label(n: int, kind: str) -> str:
    if kind in ("a", "A"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26]
        return letter.upper() if kind == "A" else letter
    if kind in ("i", "I"):
        from avgust.read.sources import _roman

        roman = _roman(n)
        return roman.lower() if kind == "i" else roman
    return str(n)
