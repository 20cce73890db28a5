"""Parse a resolution's text into a :class:`Resolution` with its :class:`Directive` records.

The text passes through four steps, each a function below:

1. ``_paragraphs``: lines → logical paragraphs (export noise removed, items broken
   across lines joined, items glued on one line split), each with its source line;
2. ``_header``: the title block, the kind (решение, резолюция …) and the date;
3. ``_zone_start``: where the decisions begin ("конференция РЕШИЛА:", "считают
   необходимым:", "предлагают …"); what comes before is preamble and sections
   (priorities, problems, results);
4. ``_Walker``: the decisions, paragraph by paragraph. An addressee heading
   ("Отделу образования …:") names who must act until the next heading; a lead-in
   ending with ":" gives context ("В рамках регионального проекта …:") and, if it
   ends with a verb ("… обеспечить:"), the verb its items continue; every numbered
   item, bullet or plain item is one directive; a line that is only a deadline
   belongs to the directive above it.

Sidecar metadata (``X.yml`` next to ``X.txt``) overrides what the text states.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from slugify import slugify

from avgust.errors import Problem, Severity, SourceError
from avgust.parse.deadline import (
    extract_deadline,
    find_inline_deadline,
    looks_like_deadline,
    parse_deadline,
    trailing_term,
)
from avgust.parse.district import find_district, find_region
from avgust.read.sidecar import changed_since_added, read_sidecar
from avgust.read.sources import MAX_PARAGRAPH_CHARS, read_source
from avgust.records import (
    Deadline,
    DeadlineKind,
    Directive,
    Resolution,
    Section,
    Sidecar,
    SourceText,
)
from avgust.ru.calendar import (
    DATE_MONTH_PATTERN,
    academic_year_label,
    academic_year_of_resolution,
    month_number,
)
from avgust.ru.morph import is_dative, is_infinitive
from avgust.util.fs import display_path

MAX_DIRECTIVE_CHARS = 5_000
"""A directive longer than this is almost certainly a parsing accident (a whole page
glued into one item); it is kept but reported."""

KINDS = ("решение", "резолюция", "рекомендации", "постановление", "протокол", "итоговый документ")

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_NUMBER = re.compile(r"^(\d{1,2}(?:\s?\.\s?\d{1,2}){0,3})\s?(?:\.|\))(?!\d)\s*")
_BULLET = re.compile(r"^(?:[-–—•·▪◦●*]\s*|[а-е]\)\s+)(?=\S)")
_RESPONSIBLE = re.compile(
    r"^(ответственн\w*|исполнител\w*)\s*[:.–—-]\s*(?P<who>.+)$", re.IGNORECASE
)
#: "… . Ответственные: Петрова Н. В." (or in parentheses) at the end of a directive.
_INLINE_RESPONSIBLE = re.compile(
    r"(?:^|(?<=[.;,)])|\s[-–—])\s*\(?\s*(?:ответственн\w*|исполнител\w*)\s*[:–—-]\s*"
    r"(?P<who>[^()]+?)\s*\)?\s*;?$",
    re.IGNORECASE,
)
#: Addressee headings numbered "I.", "IV." or "А.", "Б." (not initials: "А. С. Пушкин").
_SECTION_NUMBER = re.compile(
    r"^(?P<n>(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})|[А-ЖA-F])\.\s+(?![А-ЯЁA-Z]\.)(?=[«\"А-ЯЁA-Z][^.\s]{2})"
)
_BARE_LABEL = re.compile(
    r"(?:(?<=[.;,])|^)\s*срок\w*(?:\s+(?:исполнения|выполнения|реализации))?\s*[:–—-]?\s*$",
    re.IGNORECASE,
)
_PUBLICATION = re.compile(
    r"^(?:опубликовано|дата\s+(?:публикации|размещения)|обновлено|размещено)\b", re.IGNORECASE
)
_PLACE_DATE = re.compile(
    rf"^(?:(?:с|г|пос|п|пгт|ст|р\.\s?п|село|город)\.?\s*[А-ЯЁ][\w-]*[,\s]+)?"
    rf"(?:от\s+)?«?\d{{1,2}}»?\s*(?:\.\d{{1,2}}\.\d{{4}}|{DATE_MONTH_PATTERN}\s+\d{{4}})"
    rf"(?:\s*(?:г\.|года?))?(?:[,\s]+(?:(?:с|г|пос|п|пгт|ст|р\.\s?п|село|город)\.?\s*[А-ЯЁ][\w-]*))?"
    rf"[\s.]*(?:№\s*\S+)?$",
    re.IGNORECASE,
)
_GLUED_ITEMS = re.compile(r"(?<=;)\s*(?=[-–—•·]\s*[а-яёa-z])")
_SIGNATURE = re.compile(
    rf"^(?:с|г|пос|п|пгт|ст|р\.п)\.\s*[А-ЯЁ][\w-]*,\s*\d{{1,2}}\s+{DATE_MONTH_PATTERN}\s+\d{{4}}",
    re.IGNORECASE,
)
_DECISION = re.compile(
    r"РЕШИЛ[АИ]?\b|\bрешила\b|\bрешили\b|\bпостановля\w*|\bпостановил\w*|"
    r"считают\s+необходимым|считает\s+необходимым|\bпредлага\w+|\bрекомендует\b|"
    r"\bрекомендовать\s*:|\bрешено\b",
    re.IGNORECASE,
)
#: A paragraph joined from several lines is read as a deadline-only line up to this length.
_MAX_DEADLINE_LINE = 1_000
_TERMINAL = (".", ";", ":", "!", "?", "»", '"')


@dataclass
class _Para:
    """A logical paragraph of the source: cleaned text and where it starts."""

    line: int
    text: str
    number: str | None = None
    bullet: bool = False
    blank_before: bool = False
    marker: str = ""  # the bullet character ("-", "•", "а)" → ")"), "" for none


def parse_file(
    path: Path, root: Path | None = None, *, cache_dir: Path | None = None
) -> tuple[Resolution, list[Problem]]:
    """Read, parse and apply the sidecar of one source document.

    ``cache_dir`` keeps OCR results of scanned PDFs; an OCR'd document gets a warning
    naming the pages and Tesseract's mean confidence.
    """
    resolution, problems, _ = read_and_parse(path, root, cache_dir=cache_dir)
    return resolution, problems


def read_and_parse(
    path: Path, root: Path | None = None, *, cache_dir: Path | None = None
) -> tuple[Resolution, list[Problem], SourceText]:
    """:func:`parse_file`, with the source text as read (its format, OCR pages …)."""
    source = read_source(path, cache_dir=cache_dir)
    sidecar, warnings = read_sidecar(path)
    resolution, problems = parse_source(source, sidecar, root=root)
    changed = changed_since_added(source, sidecar)
    warnings += [changed] if changed else []
    problems += [replace(w, path=display_path(Path(w.path), root)) for w in warnings]
    return resolution, [*problems, *ocr_problems(source, resolution.source)], source


def ocr_problems(source: SourceText, name: str) -> list[Problem]:
    """A warning for a document whose text (some of it) was recognised by OCR."""
    if not source.ocr_pages:
        return []
    pages = ", ".join(map(str, source.ocr_pages))
    confidence = (
        f"mean confidence {source.ocr_confidence:.0f}%"
        if source.ocr_confidence is not None
        else "no words recognised"
    )
    return [
        Problem(
            name,
            f"OCR (Tesseract, rus) of page{'s' if len(source.ocr_pages) > 1 else ''} {pages}: "
            f"{confidence}; check the text against the scan",
        )
    ]


def parse_source(
    source: SourceText, sidecar: Sidecar | None = None, root: Path | None = None
) -> tuple[Resolution, list[Problem]]:
    """Parse decoded text; ``root`` makes ``Resolution.source`` a relative path."""
    name = display_path(source.path, root)
    return parse_text(source.text, name, sidecar)


def parse_text(
    text: str, source: str = "<text>", sidecar: Sidecar | None = None
) -> tuple[Resolution, list[Problem]]:
    """Parse the text of one resolution. ``source`` names it in problems and records."""
    if not text.strip():
        raise SourceError("the document has no text", source)
    problems: list[Problem] = []
    paras = _paragraphs(text)
    for para in paras:
        if len(para.text) > MAX_PARAGRAPH_CHARS:
            raise SourceError(
                f"a paragraph of {len(para.text):,} characters from this line on (limit "
                f"{MAX_PARAGRAPH_CHARS:,}): lines broken mid-sentence were joined into it",
                source,
                para.line,
            )
    header_end, kind, title = _header(paras)
    sidecar = sidecar or Sidecar()
    date = sidecar.date or _find_date(paras, header_end)
    start = _zone_start(paras, header_end)
    if start is None:
        problems.append(
            Problem(source, "no decision part found (РЕШИЛ/считают необходимым/…)", None)
        )
        start = len(paras)
    preamble, sections = _preamble(paras[header_end:start])
    walker = _Walker(source, date, problems)
    directives, interludes = walker.walk(paras[start:])
    sections = (*sections, *interludes)
    head_text = "\n".join([title, *[p.text for p in paras[header_end : header_end + 12]]])
    district = sidecar.district or find_district(head_text) or find_district(text)
    region = sidecar.region or find_region(head_text) or find_region(text)
    kind = sidecar.kind or kind
    title = sidecar.title or title
    for missing, value in (("district", district), ("date", date), ("region", region)):
        if not value:
            problems.append(Problem(source, f"metadata: no {missing} (add it to the sidecar)"))
    if not directives:
        problems.append(Problem(source, "no directives found", severity=Severity.ERROR))
    slug = sidecar.slug or _slug(date, district, source)
    resolution = Resolution(
        slug=slug,
        kind=kind,
        title=title,
        district=district,
        region=region,
        date=date,
        academic_year=(academic_year_label(academic_year_of_resolution(date)) if date else None),
        source=source,
        directives=tuple(directives),
        preamble=preamble,
        sections=tuple(sections),
        source_url=sidecar.source_url,
        notes=sidecar.notes,
    )
    return resolution, problems


# --- 1. paragraphs ---------------------------------------------------------------------


def _clean(line: str) -> str:
    line = _BOOKMARK.sub("", line)
    line = line.replace("\u00a0", " ").replace("\t", " ").replace("\u200b", "")
    line = line.replace("**", "").replace("__", "")
    line = re.sub(r"\s+", " ", line).strip()
    line = re.sub(r"«\s+", "«", line)
    line = re.sub(r"\s+»", "»", line)
    line = re.sub(r"\(\s+", "(", line)
    line = re.sub(r"\s+\)", ")", line)
    return re.sub(r"\s+([,;:.!?])(?=\s|$)", r"\1", line)


def _split_marker(text: str) -> tuple[str | None, str, str]:
    """(number, bullet marker or "", rest) of a paragraph's start."""
    if looks_like_deadline(text):
        return None, "", text
    match = _NUMBER.match(text)
    if match and not re.match(r"^\d{1,2}\.\d{1,2}\.\d{2,4}", text):
        number = re.sub(r"\s", "", match.group(1))
        rest = text[match.end() :]
        if rest and not rest[0].isdigit() and not rest.startswith("%"):
            return number, "", rest
    section = _SECTION_NUMBER.match(text)
    if section:
        return section.group("n"), "", text[section.end() :]
    match = _BULLET.match(text)
    if match:
        marker = match.group(0).strip()
        return None, ")" if marker.endswith(")") else marker[:1], text[match.end() :]
    return None, "", text


