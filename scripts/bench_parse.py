"""Parse time against input size for the shapes that were once superlinear.

Usage: ``.venv/bin/python scripts/bench_parse.py [--sizes 1000,2000,4000,8000,16000]
[--budget SECONDS] [--realistic-mib 2.5,5,10,20] [--shapes lines,word,numbered,docx,…]``

Shapes (N is the size column):

* ``lines``: ``"x\\n" * N`` (continuation lines joined into one paragraph);
* ``directive``: one directive of N characters of words (district and deadline search);
* ``word``: one directive that is a single word of N letters (the district regexes once
  tried every letter as a start);
* ``extend``: one directive followed by N plain lines (each added to its text);
* ``numbered``: N lines ``"1. Провести …"`` (N directives with one number: anchors);
* ``docx``: the ``numbered`` text as a .docx (python-docx reading, then parsing);
* ``realistic``: real directives of resolutions/ recombined into one document of each
  ``--realistic-mib`` size (up to the 20 MiB limit), read and parsed like any source
  (guards included).

Each row shows the seconds and the microseconds per unit (line or character); linear
time means a flat last column. A shape stops growing once one run takes longer than
``--budget`` seconds. Nothing here is asserted: it is a measurement, run by hand.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from avgust.parse.parser import parse_file, parse_text  # noqa: E402


def _lines(n: int) -> str:
    return "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n" + "x\n" * n


def _directive(n: int) -> str:
    words = "обеспечить участие педагогов Мучкапского района в семинарах до 1 октября "
    body = (words * (n // len(words) + 1))[:n]
    return f"РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. {body}.\n"


def _word(n: int) -> str:
    return "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести " + "а" * n + ".\n"


def _extend(n: int) -> str:
    return "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Провести смотр.\n" + "Итоги смотра.\n" * n


def _numbered(n: int) -> str:
    return "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n" + "1. Провести смотр кабинетов.\n" * n


def _docx(n: int, folder: Path) -> Path:
    import docx

    document = docx.Document()
    for line in _numbered(n).splitlines():
        document.add_paragraph(line)
    path = folder / f"numbered-{n}.docx"
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _realistic(mib: float, folder: Path) -> Path:
    """Real directive lines of resolutions/ shuffled into one large document."""
    items: list[str] = []
    for source in sorted((ROOT / "resolutions").glob("*.txt")):
        for line in source.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if len(stripped) > 40 and stripped[:1].isdigit():
                items.append(stripped.split(" ", 1)[-1])
    rng = random.Random(14)
    head = (
        "РЕШЕНИЕ\nавгустовской конференции педагогических работников Мучкапского района "
        "Тамбовской области\nот 26.08.2020\n\nКонференция РЕШИЛА:\n\n"
    )
    parts = [head]
    size, number = len(head.encode()), 0
    limit = int(mib * 2**20)
    while True:
        number += 1
        line = f"{number % 99 + 1}. {rng.choice(items)}\nСрок: до 01.10.2020\n"
        if size + len(line.encode()) > limit:
            break
        parts.append(line)
        size += len(line.encode())
    path = folder / "realistic.txt"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _time(run: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    run(*args)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,16000,32000")
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--realistic-mib", default="2.5,5,10,20", help="sizes in MiB")
    parser.add_argument("--shapes", default="lines,directive,word,extend,numbered,docx,realistic")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    print(f"{'shape':<10} {'N':>9} {'unit':<6} {'seconds':>9} {'µs/unit':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text_shapes: dict[str, tuple[Callable[[int], str], str]] = {
            "lines": (_lines, "line"),
            "directive": (_directive, "char"),
            "word": (_word, "char"),
            "extend": (_extend, "line"),
            "numbered": (_numbered, "line"),
        }
        for shape in shapes:
            if shape == "realistic":
                for mib in (float(m) for m in args.realistic_mib.split(",")):
                    path = _realistic(mib, folder)
                    size = path.stat().st_size
                    seconds = _time(parse_file, path)
                    print(
                        f"{shape:<10} {size:>9} {'byte':<6} {seconds:>9.2f} "
                        f"{seconds / size * 1e6:>9.3f}",
                        flush=True,
                    )
                continue
            for n in sizes:
                if shape == "docx":
                    path = _docx(n, folder)
                    seconds = _time(parse_file, path)
                    unit = "line"
                else:
                    make, unit = text_shapes[shape]
                    text = make(n)
                    seconds = _time(parse_text, text, shape)
                print(
                    f"{shape:<10} {n:>9} {unit:<6} {seconds:>9.2f} {seconds / n * 1e6:>9.1f}",
                    flush=True,
                )
                if seconds > args.budget:
                    print(f"{shape:<10} (stopped: one run over {args.budget:.0f} s)")
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
