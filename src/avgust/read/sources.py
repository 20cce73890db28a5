"""Read a source document (.txt, .md, .docx, .pdf) into a :class:`SourceText`.

Text files: the encoding is detected — a BOM (UTF-8, UTF-16, UTF-32) decides;
otherwise strict UTF-8; a file that mixes UTF-8 Russian lines with lines in another
encoding is refused, naming the first such line; otherwise the single-byte Cyrillic
code pages (cp1251, KOI8-R, cp866, ISO 8859-5, Mac Cyrillic) and charset-normalizer's
guess are compared by how much of the decoded text is Russian dictionary words (pymorphy3),
cp1251 winning near-ties, since Windows-1251 is what Russian offices save in and
charset-normalizer alone confuses it with Mac Cyrillic on short texts. Text with no
Russian words keeps charset-normalizer's guess.

Every text is normalised the same way: line ends become LF (CRLF, CR), a BOM is
dropped, NUL and other stray control characters become spaces (tabs stay), and
the other characters that Python's ``str.splitlines`` treats as line breaks (VT,
FF, U+2028 …) become spaces, so that line *n* of the text is line *n* of the file
for ``grep -n`` and for ``text.splitlines()`` alike.

.docx (python-docx): body paragraphs and tables in document order, one paragraph
per line, table cells row by row (a merged cell once); a soft line break inside a
paragraph becomes a space; bold runs are kept as ``**…**`` like the .md exports.
Word's automatic list numbers are not in the text; they are recomputed from
``numbering.xml`` — format (decimal, letters, Roman, Russian letters), level text
("%1.%2.") and start value, counters shared by lists of one abstract numbering —
and put before the paragraph ("1.2. …", bullets as "- …"). Restarts that Word
applies by rules this does not model (``lvlRestart``, legacy numbering, fields
such as ``LISTNUM``) can make a number differ from what Word shows. Headers,
footers, footnotes and text boxes are not read.

A table whose header names the columns of a plan (№, мероприятие, срок, ответственные)
becomes one numbered line per row (:mod:`avgust.read.tables`).

.pdf (pypdf): the text layer, pages joined by a blank line; pages without one are
recognised by Tesseract (:mod:`avgust.read.ocr`, cached by the file's sha256 under
``cache_dir``).

.doc, .odt, .rtf: converted to .docx by LibreOffice (:mod:`avgust.read.office`), then read
as above. .html, .htm: the main content of a saved web page (:mod:`avgust.read.html`).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import charset_normalizer

from avgust.errors import SourceError
from avgust.read.files import read_regular, regular_file
from avgust.read.tables import plan_lines
from avgust.records import SourceText
from avgust.ru.morph import analyzer

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".doc", ".odt", ".rtf", ".html", ".htm")
#: Documents that must be converted by hand first; none since LibreOffice reads .doc,
#: .odt and .rtf (kept for callers of ``discover_sources(convertible=...)``).
CONVERTIBLE_SUFFIXES: tuple[str, ...] = ()
#: A PDF page with fewer characters of text layer than this is taken for a scan.
MIN_PAGE_TEXT = 30
MAX_SOURCE_BYTES = 20 * 1024 * 1024
#: Per-document guards after decoding (a 20 MiB document of real directives, about 11
#: million characters in 150,000 lines, passes them all): the decoded text, its lines,
#: one line (a .docx paragraph), a .docx unpacked (from its zip directory) and one
#: paragraph joined from several lines.
MAX_TEXT_CHARS = 24_000_000
MAX_LINES = 500_000
MAX_LINE_CHARS = 100_000
#: A paragraph joined from lines broken mid-sentence (checked by the parser).
MAX_PARAGRAPH_CHARS = 200_000
MAX_UNPACKED_BYTES = 160 * 1024 * 1024

#: Code pages tried for text that is not UTF-8, most likely first.
CYRILLIC_CODECS = ("cp1251", "koi8-r", "cp866", "iso8859-5", "mac-cyrillic")
#: cp1251 wins when its share of dictionary words is at most this much below the best.
_CP1251_MARGIN = 0.1
#: Below this share of dictionary words a decoding is not taken for Russian.
_RUSSIAN_THRESHOLD = 0.5
#: More control characters than this share of the text means binary data.
_MAX_CONTROL_SHARE = 0.01

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # old binary .doc/.xls
_KEEP_CONTROLS = frozenset("\t\n")
_CYRILLIC_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")
_PUNCTUATION = ".,;:!?«»\"'()[]{}<>–—-…/\\%№*“”„‘’"


def read_source(path: Path, *, cache_dir: Path | None = None) -> SourceText:
    """Read one source document and return its text.

    ``cache_dir`` keeps OCR results (``<cache_dir>/ocr/<sha256>.json``); without it a
    scanned PDF is recognised on every call. Raises SourceError naming the file for a
    missing or unreadable file, an unsupported type, an empty or too large file, binary
    data, a corrupt document, or a missing converter (LibreOffice, Tesseract).
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = " (save it as .docx)" if suffix in CONVERTIBLE_SUFFIXES else ""
        raise SourceError(
            f"unsupported file type {suffix or '(no suffix)'!r}{hint}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
            path,
        )
    size = regular_file(path).stat().st_size
    if size <= MAX_SOURCE_BYTES:
        data = read_regular(path, MAX_SOURCE_BYTES)  # no FIFO, device or link out of the folder
        size = len(data)
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"file too large: {size:,} bytes ({size / 2**20:.1f} MiB); "
            f"the limit is {MAX_SOURCE_BYTES:,} bytes ({MAX_SOURCE_BYTES / 2**20:.0f} MiB)",
            path,
        )
    if size == 0:
        raise SourceError("empty file", path)
    fmt = "html" if suffix == ".htm" else suffix[1:]
    sha256 = hashlib.sha256(data).hexdigest()
    ocr_pages: tuple[int, ...] = ()
    confidence: float | None = None
    if fmt in ("txt", "md"):
        text, encoding = _decode(data, path)
    elif fmt == "docx":
        text, encoding = _docx_text(path, data), "docx"
    elif fmt in ("doc", "odt", "rtf"):
        from avgust.read.office import convert

        if fmt == "doc" and not data.startswith(_OLE_MAGIC) and data.startswith(b"PK"):
            text = _docx_text(path, data)  # a .docx named .doc: read it as it is
        else:
            text = _docx_text(path, convert(data, suffix, path))
        encoding = fmt
    elif fmt == "html":
        from avgust.read.html import html_text

        text, encoding = html_text(path, data, _decode)
    else:
        text, ocr_pages, confidence = _pdf_text(path, data, sha256, cache_dir)
        encoding = "pdf+ocr" if ocr_pages else "pdf"
    _check_text_size(text, path)
    text = _normalise(text, path)
    _check_lines(text, path)
    if not text.strip():
        raise SourceError("no text in the file (only whitespace)", path)
    return SourceText(
        path=path,
        text=text,
        encoding=encoding,
        format=fmt,
        ocr_pages=ocr_pages,
        ocr_confidence=confidence,
        sha256=sha256,
    )


