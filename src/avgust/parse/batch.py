"""`avgust check`: every source document read, parsed and reported, all problems at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from avgust.errors import Problem, Severity, SourceError
from avgust.parse.cache import ParseCache, Parsed, source_key
from avgust.parse.parser import read_and_parse
from avgust.read.sources import discover_sources
from avgust.records import DeadlineKind, Resolution
from avgust.util.fs import display_path


@dataclass(frozen=True)
class FileReport:
    """What `avgust check` found in one source document."""

    path: str
    directives: int
    deadlines: int
    unparsed: int
    problems: tuple[Problem, ...]
    slug: str | None = None
    ocr_pages: tuple[int, ...] = ()  # pages recognised by Tesseract (a scanned PDF)
    ocr_confidence: float | None = None  # their mean word confidence, 0..100

    @property
    def errors(self) -> int:
        return sum(p.severity is Severity.ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity is Severity.WARNING for p in self.problems)


Accept = Callable[[Resolution], list[Problem]]
"""A later stage's verdict on a parsed resolution: its errors ([] to keep it)."""


def parse_all(
    paths: Sequence[Path],
    root: Path | None = None,
    accept: Accept | None = None,
    *,
    cache_dir: Path | None = None,
    parsed: ParseCache | None = None,
) -> tuple[list[Resolution], list[FileReport]]:
    """Parse every file; a file that fails is reported and the others go on.

    ``cache_dir`` keeps OCR results, so that a scanned PDF is recognised only once, and
    every parsed source (avgust.parse.cache): an unchanged one is not read and parsed again.
    ``parsed``, when given, counts the sources served from that cache (``hits``).

    Two files that claim the same slug are both reported; only the first is kept. A
    file that ``accept`` refuses (the pipeline passes the page writer's check) is
    reported and left out, so that `avgust check` fails on what `avgust build` skips.
    """

    resolutions: list[Resolution] = []
    reports: list[FileReport] = []
    owners: dict[str, str] = {}
    if parsed is None and cache_dir is not None:
        parsed = ParseCache(cache_dir)
    for path in paths:
        name = display_path(path, root)
        key = source_key(path, name) if parsed is not None else None
        entry = parsed.get(key) if parsed is not None and key is not None else None
        if entry is None:
            try:
                resolution, found, source = read_and_parse(path, root, cache_dir=cache_dir)
            except SourceError as error:
                problem = error.as_problem()
                if error.path is not None:  # the source or its sidecar, named like the others
                    problem = replace(problem, path=display_path(Path(error.path), root))
                reports.append(FileReport(name, 0, 0, 0, (problem,)))
                continue
            entry = Parsed(resolution, tuple(found), source.ocr_pages, source.ocr_confidence)
            if parsed is not None and key is not None:
                parsed.put(key, entry)
        resolution = entry.resolution
        problems = list(entry.problems)
        refused = accept(resolution) if accept else []  # e.g. its pages would not be written
        problems += [replace(p, path=name) for p in refused]
        if not refused and resolution.slug in owners:
            problems.append(
                Problem(
                    name,
                    f"same resolution slug {resolution.slug!r} as {owners[resolution.slug]}: "
                    "set a distinct `slug` (or fix district/date) in the sidecar",
                    severity=Severity.ERROR,
                )
            )
        elif not refused:
            owners[resolution.slug] = name
            resolutions.append(resolution)
        deadlines = [d.deadline.kind for d in resolution.directives]
        reports.append(
            FileReport(
                name,
                len(resolution.directives),
                sum(k not in (DeadlineKind.NONE, DeadlineKind.UNPARSED) for k in deadlines),
                sum(k is DeadlineKind.UNPARSED for k in deadlines),
                tuple(problems),
                resolution.slug,
                entry.ocr_pages,
                entry.ocr_confidence,
            )
        )
    return resolutions, reports


def check_sources(
    directory: Path,
    root: Path | None = None,
    accept: Accept | None = None,
    *,
    cache_dir: Path | None = None,
) -> list[FileReport]:
    """Reports for every source document in ``directory``."""
    if not directory.is_dir():
        raise SourceError("not a folder of source documents", directory)
    paths = discover_sources(directory, convertible=True)
    return parse_all(paths, root=root, accept=accept, cache_dir=cache_dir)[1]
