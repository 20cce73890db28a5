"""Russian morphology shared by every stage: one pymorphy3 analyzer, cached look-ups."""

from __future__ import annotations

from functools import cache, lru_cache

import pymorphy3


@cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    """The process-wide analyzer (loading the dictionaries takes ~0.3 s)."""
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=50_000)
def is_infinitive(word: str) -> bool:
    """True for a verb infinitive ("Обеспечить", "совершенствовать")."""
    parses = analyzer().parse(word.lower())
    return bool(parses) and parses[0].tag.POS == "INFN"


@lru_cache(maxsize=50_000)
def is_dative(word: str) -> bool:
    """True when ``word`` can be a noun or adjective in the dative ("Отделу", "Образовательным")."""
    if word.isupper() and 2 <= len(word) <= 8 and word.isalpha():
        return True  # an abbreviation that names an organisation: МБОУ, МКУ, ОО
    parses = analyzer().parse(word.lower())
    if len(word) < 3 or not parses or parses[0].tag.POS in {"PREP", "CONJ", "PRCL", "INFN"}:
        return False
    return any(p.tag.case == "datv" and p.tag.POS in {"NOUN", "ADJF", "PRTF"} for p in parses)