def _check_text_size(text: str, path: Path) -> None:
    """Refuse a decoded text over :data:`MAX_TEXT_CHARS` before it is normalised."""
    if len(text) > MAX_TEXT_CHARS:
        raise SourceError(
            f"text too large: {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}", path
        )


def _check_lines(text: str, path: Path) -> None:
    """Refuse a normalised text of too many lines (:data:`MAX_LINES`) or too long a line."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise SourceError(f"too many lines: {lines:,}; the limit is {MAX_LINES:,}", path)
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE_CHARS:
            raise SourceError(
                f"line of {end - start:,} characters; the limit is {MAX_LINE_CHARS:,} "
                "(one paragraph per line)",
                path,
                number,
            )
        start, number = end + 1, number + 1


def discover_sources(directory: Path, *, convertible: bool = False) -> list[Path]:
    """The source documents in a folder (not its subfolders), sorted by name.

    Takes files with a supported suffix (any letter case) and skips sidecars
    (.yml/.yaml), README files, hidden files and Word's lock files (``~$…``).
    ``convertible`` also takes :data:`CONVERTIBLE_SUFFIXES` (none at present: .doc,
    .rtf and .odt are read through LibreOffice).
    """
    if not directory.is_dir():
        raise SourceError("not a folder" if directory.exists() else "no such folder", directory)
    suffixes = SUPPORTED_SUFFIXES + (CONVERTIBLE_SUFFIXES if convertible else ())
    return sorted(
        (
            p
            for p in directory.iterdir()
            if not p.is_dir()  # a FIFO or a link out of the folder is reported by read_source
            and p.suffix.lower() in suffixes
            and not p.name.startswith((".", "~$"))
            and p.stem.lower() != "readme"
        ),
        key=lambda p: p.name,
    )


# --- text files --------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"starts with a {encoding} byte order mark but is not valid {encoding} "
                    f"(byte {exc.start})",
                    path,
                ) from exc
    nul = data.count(0)
    if nul > len(data) * _MAX_CONTROL_SHARE:
        raise SourceError(
            f"binary data, not text ({nul} NUL bytes of {len(data)}); "
            "UTF-16 text needs a byte order mark",
            path,
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data, path)
    return _decode_legacy(data, path)


def _refuse_mixed_encodings(data: bytes, path: Path) -> None:
    """Raise when some lines are UTF-8 Russian text and others are not UTF-8 at all.

    Such a file (a cp1251 line pasted into a UTF-8 text) has no single right decoding:
    any code page would turn one part into mojibake without a word. Real cp1251 text
    never forms valid UTF-8 Russian words, so this does not fire on one-encoding files.
    """
    utf8: list[str] = []
    bad: list[tuple[int, int]] = []  # (line, offending byte)
    for number, line in enumerate(re.split(rb"\r\n|\r|\n", data), start=1):
        if line.isascii():
            continue
        try:
            utf8.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            bad.append((number, line[exc.start]))
    if not bad or not utf8 or _russian_share("\n".join(utf8)) < _RUSSIAN_THRESHOLD:
        return
    line, byte = bad[0]
    more = f" (and {len(bad) - 1} more line(s))" if len(bad) > 1 else ""
    raise SourceError(
        f"mixed encodings: this line is not UTF-8 (byte 0x{byte:02x}){more}, while "
        f"{len(utf8)} other line(s) are UTF-8; save the whole file in one encoding (UTF-8)",
        path,
        line,
    )


def _decode_legacy(data: bytes, path: Path) -> tuple[str, str]:
    """Decode text in a single-byte code page, preferring cp1251 for Russian."""
    best = charset_normalizer.from_bytes(data).best()
    guessed = _codec_name(best.encoding) if best is not None else None
    candidates = list(CYRILLIC_CODECS)
    if guessed and guessed not in candidates:
        candidates.append(guessed)
    scored: list[tuple[float, str, str]] = []
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((_russian_share(text), encoding, text))
    top = max((score for score, _, _ in scored), default=0.0)
    if top >= _RUSSIAN_THRESHOLD:
        for score, encoding, text in scored:  # in candidate order: cp1251 first
            if encoding == "cp1251" and score >= top - _CP1251_MARGIN:
                return text, encoding
        score, encoding, text = max(scored, key=lambda s: s[0])
        return text, encoding
    if best is None or guessed is None:
        raise SourceError("cannot detect the text encoding (binary data?)", path)
    return str(best), guessed


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _russian_share(text: str) -> float:
    """Share of the letters in non-ASCII words that form Russian dictionary words."""
    morph = analyzer()
    good = total = 0
    for token in text[:20000].split():
        token = token.strip(_PUNCTUATION)
        if not token or token.isascii():
            continue
        total += len(token)
        word = token.lower()
        if _CYRILLIC_WORD.fullmatch(word) and morph.word_is_known(word):
            good += len(token)
    return good / total if total else 0.0


def _normalise(text: str, path: Path) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(
        1 for ch in text if ch not in _KEEP_CONTROLS and unicodedata.category(ch) == "Cc"
    )
    if controls > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise SourceError(
            f"binary data, not text ({controls} control characters in {len(text)})", path
        )
    return "".join(
        " "
        if ch not in _KEEP_CONTROLS and (unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029")
        else ch
        for ch in text
    )


# --- .docx -----------------------------------------------------------------------


def _docx_text(path: Path, data: bytes) -> str:
    import docx  # python-docx; imported here because it is slow to import
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if data.startswith(_OLE_MAGIC):
        raise SourceError("an old binary Word file (.doc) named .docx; save it as .docx", path)
    _check_unpacked_size(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx and lxml raise many kinds of errors
        raise SourceError(f"corrupt .docx, cannot open it: {exc}", path) from exc
    # python-docx looks a style up by scanning every style of the document, once per
    # paragraph and run: remembered per (style id, type), reading stays linear and fast
    part = document.part
    part.get_style = functools.lru_cache(maxsize=None)(part.get_style)  # type: ignore[method-assign]
    numbering = _Numbering(document)
    lines: list[str] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(_paragraph_line(block, numbering))
            elif isinstance(block, Table):
                plan = plan_lines(_table_rows(block))
                if plan is not None:
                    lines.extend(["", *plan, ""])
                    continue
                for cell in _table_cells(block):
                    walk(cell)

    try:
        walk(document)
    except Exception as exc:  # malformed XML inside a valid package
        raise SourceError(f"corrupt .docx, cannot read its text: {exc}", path) from exc
    return "\n".join(lines)


def _check_unpacked_size(data: bytes, path: Path) -> None:
    """Refuse a zip package (.docx) that unpacks to over :data:`MAX_UNPACKED_BYTES`.

    The sizes come from the zip's central directory, before anything is unpacked; a
    member that claims less than it holds fails its CRC check when read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SourceError(f"corrupt .docx, cannot open it: {exc}", path) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise SourceError(
            f"the .docx unpacks to {unpacked:,} bytes ({unpacked / 2**20:.0f} MiB); the limit is "
            f"{MAX_UNPACKED_BYTES:,} bytes ({MAX_UNPACKED_BYTES / 2**20:.0f} MiB)",
            path,
        )


