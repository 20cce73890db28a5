"""The full search page's ranker (js/fusion.js) over the sharded data, against Python's.

The index of the parity fixture (tests/fixtures/parity/ranking.json: records, BM25, float16
vectors, themes) is exported as the site's shards; fusion.js, run by Node, ranks every fixture
case from them and must give the ids and scores avgust.search.hybrid.rank_vector gave (the
fixture's). At 133 directives the page fetches every vector, so the ranking is exact; a larger
synthetic corpus checks the sharded path (IVF lists, statistics) against the exhaustive ranking.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avgust.browser.export import ungrouped
from avgust.browser.shards import export_shards
from avgust.search.hybrid import rank_vector
from tests.support.parity import fixture_array, fixture_index, load_fixture
from tests.support.project import ROOT

JS = ROOT / "src" / "avgust" / "browser" / "js"

HARNESS = """
import { readFileSync } from "node:fs";
import { join } from "node:path";
const [jsDir, folder, casesPath, themesPath] = process.argv.slice(2);
const { Shards } = await import(new URL("shards.js", "file://" + jsDir + "/").href);
const { ShardedRanker } = await import(new URL("fusion.js", "file://" + jsDir + "/").href);
const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
const fetched = [];
const load = async (path) => {
  fetched.push(path);
  return new Uint8Array(readFileSync(join(folder, path)));
};
const raw = readFileSync(themesPath);
const themes = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const shards = new Shards(meta, load);
const ranker = new ShardedRanker(shards, await shards.file(meta.page), themes);
const out = [];
for (const c of JSON.parse(readFileSync(casesPath, "utf8"))) {
  const { rows, scores } = await ranker.rank(c.query, Float32Array.from(c.vector), c.options);
  out.push({ rows, scores });
}
process.stdout.write(JSON.stringify({ out, fetched }));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    return load_fixture()


def _vector(text: str) -> list[float]:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").tolist()  # type: ignore[no-any-return]


def run_fusion(
    folder: Path, cases: list[dict[str, Any]], theme_vectors: np.ndarray, tmp: Path
) -> dict[str, Any]:
    (tmp / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    (tmp / "themes.f32").write_bytes(np.ascontiguousarray(theme_vectors, "<f4").tobytes())
    (tmp / "run.mjs").write_text(HARNESS, encoding="utf-8")
    command = ["node", str(tmp / "run.mjs"), str(JS), str(folder)]
    command += [str(tmp / "cases.json"), str(tmp / "themes.f32")]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def export(fixture: dict[str, Any], dest: Path) -> None:
    index = fixture_index(fixture)
    browser = fixture["browser"]
    export_shards(
        index.records,
        index.lexical,
        ungrouped(browser["lexical"]["lexicon"]),
        index.vectors,
        [],
        dest,
        extra={"lexical_weight": browser["fusion"]["lexical_weight"]},
        queries=index.theme_vectors,
        page={"fusion": browser["fusion"], "signal_themes": browser["signal_themes"]},
    )


def test_the_sharded_ranker_ranks_like_python_on_the_fixture(
    fixture: dict[str, Any], tmp_path: Path
) -> None:
    export(fixture, tmp_path / "shards")
    cases = [
        {"query": c["query"], "vector": _vector(c["vector"]), "options": c["options"]}
        for c in fixture["cases"]
    ]
    themes = fixture_array(fixture["theme_vectors"], "<f4", fixture["dim"])
    result = run_fusion(tmp_path / "shards", cases, themes, tmp_path)
    ids = [r["id"] for r in fixture["browser"]["records"]]
    for case, got in zip(fixture["cases"], result["out"], strict=True):
        assert [ids[r] for r in got["rows"]] == case["ids"], (case["query"], case["options"])
        assert np.allclose(got["scores"], case["scores"], atol=1e-3), case["query"]
    # every vector of a small corpus, and none of the full files
    assert any(p.endswith(".half") and "/e0-" in p for p in result["fetched"])


def test_rank_vector_of_the_fixture_index_is_the_fixture(fixture: dict[str, Any]) -> None:
    """The reference the test above holds the page to is Python's ranking itself."""
    index = fixture_index(fixture)
    case = fixture["cases"][0]
    q = np.frombuffer(base64.b64decode(case["vector"]), dtype="<f4")
    rows, _ = rank_vector(index, case["query"], q, **case["options"])
    assert [index.records[r].id for r in rows] == case["ids"]
