"""Stage 4, index: embeddings (cached by content hash), BM25, similar directives, the store."""