def _table_rows(table: Any) -> list[list[str]]:
    """The text of each cell, row by row (a merged cell in every column it spans)."""
    return [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]


def _table_cells(table: Any) -> Iterator[Any]:
    """The cells of a table row by row; a merged cell only once."""
    # The set holds the elements themselves: lxml hands out the same proxy object for
    # a node only while a reference to it is alive, so ids of dropped proxies repeat.
    seen: set[Any] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                yield cell


def _paragraph_line(paragraph: Any, numbering: _Numbering) -> str:
    from docx.text.hyperlink import Hyperlink

    runs: list[tuple[str, bool]] = []
    for item in paragraph.iter_inner_content():
        for run in item.runs if isinstance(item, Hyperlink) else [item]:
            bold = bool(run.bold) or bool(run.style is not None and run.style.font.bold)
            runs.append((run.text.replace("\n", " "), bold))
    text = _with_bold(runs)
    label = numbering.label(paragraph)
    if label is not None and text.strip():
        text = f"{label} {text.lstrip()}"
    return text


def _with_bold(runs: list[tuple[str, bool]]) -> str:
    """Join runs, wrapping each stretch of bold runs in ``**…**``."""
    out: list[str] = []
    i = 0
    while i < len(runs):
        j = i
        while j < len(runs) and runs[j][1] == runs[i][1]:
            j += 1
        chunk = "".join(text for text, _ in runs[i:j])
        if runs[i][1] and chunk.strip():
            core = chunk.strip()
            lead = chunk[: len(chunk) - len(chunk.lstrip())]
            trail = chunk[len(chunk.rstrip()) :]
            chunk = f"{lead}**{core}**{trail}"
        out.append(chunk)
        i = j
    return "".join(out)


