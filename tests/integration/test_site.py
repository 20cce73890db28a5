"""The built site: mkdocs --strict output, its links and anchors, search, assets, escaping.

The real site is built once per session by the whole pipeline (tests/support/sitebuild.py);
the hostile one from a resolution whose every field carries markup.
"""

from __future__ import annotations

import json
import re
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest

from avgust.browser.shards import inflate, record_files
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.site.links import check_links
from avgust.site.mkdocs import build_site
from avgust.site.serve import make_server
from avgust.site.write import write_pages
from tests.support import opendata
from tests.support.project import ROOT
from tests.support.sitebuild import (
    HOSTILE,
    HOSTILE_URL,
    BuiltSite,
    hostile_corpus,
    hostile_site,
    real_site,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return real_site(tmp_path_factory)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return hostile_site(tmp_path_factory)


class Html(HTMLParser):
    """Everything a test wants to know about one page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
            if name == "id" and value:
                self.ids.add(value)
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            self.scripts.append(data)
        elif where == "title" and "head" in self._in:
            self.title += data
        else:
            self.text.append(data)

    def links(self) -> list[str]:
        return [v for tag, name, v in self.attrs if name in {"href", "src"}]


def page(site: Path, rel: str) -> Html:
    return Html((site / rel).read_text(encoding="utf-8"))


def slug_of(built: BuiltSite, district: str) -> str:
    return next(r.slug for r in built.resolutions if r.district == district)


# ---------------------------------------------------------------- the real site


def test_every_internal_link_and_anchor_of_the_real_site_resolves(real: BuiltSite) -> None:
    pages = {p.relative_to(real.site).as_posix() for p in real.site.rglob("*.html")}
    sources = [p.relative_to(real.config.docs_dir) for p in real.config.docs_dir.rglob("*.md")]
    expected = {
        "index.html"
        if p.as_posix() == "index.md"
        else (p.parent / p.stem / "index.html").as_posix()
        for p in sources
        if p.name != "README.md"
    }
    assert {p.replace("/index/index.html", "/index.html") for p in expected} <= pages
    assert check_links(real.site) == []


def test_every_directive_is_at_its_anchor_with_readable_deadline(real: BuiltSite) -> None:
    for res in real.resolutions:
        html = page(real.site, f"resheniya/{res.slug}/index.html")
        missing = [d.anchor for d in res.directives if d.anchor not in html.ids]
        assert not missing, (res.slug, missing)
    muchkap = page(real.site, f"resheniya/{slug_of(real, 'Мучкапский район')}/index.html")
    assert "Срок: до 10 октября 2020" in " ".join(muchkap.text)


def test_similar_directives_link_into_other_districts(real: BuiltSite) -> None:
    by_id = {f"{r.slug}#{d.anchor}": r for r in real.resolutions for d in r.directives}
    linked = 0
    for directive_id, others in real.similar.items():
        slug, anchor = directive_id.split("#")
        targets = [o.id for o in others if by_id[o.id].district != by_id[directive_id].district]
        if not targets:
            continue
        html = (real.site / "resheniya" / slug / "index.html").read_text(encoding="utf-8")
        block = html[html.index(f'id="{anchor}"') :].split('class="avg-directive"', 1)[0]
        assert "Похожие поручения в других районах" in block
        for target in targets:
            other_slug, other_anchor = target.split("#")
            assert f'href="../{other_slug}/#{other_anchor}"' in block, (directive_id, target)
            linked += 1
    assert linked > 0


def test_every_page_has_the_one_header_search_and_no_lunr_index(real: BuiltSite) -> None:
    assert not (real.site / "search" / "search_index.json").exists()
    for path in real.site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if "<header" not in text:
            continue
        assert text.count('class="avg-hs-input"') == 1, path
        assert "assets/search/header.js" in text, path
        assert "md-search__input" not in text, path


def test_no_page_loads_anything_from_another_host(real: BuiltSite) -> None:
    for path in real.site.rglob("*.html"):
        html = Html(path.read_text(encoding="utf-8"))
        for tag, attrs in html.elements:
            if tag not in {"script", "img", "link", "iframe", "source", "video", "audio"}:
                continue
            if tag == "link" and attrs.get("rel") == "canonical":
                continue  # names the page, loads nothing
            for value in (attrs.get("src", ""), attrs.get("href", "")):
                assert not re.match(r"^(https?:)?//", value), (path, tag, value)
    for path in [*real.site.rglob("*.css"), *real.site.rglob("*.html")]:
        assert "fonts.googleapis" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_open_data_and_the_source_documents_are_served(real: BuiltSite) -> None:
    count = sum(len(r.directives) for r in real.resolutions)
    assert len(opendata.csv_rows(real.site)) == count
    assert len(opendata.json_records(real.site)) == count
    assert sum(row["directives"] for row in opendata.catalog(real.site)) == count
    for res in real.resolutions:
        copy = real.site / "sources" / f"{res.slug}.txt"
        assert copy.read_bytes() == (ROOT / res.source).read_bytes()


def test_cyrillic_headings_get_anchors_that_resolve(real: BuiltSite) -> None:
    html = page(real.site, "proekt/kak-dobavit/index.html")
    cyrillic = [i for i in html.ids if re.search("[а-я]", i)]
    assert "1-найдите-документ" in cyrillic
    toc = [link for link in html.links() if link.startswith("#") and re.search("[а-я%]", link)]
    assert toc  # the table of contents links to them; check_links resolved them above


# ---------------------------------------------------------------- the hostile site


def test_document_text_with_markup_is_shown_as_plain_text(hostile: BuiltSite) -> None:
    html = page(hostile.site, "resheniya/2022-hostile/index.html")
    text = " ".join(" ".join(html.text).split())
    for fragment in (
        *HOSTILE,
        '" onmouseover="alert(5)',
        "Тестовый <script>alert(6)</script> район",
    ):
        assert fragment in text, fragment
    assert not [s for s in html.scripts if "alert" in s]
    assert not [(t, n) for t, n, _ in html.attrs if n.startswith("on")]
    assert not [v for v in html.links() if "javascript:" in v.lower() or "evil.example" in v]
    assert not [t for t, n, v in html.attrs if t == "img"]
    assert "<" not in html.title and "alert(6)" in html.title


def test_every_page_of_the_hostile_site_is_free_of_injected_markup(hostile: BuiltSite) -> None:
    for path in hostile.site.rglob("*.html"):
        html = Html(path.read_text(encoding="utf-8"))
        assert not [s for s in html.scripts if "alert" in s], path
        assert not [(t, n) for t, n, _ in html.attrs if n.startswith("on")], path
        assert not [v for v in html.links() if "javascript:" in v.lower()], path
        assert "<" not in html.title, path
    # the header search's records keep the text as text (the page shows it with textContent)
    meta = json.loads((hostile.site / "assets" / "search" / "meta.json").read_text("utf-8"))
    folder = hostile.site / "assets" / "search"
    chunks = [inflate((folder / f).read_bytes()) for f in record_files(meta)]
    assert any(b"<script>alert(1)</script>" in c for c in chunks)


def test_the_site_url_makes_canonical_links_and_links_still_resolve(hostile: BuiltSite) -> None:
    html = page(hostile.site, "resheniya/2022-hostile/index.html")
    assert ("link", "href", f"{HOSTILE_URL}resheniya/2022-hostile/") in html.attrs
    assert f"<loc>{HOSTILE_URL}resheniya/2022-hostile/</loc>" in (
        hostile.site / "sitemap.xml"
    ).read_text(encoding="utf-8")
    assert check_links(hostile.site, HOSTILE_URL) == []


# ---------------------------------------------------------------- build_site and check_links


def test_a_failed_build_names_the_problem_and_keeps_the_previous_site(tmp_path: Path) -> None:
    config = load_config(ROOT, docs_dir=tmp_path / "docs", site_dir=tmp_path / "site")
    resolution, themes = hostile_corpus()
    write_pages([resolution], themes, {}, config)
    build_site(config)
    before = (config.site_dir / "index.html").read_text(encoding="utf-8")
    (config.docs_dir / "broken.md").write_text("# Сломано\n\n[куда](nowhere.md)\n", "utf-8")
    with pytest.raises(AvgustError, match=r"(?s)mkdocs build failed: .*nowhere\.md"):
        build_site(config)
    assert (config.site_dir / "index.html").read_text(encoding="utf-8") == before
    assert not (config.site_dir / "broken").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "site"]


def test_building_without_pages_asks_for_a_build(tmp_path: Path) -> None:
    config = load_config(ROOT, docs_dir=tmp_path / "docs", site_dir=tmp_path / "site")
    with pytest.raises(AvgustError, match="avgust build"):
        build_site(config)


def test_the_site_url_comes_from_the_environment_then_the_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(ROOT, site_url="https://a.example/x")
    monkeypatch.delenv("AVGUST_SITE_URL", raising=False)
    assert config.public_url == "https://a.example/x/"
    monkeypatch.setenv("AVGUST_SITE_URL", "https://user.github.io/avgust/")
    assert config.public_url == "https://user.github.io/avgust/"
    monkeypatch.setenv("AVGUST_SITE_URL", "")
    assert load_config(ROOT, site_url=None).public_url in {None, load_config(ROOT).public_url}


def test_check_links_reports_missing_files_anchors_and_script_links(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="x">x</h2><h2 id="раздел">р</h2>', "utf-8")
    (tmp_path / "страница.html").write_text("<p>ok</p>", "utf-8")
    links = [
        "a/",
        "a/#x",
        "a/index.html#%D1%80%D0%B0%D0%B7%D0%B4%D0%B5%D0%BB",
        "a/#раздел",
        "%D1%81%D1%82%D1%80%D0%B0%D0%BD%D0%B8%D1%86%D0%B0.html",
        "#top",
        "https://example.org/",
        "mailto:x@example.org",
        "b/",
        "a/#y",
        "JavaScript:alert(1)",
        "../outside.html",
    ]
    body = '<a id="top"></a>' + "".join(f'<a href="{link}">l</a>' for link in links)
    (tmp_path / "index.html").write_text(body, "utf-8")
    assert check_links(tmp_path) == [
        "index.html: broken link 'b/'",
        "index.html: missing anchor 'a/#y'",
        "index.html: script link 'JavaScript:alert(1)'",
        "index.html: broken link '../outside.html'",
    ]


def test_serve_refuses_a_missing_site_and_a_busy_port(tmp_path: Path, hostile: BuiltSite) -> None:
    with pytest.raises(AvgustError, match="avgust build"):
        make_server(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(AvgustError, match=r"cannot serve on 127\.0\.0\.1"):
            make_server(hostile.site, port=taken.getsockname()[1])
