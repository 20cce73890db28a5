"""Link previews of the built pages (src/avgust/site/social.py)."""

from __future__ import annotations

import html
import re

import pytest

from avgust.site.social import social_meta
from tests.support.sitebuild import HOSTILE, BuiltSite, real_site

META = re.compile(r'<meta (property|name)="([^"]+)" content="([^"]*)">')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return real_site(tmp_path_factory)


@pytest.mark.slow
def test_a_resolution_page_previews_its_title_and_description_once(built: BuiltSite) -> None:
    res = next(r for r in built.resolutions if r.district == "Мучкапский район")
    page = (built.site / "resheniya" / res.slug / "index.html").read_text(encoding="utf-8")
    head = page[: page.index("</head>")]
    tags = {name: html.unescape(value) for _, name, value in META.findall(head)}
    title = re.search(r"<title>(.*?)</title>", head)
    assert title is not None
    assert tags["og:title"] and tags["og:title"] in html.unescape(title.group(1))
    assert "Мучкапск" in tags["og:title"]
    description = re.search(r'<meta name="description" content="([^"]*)">', head)
    assert description is not None and tags["og:description"] == html.unescape(description.group(1))
    assert tags["twitter:card"] == "summary"
    # X falls back to og:title and og:description: the text is not repeated a third time
    assert "twitter:title" not in tags and "twitter:description" not in tags
    assert head.count(description.group(1)) == 2


@pytest.mark.parametrize("text", HOSTILE)
def test_document_text_in_a_preview_is_escaped(text: str) -> None:
    meta = social_meta(title=text, description=text, site_name="s", url=None)
    lines = meta.splitlines()
    assert all(META.fullmatch(line) for line in lines), lines  # no tag broken out of
    values = {name: html.unescape(value) for _, name, value in META.findall(meta)}
    assert values["og:title"] == values["og:description"] == " ".join(text.split())