class _Numbering:
    """Recomputes Word's automatic list numbers from ``numbering.xml``."""

    def __init__(self, document: Any) -> None:
        try:
            self._root: Any = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            self._root = None
        # abstractNumId → counters per level; numIds whose start override was applied
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        # lookups made once, not once per paragraph (a list per item made it quadratic)
        self._nums: dict[Any, Any] | None = None
        self._level_cache: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._abstracts: dict[Any, list[Any]] | None = None

    def label(self, paragraph: Any) -> str | None:
        """The list label of a paragraph ("1.2.", "а)", "-") or None if it has none."""
        if self._root is None:
            return None
        num_id, level = _num_properties(paragraph)
        if num_id is None or num_id == "0":
            return None
        if self._nums is None:  # numId → <w:num>, first one wins as in the scan it replaces
            self._nums = {}
            for element in self._root.findall(_qn("w:num")):
                self._nums.setdefault(element.get(_qn("w:numId")), element)
        num = self._nums.get(num_id)
        abstract_ref = num.find(_qn("w:abstractNumId")) if num is not None else None
        if num is None or abstract_ref is None:
            return None
        abstract_id = str(abstract_ref.get(_qn("w:val")))
        levels = self._levels(abstract_id)
        if level not in levels:
            return None
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._started:
            self._started.add(num_id)
            for override in num.findall(_qn("w:lvlOverride")):
                start_override = override.find(_qn("w:startOverride"))
                if start_override is not None:
                    ilvl = int(override.get(_qn("w:ilvl"), "0"))
                    counters[ilvl] = int(start_override.get(_qn("w:val"), "1")) - 1
        fmt, text, start = levels[level]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return None

        def number(match: re.Match[str]) -> str:
            ilvl = int(match.group(1)) - 1
            lvl_fmt, _, lvl_start = levels.get(ilvl, ("decimal", "", 1))
            return _format_number(counters.get(ilvl, lvl_start), lvl_fmt)

        return re.sub(r"%([1-9])", number, text).strip() or None

    def _levels(self, abstract_id: str) -> dict[int, tuple[str, str, int]]:
        """ilvl → (numFmt, lvlText, start) of one abstract numbering."""
        if abstract_id in self._level_cache:
            return self._level_cache[abstract_id]
        if self._abstracts is None:  # abstractNumId → its elements, in one scan
            self._abstracts = {}
            for element in self._root.findall(_qn("w:abstractNum")):
                self._abstracts.setdefault(element.get(_qn("w:abstractNumId")), []).append(element)
        levels: dict[int, tuple[str, str, int]] = {}
        for abstract in self._abstracts.get(abstract_id, []):
            for lvl in abstract.findall(_qn("w:lvl")):
                levels[int(lvl.get(_qn("w:ilvl"), "0"))] = (
                    _child_val(lvl, "w:numFmt", "decimal"),
                    _child_val(lvl, "w:lvlText", ""),
                    int(_child_val(lvl, "w:start", "1")),
                )
        self._level_cache[abstract_id] = levels
        return levels


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _child_val(element: Any, tag: str, default: str) -> str:
    child = element.find(_qn(tag))
    return default if child is None else str(child.get(_qn("w:val"), default))


