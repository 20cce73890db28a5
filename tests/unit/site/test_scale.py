"""Pages that stay small when the corpus grows, and a rewrite that keeps unchanged pages.

The corpus is the five real resolutions copied 45 times, each copy a district of its own
and the copies dated 2020 (tests/support/scaled.py): 225 resolutions, 6,000+ directives,
themes of several hundred directives, a year of 220 documents, 225 districts.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.parse.batch import parse_all
from avgust.records import Resolution, Theme
from avgust.ru.format import plural
from avgust.site.nav import NAV_SECTION_PAGES
from avgust.site.pages.taxonomy import LIST_PAGE_ENTRIES, THEME_PAGE_DIRECTIVES
from avgust.site.write import write_pages
from avgust.themes import assign_themes, load_themes
from avgust.urls import NAV_FILE
from tests.support.project import ROOT, source_files
from tests.support.scaled import scaled_resolutions

COPIES = 45
LINK = re.compile(r"\]\(([^)\s]+)\)")
DIRECTIVE = re.compile(r"^- \[(?:п\. [^]]+|к поручению)\]\(([^)#]+)#([^)]+)\)", re.M)


def _tagged(resolutions: list[Resolution], themes: tuple[Theme, ...]) -> list[Resolution]:
    directives = [d for r in resolutions for d in r.directives]
    assigned = iter(assign_themes(directives, themes))
    return [
        dataclasses.replace(
            r, directives=tuple(dataclasses.replace(d, themes=next(assigned)) for d in r.directives)
        )
        for r in resolutions
    ]


@pytest.fixture(scope="module")
def real() -> tuple[list[Resolution], tuple[Theme, ...]]:
    resolutions, _ = parse_all(source_files(), root=ROOT)
    themes = load_themes(ROOT / "themes.yml")
    return _tagged(resolutions, themes), themes


@pytest.fixture(scope="module")
def scaled(real: tuple[list[Resolution], tuple[Theme, ...]]) -> list[Resolution]:
    return scaled_resolutions(real[0], COPIES, year=2020)


def _config(folder: Path) -> Config:
    return load_config(ROOT, docs_dir=folder / "docs", site_dir=folder / "site")


@pytest.fixture(scope="module")
def docs(
    scaled: list[Resolution],
    real: tuple[list[Resolution], tuple[Theme, ...]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    config = _config(tmp_path_factory.mktemp("scaled"))
    write_pages(scaled, real[1], {}, config)
    return config.docs_dir


def _read(docs: Path, rel: str) -> str:
    return (docs / rel).read_text(encoding="utf-8")


def test_a_large_theme_lists_its_years_and_each_year_page_holds_at_most_100(
    docs: Path, scaled: list[Resolution], real: tuple[list[Resolution], tuple[Theme, ...]]
) -> None:
    themes = real[1]
    large = 0
    for theme in themes:
        expected = {
            (r.slug, d.anchor) for r in scaled for d in r.directives if theme.slug in d.themes
        }
        landing = _read(docs, f"temy/{theme.slug}.md")
        if len(expected) <= THEME_PAGE_DIRECTIVES:
            assert "## По годам" not in landing
            continue
        large += 1
        assert "## По годам {#po-godam}" in landing
        assert not DIRECTIVE.search(landing), "the landing page lists years, not directives"
        parts = sorted((docs / "temy" / theme.slug).glob("*.md"))
        assert len(parts) >= len(expected) / THEME_PAGE_DIRECTIVES
        seen: list[tuple[str, str]] = []
        for part in parts:
            text = part.read_text(encoding="utf-8")
            found = [(Path(target).stem, anchor) for target, anchor in DIRECTIVE.findall(text)]
            assert 0 < len(found) <= THEME_PAGE_DIRECTIVES, part
            seen += found
            assert f"[все годы темы](../{theme.slug}.md)" in text
            assert f"]({theme.slug}/{part.name})" in landing
        assert sorted(seen) == sorted(expected), "every directive once, on one of the pages"
    assert large >= 3, "the scaled corpus has large themes"


def test_every_link_and_anchor_of_the_list_pages_resolves(docs: Path) -> None:
    pages = [p for folder in ("temy", "rajony", "gody") for p in (docs / folder).rglob("*.md")]
    pages += [docs / "resheniya" / "index.md", docs / "index.md"]
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http", "#")):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve()
            assert resolved.is_file(), f"{page.relative_to(docs)} → {target}"
            if anchor and resolved.is_relative_to(docs.resolve() / "temy"):
                if resolved not in ids:
                    ids[resolved] = set(re.findall(r"\{#([^ }]+)", resolved.read_text("utf-8")))
                assert anchor in ids[resolved], f"{page.relative_to(docs)} → {target}"
            checked += 1
    assert checked > 5000


def test_long_lists_continue_on_numbered_pages(docs: Path, scaled: list[Resolution]) -> None:
    in_2020 = [r for r in scaled if r.year == 2020]
    assert len(in_2020) > LIST_PAGE_ENTRIES
    first = _read(docs, "gody/2020.md")
    listed = first.count("\n- [")
    more = sorted((docs / "gody" / "2020").glob("*.md"))
    assert more and listed <= LIST_PAGE_ENTRIES
    listed += sum(p.read_text("utf-8").count("\n- [") for p in more)
    assert listed == len(in_2020)
    assert "Страницы: **1** · [2](2020/2.md)" in first
    districts = len({r.district for r in scaled})
    assert districts > LIST_PAGE_ENTRIES
    names = _read(docs, "rajony/index.md").count("\n- [")
    names += sum(p.read_text("utf-8").count("\n- [") for p in (docs / "rajony/spisok").glob("*"))
    assert names == districts
    index = _read(docs, "resheniya/index.md")
    assert f"[{plural(len(in_2020), 'документ', 'документа', 'документов')} 2020 года]" in index
    assert "](../gody/2020.md)" in index
    assert index.count("\n- [") == 0, "the list of all documents is the year pages"


def test_a_long_navigation_section_lists_only_its_index(docs: Path) -> None:
    nav = yaml.safe_load(_read(docs, NAV_FILE))
    sections = {next(iter(e)): e[next(iter(e))] for e in nav["nav"] if isinstance(e, dict)}
    assert sections["Решения"] == ["resheniya/index.md"]
    assert sections["Районы"] == ["rajony/index.md"]
    assert len(sections["Темы"]) <= NAV_SECTION_PAGES + 1
    hidden = nav["not_in_nav"]
    assert {"/resheniya/*.md", "!/resheniya/index.md", "/temy/*/", "/gody/*/"} <= set(hidden)


# ---------------------------------------------------------------- rewriting docs/


def _files(docs: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(docs).as_posix(): (p.stat().st_ino, p.read_bytes())
        for p in docs.rglob("*")
        if p.is_file()
    }


def test_a_new_resolution_rewrites_only_the_pages_it_touches(
    real: tuple[list[Resolution], tuple[Theme, ...]], tmp_path: Path
) -> None:
    resolutions, themes = real
    base = scaled_resolutions(resolutions, 3)
    config = _config(tmp_path / "a")
    write_pages(base, themes, {}, config)
    before = _files(config.docs_dir)
    added = scaled_resolutions(resolutions, 4)[len(base)]  # a copy: a new district
    write_pages([*base, added], themes, {}, config)
    after = _files(config.docs_dir)
    fresh = _config(tmp_path / "b")
    write_pages([*base, added], themes, {}, fresh)
    assert {k: v[1] for k, v in after.items()} == {
        k: v[1] for k, v in _files(fresh.docs_dir).items()
    }, "the same bytes as a build from scratch"
    kept = {k for k in before if k in after and before[k][0] == after[k][0]}
    rewritten = set(after) - kept
    assert f"resheniya/{added.slug}.md" in rewritten
    assert "index.md" in rewritten and "data/catalog.json" in rewritten
    opened = {k for k in after if k.startswith("data/directives/") and k.endswith(".json.gz")}
    touched = {k for k in opened if k.startswith(f"data/directives/{added.year}/")}
    assert touched and touched <= rewritten, "the new resolution's region and year"
    assert opened - touched and (opened - touched) <= kept, "other years' open data stay"
    for res in base:
        assert f"resheniya/{res.slug}.md" in kept
    assert all(before[k][1] == after[k][1] for k in kept)
    assert all(k not in before or before[k][1] != after[k][1] for k in rewritten)
    assert len(kept) > len(rewritten)


def test_a_failed_rewrite_leaves_the_old_docs_whole(
    real: tuple[list[Resolution], tuple[Theme, ...]], tmp_path: Path
) -> None:
    resolutions, themes = real
    config = _config(tmp_path)
    write_pages(resolutions, themes, {}, config)
    before = _files(config.docs_dir)
    twin = dataclasses.replace(resolutions[1], slug=resolutions[0].slug)
    with pytest.raises(AvgustError, match="share the slug"):
        write_pages([*resolutions, twin], themes, {}, config)
    assert _files(config.docs_dir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"], "no temporary folder left"


def _nav_pages(entry: object) -> set[str]:
    if isinstance(entry, str):
        return {entry}
    if isinstance(entry, dict):
        return set().union(*(_nav_pages(v) for v in entry.values()))
    if isinstance(entry, list):
        return set().union(*(_nav_pages(v) for v in entry))
    return set()


def test_every_page_is_in_the_navigation_or_left_out_of_it_on_purpose(
    real: tuple[list[Resolution], tuple[Theme, ...]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mkdocs --strict stops on a page that is neither: with every section collapsed (the
    real five resolutions, sections of at most 2 pages) each one must be covered."""
    import pathspec

    from avgust.site import nav as nav_module

    monkeypatch.setattr(nav_module, "NAV_SECTION_PAGES", 2)
    config = _config(tmp_path)
    write_pages(real[0], real[1], {}, config)
    nav = yaml.safe_load(_read(config.docs_dir, NAV_FILE))
    listed = _nav_pages(nav["nav"])
    hidden = pathspec.GitIgnoreSpec.from_lines(nav["not_in_nav"])
    docs = config.docs_dir
    pages = [p.relative_to(docs).as_posix() for p in docs.rglob("*.md") if p.name != "README.md"]
    assert any(p.startswith("sroki/") and p != "sroki/index.md" for p in pages)
    orphans = [p for p in pages if p not in listed and not hidden.match_file(p)]
    assert orphans == []
