"""Built sites shared by test_site.py and test_browser.py, each built once per test session.

``real_site``: the whole pipeline (``avgust build``: parse → themes → embed → index →
similar → pages → mkdocs) over the five real resolutions, into a temporary folder.
``hostile_site``: one resolution whose every text field carries markup
(tests/fixtures/data/pages/hostile.json), with a site URL under a sub-path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from avgust.browser.export import ASSETS, export_search_assets
from avgust.config import Config, load_config
from avgust.index.embed import get_embedder
from avgust.index.store import build_index, load_index
from avgust.pipeline import run_build
from avgust.records import Resolution, SimilarDirective, Theme
from avgust.site.mkdocs import build_site
from avgust.site.write import write_pages
from tests.support.project import DATA, ROOT

PAGES_DATA = DATA / "pages"
HOSTILE_URL = "https://example.org/avgust/"


@dataclass(frozen=True)
class BuiltSite:
    config: Config
    site: Path
    resolutions: tuple[Resolution, ...]
    similar: dict[str, list[SimilarDirective]]


_BUILT: dict[str, BuiltSite] = {}


# what the hostile fixture (tests/fixtures/data/pages/hostile.json) puts into its text fields
HOSTILE = (
    "<script>alert(1)</script>",
    "[ссылка](javascript:alert(2))",
    "{{ config.site_name }}",
    "{% include 'x.html' %}",
    "![картинка](http://evil.example/x.png)",
    "<!-- скрытый комментарий -->",
    "*_[]#|",
    "<img src=x onerror=alert(3)>",
    "</title><script>alert(4)</script>",
)


def hostile_corpus() -> tuple[Resolution, list[Theme]]:
    """One resolution and three themes whose every text field carries markup."""
    resolution = Resolution.from_dict(json.loads((PAGES_DATA / "hostile.json").read_text("utf-8")))
    themes = [
        Theme(**t) for t in json.loads((PAGES_DATA / "hostile_themes.json").read_text("utf-8"))
    ]
    return resolution, themes


def real_site(factory: pytest.TempPathFactory) -> BuiltSite:
    if "real" not in _BUILT:
        out = factory.mktemp("real-site")
        config = load_config(
            ROOT,
            docs_dir=out / "docs",
            site_dir=out / "site",
            index_dir=out / "index",
            cache_dir=ROOT / ".cache",  # content-keyed caches: the model and vectors once
            quiet=True,
        )
        # pytest-xdist workers each build their own real site; the project's cache takes one
        # build at a time (avgust.pipeline.build_lock refuses a second), so they take turns
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(config.cache_dir / "tests-real-site.lock")):
            report = run_build(config)
        assert not report.failed, [str(p) for p in report.problems]
        similar = {k: list(v) for k, v in load_index(config).similar.items()}
        _BUILT["real"] = BuiltSite(config, config.site_dir, tuple(report.resolutions), similar)
    return _BUILT["real"]


def hostile_site(factory: pytest.TempPathFactory) -> BuiltSite:
    if "hostile" not in _BUILT:
        out = factory.mktemp("hostile-site")
        config = load_config(
            ROOT,
            docs_dir=out / "docs",
            site_dir=out / "site",
            index_dir=out / "index",
            site_url=HOSTILE_URL,
            quiet=True,
        )
        resolution, themes = hostile_corpus()
        with pytest.MonkeyPatch.context() as env:
            env.delenv("AVGUST_SITE_URL", raising=False)
            write_pages([resolution], themes, {}, config)
            # the header search's data (lexical only), so its results can be checked too
            build_index([resolution], get_embedder(config), config, themes=themes)
            export_search_assets(
                load_index(config), themes, config, config.docs_dir / ASSETS, semantic=False
            )
            site = build_site(config)
        _BUILT["hostile"] = BuiltSite(config, site, (resolution,), {})
    return _BUILT["hostile"]
