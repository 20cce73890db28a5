"""Stage 5, search: hybrid dense + lexical ranking over the index (twin of browser/js/rank.js)."""

from avgust.search.hybrid import FusionParams, SearchHit, rank, rank_vector, search

__all__ = ["FusionParams", "SearchHit", "rank", "rank_vector", "search"]