def _paragraphs(text: str) -> list[_Para]:
    """The logical paragraphs, in time linear in the text.

    The text of the paragraph being built is kept in pieces and joined once, and whether
    it reads as a deadline is known for it as a whole (see :func:`_continues`), so that a
    paragraph of thousands of lines is not rebuilt and re-read once per line.
    """
    paras: list[_Para] = []
    pieces: list[str] = []  # the text of paras[-1], joined when the paragraph is complete
    length = 0  # len(" ".join(pieces))
    deadline: bool | None = None  # looks_like_deadline(paras[-1]'s text), once asked
    blank = True
    for index, raw in enumerate(text.splitlines(), start=1):
        line = _clean(raw)
        if not line:
            blank = True
            continue
        for piece in _GLUED_ITEMS.split(line):
            piece = piece.strip()
            if not piece:
                continue
            number, marker, rest = _split_marker(piece)
            para = _Para(index, rest, number, bool(marker), blank, marker)
            if paras and deadline is None and len(pieces) == 1:
                deadline = looks_like_deadline(pieces[0])
            if paras and _continues(pieces[-1], bool(deadline), para):
                pieces.append(para.text)
                length += 1 + len(para.text)
                # a deadline line is short: a longer paragraph is not read again
                deadline = length <= _MAX_DEADLINE_LINE and looks_like_deadline(" ".join(pieces))
            else:
                if paras:
                    paras[-1].text = " ".join(pieces)
                paras.append(para)
                pieces, length, deadline = [para.text], len(para.text), None
            blank = False
    if paras:
        paras[-1].text = " ".join(pieces)
    return paras


