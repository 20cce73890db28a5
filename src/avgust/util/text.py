"""Text normalisation shared by every stage that shows document text."""

from __future__ import annotations

_CONTROLS = {n: " " for n in (*range(0x20), *range(0x7F, 0xA0))}


def squash(text: str) -> str:
    """``text`` on one line: control characters and every run of whitespace become one space.

    (Python-Markdown uses STX/ETX internally to mark stashed HTML, so they must never
    reach it from a document.)
    """
    return " ".join(text.translate(_CONTROLS).split())


__all__ = ["squash"]
