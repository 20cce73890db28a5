"""Russian words for matching: razdel tokens, pymorphy3 lemmas without stop words, stem terms.

A text becomes *terms*: the lemma of every content word (prepositions, conjunctions,
particles, interjections and pronouns are dropped), plus a *stem* term ``"настав*"``
(the first :data:`PREFIX_LEN` letters of a long lemma). Lemmas alone keep
«наставник» and «наставничество» apart (pymorphy3 lemmatises inflection, not
derivation); the stem term joins them at a lower weight. Hyphenated words count
as their parts («учитель-наставник» → учитель, наставник), «ё» as «е».
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from avgust.ru.morph import analyzer

PREFIX_LEN = 6  # "настав*": наставник, наставничество, наставнический
PREFIX_MARK = "*"
STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})


def normalise(word: str) -> str:
    """Lower case, «ё» as «е»."""
    return word.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The normalised word forms of ``text``: razdel tokens with a letter, split at hyphens."""
    from razdel import tokenize

    out: list[str] = []
    for token in tokenize(text):
        for part in normalise(token.text).split("-"):
            if len(part) > 1 and any(ch.isalpha() for ch in part):
                out.append(part)
    return out


@lru_cache(maxsize=200_000)
def lemma(form: str) -> str:
    """The lemma of one normalised word form, or "" for a stop word."""
    parse = analyzer().parse(form)[0]
    tag = parse.tag
    if tag.POS in STOP_POS or "Apro" in tag:  # «который», «этот», «свой» are pronouns too
        return ""
    return normalise(parse.normal_form)


def lemmas(text: str) -> list[str]:
    """The lemmas of the content words of ``text``, in order."""
    return [lem for lem in map(lemma, words(text)) if lem]


def stem(lem: str, prefix_len: int = PREFIX_LEN) -> str | None:
    """The stem term of a lemma ("наставничество" → "настав*"), None for short lemmas."""
    if len(lem) <= prefix_len + 1 or not lem.isalpha():
        return None
    return lem[:prefix_len] + PREFIX_MARK


def terms(text: str, prefix_len: int = PREFIX_LEN) -> list[str]:
    """The index terms of ``text``: its lemmas followed by their stem terms."""
    return terms_of(words(text), prefix_len)


def terms_of(forms: Sequence[str], prefix_len: int) -> list[str]:
    lems = [lem for lem in map(lemma, forms) if lem]
    stems = [s for s in (stem(lem, prefix_len) for lem in lems) if s]
    return lems + stems


def lexicon_forms(lem: str) -> set[str]:
    forms: set[str] = set()
    for parse in analyzer().parse(lem):
        if normalise(parse.normal_form) != lem:
            continue
        forms.update(normalise(p.word) for p in parse.lexeme)
    return forms


__all__ = [
    "PREFIX_LEN",
    "PREFIX_MARK",
    "STOP_POS",
    "lemma",
    "lemmas",
    "lexicon_forms",
    "normalise",
    "stem",
    "terms",
    "terms_of",
    "words",
]