def _continues(previous_end: str, previous_deadline: bool, para: _Para) -> bool:
    """True when ``para`` is the rest of the paragraph before it, broken across lines.

    ``previous_end`` is the last line of that paragraph, ``previous_deadline`` whether
    the whole paragraph reads as a deadline.
    """
    if para.number or para.bullet or not para.text[:1].islower():
        return False
    if previous_end.endswith(_TERMINAL) or previous_deadline:
        return False
    return not looks_like_deadline(para.text)


# --- 2. header -------------------------------------------------------------------------


def _header(paras: Sequence[_Para]) -> tuple[int, str, str]:
    """(index of the first paragraph after the title block, kind, title)."""
    if not paras:
        return 0, "решение", ""
    end = 1
    # the first block: consecutive lines without a blank line between them
    while end < len(paras) and not paras[end].blank_before and _title_like(paras[end]):
        end += 1
    # further blocks that are still part of the title: a quoted theme, a bare year
    while end < len(paras) and (
        (paras[end].text.startswith(("«", '"', "“")) and not _PLACE_DATE.match(paras[end].text))
        or re.fullmatch(r"\d{4}( год[а]?)?", paras[end].text)
        or (
            end == 1
            and _kind_of(paras[0].text)
            and len(paras[0].text) < 20
            and not _DECISION.search(paras[end].text)
        )
    ):
        end += 1
        while end < len(paras) and not paras[end].blank_before and _title_like(paras[end]):
            end += 1
    lines = [p.text for p in paras[:end] if not re.fullmatch(r"\d{4}( год[а]?)?", p.text)]
    title = re.sub(r"\s+", " ", " ".join(lines)).strip().rstrip(".")
    kind = _kind_of(title) or "решение"
    if title[: len(kind)].lower() == kind:
        title = kind.capitalize() + title[len(kind) :]
    return end, kind, title


