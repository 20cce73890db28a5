"""The records that flow through every stage: Resolution → Directive → Deadline.

All records are frozen dataclasses that turn into plain JSON with :func:`to_dict`
and back with the ``from_dict`` class methods. Dates are ISO strings
(``"2020-10-10"``) so that the JSON form and the Python form are the same.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DeadlineKind(enum.StrEnum):
    """How a deadline is expressed."""

    BY_DATE = "by_date"  # "до 10.10.2020", "01.12.2018"
    RANGE = "range"  # "с 1 по 30 октября 2018", "2020-2022 гг."
    MONTH = "month"  # "сентябрь 2018", "(февраль)"
    YEAR_END = "year_end"  # "к концу 2019 года", "в течение 2019 года"
    ACADEMIC_YEAR = "academic_year"  # "в течение 2020-2021 учебного года"
    DURING_YEAR = "during_year"  # "в течение года": relative to the resolution date
    PERMANENT = "permanent"  # "постоянно"
    RECURRING = "recurring"  # "ежегодно", "ежеквартально"
    OTHER = "other"  # "в соответствии с графиком": set elsewhere, raw kept
    NONE = "none"  # no deadline given
    UNPARSED = "unparsed"  # a deadline is written but could not be read


@dataclass(frozen=True)
class Deadline:
    """A deadline exactly as written plus what it means.

    ``start``/``end`` are ISO dates where the text fixes them; ``end`` alone for
    "до 10.10.2020"; both for ranges and academic years; neither for "постоянно".
    """

    raw: str
    kind: DeadlineKind
    start: str | None = None
    end: str | None = None

    @classmethod
    def none(cls) -> Deadline:
        return cls(raw="", kind=DeadlineKind.NONE)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deadline:
        return cls(
            raw=data["raw"],
            kind=DeadlineKind(data["kind"]),
            start=data.get("start"),
            end=data.get("end"),
        )


@dataclass(frozen=True)
class Directive:
    """One directive (поручение) of a resolution.

    ``number`` is the number as printed ("2.1", "1") or None for bullets;
    ``anchor`` is unique within the resolution and stable for links (``p-2-1``);
    ``addressees`` are the heading or lead-in that names who must act;
    ``context`` is the lead-in the directive sits under ("В рамках регионального
    проекта «Современная школа»"); ``line`` is the 1-based source line where the
    directive starts.
    """

    anchor: str
    number: str | None
    order: int
    addressees: tuple[str, ...]
    text: str
    deadline: Deadline
    context: str | None = None
    line: int = 0
    themes: tuple[str, ...] = ()
    responsible: str | None = None  # "Ответственные: …" as written

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Directive:
        return cls(
            anchor=data["anchor"],
            number=data.get("number"),
            order=int(data["order"]),
            addressees=tuple(data.get("addressees", ())),
            text=data["text"],
            deadline=Deadline.from_dict(data["deadline"]),
            context=data.get("context"),
            line=int(data.get("line", 0)),
            themes=tuple(data.get("themes", ())),
            responsible=data.get("responsible"),
        )


@dataclass(frozen=True)
class Section:
    """A part of a resolution that is not a directive: priorities, problems, results."""

    title: str
    kind: str  # "priorities" | "problems" | "achievements" | "proposals" | "other"
    items: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(title=data["title"], kind=data["kind"], items=tuple(data["items"]))


@dataclass(frozen=True)
class Resolution:
    """A parsed resolution (решение / резолюция) of one August conference."""

    slug: str
    kind: str
    title: str
    district: str | None
    region: str | None
    date: str | None
    academic_year: str | None
    source: str
    directives: tuple[Directive, ...]
    preamble: str = ""
    sections: tuple[Section, ...] = ()
    source_url: str | None = None
    notes: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            slug=data["slug"],
            kind=data["kind"],
            title=data["title"],
            district=data.get("district"),
            region=data.get("region"),
            date=data.get("date"),
            academic_year=data.get("academic_year"),
            source=data["source"],
            directives=tuple(Directive.from_dict(d) for d in data["directives"]),
            preamble=data.get("preamble", ""),
            sections=tuple(Section.from_dict(s) for s in data.get("sections", ())),
            source_url=data.get("source_url"),
            notes=data.get("notes"),
        )

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None


@dataclass(frozen=True)
class Theme:
    """One theme of the taxonomy (themes.yml): «Точка роста», наставничество, воспитание …"""

    slug: str
    name: str
    description: str
    rules: tuple[str, ...] = ()  # Russian lemma/phrase rules, see avgust.themes


@dataclass(frozen=True)
class SimilarDirective:
    """A directive of another district that reads like this one (cosine ``score``)."""

    id: str  # directive_id() of the other directive
    score: float


def directive_id(slug: str, anchor: str) -> str:
    """The corpus-wide id of a directive: ``"<resolution slug>#<anchor>"``."""
    return f"{slug}#{anchor}"


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one source document, before parsing."""

    path: Path
    text: str
    encoding: str  # "utf-8", "cp1251", "docx", "pdf", "pdf+ocr", "doc" …
    format: str  # "txt" | "md" | "docx" | "pdf" | "doc" | "odt" | "rtf" | "html"
    ocr_pages: tuple[int, ...] = ()  # pages of a scanned PDF read by Tesseract (1-based)
    ocr_confidence: float | None = None  # Tesseract's mean word confidence (0..100)
    sha256: str = ""  # of the file's bytes (the OCR cache key; checked against a sidecar's)


@dataclass(frozen=True)
class Sidecar:
    """Metadata that a sidecar YAML file sets or corrects; None means "not set"."""

    kind: str | None = None
    title: str | None = None
    district: str | None = None
    region: str | None = None
    date: str | None = None
    source_url: str | None = None
    notes: str | None = None
    slug: str | None = None
    retrieved: str | None = None  # ISO date the original was fetched (avgust add)
    sha256: str | None = None  # of the original as fetched


def to_dict(record: Any) -> Any:
    """A JSON-ready form of any record here (enums become their string values)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_dict(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, enum.Enum):
        return record.value
    if isinstance(record, tuple | list):
        return [to_dict(x) for x in record]
    if isinstance(record, Path):
        return str(record)
    return record


__all__ = [
    "Deadline",
    "DeadlineKind",
    "Directive",
    "Resolution",
    "Section",
    "Sidecar",
    "SimilarDirective",
    "SourceText",
    "Theme",
    "directive_id",
    "to_dict",
]
