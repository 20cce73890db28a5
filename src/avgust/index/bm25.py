"""BM25 over directive texts, on the terms of :mod:`avgust.ru.terms`.

The index is plain BM25 (k1, b) with precomputed per-posting weights, so a query
costs one pass over the postings of its terms. :meth:`LexicalIndex.to_json` writes
what a browser needs to score the same way: the vocabulary, each directive's
term frequencies, the parameters and a form→lemma lexicon covering every
inflected form of the corpus lemmas.

Its twin in the browser is ``Lexical`` in ``avgust/browser/js/rank.js``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from avgust.ru.terms import (
    PREFIX_LEN,
    PREFIX_MARK,
    STOP_POS,
    lemma,
    lexicon_forms,
    terms,
    terms_of,
    words,
)

FORMAT = 1
K1 = 1.2
B = 0.75
PREFIX_WEIGHT = 0.5


@dataclass(eq=False)
class LexicalIndex:
    """BM25 over a list of texts (directives), addressed by position."""

    vocab: list[str]  # sorted terms
    doc_terms: list[dict[int, int]]  # per document: term id → frequency
    k1: float = K1
    b: float = B
    prefix_len: int = PREFIX_LEN
    prefix_weight: float = PREFIX_WEIGHT
    forms: dict[str, str] = field(default_factory=dict)  # corpus form → lemma ("" = stop)
    _ids: dict[str, int] = field(init=False, repr=False)
    idf: np.ndarray = field(init=False, repr=False)
    _post_docs: list[np.ndarray] = field(init=False, repr=False)
    _post_weights: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ids = {t: i for i, t in enumerate(self.vocab)}
        n = len(self.doc_terms)
        lengths = np.array([sum(d.values()) for d in self.doc_terms], dtype=np.float64)
        avg = float(lengths.mean()) if n and lengths.sum() else 1.0
        docs: list[list[int]] = [[] for _ in self.vocab]
        tfs: list[list[int]] = [[] for _ in self.vocab]
        for doc, counts in enumerate(self.doc_terms):
            for term, tf in counts.items():
                docs[term].append(doc)
                tfs[term].append(tf)
        self.idf = np.array(
            [math.log(1.0 + (n - len(d) + 0.5) / (len(d) + 0.5)) for d in docs],
            dtype=np.float64,
        )
        self._post_docs = []
        self._post_weights = []
        for term, (d, f) in enumerate(zip(docs, tfs, strict=True)):
            ids = np.array(d, dtype=np.int64)
            freq = np.array(f, dtype=np.float64)
            norm = self.k1 * (1.0 - self.b + self.b * lengths[ids] / avg)
            weight = self.idf[term] * freq * (self.k1 + 1.0) / (freq + norm)
            self._post_docs.append(ids)
            self._post_weights.append(weight.astype(np.float32))

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        *,
        k1: float = K1,
        b: float = B,
        prefix_len: int = PREFIX_LEN,
        prefix_weight: float = PREFIX_WEIGHT,
        lexicon: bool = True,
    ) -> LexicalIndex:
        """Index ``texts``; ``lexicon`` also collects the form→lemma table for the browser."""
        tokenised: dict[str, list[str]] = {}  # razdel is the slow part: once per text
        for text in texts:
            if text not in tokenised:
                tokenised[text] = words(text)
        bags = [Counter(terms_of(tokenised[t], prefix_len)) for t in texts]
        vocab = sorted(set().union(*bags)) if bags else []
        ids = {t: i for i, t in enumerate(vocab)}
        doc_terms = [{ids[t]: c for t, c in sorted(bag.items())} for bag in bags]
        forms: dict[str, str] = {}
        if lexicon:
            corpus_forms = {w for forms_of_text in tokenised.values() for w in forms_of_text}
            lemma_set = {t for t in vocab if not t.endswith(PREFIX_MARK)}
            candidates = corpus_forms.union(*(lexicon_forms(lem) for lem in sorted(lemma_set)))
            for form in sorted(candidates):
                lem = lemma(form)
                if lem in lemma_set or (form in corpus_forms and not lem):
                    forms[form] = lem
        return cls(
            vocab=vocab,
            doc_terms=doc_terms,
            k1=k1,
            b=b,
            prefix_len=prefix_len,
            prefix_weight=prefix_weight,
            forms=forms,
        )

    def __len__(self) -> int:
        return len(self.doc_terms)

    def query_weights(self, query: str) -> dict[int, float]:
        """The weighted terms of a query that the corpus knows (lemma 1, stem ``prefix_weight``)."""
        weights: dict[int, float] = {}
        for term in dict.fromkeys(terms(query, self.prefix_len)):
            tid = self._ids.get(term)
            if tid is not None:
                weights[tid] = self.prefix_weight if term.endswith(PREFIX_MARK) else 1.0
        return weights

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (float32, one per document)."""
        return self.scores_for(self.query_weights(query))

    def scores_for(self, weights: Mapping[int, float]) -> np.ndarray:
        """BM25 scores for a weighted bag of term ids."""
        out = np.zeros(len(self.doc_terms), dtype=np.float32)
        for tid, w in weights.items():
            out[self._post_docs[tid]] += np.float32(w) * self._post_weights[tid]
        return out

    def feedback_weights(
        self, docs: Sequence[int], n_terms: int, doc_weights: Sequence[float] | None = None
    ) -> dict[int, float]:
        """Pseudo-relevance feedback: the ``n_terms`` lemmas that weigh most in ``docs``.

        A term weighs its idf·tf/(tf+k1) in each document, times the document's weight
        (default 1), summed; the result is scaled so the strongest term weighs 1. Stems
        are left out (their lemmas carry them).
        """
        total: dict[int, float] = {}
        weights = [1.0] * len(docs) if doc_weights is None else list(doc_weights)
        for doc, doc_weight in zip(docs, weights, strict=True):
            for tid, count in self.doc_terms[doc].items():
                if not self.vocab[tid].endswith(PREFIX_MARK):
                    total[tid] = total.get(tid, 0.0) + doc_weight * float(self.idf[tid]) * count / (
                        count + self.k1
                    )
        best = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]
        if not best or best[0][1] <= 0:
            return {}
        top = best[0][1]
        return {tid: w / top for tid, w in best}

    def term(self, tid: int) -> str:
        return self.vocab[tid]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form; scoring needs only params, vocab and docs (BM25 is recomputed)."""
        return {
            "format": FORMAT,
            "params": {
                "k1": self.k1,
                "b": self.b,
                "prefix_len": self.prefix_len,
                "prefix_mark": PREFIX_MARK,
                "prefix_weight": self.prefix_weight,
                "stop_pos": sorted(STOP_POS),
            },
            "vocab": self.vocab,
            "docs": [[x for pair in sorted(d.items()) for x in pair] for d in self.doc_terms],
            "lexicon": self.forms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LexicalIndex:
        """Read what :meth:`to_json` wrote (KeyError/ValueError/TypeError on a bad file)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"lexical index format {data.get('format')!r}, expected {FORMAT}")
        params = data["params"]
        docs = [
            {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}
            for flat in data["docs"]
        ]
        return cls(
            vocab=[str(t) for t in data["vocab"]],
            doc_terms=docs,
            k1=float(params["k1"]),
            b=float(params["b"]),
            prefix_len=int(params["prefix_len"]),
            prefix_weight=float(params["prefix_weight"]),
            forms={str(k): str(v) for k, v in data.get("lexicon", {}).items()},
        )


__all__ = ["LexicalIndex"]
