"""The header search's sharded data on the parity fixture's corpus (the five real resolutions).

The shards are written from the fixture's index (tests/fixtures/parity/ranking.json) and read by
the page's own reader, js/shards.js, in Node: BM25 from the term shards scores as LexicalIndex,
the lemma shards give the lexicon's lemmas, the int8 IVF lists find the exhaustive top 10, and
the sharded hybrid ranking returns the top 10 of the same fusion computed over every vector.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avgust.browser.export import nav_pages, ungrouped
from avgust.browser.shards import (
    HASH_BYTES,
    META_FILE,
    RESCORE_CHOICES,
    ROTATION_ROUNDS,
    ROTATION_SEED,
    TIE,
    Page,
    Rotation,
    _calibration_probe,
    _HeaderLayout,
    _probe_outcomes,
    _recall_curves,
    build_ivf,
    calibration_queries,
    dequantise,
    export_shards,
    header_search,
    inflate,
    ivf_search,
    quantise,
    read_header_ivf,
    read_ivf,
    record_files,
)
from avgust.index.bm25 import LexicalIndex
from avgust.index.records import DirectiveRecord
from tests.support.project import FIXTURES, ROOT

FIXTURE = FIXTURES / "parity" / "ranking.json"
SHARDS_JS = (ROOT / "src" / "avgust" / "browser" / "js" / "shards.js").as_uri()

# shards.js in Node: argv = module URL, folder, cases.json → per case lexical, dense, hybrid
NODE_HARNESS = """
import { readFileSync } from "node:fs";
import { join } from "node:path";
const [moduleUrl, folder, casesPath] = process.argv.slice(2);
const { Shards } = await import(moduleUrl);
const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
const shards = new Shards(meta, async (path) => new Uint8Array(readFileSync(join(folder, path))));
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const out = [];
for (const c of cases) {
  const vector = Float32Array.from(c.vector);
  const lexical = await shards.lexical(c.query, false); // as LexicalIndex: no typo correction
  const dense = await shards.dense(vector);
  const top = [...dense].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
  const hybrid = await shards.hybrid(c.query, vector, 10, false);
  const lemmas = await Promise.all(c.forms.map((f) => shards.lemma(f)));
  out.push({
    lexical: Object.fromEntries(lexical.scores),
    dense: top.map(([r]) => r),
    hybrid: hybrid.rows,
    lemmas,
  });
}
process.stdout.write(JSON.stringify(out));
"""


def _array(text: str, dtype: str, dim: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float32).reshape(-1, dim)


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def lexical(fixture: dict[str, Any]) -> LexicalIndex:
    return LexicalIndex.from_json(fixture["python"]["lexical"])


@pytest.fixture(scope="module")
def vectors(fixture: dict[str, Any]) -> np.ndarray:
    return _array(fixture["vectors"], "<f2", fixture["dim"])


@pytest.fixture(scope="module")
def lexicon(fixture: dict[str, Any]) -> dict[str, str]:
    return ungrouped(fixture["browser"]["lexical"]["lexicon"])


@pytest.fixture(scope="module")
def shards(
    tmp_path_factory: pytest.TempPathFactory,
    fixture: dict[str, Any],
    lexical: LexicalIndex,
    vectors: np.ndarray,
    lexicon: dict[str, str],
) -> Path:
    out = tmp_path_factory.mktemp("shards")
    records = [DirectiveRecord.from_json(r) for r in fixture["python"]["records"]]
    pages = [Page("theme", "Наставничество", "temy/nastavnichestvo/")]
    extra = {"lexical_weight": fixture["python"]["lexical_weight"]}
    export_shards(records, lexical, lexicon, vectors, pages, out, extra=extra)
    return out


@pytest.fixture(scope="module")
def node(
    shards: Path, fixture: dict[str, Any], lexicon: dict[str, str], tmp_path: Any = None
) -> Any:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    forms = sorted(lexicon)[::50]
    cases = [
        {
            "query": c["query"],
            "vector": _array(c["vector"], "<f4", fixture["dim"])[0].tolist(),
            "forms": forms,
        }
        for c in fixture["cases"]
    ]
    path = shards / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    harness = shards / "harness.mjs"
    harness.write_text(NODE_HARNESS, encoding="utf-8")
    done = subprocess.run(
        ["node", str(harness), SHARDS_JS, str(shards), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return {"cases": cases, "out": json.loads(done.stdout), "forms": forms}


def test_every_file_is_named_by_its_content_and_a_second_export_writes_the_same(
    shards: Path,
    fixture: dict[str, Any],
    lexical: LexicalIndex,
    vectors: np.ndarray,
    lexicon: dict[str, str],
    tmp_path: Path,
) -> None:
    files = sorted(p for p in (shards / "s").iterdir())
    assert files
    groups: dict[str, list[tuple[int, bytes]]] = {}
    for path in files:
        prefix, digest = path.name.split(".", 1)[0].split("-", 1)
        if re.fullmatch(r"r\d+", prefix):  # a record chunk: named by its group's hash
            groups.setdefault(digest, []).append((int(prefix[1:]), path.read_bytes()))
            continue
        assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(digest), path
    assert groups
    for digest, chunks in groups.items():
        joined = b"".join(hashlib.sha256(data).digest() for _, data in sorted(chunks))
        assert hashlib.sha256(joined).hexdigest().startswith(digest)
    records = [DirectiveRecord.from_json(r) for r in fixture["python"]["records"]]
    extra = {"lexical_weight": fixture["python"]["lexical_weight"]}
    export_shards(records, lexical, lexicon, vectors, [], tmp_path, extra=extra)
    again = sorted(p.name for p in (tmp_path / "s").iterdir() if not p.name.startswith("p-"))
    assert again == [p.name for p in files if not p.name.startswith("p-")]


def test_the_record_chunks_hold_every_record_in_order(
    shards: Path, fixture: dict[str, Any]
) -> None:
    meta = json.loads((shards / META_FILE).read_text(encoding="utf-8"))
    files = record_files(meta)
    rows = [r for f in files for r in json.loads(inflate((shards / f).read_bytes()))]
    assert [r["id"] for r in rows] == [r["id"] for r in fixture["python"]["records"]]
    assert all(
        len(json.loads(inflate((shards / f).read_bytes()))) <= meta["records"]["size"]
        for f in files
    )
    per = meta["records"]["per"]  # meta.json names a hash per group, not every chunk
    assert len(meta["records"]["groups"]) == -(-len(files) // per)
    assert sorted(files) == sorted(f"s/{p.name}" for p in (shards / "s").glob("r*-*.bin"))


def test_bm25_from_the_term_shards_scores_as_the_lexical_index(
    node: dict[str, Any], lexical: LexicalIndex
) -> None:
    for case, out in zip(node["cases"], node["out"], strict=True):
        expected = lexical.scores(case["query"])
        got = np.zeros_like(expected)
        for row, score in out["lexical"].items():
            got[int(row)] = score
        # weights are stored with three decimals
        assert np.abs(got - expected).max() < 5e-3, case["query"]


def test_the_lemma_shards_give_the_lexicon_s_lemmas(
    node: dict[str, Any], lexicon: dict[str, str]
) -> None:
    for out in node["out"]:
        assert out["lemmas"] == [lexicon[f] for f in node["forms"]]


def test_the_int8_ivf_lists_find_the_exhaustive_top_10(
    node: dict[str, Any], vectors: np.ndarray
) -> None:
    recalls = []
    for case, out in zip(node["cases"], node["out"], strict=True):
        q = np.asarray(case["vector"], dtype=np.float32)
        exact = np.argsort(-(vectors @ q), kind="stable")[:10]
        recalls.append(len(set(exact.tolist()) & set(out["dense"])) / 10)
    assert np.mean(recalls) >= 0.95, recalls


def test_the_python_twin_of_the_ivf_search_agrees_with_shards_js(
    shards: Path, node: dict[str, Any]
) -> None:
    meta = json.loads((shards / META_FILE).read_text(encoding="utf-8"))
    ivf = read_header_ivf(shards, meta)
    for case, out in zip(node["cases"], node["out"], strict=True):
        rows, _ = header_search(ivf, np.asarray(case["vector"], np.float32), 10)
        assert len(set(rows.tolist()) & set(out["dense"])) >= 9


def test_the_full_page_s_int8_lists_hold_every_row_once(shards: Path, vectors: np.ndarray) -> None:
    meta = json.loads((shards / META_FILE).read_text(encoding="utf-8"))
    centroids, lists = read_ivf(shards, meta)
    assert len(centroids) == len(lists)
    assert sorted(np.concatenate([rows for rows, _ in lists]).tolist()) == list(range(len(vectors)))
    for rows, approx in lists:
        assert np.abs(approx - vectors[rows]).max() < 2e-3


def test_the_rotation_is_orthogonal_and_the_same_in_shards_js(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    x = np.random.default_rng(5).normal(size=(3, 384)).astype(np.float32)
    turned = Rotation.of(384).apply(x)
    assert np.allclose(turned @ turned.T, x @ x.T, atol=1e-3)
    script = tmp_path / "rotate.mjs"
    script.write_text(
        f'const {{ rotation, rotate }} = await import("{SHARDS_JS}");\n'
        f"const x = {json.dumps(x.tolist())};\n"
        "const turn = rotation(384, Number(process.argv[2]), Number(process.argv[3]));\n"
        "process.stdout.write(JSON.stringify(x.map((v) => Array.from(rotate(v, turn)))));\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["node", str(script), str(ROTATION_SEED), str(ROTATION_ROUNDS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert np.abs(np.array(json.loads(done.stdout)) - turned).max() < 1e-5


def test_the_sharded_hybrid_ranking_returns_the_exhaustive_top_10(
    node: dict[str, Any], lexical: LexicalIndex, vectors: np.ndarray, fixture: dict[str, Any]
) -> None:
    """The same fusion (z(dense) + w·z(BM25) over every directive) computed exhaustively."""
    weight = fixture["python"]["lexical_weight"]
    overlaps = []
    for case, out in zip(node["cases"], node["out"], strict=True):
        dense = vectors @ np.asarray(case["vector"], np.float32)
        fused = (dense - dense.mean()) / dense.std()
        bm25 = lexical.scores(case["query"]).astype(np.float64)
        if bm25.std() > 1e-9:
            fused += weight * (bm25 - bm25.mean()) / bm25.std()
        exact = np.lexsort((np.arange(len(fused)), -fused))[:10]
        overlaps.append(len(set(exact.tolist()) & set(out["hybrid"])) / 10)
    assert np.mean(overlaps) >= 0.95, overlaps
    assert min(overlaps) >= 0.8, overlaps


def test_the_header_calibration_measures_what_the_header_search_finds_and_fetches(
    shards: Path, vectors: np.ndarray
) -> None:
    """Its recall and bytes, for every number of lists and of rows rescored, against a plain
    search over the files as the page reads them: every scanned row's 2-bit score, the best
    ``rescore`` given their int8 cosine, the 10 best; the list files probed and the rescoring
    files those rows are in, named in their list file, as sizes on disk."""
    meta = json.loads((shards / META_FILE).read_text(encoding="utf-8"))
    ivf = read_header_ivf(shards, meta)
    directory = json.loads(inflate((shards / meta["ivf"]["header"]).read_bytes()))
    step = directory["chunk"]
    named = []  # per list, the rescoring files its list file names, in order
    for path, rows in zip(directory["lists"], ivf.rows, strict=True):
        names = (shards / path).read_bytes()[8 * len(rows) + len(rows) * len(vectors[0]) // 4 :]
        named.append(
            [f"s/w-{names[i : i + HASH_BYTES].hex()}.i8" for i in range(0, len(names), HASH_BYTES)]
        )
    layout = _HeaderLayout.of(
        (
            (shards / path).stat().st_size,
            [
                (w, (shards / w).stat().st_size, min(step, len(rows) - i * step))
                for i, w in enumerate(files)
            ],
        )
        for path, rows, files in zip(directory["lists"], ivf.rows, named, strict=True)
    )
    every = len(ivf.rows)
    choices = (1, 3, 10, *RESCORE_CHOICES)  # few rescored: the 10 best mix int8 and 2-bit scores
    for q in calibration_queries(vectors, None)[0][:12]:
        kth = np.sort(vectors @ q)[::-1][9]
        probe = _calibration_probe(ivf, vectors, q, every, 10, layout)
        scan = probe.scan
        for lists in range(1, every + 1):
            outcomes = _probe_outcomes(probe, lists, choices, 10, layout)
            n = scan.ends[lists]
            rows, coarse = scan.rows[:n], scan.coarse[:n]
            for rescore, (found, fetched) in zip(choices, outcomes, strict=True):
                scores = coarse.copy()
                rescored = np.lexsort((rows, -coarse))[:rescore]
                scores[rescored] = scan.fine[rescored]
                top = rows[np.lexsort((rows, -scores))[:10]]
                assert found == pytest.approx(np.mean(vectors[top] @ q >= kth - TIE))
                paths = {directory["lists"][c] for c in scan.lists[:lists]}
                for at in rescored:
                    nth = np.searchsorted(scan.ends, at, side="right") - 1
                    paths.add(named[scan.lists[nth]][(at - scan.ends[nth]) // step])
                assert fetched == sum((shards / path).stat().st_size for path in paths)


def test_nprobe_is_chosen_for_the_recall_target_at_build_time(vectors: np.ndarray) -> None:
    _, assign, members, nprobe, recall = build_ivf(vectors)
    assert recall >= 0.97
    assert sorted(np.concatenate(members).tolist()) == list(range(len(vectors)))
    assert 1 <= nprobe <= len(members)
    assert len(set(assign.tolist())) == len(members)


def _recall(  # the slow reference: one ivf_search per query and nprobe
    vectors: np.ndarray,
    centroids: np.ndarray,
    lists: Sequence[tuple[np.ndarray, np.ndarray]],
    queries: np.ndarray,
    nprobe: int,
    k: int = 10,
) -> float:
    found = 0
    total = 0
    for q in queries:
        exact = vectors @ q
        tenth = float(np.sort(exact)[::-1][: min(k, len(exact))][-1])
        rows, _ = ivf_search(centroids, lists, q, k, nprobe)
        found += int(np.sum(exact[rows] >= tenth - TIE))
        total += min(k, len(vectors))
    return found / total if total else 1.0


def test_the_recall_curve_of_the_calibration_counts_as_the_ivf_search(
    vectors: np.ndarray,
) -> None:
    centroids, assign, members, _, _ = build_ivf(vectors)
    codes, scales = quantise(vectors)
    approx = dequantise(codes, scales)
    cq, cs = quantise(centroids)
    cent = dequantise(cq, cs)
    lists = [(m, approx[m]) for m in members]
    queries = calibration_queries(vectors, vectors[:5])
    assert [len(g) for g in queries] == [5, len(vectors)]
    for group in queries:
        curves = _recall_curves(vectors, cent, assign, approx, group, (10, 30))
        for depth, curve in zip((10, 30), curves, strict=True):
            for probe in range(1, len(members) + 1):
                assert curve[probe - 1] == pytest.approx(
                    _recall(vectors, cent, lists, group, probe, depth)
                )
            assert curve[-1] >= 0.95  # every list: only int8 rounding can miss


def test_the_pages_come_from_the_navigation(tmp_path: Path) -> None:
    nav = tmp_path / ".nav.yml"
    nav.write_text(
        "nav:\n- Главная: index.md\n- Темы:\n  - temy/index.md\n"
        "  - Наставничество: temy/nastavnichestvo.md\n"
        "- Районы:\n  - Мучкапский район: rajony/muchkapskij-rajon.md\n",
        encoding="utf-8",
    )
    assert nav_pages(nav) == [
        Page("theme", "Наставничество", "temy/nastavnichestvo/"),
        Page("district", "Мучкапский район", "rajony/muchkapskij-rajon/"),
    ]
    assert nav_pages(tmp_path / "missing.yml") == []


def test_the_calibrated_ivf_finds_the_exhaustive_top_10_on_a_synthetic_corpus(
    vectors: np.ndarray, fixture: dict[str, Any]
) -> None:
    """4,000 directives blended as scripts/measure_search_scale.py blends them (the sum of two
    real vectors), nprobe calibrated without the fixture's queries, which then must find the
    exhaustive 10 best through the int8 lists as the page reads them."""
    rng = np.random.default_rng(3)
    blended = vectors[rng.integers(0, len(vectors), size=(4000, 2))].sum(axis=1)
    blended /= np.linalg.norm(blended, axis=1, keepdims=True)
    centroids, _, members, nprobe, _ = build_ivf(blended)
    assert nprobe < len(members)  # the search does not read every list
    approx = dequantise(*quantise(blended))
    lists = [(m, approx[m]) for m in members]
    queries = np.stack([_array(c["vector"], "<f4", fixture["dim"])[0] for c in fixture["cases"]])
    recall = _recall(blended, dequantise(*quantise(centroids)), lists, queries, nprobe)
    assert recall >= 0.95
