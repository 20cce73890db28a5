"""The one published shape of a directive: what the index stores and every export selects from.

A :class:`DirectiveRecord` is a directive with what it needs of its resolution. The search hits
(``avgust search --json``), the browser's result records and the open data (JSON, CSV) are
field selections of it (:meth:`DirectiveRecord.view`), so a field is named and computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from avgust.records import Deadline, DeadlineKind, Directive, Resolution, directive_id
from avgust.ru.format import format_deadline
from avgust.urls import directive_url

DISTRICT_GROUP_PREFIX = "resolution:"  # the group of a directive whose district is unknown


@dataclass(frozen=True)
class DirectiveRecord:
    """One directive as the index, the CLI, the browser and the open data see it."""

    id: str  # "<resolution slug>#<anchor>"
    resolution: str  # slug
    title: str
    district: str | None
    region: str | None
    year: int | None
    number: str | None
    addressees: tuple[str, ...]
    deadline: str  # as written
    deadline_kind: str
    themes: tuple[str, ...]
    text: str
    context: str | None
    url: str  # relative to the site root: resheniya/<slug>/#<anchor>
    kind: str = ""  # of the resolution: решение, резолюция …
    date: str | None = None  # of the resolution (ISO)
    academic_year: str | None = None
    anchor: str = ""
    order: int = 0
    line: int = 0
    deadline_start: str | None = None
    deadline_end: str | None = None
    responsible: str | None = None  # "Ответственные: …" as written

    @classmethod
    def of(cls, resolution: Resolution, directive: Directive) -> DirectiveRecord:
        return cls(
            id=directive_id(resolution.slug, directive.anchor),
            resolution=resolution.slug,
            title=resolution.title,
            district=resolution.district,
            region=resolution.region,
            year=resolution.year,
            number=directive.number,
            addressees=directive.addressees,
            deadline=directive.deadline.raw,
            deadline_kind=directive.deadline.kind.value,
            themes=directive.themes,
            text=directive.text,
            context=directive.context,
            url=directive_url(resolution.slug, directive.anchor),
            kind=resolution.kind,
            date=resolution.date,
            academic_year=resolution.academic_year,
            anchor=directive.anchor,
            order=directive.order,
            line=directive.line,
            deadline_start=directive.deadline.start,
            deadline_end=directive.deadline.end,
            responsible=directive.responsible,
        )

    def view(self, names: Sequence[str]) -> dict[str, Any]:
        """The fields ``names`` (stored or derived, see :data:`DERIVED`), JSON-ready, in order."""
        return {
            name: DERIVED[name](self) if name in DERIVED else _plain(getattr(self, name))
            for name in names
        }

    def to_json(self) -> dict[str, Any]:
        return self.view([f.name for f in fields(self)])

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DirectiveRecord:
        return cls(
            id=str(data["id"]),
            resolution=str(data["resolution"]),
            title=str(data["title"]),
            district=data.get("district"),
            region=data.get("region"),
            year=int(data["year"]) if data.get("year") is not None else None,
            number=data.get("number"),
            addressees=tuple(data.get("addressees", ())),
            deadline=str(data.get("deadline", "")),
            deadline_kind=str(data.get("deadline_kind", "none")),
            themes=tuple(data.get("themes", ())),
            text=str(data["text"]),
            context=data.get("context"),
            url=str(data["url"]),
            kind=str(data.get("kind", "")),
            date=data.get("date"),
            academic_year=data.get("academic_year"),
            anchor=str(data.get("anchor", "")),
            order=int(data.get("order", 0)),
            line=int(data.get("line", 0)),
            deadline_start=data.get("deadline_start"),
            deadline_end=data.get("deadline_end"),
            responsible=data.get("responsible"),
        )

    @property
    def passage(self) -> str:
        """The text that is embedded: the directive as written."""
        return self.text

    @property
    def lexical_text(self) -> str:
        """The text indexed for BM25: the lead-in it sits under, then the directive."""
        return f"{self.context}: {self.text}" if self.context else self.text

    @property
    def group(self) -> str:
        """The district for "other districts" (the resolution itself when none is known)."""
        return self.district or f"{DISTRICT_GROUP_PREFIX}{self.resolution}"

    @property
    def addressee(self) -> str:
        """The addressees as one line ("Отделу образования; Руководителям ОО")."""
        return "; ".join(self.addressees)

    @property
    def deadline_text(self) -> str:
        """The deadline as a teacher would say it ("до 10 октября 2020"); "" when none."""
        return format_deadline(
            Deadline(
                self.deadline,
                DeadlineKind(self.deadline_kind),
                self.deadline_start,
                self.deadline_end,
            )
        )


DERIVED: dict[str, Callable[[DirectiveRecord], Any]] = {
    "addressee": lambda r: r.addressee,
    "deadline_raw": lambda r: r.deadline,
    "deadline_text": lambda r: r.deadline_text,
}
"""Export fields computed from the stored ones."""


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


__all__ = ["DERIVED", "DISTRICT_GROUP_PREFIX", "DirectiveRecord"]
