"""The whole pipeline on two real resolutions with the fast hash embedder (no real model).

read → parse → themes → embed → index → similar → pages → search data → mkdocs site, then a
second build that embeds nothing again, and the calendar's academic-year placement.
"""

from __future__ import annotations

import json

import pytest

from avgust.config import Config, load_config
from avgust.index.store import load_index
from avgust.pipeline import BuildReport, run_build
from avgust.search.hybrid import search
from tests.support.fake_embedder import HashEmbedder
from tests.support.hostile import copy_real, make_project
from tests.support.project import ROOT

MODEL = "test-hash-embedder"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, BuildReport, HashEmbedder]:
    root = make_project(
        tmp_path_factory.mktemp("pipeline") / "p",
        copy_real(["2018-sosnovskij", "2020-muchkapskij"]),
    )
    config = load_config(
        root, model=MODEL, quiet=True, mkdocs_file=ROOT / "mkdocs.yml", content_dir=ROOT / "content"
    )
    embedder = HashEmbedder(MODEL)
    return config, run_build(config, embedder=embedder), embedder


def test_a_build_runs_every_stage_in_pipeline_order(
    built: tuple[Config, BuildReport, HashEmbedder],
) -> None:
    config, report, embedder = built
    assert not report.failed, [str(p) for p in report.problems]
    stages = [s.name for s in report.stages]
    assert stages == ["parse", "themes", "embed + index", "pages", "search", "site"]
    assert "2 resolutions, 57 directives" in report.stages[0].result
    index = load_index(config)
    assert len(index) == 57 and index.model_id == MODEL
    assert set(embedder.passages_embedded) == {r.passage for r in index.records}
    hits = search(index, embedder, "наставничество молодых педагогов", k=3)
    assert len(hits) == 3 and all(hit.url.startswith("resheniya/") for hit in hits)
    assert (config.site_dir / "resheniya" / "2020-muchkapskij-rajon" / "index.html").is_file()
    data = json.loads((config.docs_dir / "assets/search/meta.json").read_text("utf-8"))
    assert data["semantic"] is False and data["count"] == 57  # no browser model for this one


def test_the_calendar_files_during_the_year_under_the_year_the_resolution_plans(
    built: tuple[Config, BuildReport, HashEmbedder],
) -> None:
    # the Мучкапский resolution of 26.08.2020 plans 2020/21, the Сосновский of 28.08.2018
    # 2018/19: their "в течение года" directives belong there, not to the year before
    sroki = built[0].docs_dir / "sroki"
    planned = (sroki / "2020-21.md").read_text("utf-8")
    assert "Мучкапский" in planned.split("### В течение учебного года", 1)[1]
    before = sroki / "2019-20.md"
    assert not before.is_file() or "В течение учебного года" not in before.read_text("utf-8")


def test_a_rebuild_with_nothing_changed_embeds_nothing(
    built: tuple[Config, BuildReport, HashEmbedder],
) -> None:
    again = HashEmbedder(MODEL)
    report = run_build(built[0], site=False, embedder=again)
    assert again.passages_embedded == []
    assert "0 embedded, " in report.stages[2].result
