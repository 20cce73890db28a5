"""Parsed sources kept between builds: an unchanged source is not read and parsed again.

An entry (``<cache_dir>/parsed/<key>.json``) holds the Resolution, the problems the source
reported and its OCR figures. Its key is the hash of the source's bytes, its sidecar's
bytes, the name the source is reported under and the parser's code (every module of
avgust.read, avgust.parse, avgust.ru and the records), so a changed document, sidecar or
parser never meets an old entry. An entry that cannot be read is parsed anew and written
again; the cache never fails a build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from avgust.errors import Problem, Severity, SourceError
from avgust.read.files import read_regular
from avgust.read.sidecar import MAX_SIDECAR_BYTES, sidecar_path
from avgust.read.sources import MAX_SOURCE_BYTES
from avgust.records import Resolution, to_dict
from avgust.util.fs import atomic_write, files_digest, tree_files

log = logging.getLogger(__name__)
FORMAT = 1
_CODE = ("read", "parse", "ru")  # the packages whose code decides what a source parses to


@dataclass(frozen=True)
class Parsed:
    """One source read and parsed: what parse_all reports of it."""

    resolution: Resolution
    problems: tuple[Problem, ...]
    ocr_pages: tuple[int, ...] = ()
    ocr_confidence: float | None = None


@functools.cache
def parser_version() -> str:
    """The hash of the code that turns a source into a Resolution."""
    package = Path(str(resources.files("avgust")))
    files = [package / "records.py", package / "errors.py"]
    for name in _CODE:
        files += tree_files(package / name, (".py",))
    return files_digest(package, files, seed=f"format {FORMAT}")


def source_key(path: Path, name: str) -> str | None:
    """The key of a source's entry; None when its bytes cannot be read (the parser says why)."""
    try:
        data = read_regular(path, MAX_SOURCE_BYTES)
        sidecar = sidecar_path(path)
        side = read_regular(sidecar, MAX_SIDECAR_BYTES) if sidecar.exists() else None
    except (SourceError, OSError):  # the uncached read reports it, naming the file
        return None
    digest = hashlib.sha256(parser_version().encode())
    for part in (name.encode(), data, b"-" if side is None else b"+" + side):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class ParseCache:
    """The entries under ``<cache_dir>/parsed``; counts what it served and what it stored."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "parsed"
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Parsed | None:
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            parsed = _from_json(data)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.debug("parse cache entry %s unreadable (%s): parsing the source again", path, exc)
            self.misses += 1
            return None
        self.hits += 1
        return parsed

    def put(self, key: str, parsed: Parsed) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(
                self.folder / f"{key}.json", json.dumps(_to_json(parsed), ensure_ascii=False)
            )
        except OSError as exc:  # a full disk: the next build parses the source again
            log.debug("parse cache not written (%s)", exc)


def problem_row(problem: Problem) -> list[Any]:
    """A Problem as a JSON row: [path, message, line, severity]."""
    return [problem.path, problem.message, problem.line, problem.severity.value]


def problem_of(row: list[Any]) -> Problem:
    path, message, line, severity = row
    return Problem(str(path), str(message), line, Severity(severity))


def _to_json(parsed: Parsed) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "resolution": to_dict(parsed.resolution),
        "problems": [problem_row(p) for p in parsed.problems],
        "ocr_pages": list(parsed.ocr_pages),
        "ocr_confidence": parsed.ocr_confidence,
    }


def _from_json(data: dict[str, Any]) -> Parsed:
    if data["format"] != FORMAT:
        raise ValueError(f"format {data['format']!r}")
    confidence = data["ocr_confidence"]
    return Parsed(
        Resolution.from_dict(data["resolution"]),
        tuple(problem_of(row) for row in data["problems"]),
        tuple(int(page) for page in data["ocr_pages"]),
        float(confidence) if confidence is not None else None,
    )
