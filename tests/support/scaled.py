"""Larger corpora made of the five real resolutions: every copy a district of its own.

The texts stay the real ones (so the hash embedder or the embedding cache serves them);
districts are renamed («Мучкапский район 07») and dates moved, so that themes, years and
the district list grow as a region's ten-year archive would.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from avgust.records import Resolution
from tests.support.project import RESOLUTIONS


def copy_district(name: str | None, copy: int) -> str:
    return f"{name or 'Район'} {copy:02d}"


def scaled_resolutions(
    real: Sequence[Resolution], copies: int, year: int | None = None
) -> list[Resolution]:
    """``real`` and ``copies - 1`` renamed copies of it; the copies dated ``year`` if given."""
    out = list(real)
    for copy in range(2, copies + 1):
        for res in real:
            date = res.date
            if year is not None and date:
                date = f"{year}{date[4:]}"
            district = copy_district(res.district, copy)
            slug = re.sub(r"^\d{4}", date[:4] if date else "", res.slug) + f"-{copy:02d}"
            out.append(
                dataclasses.replace(
                    res,
                    slug=slug,
                    district=district,
                    date=date,
                    source=res.source,
                )
            )
    return out


def copy_scaled(copies: int, years: int = 3) -> Callable[[Path], None]:
    """A ``write_sources`` for make_project: the real files ``copies`` times, as districts of
    their own; copy c moved ``c % years`` years later (sidecars say district and date)."""

    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for source in sorted(RESOLUTIONS.glob("*.txt")):
            meta = yaml.safe_load(source.with_suffix(".yml").read_text(encoding="utf-8"))
            text = source.read_text(encoding="utf-8")
            for copy in range(1, copies + 1):
                shift = copy % years
                date = meta["date"]
                moved = date.replace(year=date.year + shift) if shift else date
                sidecar = {**meta, "district": copy_district(meta["district"], copy), "date": moved}
                stem = f"{source.stem}-{copy:02d}"
                (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
                (folder / f"{stem}.yml").write_text(
                    yaml.safe_dump(sidecar, allow_unicode=True), encoding="utf-8"
                )

    return write
