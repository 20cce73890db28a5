"""How long the readers take: OCR per page, LibreOffice conversion per file, parse per resolution.

Run from the repository root: ``.venv/bin/python scripts/bench_formats.py [--pages 3]
[--repeat 3]``. The documents are the test fixture resolution (tests/fixtures/data/formats) made
into .doc/.odt/.rtf by LibreOffice and into an image-only PDF of ``--pages`` pages, and
the resolutions in resolutions/ and tests/fixtures/golden/layouts/ for parsing. Nothing is cached
between runs (OCR runs without a cache folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from avgust.parse.parser import parse_text  # noqa: E402
from avgust.read.office import convert  # noqa: E402
from avgust.read.sources import read_source  # noqa: E402
from tests.support.formats import TEXT, docx_bytes, scan_pdf_bytes  # noqa: E402


def timed(repeat: int, action: object) -> float:
    """The median seconds of ``repeat`` calls of ``action``."""
    assert callable(action)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


LAYOUTS = "tests/fixtures/golden/layouts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages of the scanned PDF")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="avgust-bench-") as tmp:
        folder = Path(tmp)
        docx = folder / "r.docx"
        docx.write_bytes(docx_bytes())
        for fmt in ("doc", "odt", "rtf"):
            path = folder / f"r.{fmt}"
            path.write_bytes(convert(docx.read_bytes(), ".docx", docx, to=fmt))
            seconds = timed(args.repeat, lambda path=path: read_source(path))
            rows.append(
                (f"read .{fmt} (LibreOffice → .docx → text)", f"{seconds:.2f} s", "per file")
            )
        rows.append(
            (
                "read .docx (python-docx)",
                f"{timed(args.repeat, lambda: read_source(docx)):.3f} s",
                "per file",
            )
        )
        scan = folder / "scan.pdf"
        scan.write_bytes(scan_pdf_bytes("\n\n".join([TEXT] * args.pages * 2)))
        source = read_source(scan)
        pages = len(source.ocr_pages)
        seconds = timed(1, lambda: read_source(scan))
        rows.append(
            (
                f"OCR, Tesseract rus, 300 dpi ({pages} pages, "
                f"confidence {source.ocr_confidence or 0:.0f}%)",
                f"{seconds / pages:.2f} s",
                "per page",
            )
        )
        cache = folder / "cache"
        read_source(scan, cache_dir=cache)
        cached = timed(args.repeat, lambda: read_source(scan, cache_dir=cache))
        rows.append(("the same scan again, from the OCR cache", f"{cached:.3f} s", "per file"))
    sources = sorted((ROOT / "resolutions").glob("*.txt")) + sorted(
        p
        for p in (ROOT / "tests/fixtures/golden/layouts").iterdir()
        if p.suffix in (".txt", ".html")
    )
    for path in sources:
        text = read_source(path).text
        seconds = timed(args.repeat, lambda text=text: parse_text(text))
        directives = len(parse_text(text)[0].directives)
        rows.append(
            (
                f"parse {path.name} ({directives} directives)",
                f"{seconds * 1000:.0f} ms",
                "per resolution",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  unit")
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>9}  {unit}")


if __name__ == "__main__":
    main()