def _num_properties(paragraph: Any) -> tuple[str | None, int]:
    """(numId, level) of a paragraph, from its own properties or its style chain."""
    pPr = paragraph._p.pPr  # noqa: N806 - the OOXML name
    candidates = [pPr.numPr if pPr is not None else None]
    style = paragraph.style
    while style is not None:
        style_pPr = style.element.pPr  # noqa: N806
        candidates.append(style_pPr.numPr if style_pPr is not None else None)
        style = style.base_style
    num_id: str | None = None
    level: int | None = None
    for numPr in candidates:  # noqa: N806
        if numPr is None:
            continue
        if num_id is None and numPr.numId is not None:
            num_id = str(numPr.numId.val)
        if level is None and numPr.ilvl is not None:
            level = int(numPr.ilvl.val)
    return num_id, level or 0


_RUSSIAN_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"  # Word's russianLower skips ё й ъ ы ь


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("russianLower", "russianUpper"):
        size = len(_RUSSIAN_LETTERS)
        letter = _RUSSIAN_LETTERS[(n - 1) % size] * ((n - 1) // size + 1)
        return letter.upper() if fmt == "russianUpper" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, digits in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        count, n = divmod(n, value)
        out.append(digits * count)
    return "".join(out)


# --- .pdf ------------------------------------------------------------------------


def _scanned(page: Any, text: str) -> bool:
    """A page to OCR: no text layer, or a few characters of it over an image (a scan
    stamped "Scanned by …" or with a page number)."""
    chars = len("".join(text.split()))
    if chars == 0:
        return True
    if chars >= MIN_PAGE_TEXT:
        return False
    try:
        return bool(page.images)
    except Exception:  # pypdf cannot decode an image: do not guess
        return False


def _pdf_text(
    path: Path, data: bytes, sha256: str, cache_dir: Path | None = None
) -> tuple[str, tuple[int, ...], float | None]:
    """(text, pages recognised by OCR, their mean confidence) of a PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError("encrypted PDF (needs a password)", path)
        pages = list(reader.pages)
    except SourceError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise SourceError(f"corrupt .pdf, cannot open it: {exc}", path) from exc
    texts: list[str] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:
            raise SourceError(f"corrupt .pdf, cannot read page {number}: {exc}", path) from exc
    scanned = [_scanned(page, text) for page, text in zip(pages, texts, strict=True)]
    if any(scanned) or not texts:
        from avgust.read.ocr import recognise

        layer = ["" if scan else text for scan, text in zip(scanned, texts, strict=True)]
        result = recognise(path, data, layer, sha256, cache_dir)
        texts = [
            ocr if len(ocr.strip()) >= len(original.strip()) else original
            for ocr, original in zip(result.pages, texts + [""] * len(result.pages), strict=False)
        ]
        if not any(t.strip() for t in texts):
            raise SourceError(
                "no text: no text layer and OCR found none (a blank or unreadable scan?)", path
            )
        return "\n\n".join(t.strip("\n") for t in texts), result.ocr_pages, result.confidence
    return "\n\n".join(t.strip("\n") for t in texts), (), None
