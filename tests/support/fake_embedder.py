"""A fast, deterministic embedder for pipeline tests that need no real model.

Each word is hashed to a few signed coordinates (the hashing trick), so texts that share words
get close vectors and unrelated texts nearly orthogonal ones: enough for the index, similar
directives and search to do real work in milliseconds. Like llm's ``EmbedDemo``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from avgust.ru.terms import words


class HashEmbedder:
    """Hashed bag-of-words vectors (float32, L2-normalised); ``model_id`` names it in the index."""

    def __init__(self, model_id: str = "test-hash-embedder", dim: int = 64) -> None:
        self.model_id = model_id
        self.dim = dim
        self.query_prefix = ""
        self.passage_prefix = ""
        self.passages_embedded: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in words(text) or [text]:
            digest = hashlib.sha256(word.encode("utf-8")).digest()
            for i in range(0, 8, 2):
                vector[digest[i] % self.dim] += 1.0 if digest[i + 1] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else np.full(self.dim, self.dim**-0.5, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)
