"""One resolution in every format a district publishes, made in the tests from its text.

``resolution.txt`` (tests/fixtures/data/formats) is written out as .docx (python-docx, the
numbers of section 1 as Word's automatic numbering), converted by the real LibreOffice
to .doc, .odt and .rtf, laid out as a windows-1251 HTML page with site chrome, and
rendered as a scanned PDF (an image per page, no text layer) for Tesseract.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "formats"
TEXT = (DATA / "resolution.txt").read_text(encoding="utf-8")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
IN_CI = os.environ.get("CI") == "true"


def needs(tool: str, package: str) -> pytest.MarkDecorator:
    """Skip without ``tool`` on a developer's machine; in CI (CI=true) fail instead."""
    missing = shutil.which(tool) is None
    if missing and IN_CI:
        pytest.fail(f"CI needs {tool}: apt-get install {package}", pytrace=False)
    return pytest.mark.skipif(missing, reason=f"needs {tool} (apt-get install {package})")


needs_soffice = needs("soffice", "libreoffice-writer-nogui")
needs_tesseract = needs("tesseract", "tesseract-ocr-rus")

_ITEM = re.compile(r"^(\d+(?:\.\d+)*)\.\s+(.*)$")


def docx_bytes(text: str = TEXT, *, word_numbering: bool = False) -> bytes:
    """The text as a .docx, one paragraph per line; top-level items as Word numbering."""
    import io

    import docx

    document = docx.Document()
    for line in text.splitlines():
        item = _ITEM.match(line)
        if word_numbering and item and "." not in item.group(1):
            document.add_paragraph(item.group(2), style="List Number")
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


CHROME_HEAD = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Решение конференции — Отдел образования</title>
<script>var yaCounter = 1; document.write('<b>счётчик</b>');</script>
<style>.menu {{ color: red }}</style></head>
<body>
<header class="site-header"><a href="/">Отдел образования администрации района</a>
<div class="search"><form><input name="q"></form></div></header>
<nav class="main-menu"><ul><li><a href="/">Главная</a></li><li><a href="/news">Новости</a></li>
<li><a href="/docs">Документы</a></li><li><a href="/contacts">Контакты</a></li></ul></nav>
<div class="breadcrumbs"><a href="/">Главная</a> / <a href="/docs">Документы</a></div>
<div class="content-wrapper"><div class="post">
<div class="post-meta">Опубликовано: 01.09.2023 Просмотров: 152</div>
{body}
<div class="share-buttons"><a href="#">Поделиться ВКонтакте</a> <a href="#">Одноклассники</a></div>
</div>
<aside class="sidebar"><h3>Последние новости</h3><ul><li>Итоги ЕГЭ-2023</li>
<li>Приём в первый класс</li></ul></aside></div>
<footer><p>© 2023 Отдел образования. Все права защищены.</p>
<div class="counters"><img src="/counter.gif" alt="Яндекс.Метрика"> LiveInternet</div></footer>
</body></html>
"""


def html_bytes(text: str = TEXT) -> bytes:
    """The text as a page of a district site: nested <ol>, chrome around it, windows-1251."""
    body: list[str] = []
    depth = 0
    for line in text.splitlines():
        item = _ITEM.match(line)
        if item:
            level = item.group(1).count(".")
            while depth > level + 1:
                body.append("</li></ol>")
                depth -= 1
            if depth == level + 1:
                body.append("</li>")
            else:
                start = item.group(1).split(".")[-1]
                body.append(f'<ol start="{start}">')
                depth += 1
            body.append(f"<li>{html.escape(item.group(2))}")
            continue
        while depth:
            body.append("</li></ol>")
            depth -= 1
        if line.strip():
            tag = "h1" if line.isupper() else "p"
            body.append(f"<{tag}>{html.escape(line)}</{tag}>")
    while depth:
        body.append("</li></ol>")
        depth -= 1
    return CHROME_HEAD.format(body="\n".join(body)).encode("cp1251")


def scan_pdf_bytes(text: str = TEXT, *, dpi: int = 200) -> bytes:
    """The text typeset on A4 pages and saved as images only: a scan without a text layer."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size=int(11 / 72 * dpi))
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin, step = int(0.8 * dpi), int(11 / 72 * dpi * 1.5)
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(textwrap.wrap(line, 85) or [""])
    pages: list[Image.Image] = []
    per_page = (height - 2 * margin) // step
    for first in range(0, len(lines), per_page):
        page = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(page)
        for i, line in enumerate(lines[first : first + per_page]):
            draw.text((margin, margin + i * step), line, font=font, fill=0)
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out.getvalue()