def _title_like(para: _Para) -> bool:
    return len(para.text) < 300 and not para.number and not para.bullet


def _kind_of(text: str) -> str | None:
    lowered = text.lower()
    for kind in KINDS:
        if lowered.startswith(kind):
            return kind
    return None


def _find_date(paras: Sequence[_Para], header_end: int) -> str | None:
    """The conference date: in the title, else early in the text, else a signature line."""
    head = " ".join(p.text for p in paras[:header_end] if not _PUBLICATION.match(p.text))
    found = _date_in(head)
    if found:
        return found
    for para in paras[header_end : header_end + 12]:
        # a date line, alone or beside a place name: "«25» августа 2023 г.", "г. Талова, 25.08.2023"
        if _PLACE_DATE.match(para.text) and not para.number:
            found = _date_in(para.text)
            if found:
                return found
    for para in paras[header_end : header_end + 6]:
        found = _date_in(para.text, august_only=True)
        if found:
            return found
    for para in paras:
        if _SIGNATURE.match(para.text):
            return _date_in(para.text)
    return None


def _date_in(text: str, august_only: bool = False) -> str | None:
    text = re.sub(r"[«\"](\d{1,2})[»\"]", r"\1", text)  # «25» августа 2023 г.
    numeric = re.search(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", text)
    if numeric and not august_only:
        day, month, year = (int(g) for g in numeric.groups())
        return _iso(year, month, day)
    written = rf"\b(\d{{1,2}})\s+{DATE_MONTH_PATTERN}\s+(\d{{4}})"
    for match in re.finditer(written, text, re.IGNORECASE):
        named = month_number(match.group(2))
        if named and (not august_only or named in (8, 9)):
            return _iso(int(match.group(3)), named, int(match.group(1)))
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _slug(date: str | None, district: str | None, source: str) -> str:
    # й → j keeps "Мучкапский район" readable as "muchkapskij-rajon"
    name = district or Path(source).stem
    base = slugify(name, max_length=60, replacements=[["й", "j"], ["Й", "J"]]) or "resolution"
    return f"{date[:4]}-{base}" if date else base


# --- 3. preamble and sections ----------------------------------------------------------


def _zone_start(paras: Sequence[_Para], header_end: int) -> int | None:
    """Index of the paragraph where the decisions begin."""
    for index in range(header_end, len(paras)):
        para = paras[index]
        if _DECISION.search(para.text) and (
            para.text.endswith(":") or _decision_follows(paras, index)
        ):
            return index
    for index in range(header_end, len(paras)):
        if paras[index].number and _decision_follows(paras, index - 1):
            return index
    return None


def _decision_follows(paras: Sequence[_Para], index: int) -> bool:
    """True when numbered items or addressee headings follow paragraph ``index``."""
    following = paras[index + 1 : index + 3]
    return any(p.number or _is_heading(p, paras, index + 1 + i) for i, p in enumerate(following))


def _preamble(paras: Sequence[_Para]) -> tuple[str, tuple[Section, ...]]:
    """Split the part before the decisions into preamble text and list sections."""
    text: list[str] = []
    sections: list[Section] = []
    index = 0
    while index < len(paras):
        para = paras[index]
        items: list[str] = []
        if para.text.endswith(":"):
            cursor = index + 1
            while cursor < len(paras) and (
                _list_like(paras[cursor], last_ok=bool(items))
                or (items and _sub_lead_in(paras[cursor]))  # "созданию …:" continues the list
            ):
                items.append(_tidy(paras[cursor].text))
                cursor += 1
                if items[-1].endswith(".") and not paras[cursor - 1].bullet:
                    break  # "…; …; последний пункт." closes an unmarked list
            if items:
                sections.append(Section(_tidy(para.text), _section_kind(para.text), tuple(items)))
                index = cursor
                continue
        text.append(para.text)
        index += 1
    return "\n\n".join(text), tuple(sections)


def _sub_lead_in(para: _Para) -> bool:
    return para.text[:1].islower() and para.text.endswith(":") and len(para.text) < 250


def _list_like(para: _Para, last_ok: bool = False) -> bool:
    """An item of a list: marked, or short and not a sentence of its own.

    ``last_ok``: items came before, so a short item ending with "." may close the list.
    """
    if para.bullet or para.number:
        return True
    if len(para.text) >= 250 or para.text.endswith(":"):
        return False
    return last_ok or not para.text.endswith(".")


def _section_kind(title: str) -> str:
    lowered = title.lower()
    if "проблем" in lowered:
        return "problems"
    if re.search(r"приоритет|направлени|задач", lowered):
        return "priorities"
    if re.search(r"итог|результат|продолжен|достигнут|участие|цел", lowered):
        return "achievements"
    return "other"


# --- 4. the decisions ------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[А-Яа-яЁёA-Za-z]+(?:-[А-Яа-яЁё]+)?", text)


def _first_infinitive(text: str) -> int | None:
    """Character offset of the first infinitive in ``text`` outside quotes and brackets."""
    depth = 0
    for match in re.finditer(r"[«»()]|[А-Яа-яЁё]+", text):
        token = match.group(0)
        if token in "«(":
            depth += 1
        elif token in "»)":
            depth = max(0, depth - 1)
        elif depth == 0 and len(token) > 3 and is_infinitive(token):
            return match.start()
    return None


def _starts_with_addressee(text: str) -> bool:
    words = _words(text)
    return bool(words) and is_dative(words[0]) and not is_infinitive(words[0])


def _is_heading(para: _Para, paras: Sequence[_Para], index: int) -> bool:
    """An addressee heading: "Отделу образования …:" or "Центру «…»" followed by bullets."""
    text = para.text
    if para.bullet or _DECISION.search(text) or not _starts_with_addressee(text):
        return False
    if _first_infinitive(text) is not None:
        return False
    if text.endswith(":"):
        return True
    following = paras[index + 1] if index + 1 < len(paras) else None
    return (
        len(text) < 150 and not text.endswith((".", ";")) and bool(following and following.bullet)
    )


@dataclass
class _LeadIn:
    """A lead-in ending with ":" that its items continue."""

    context: str | None
    verb: str | None
    deadline: Deadline | None
    number: str | None
    bullets: bool | None = None  # the kind of item it governs, fixed by its first item
    used: int = 0
    para: _Para | None = None
    prepositional: bool = False  # "· Внести изменения": only "· в …" items follow


@dataclass
class _Walker:
    """Walks the decision part and emits directives."""

    source: str
    date: str | None
    problems: list[Problem]
    directives: list[Directive] = field(default_factory=list)
    interludes: list[Section] = field(default_factory=list)
    addressees: tuple[str, ...] = ()
    heading_number: str | None = None
    lead_in: _LeadIn | None = None
    last_number: str | None = None
    last_context: str | None = None
    deadline_open: bool = False
    anchors: set[str] = field(default_factory=set)
    suffixes: dict[str, int] = field(default_factory=dict)  # base → last suffix given
    explicit_deadline: set[int] = field(default_factory=set)
    pending: list[str] = field(default_factory=list)  # text for the last directive, not yet added

    def walk(self, paras: Sequence[_Para]) -> tuple[list[Directive], list[Section]]:
        index = 0
        while index < len(paras):
            index = self.step(paras, index)
        self.close_lead_in()
        self.flush()
        return self.directives, self.interludes

    def step(self, paras: Sequence[_Para], index: int) -> int:
        para = paras[index]
        text = para.text
        if _is_deadline_line(para):
            self.attach_deadline(para)
            return index + 1
        if _SIGNATURE.match(text):
            self.close_lead_in()
            return index + 1
        responsible = _RESPONSIBLE.match(text)
        if responsible:
            if self.directives:
                self.add_responsible(responsible.group("who"))
            else:
                self.problems.append(
                    Problem(self.source, f"{text!r} before any directive", para.line)
                )
            return index + 1
        if _DECISION.search(text) and not para.number and not para.bullet:
            self.close_lead_in()
            self.addressees, self.heading_number = (), None
            self.last_number = self.last_context = None
            if ":" in text[:-1] and not text.endswith(":"):
                # "… считают необходимым: обеспечить …" — the rest is a directive
                self.emit(para, text.split(":", 1)[1].strip(), None)
            return index + 1
        if _is_heading(para, paras, index):
            self.close_lead_in()
            self.addressees = _split_addressees(text.rstrip(":").strip())
            self.heading_number = para.number
            self.last_number = self.last_context = None
            return index + 1
        if self.lead_in and self.in_scope(para):
            self.emit_under_lead_in(para, paras, index)
            return index + 1
        if (
            text.endswith(":")
            and not _BARE_LABEL.search(text)  # "… педагогов. Срок исполнения:" + a deadline line
            and (not para.bullet or _has_sub_items(para, paras, index))
        ):
            self.open_lead_in(para)
            return index + 1
        if para.number and ":" in text[:-1] and self.split_inline_lead_in(para):
            return index + 1
        if para.bullet and self.is_verb_only(para, paras, index):
            self.open_lead_in(para, prepositional=True)
            return index + 1
        self.close_lead_in()
        plain = not para.number and not para.bullet and _first_infinitive(text) is None
        if plain and self.directives and not self.deadline_open:
            self.extend_last(para)
            return index + 1
        number = para.number
        context = None
        if number is None and not para.bullet and self.last_number and self.deadline_open:
            # an unnumbered item after a numbered one and its deadline: same number, same context
            number, context = self.last_number, self.last_context
        elif number is None and self.heading_number:
            number = self.heading_number
        self.emit(para, text, context, number=number)
        return index + 1

    # -- lead-ins --

    def open_lead_in(self, para: _Para, prepositional: bool = False) -> None:
        self.close_lead_in()
        text = para.text.rstrip(":").strip()
        addressees: tuple[str, ...] = ()
        offset = _first_infinitive(text)
        verb: str | None = None
        context: str | None = _tidy(text)
        if offset is not None:
            before, verb = text[:offset].strip(" ,"), text[offset:].strip()
            if not before:
                context = None  # the verb alone: it is repeated in every item
            elif _starts_with_addressee(before):
                addressees = _split_addressees(before)
                context = None
            else:
                context = _tidy(before)  # the verb goes into every item's text
        if addressees:
            self.addressees = addressees
            self.heading_number = para.number
        deadline = find_inline_deadline(text, self.date)
        self.lead_in = _LeadIn(
            context, verb, deadline, para.number, para=para, prepositional=prepositional
        )

    def in_scope(self, para: _Para) -> bool:
        lead_in = self.lead_in
        assert lead_in is not None
        if para.number:
            return False
        if lead_in.prepositional:
            # "· Внести изменения" governs only "· в Стратегию …", "· в программу …"
            return para.bullet and _starts_with_preposition(para.text)
        if lead_in.para is not None and lead_in.para.bullet:
            # "• Обеспечить:" governs the items of another marker: "а) …", "б) …"
            return para.bullet and para.marker != lead_in.para.marker
        if lead_in.bullets is None:
            return para.bullet or not para.text.endswith(":")
        if lead_in.bullets:
            return para.bullet or (para.text[:1].islower() and not para.text.endswith(":"))
        return not para.bullet and not para.text.endswith(":")

    def emit_under_lead_in(self, para: _Para, paras: Sequence[_Para], index: int) -> None:
        lead_in = self.lead_in
        assert lead_in is not None
        if lead_in.bullets is None:
            lead_in.bullets = para.bullet
        text = para.text
        if lead_in.verb:
            text = f"{lead_in.verb} {_lower_first(text)}"
        number = lead_in.number or self.heading_number
        self.emit(para, text, lead_in.context, number=number, inherited=lead_in.deadline)
        lead_in.used += 1

    def close_lead_in(self) -> None:
        lead_in, self.lead_in = self.lead_in, None
        if lead_in is None or lead_in.used or lead_in.para is None:
            return
        para = lead_in.para
        if para.bullet or para.number:
            # a numbered or bulleted lead-in without items is a directive of its own
            self.emit(para, para.text.rstrip(":").strip(), None, number=para.number)
        else:
            self.interludes.append(Section(_tidy(para.text), "other", ()))

    def split_inline_lead_in(self, para: _Para) -> bool:
        """ "2.2. В целях …: осуществить …" — context before the colon, directive after it."""
        before, after = para.text.split(":", 1)
        after = after.strip()
        if not after or not after[:1].islower() or _first_infinitive(after) != 0:
            return False
        self.close_lead_in()
        self.emit(para, after, _tidy(before), number=para.number)
        return True

    def is_verb_only(self, para: _Para, paras: Sequence[_Para], index: int) -> bool:
        """ "· Внести изменения" followed by "· в Стратегию …", "· в программу …"."""
        words = _words(para.text)
        if not 1 <= len(words) <= 4 or para.text.endswith((".", ";")):
            return False
        if not is_infinitive(words[0]):
            return False
        following = paras[index + 1] if index + 1 < len(paras) else None
        return bool(following and following.bullet and _starts_with_preposition(following.text))

    # -- directives --

    def emit(
        self,
        para: _Para,
        text: str,
        context: str | None,
        number: str | None = None,
        inherited: Deadline | None = None,
    ) -> None:
        self.flush()
        text = _tidy(text)
        responsible: str | None = None
        who = _INLINE_RESPONSIBLE.search(text)
        if who and who.start() > 0:
            responsible = _who(who.group("who")) or None
            text = _tidy(text[: who.start()])
        text, labelled = extract_deadline(text, self.date)
        text = _tidy(text)
        if not text:
            return
        addressees = self.addressees
        own = _own_addressee(text)
        if own:
            addressees = own
        deadline = (
            labelled
            or find_inline_deadline(text, self.date)
            or trailing_term(text, self.date)
            or inherited
            or Deadline.none()
        )
        heading = self.heading_number
        if number and heading and not heading[:1].isdigit() and "." not in number != heading:
            number = f"{heading}.{number}"  # "II." then "1)": II.1
        if len(text) > MAX_DIRECTIVE_CHARS:
            self.problems.append(
                Problem(
                    self.source,
                    f"directive of {len(text)} characters (limit {MAX_DIRECTIVE_CHARS}): "
                    "probably several items glued together",
                    para.line,
                )
            )
        order = len(self.directives) + 1
        directive = Directive(
            anchor=self.anchor(number, order),
            number=number,
            order=order,
            addressees=addressees,
            text=text,
            deadline=deadline,
            context=context,
            line=para.line,
            responsible=responsible,
        )
        self.directives.append(directive)
        self.deadline_open = False
        if para.number:
            self.last_number, self.last_context = para.number, context
        self.report_deadline(directive)

    def anchor(self, number: str | None, order: int) -> str:
        """A unique ASCII anchor: "p-1", then "p-1b" … "p-1z", then "p-1-27", "p-1-28" ….

        The last suffix given per base is kept, so that N directives with one number
        cost O(N), not O(N²); the loop only steps over anchors another base took.
        """
        base = f"d-{order}" if number is None else "p-" + number.strip(".").replace(".", "-")
        suffix = self.suffixes.get(base, 1)
        anchor = _suffixed(base, suffix, number is None)
        while anchor in self.anchors:
            suffix += 1
            anchor = _suffixed(base, suffix, number is None)
        self.suffixes[base] = suffix
        self.anchors.add(anchor)
        return anchor

    def attach_deadline(self, para: _Para) -> None:
        self.flush()
        if not self.directives:
            self.problems.append(
                Problem(self.source, f"deadline {para.text!r} before any directive", para.line)
            )
            return
        deadline = parse_deadline(para.text, self.date)
        last = self.directives[-1]
        if last.order not in self.explicit_deadline and last.deadline.kind is DeadlineKind.UNPARSED:
            # "…; срок – с 1" + "сентября 2023 г.;": a labelled deadline wrapped onto this line
            joined = parse_deadline(f"{last.deadline.raw} {para.text}", self.date)
            if joined.kind is not DeadlineKind.UNPARSED:
                self.explicit_deadline.add(last.order)
                self.directives[-1] = replace(last, deadline=joined)
                self.deadline_open = True
                self.problems[:] = [
                    p
                    for p in self.problems
                    if not (p.line == last.line and "unparsed" in p.message)
                ]
                return
        if last.order in self.explicit_deadline:
            self.problems.append(
                Problem(self.source, f"second deadline {para.text!r} for one directive", para.line)
            )
            return
        self.explicit_deadline.add(last.order)
        # "… педагогов. Срок исполнения:" with the deadline on the next line (a wrapped scan)
        text = _BARE_LABEL.sub("", last.text) or last.text
        self.directives[-1] = replace(last, deadline=deadline, text=text)
        self.deadline_open = True
        self.report_deadline(self.directives[-1], para.line)

    def report_deadline(self, directive: Directive, line: int | None = None) -> None:
        if directive.deadline.kind is DeadlineKind.UNPARSED:
            self.problems.append(
                Problem(
                    self.source,
                    f"unparsed deadline {directive.deadline.raw!r} (kept as written)",
                    line or directive.line,
                )
            )

    def add_responsible(self, who: str) -> None:
        """ "Ответственные: …" after a directive names who must act when no heading did."""
        self.flush()
        last = self.directives[-1]
        who = _who(who)
        responsible = f"{last.responsible}; {who}" if last.responsible else who
        self.directives[-1] = replace(last, responsible=responsible)
        if not last.addressees:
            self.directives[-1] = replace(
                self.directives[-1], addressees=_split_addressees(who.rstrip("."))
            )

    def extend_last(self, para: _Para) -> None:
        """Add a plain paragraph to the last directive: ``_tidy(f"{last.text} {para.text}")``.

        The pieces are kept in :attr:`pending` and added once by :meth:`flush`, so that
        thousands of such paragraphs cost linear time. Each piece is what ``_tidy`` would
        add to an already tidy text: the paragraph squashed, no space before punctuation,
        the trailing " ;," stripped.
        """
        more = re.sub(r"\s+([,;:.!?])", r"\1", re.sub(r"\s+", " ", para.text).strip())
        separator = "" if more[:1] in (",", ";", ":", ".", "!", "?") else " "
        self.pending.append(f"{separator}{more}".rstrip(" ;,"))

    def flush(self) -> None:
        """Give the last directive the text :meth:`extend_last` kept for it."""
        if self.pending:
            last = self.directives[-1]
            self.directives[-1] = replace(last, text=last.text + "".join(self.pending))
            self.pending.clear()


def _suffixed(base: str, suffix: int, unnumbered: bool) -> str:
    """The ``suffix``-th anchor of ``base``: letters b–z for numbers, then "-27", "-28" …."""
    if suffix == 1:
        return base
    if unnumbered or suffix > 26:
        return f"{base}-{suffix}"
    return f"{base}{chr(ord('a') + suffix - 1)}"


def _who(text: str) -> str:
    """ "Петрова Н. В., ММС." → "Петрова Н. В., ММС": the end dot unless it ends an initial."""
    text = _tidy(text)
    return text if re.search(r"(?<![\w.])[А-ЯЁA-Z]\.$", text) else text.rstrip(".")


def _has_sub_items(para: _Para, paras: Sequence[_Para], index: int) -> bool:
    """A bulleted lead-in ("• Обеспечить:") followed by items of another marker ("а) …")."""
    following = paras[index + 1] if index + 1 < len(paras) else None
    return bool(following and following.bullet and following.marker != para.marker)


def _is_deadline_line(para: _Para) -> bool:
    """A paragraph that is only a deadline (a lead-in such as "в течение года:" is not)."""
    return (
        not para.number
        and not para.bullet
        and not para.text.endswith(":")
        and looks_like_deadline(para.text)
    )


def _starts_with_preposition(text: str) -> bool:
    words = _words(text)
    return bool(words) and words[0].lower() in {
        "в", "во", "на", "о", "об", "по", "к", "для", "с", "со", "из", "при", "до",
    }  # fmt: skip


def _own_addressee(text: str) -> tuple[str, ...]:
    """ "Руководителям и педагогическим работникам принять участие …" names its own addressee."""
    if not _starts_with_addressee(text):
        return ()
    offset = _first_infinitive(text)
    if offset is None or offset == 0:
        return ()
    before = text[:offset].strip(" ,")
    if len(_words(before)) > 8:
        return ()
    return _split_addressees(before)


def _split_addressees(text: str) -> tuple[str, ...]:
    """Split "Отделу образования, МУ ЦОКО, …" at the commas outside quotes and brackets."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "«(":
            depth += 1
        elif char in "»)":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return tuple(_tidy(p) for p in parts if _tidy(p))


def _tidy(text: str) -> str:
    """Typography only: spaces, the trailing ";"/","; the first letter capitalised."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    text = text.rstrip(" ;,")
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():
        return text  # an abbreviation: keep "ФГОС", "МБОУ"
    return text[:1].lower() + text[1:]
