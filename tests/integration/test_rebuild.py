"""A rebuild after one new resolution redoes only what its input changed.

Sources whose bytes, sidecar and parser are unchanged come from the parse cache; MkDocs
renders only the pages whose inputs changed and takes the others' HTML from the previous
site; and the rebuilt site is byte for byte the site a clean build of the same input makes.
The corpus is the five real resolutions as 35 districts (tests/support/scaled.py): enough
for the navigation to list the resolution and district sections by their index pages only,
so that one more resolution leaves the navigation as it was.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.parse.batch import check_sources, parse_all
from avgust.parse.cache import ParseCache
from avgust.pipeline import BuildReport, run_build
from avgust.read.sources import discover_sources
from avgust.site.mkdocs import CONVERSIONS, render_site
from avgust.site.plugin import MANIFEST
from tests.support.fake_embedder import HashEmbedder
from tests.support.hostile import make_project
from tests.support.project import RESOLUTIONS, ROOT
from tests.support.scaled import copy_district, copy_scaled

MODEL = "test-hash-embedder"
COPIES = 7
NEW = "2020-muchkapskij"  # the real source the added resolution is a copy of
STALE_SHA256 = f"sha256: {'ab' * 32}\n"  # a sidecar line the file does not match
pytestmark = pytest.mark.slow


def _project(root: Path) -> Config:
    make_project(root, copy_scaled(COPIES, years=1))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return load_config(root, model=MODEL, quiet=True, content_dir=ROOT / "content")


def _add_resolution(folder: Path) -> str:
    """One more copy of a real resolution, as a district of its own; returns its file stem."""
    meta = yaml.safe_load((RESOLUTIONS / f"{NEW}.yml").read_text(encoding="utf-8"))
    meta["district"] = copy_district(meta["district"], COPIES + 1)
    stem = f"{NEW}-{COPIES + 1:02d}"
    shutil.copy(RESOLUTIONS / f"{NEW}.txt", folder / f"{stem}.txt")
    (folder / f"{stem}.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    return stem


def _copied(config: Config, project: Path) -> Config:
    """The rebuilt project, sources, caches and site, copied: a test may change it freely."""
    shutil.copytree(config.root, project)
    return load_config(project, model=MODEL, quiet=True, content_dir=ROOT / "content")


def _site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _build(config: Config) -> BuildReport:
    report = run_build(config, embedder=HashEmbedder(MODEL))
    assert not report.failed, [str(p) for p in report.problems]
    return report


def _markdown(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*.md")}


MARKDOWN_BEFORE: dict[str, bytes] = {}  # docs/ as the first build left it


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, BuildReport, BuildReport]:
    config = _project(tmp_path_factory.mktemp("rebuild") / "p")
    first = _build(config)
    MARKDOWN_BEFORE.update(_markdown(config.docs_dir))
    _add_resolution(config.resolutions_dir)
    return config, first, _build(config)


def test_a_rebuild_parses_only_the_new_source(
    rebuilt: tuple[Config, BuildReport, BuildReport],
) -> None:
    config, first, again = rebuilt
    assert first.parsed_again == 5 * COPIES
    assert again.parsed_again == 1
    assert len(again.resolutions) == 5 * COPIES + 1
    assert "35 unchanged, 1 parsed" in again.stages[0].result
    # the page writer's verdict on each resolution is kept too: [] for every one here
    checks = json.loads((config.cache_dir / "page-checks.json").read_text(encoding="utf-8"))
    assert list(checks["entries"].values()) == [[]] * (5 * COPIES + 1)


def test_a_rebuild_renders_only_the_pages_the_new_resolution_touches(
    rebuilt: tuple[Config, BuildReport, BuildReport],
) -> None:
    config, first, again = rebuilt
    assert first.site is not None and again.site is not None
    assert first.site.reused == ()
    rendered, reused = set(again.site.rendered), set(again.site.reused)
    assert f"resheniya/{NEW}-rajon-{COPIES + 1:02d}/index.html" in rendered
    assert "index.html" in rendered  # the home page counts the resolutions
    assert "resheniya/2018-sosnovskij-rajon-03/index.html" in reused
    assert len(reused) > len(rendered)
    # exactly the pages whose Markdown the new resolution changed (or made) are rendered
    manifest = json.loads((config.site_dir / MANIFEST).read_text(encoding="utf-8"))
    changed = {
        src: dest
        for src, (_, dest) in manifest["pages"].items()
        if MARKDOWN_BEFORE.get(src) != (config.docs_dir / src).read_bytes()
    }
    assert rendered == set(changed.values())
    assert not rendered & reused
    assert rendered | reused == {dest for _, dest in manifest["pages"].values()}
    assert set(first.site.rendered) < rendered | reused
    # and only their Markdown was converted: the others' anchors and links came from the manifest
    assert set(again.site.converted) == set(changed)
    assert len(first.site.converted) == len(first.site.rendered)


def test_an_unchanged_page_still_fails_on_an_anchor_it_links_to_that_has_gone(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    assert render_site(copy).converted == ()
    page = copy.docs_dir / "resheniya/2018-sosnovskij-rajon-03.md"
    text = page.read_text(encoding="utf-8")
    assert 'id="p-2-1"' in text
    page.write_text(text.replace("p-2-1", "p-2-1-renamed"), encoding="utf-8")
    before = _site_files(copy.site_dir)
    with pytest.raises(AvgustError) as failed:
        render_site(copy)
    # the pages that link to the anchor are unchanged, and their links are checked all the same
    linking = set(re.findall(r"Doc file '([^']+)'", failed.value.message))
    assert "does not contain an anchor '#p-2-1'" in failed.value.message
    assert linking - {"resheniya/2018-sosnovskij-rajon-03.md"}
    assert _site_files(copy.site_dir) == before


def test_a_page_skipped_unconverted_whose_key_then_changes_is_converted_after_all(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    nav = copy.docs_dir / ".nav.yml"
    # a title in the navigation: every page's Markdown is as it was, every page's key is not
    nav.write_text(
        nav.read_text(encoding="utf-8").replace("Кадры и целевое обучение:", "Кадры:"),
        encoding="utf-8",
    )
    renamed = render_site(copy)
    assert renamed.reused == () and len(renamed.converted) == len(renamed.rendered)
    clean = _copied(copy, tmp_path / "clean")
    shutil.rmtree(clean.site_dir)
    render_site(clean, reuse=False)
    ours, theirs = _site_files(copy.site_dir), _site_files(clean.site_dir)
    assert [name for name in ours if ours[name] != theirs.get(name)] == []
    assert sorted(ours) == sorted(theirs)


def test_an_unchanged_page_still_fails_on_a_file_it_links_to_that_has_gone(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    (copy.docs_dir / "sources/2018-sosnovskij-rajon-03.txt").unlink()
    with pytest.raises(AvgustError) as failed:
        render_site(copy)
    assert "resheniya/2018-sosnovskij-rajon-03.md" in failed.value.message
    assert "sources/2018-sosnovskij-rajon-03.txt" in failed.value.message


def test_the_rebuilt_site_is_byte_identical_to_a_clean_build(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    config, _, _ = rebuilt
    clean = _project(tmp_path / "clean")
    _add_resolution(clean.resolutions_dir)
    report = _build(clean)
    assert report.site is not None and report.site.reused == ()
    assert report.parsed_again == 5 * COPIES + 1
    ours, theirs = _site_files(config.site_dir), _site_files(clean.site_dir)
    assert sorted(ours) == sorted(theirs)
    differ = [name for name in ours if ours[name] != theirs[name]]
    assert differ == []


def test_a_site_wide_change_renders_every_page(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    project = copy.root
    mkdocs_yml = project / "mkdocs.yml"
    unchanged = render_site(copy)
    assert unchanged.rendered == () and unchanged.converted == () and unchanged.reused
    mkdocs_yml.write_text(
        mkdocs_yml.read_text(encoding="utf-8").replace(
            "site_name: Августовские конференции", "site_name: Конференции"
        ),
        encoding="utf-8",
    )
    renamed = render_site(copy)
    assert renamed.reused == () and len(renamed.rendered) == len(unchanged.reused)
    assert len(renamed.converted) == len(renamed.rendered)

    themes = yaml.safe_load((project / "themes.yml").read_text(encoding="utf-8"))
    themes["themes"][0]["name"] = "Переименованная тема"
    (project / "themes.yml").write_text(
        yaml.safe_dump(themes, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    report = _build(copy)
    assert report.parsed_again == 0
    assert report.site is not None and report.site.reused == ()


def test_without_the_conversion_records_every_page_is_converted_and_its_html_reused(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    before = _site_files(copy.site_dir)
    records = copy.cache_dir / CONVERSIONS
    assert (
        records.stat().st_size > (copy.site_dir / MANIFEST).stat().st_size
    )  # kept out of the site
    records.unlink()
    built = render_site(copy)
    assert built.rendered == () and len(built.converted) == len(built.reused)
    assert _site_files(copy.site_dir) == before
    assert render_site(copy).converted == ()  # and they are there again


def test_a_broken_manifest_renders_every_page_and_the_site_stays_whole(
    rebuilt: tuple[Config, BuildReport, BuildReport], tmp_path: Path
) -> None:
    copy = _copied(rebuilt[0], tmp_path / "p")
    before = _site_files(copy.site_dir)
    (copy.site_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    built = render_site(copy)
    assert built.reused == () and built.rendered
    assert _site_files(copy.site_dir) == before


def _real_sources(folder: Path) -> list[Path]:
    """The real resolutions, one of them with a sidecar sha256 its file no longer has."""
    shutil.copytree(RESOLUTIONS, folder)
    sidecar = folder / f"{NEW}.yml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8") + STALE_SHA256, encoding="utf-8")
    return discover_sources(folder, convertible=True)


def test_a_cached_source_reports_what_it_reported_when_parsed(tmp_path: Path) -> None:
    sources = _real_sources(tmp_path / "resolutions")
    cache = tmp_path / "cache"
    first = check_sources(tmp_path / "resolutions", root=tmp_path, cache_dir=cache)
    parsed = ParseCache(cache)
    resolutions, again = parse_all(sources, root=tmp_path, cache_dir=cache, parsed=parsed)
    assert (parsed.hits, parsed.misses) == (len(sources), 0)
    assert again == first
    warned = [str(p) for report in again for p in report.problems]
    assert any("has changed since it was added" in p for p in warned), warned
    fresh, _ = parse_all(sources, root=tmp_path)
    assert resolutions == fresh

    # a changed sidecar is a changed input: that source alone is parsed again
    sidecar = tmp_path / "resolutions" / f"{NEW}.yml"
    mended_text = sidecar.read_text(encoding="utf-8").replace(STALE_SHA256, "")
    sidecar.write_text(mended_text, encoding="utf-8")
    parsed = ParseCache(cache)
    _, mended = parse_all(sources, root=tmp_path, cache_dir=cache, parsed=parsed)
    assert (parsed.hits, parsed.misses) == (len(sources) - 1, 1)
    assert not any(report.problems for report in mended)


def test_a_corrupt_or_stale_entry_is_parsed_again(tmp_path: Path) -> None:
    sources = discover_sources(RESOLUTIONS, convertible=True)
    first = check_sources(RESOLUTIONS, root=ROOT, cache_dir=tmp_path)
    entries = sorted((tmp_path / "parsed").glob("*.json"))
    assert len(entries) == len(sources)
    entries[0].write_text('{"format": 1, "resolution": {"slug"', encoding="utf-8")
    entries[1].write_text(json.dumps({"format": 0}), encoding="utf-8")
    parsed = ParseCache(tmp_path)
    _, again = parse_all(sources, root=ROOT, cache_dir=tmp_path, parsed=parsed)
    assert (parsed.hits, parsed.misses) == (len(sources) - 2, 2)
    assert again == first
    assert json.loads(entries[0].read_text(encoding="utf-8"))["format"] == 1
