"""The errors avgust raises, and the problems it reports about input files.

Every error is an :class:`AvgustError` (a message, and the file and line it is about). The
subclasses exist where a caller decides differently: a bad source document is reported and
left out, a bad configuration stops everything, a missing or damaged index asks for a rebuild,
and unavailable browser assets (no npm, a failed model conversion) leave the site with
lexical search only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input file, with the place it was found."""

    path: str
    message: str
    line: int | None = None
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


class AvgustError(Exception):
    """The one error type the project raises for bad input or a bad state."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def as_problem(self) -> Problem:
        return Problem(
            path=self.path or "", message=self.message, line=self.line, severity=Severity.ERROR
        )


class SourceError(AvgustError):
    """A source document or its sidecar cannot be read or parsed; the other documents go on."""


class ConfigError(AvgustError):
    """avgust.toml, themes.yml, mkdocs.yml or a command-line setting is wrong."""


class IndexStateError(AvgustError):
    """The index is missing, damaged or of another format or model: rebuild it."""


class BrowserAssetsError(AvgustError):
    """The in-browser model or runtime cannot be prepared; the site keeps lexical search."""


__all__ = [
    "AvgustError",
    "BrowserAssetsError",
    "ConfigError",
    "IndexStateError",
    "Problem",
    "Severity",
    "SourceError",
]
