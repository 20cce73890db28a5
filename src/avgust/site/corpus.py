"""The resolutions with every lookup the pages need: items, labels, page slugs, checks."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from avgust import urls
from avgust.errors import AvgustError
from avgust.records import Directive, Resolution, SimilarDirective, Theme, directive_id
from avgust.ru.format import format_date
from avgust.util.text import squash

CONTENT_DIR = "content"
UNKNOWN_DISTRICT_LABEL = "Район не указан"
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# The ids a resolution page gives its own headings; a directive anchor must differ.
_PAGE_IDS = re.compile(r"^(vvodnaya-chast|porucheniya|o-dokumente|razdel-\d+|adresat-\d+)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: The longest page file name made from a district or theme name (before ".md", "-2").
MAX_SLUG_CHARS = 80
# As the parser makes resolution slugs: "Мучкапский район" → "muchkapskij-rajon".
_TRANSLIT = [["й", "j"], ["Й", "J"]]
_TEXT_SOURCES = {".txt", ".md", ".markdown", ".text", ""}


@dataclass(frozen=True)
class Item:
    """A directive together with the resolution it belongs to."""

    resolution: Resolution
    directive: Directive

    @property
    def id(self) -> str:
        return directive_id(self.resolution.slug, self.directive.anchor)


class Corpus:
    """The resolutions with every lookup the pages need, and where each page lives."""

    def __init__(
        self,
        resolutions: Sequence[Resolution],
        themes: Sequence[Theme],
        similar: Mapping[str, Sequence[SimilarDirective]],
    ) -> None:
        self.resolutions = sorted(resolutions, key=lambda r: (r.date or "", r.slug), reverse=True)
        self.themes = tuple(themes)
        self.similar = similar
        self._check_unique()
        self.items = [Item(r, d) for r in self.resolutions for d in r.directives]
        self.by_id = {item.id: item for item in self.items}
        self.theme_by_slug = {t.slug: t for t in self.themes}
        self.theme_page = unique_slugs({t.slug: t.slug for t in self.themes})
        self.district_page = unique_slugs({self.district(r): self.district(r) for r in resolutions})
        self.districts = sorted(self.district_page)
        self.years = sorted({r.year for r in self.resolutions if r.year is not None}, reverse=True)
        self.labels = self._labels()
        self.theme_items: dict[str, list[Item]] = defaultdict(list)
        for item in self.items:
            for slug in dict.fromkeys(item.directive.themes):
                self.theme_items[slug].append(item)
        # lookups by district and year, so that pages stay linear in the corpus
        self._by_district: dict[str, list[Resolution]] = defaultdict(list)
        self._by_year: dict[int, list[Resolution]] = defaultdict(list)
        self._regions: dict[str, str] = {}
        for res in self.resolutions:
            self._by_district[self.district(res)].append(res)
            if res.year is not None:
                self._by_year[res.year].append(res)
            if res.region:
                self._regions.setdefault(self.district(res), res.region)

    def _check_unique(self) -> None:
        seen: set[str] = set()
        for res in self.resolutions:
            if not _SLUG.match(res.slug):
                raise AvgustError(
                    f"resolution slug {res.slug!r} is not ASCII letters, digits, -", res.source
                )
            if res.slug in seen:
                raise AvgustError(f"two resolutions share the slug {res.slug!r}", res.source)
            seen.add(res.slug)
            anchors: set[str] = set()
            for directive in res.directives:
                if (
                    not _ANCHOR.match(directive.anchor)
                    or directive.anchor in anchors
                    or _PAGE_IDS.match(directive.anchor)
                ):
                    raise AvgustError(
                        f"directive anchor {directive.anchor!r} is not unique ASCII",
                        res.source,
                        directive.line or None,
                    )
                anchors.add(directive.anchor)

    def _labels(self) -> dict[str, str]:
        """Short names for navigation and links: "Мучкапский район, 2020" (+ date if taken)."""
        base: dict[str, str] = {}
        for res in self.resolutions:
            district = self.district(res)
            base[res.slug] = f"{district}, {res.year}" if res.year else district
        taken = Counter(base.values())
        labels: dict[str, str] = {}
        for res in self.resolutions:
            label = base[res.slug]
            labels[res.slug] = (
                f"{label} ({format_date(res.date)})" if taken[label] > 1 and res.date else label
            )
        return labels

    @staticmethod
    def district(res: Resolution) -> str:
        return (
            squash(res.district)
            if res.district and res.district.strip()
            else UNKNOWN_DISTRICT_LABEL
        )

    def region(self, district: str) -> str | None:
        return self._regions.get(district)

    def in_district(self, district: str) -> list[Resolution]:
        return list(self._by_district.get(district, ()))

    def in_year(self, year: int) -> list[Resolution]:
        return list(self._by_year.get(year, ()))

    # Page paths, relative to docs/ (POSIX); the rules are avgust.urls'.
    @staticmethod
    def resolution_path(res: Resolution) -> str:
        return urls.resolution_path(res.slug)

    def theme_path(self, slug: str) -> str:
        return urls.theme_path(self.theme_page[slug])

    def district_path(self, district: str) -> str:
        return urls.district_path(self.district_page[district])

    @staticmethod
    def year_path(year: int) -> str:
        return urls.year_path(year)

    @staticmethod
    def source_path(res: Resolution) -> str:
        suffix = Path(res.source).suffix.lower()
        if suffix in (".html", ".htm"):
            # a district's page with its scripts must not run on this site's origin
            return urls.source_path(res.slug, f"{suffix}.txt")
        return urls.source_path(res.slug, ".txt" if suffix in _TEXT_SOURCES else suffix)

    def directive_label(self, item: Item) -> str:
        number = item.directive.number
        return f"{self.labels[item.resolution.slug]}, {'п. ' + number if number else 'поручение'}"


def unique_slugs(names: Mapping[str, str]) -> dict[str, str]:
    """ASCII file names for ``names`` (Cyrillic is transliterated), unique among themselves."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for key, name in sorted(names.items()):
        base = capped_slug(slugify(name, replacements=_TRANSLIT)) or "page"
        slug, n = base, 2
        while slug in used or slug == "index":
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        out[key] = slug
    return out


def similar_items(c: Corpus, item: Item) -> list[Item]:
    """The similar directives of other districts that exist in the corpus, best first."""
    found: list[Item] = []
    here = c.district(item.resolution)
    for other in sorted(c.similar.get(item.id, ()), key=lambda s: -s.score):
        target = c.by_id.get(other.id)
        if target is None or other.id == item.id or c.district(target.resolution) == here:
            continue
        if target not in found:
            found.append(target)
    return found


def excerpt(text: str, words: int = 28) -> str:
    parts = squash(text).split(" ")
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]) + " …"


def capped_slug(slug: str) -> str:
    """``slug`` cut to :data:`MAX_SLUG_CHARS` on a word boundary, plus a hash of the whole.

    A district named in 260 letters must still give a file name the file system takes;
    the hash keeps two long names that share their start apart.
    """
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    head = slug[: MAX_SLUG_CHARS - len(digest) - 1]
    if slug[len(head)] != "-" and "-" in head:
        head = head.rsplit("-", 1)[0]
    return f"{head.rstrip('-')}-{digest}"
