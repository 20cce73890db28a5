"""Scanned PDFs: pages without a text layer recognised by Tesseract (Russian).

Each page is rendered by pypdfium2 at :data:`OCR_DPI` and read by Tesseract
(``pytesseract``, language ``rus``); pages that have a text layer keep it. The result —
text per page, which pages were recognised and Tesseract's mean word confidence — is
cached as ``<cache>/ocr/<sha256 of the file>.json`` (written atomically), so that a
rebuild never recognises the same file twice. On a terminal a progress bar shows the
pages.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avgust.errors import SourceError

OCR_DPI = 300
OCR_LANGUAGE = "rus"
#: Seconds Tesseract may take for one page.
OCR_PAGE_TIMEOUT = 300
#: More scanned pages than this are refused: a resolution is a few pages, and OCR takes
#: about 10 s a page on two cores.
MAX_OCR_PAGES = 60
DEBIAN_PACKAGE = "tesseract-ocr-rus"
#: Bumped when the way text is recognised changes, so old cache entries are not reused.
_CACHE_VERSION = 1


@dataclass(frozen=True)
class OcrResult:
    """The text of each page and what OCR did."""

    pages: tuple[str, ...]
    ocr_pages: tuple[int, ...]  # 1-based numbers of the pages recognised by Tesseract
    confidence: float | None  # mean word confidence 0..100 over those pages

    def to_json(self) -> dict[str, Any]:
        return {
            "version": _CACHE_VERSION,
            "pages": list(self.pages),
            "ocr_pages": list(self.ocr_pages),
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OcrResult:
        if data.get("version") != _CACHE_VERSION:
            raise ValueError("another cache version")
        return cls(
            pages=tuple(str(p) for p in data["pages"]),
            ocr_pages=tuple(int(n) for n in data["ocr_pages"]),
            confidence=None if data["confidence"] is None else float(data["confidence"]),
        )


def tesseract_ready() -> bool:
    """Whether Tesseract with Russian is installed."""
    if shutil.which("tesseract") is None:
        return False
    import pytesseract

    try:
        return OCR_LANGUAGE in pytesseract.get_languages(config="")
    except Exception:
        return False


def recognise(
    path: Path, data: bytes, layer: list[str], sha256: str, cache_dir: Path | None
) -> OcrResult:
    """The pages of a PDF, those without text (``layer[i]`` blank) recognised by Tesseract."""
    cache = cache_dir / "ocr" / f"{sha256}.json" if cache_dir is not None else None
    if cache is not None and cache.is_file():
        try:
            return OcrResult.from_json(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a corrupt or old entry: recognise again and overwrite it
    if not tesseract_ready():
        raise SourceError(
            "scanned PDF (pages without a text layer): reading it needs Tesseract with "
            f"Russian; install the Debian package {DEBIAN_PACKAGE} "
            f"(apt-get install {DEBIAN_PACKAGE})",
            path,
        )
    import pypdfium2
    import pytesseract

    try:
        document = pypdfium2.PdfDocument(data)
    except Exception as exc:
        raise SourceError(f"corrupt .pdf, cannot render it for OCR: {exc}", path) from exc
    pages = list(layer) + [""] * max(0, len(document) - len(layer))
    todo = [i for i, text in enumerate(pages) if not text.strip()]
    if len(todo) > MAX_OCR_PAGES:
        document.close()
        raise SourceError(
            f"{len(todo)} scanned pages; OCR reads at most {MAX_OCR_PAGES} "
            "(is this one resolution?)",
            path,
        )
    confidences: list[float] = []
    with _progress(path, len(todo)) as advance:
        for index in todo:
            try:
                image = document[index].render(scale=OCR_DPI / 72).to_pil().convert("L")
                table = pytesseract.image_to_data(
                    image,
                    lang=OCR_LANGUAGE,
                    config="--psm 4",
                    output_type=pytesseract.Output.DICT,
                    timeout=OCR_PAGE_TIMEOUT,
                )
            except RuntimeError as exc:  # pytesseract's timeout
                raise SourceError(f"OCR of page {index + 1} timed out: {exc}", path) from exc
            except Exception as exc:
                raise SourceError(f"OCR of page {index + 1} failed: {exc}", path) from exc
            text, words = _text_of(table)
            pages[index] = text
            confidences.extend(words)
            advance()
    document.close()
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    result = OcrResult(tuple(pages), tuple(i + 1 for i in todo), mean)
    if cache is not None:
        _write_atomically(cache, json.dumps(result.to_json(), ensure_ascii=False))
    return result


def _text_of(table: dict[str, list[Any]]) -> tuple[str, list[float]]:
    """Lines of text (a blank line between Tesseract's blocks) and the word confidences."""
    lines: list[str] = []
    confidences: list[float] = []
    current: tuple[int, int, int] | None = None
    block: int | None = None
    for i, word in enumerate(table["text"]):
        word = str(word).strip()
        conf = float(table["conf"][i])
        if not word or conf < 0:
            continue
        key = (int(table["block_num"][i]), int(table["par_num"][i]), int(table["line_num"][i]))
        if key != current:
            if block is not None and key[0] != block:
                lines.append("")
            lines.append(word)
            current, block = key, key[0]
        else:
            lines[-1] += f" {word}"
        confidences.append(conf)
    return "\n".join(lines), confidences


class _progress:  # noqa: N801 - used as a context manager like a function
    """A rich progress bar over the pages, only when stderr is a terminal."""

    def __init__(self, path: Path, total: int) -> None:
        self.path, self.total = path, total
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if self.total and sys.stderr.isatty():
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"OCR {self.path.name}", total=self.total)
        return self.advance

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
