"""Russian lemmas and BM25 over directive texts (no model involved)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from avgust.index.bm25 import LexicalIndex
from avgust.ru.terms import lemma, lemmas, stem, terms, words

DIRECTIVES = [
    # 2018-sosnovskij 2.2, 3.4; 2020-muchkapskij 2.4, 2.7 and an item of 2.5;
    # 2021-rasskazovskij; 2019-krasnokutskij; 2021-akushinskij
    "Активизировать использование практик работы «школ молодого педагога», практик "
    "наставничества на институциональном, муниципальном и межмуниципальном уровнях.",
    "Ввести практику обязательного персонального закрепления наставников для молодых "
    "специалистов в целях повышения их профессиональной квалификации.",
    "Обеспечить внедрение целевой модели наставничества в, сформировать муниципальную базу "
    "наставников предприятий/организаций-партнёров, лучших практик внедрения различных форм "
    "наставничества.",
    "Провести качественный анализ результатов ЕГЭ в 2020 году с определением проблем и "
    "постановкой задач на 2021 год.",
    "обеспечить проведение муниципального этапа всероссийской олимпиады школьников по всем "
    "предметам;",
    "усилить работу по популяризации профессии педагога, в том числе через осуществление мер "
    "поддержки молодых специалистов, развитие наставничества.",
    "усилить контроль за условиями организации питания в образовательных организациях, в том "
    "числе с привлечением родительской общественности.",
    "повысить эффективность методик преподавания родного языка и литературы в образовательных "
    "организациях;",
]


def test_lemmas_drop_function_words_and_inflection() -> None:
    got = lemmas("Обеспечить внедрение целевой модели наставничества в организациях, которые его")
    assert got == ["обеспечить", "внедрение", "целевой", "модель", "наставничество", "организация"]


def test_lemmas_split_hyphenated_words_and_read_yo_as_ye() -> None:
    assert lemmas("учитель-наставник") == ["учитель", "наставник"]
    assert lemmas("партнёров") == lemmas("партнеров") == ["партнер"]


def test_words_skip_numbers_punctuation_and_single_letters() -> None:
    got = words("В 2020-2021 уч. году, с.Лебедевка: 100% (ЕГЭ)")
    assert got == ["уч", "году", "лебедевка", "егэ"]


def test_mentor_and_mentoring_share_a_stem_term() -> None:
    # pymorphy3 keeps the derivation apart; the stem term joins them.
    assert lemma("наставников") == "наставник"
    assert lemma("наставничества") == "наставничество"
    assert stem("наставник") == stem("наставничество") == "настав*"
    assert "настав*" in terms("наставничество") and "настав*" in terms("наставников")
    assert stem("этап") is None  # short lemmas get no stem term


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(DIRECTIVES)


def _ranking(index: LexicalIndex, query: str) -> list[int]:
    scores = index.scores(query)
    return [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0]


def test_every_form_of_mentoring_finds_the_mentoring_directives(index: LexicalIndex) -> None:
    mentoring = {0, 1, 2, 5}
    for query in ("наставник", "наставничества", "наставничество", "наставниками"):
        assert set(_ranking(index, query)) == mentoring, query


def test_exact_lemma_outranks_the_shared_stem(index: LexicalIndex) -> None:
    # «наставников» is a lemma match only in 1 and 2; 0 and 5 match through the stem.
    top = _ranking(index, "наставников")[:2]
    assert set(top) == {1, 2}


def test_inflected_query_finds_its_directive_first(index: LexicalIndex) -> None:
    assert _ranking(index, "олимпиады для школьника")[0] == 4
    assert _ranking(index, "организация горячего питания")[0] == 6
    assert _ranking(index, "результаты ЕГЭ")[0] == 3


def test_unknown_or_function_words_score_nothing(index: LexicalIndex) -> None:
    assert not index.scores("и в на по для").any()
    assert not index.scores("mentoring for young teachers").any()


def test_scores_are_deterministic_and_survive_json(index: LexicalIndex) -> None:
    text = json.dumps(index.to_json(), ensure_ascii=False)
    again = LexicalIndex.from_json(json.loads(text))
    rebuilt = LexicalIndex.build(DIRECTIVES)
    for query in ("наставничество молодых специалистов", "питание", "родной язык"):
        assert np.array_equal(index.scores(query), again.scores(query))
        assert np.array_equal(index.scores(query), rebuilt.scores(query))
    assert json.dumps(rebuilt.to_json(), ensure_ascii=False) == text


def test_bm25_matches_the_formula(index: LexicalIndex) -> None:
    # one term, recomputed by hand from the serialised form (what the browser will do)
    data = index.to_json()
    tid = data["vocab"].index("питание")
    docs = [dict(zip(d[::2], d[1::2], strict=True)) for d in data["docs"]]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / len(lengths)
    df = sum(tid in d for d in docs)
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    k1, b = data["params"]["k1"], data["params"]["b"]
    expected = [
        idf * d.get(tid, 0) * (k1 + 1) / (d.get(tid, 0) + k1 * (1 - b + b * n / avg))
        for d, n in zip(docs, lengths, strict=True)
    ]
    assert np.allclose(index.scores("питания"), expected, rtol=1e-5)


def test_lexicon_maps_every_inflection_of_corpus_lemmas(index: LexicalIndex) -> None:
    forms = index.to_json()["lexicon"]
    assert forms["наставничеству"] == "наставничество"  # not in the corpus, an inflection
    assert forms["наставниками"] == "наставник"
    assert forms["олимпиадах"] == "олимпиада"
    assert forms["по"] == ""  # a stop word of the corpus
    assert all(v == "" or v in index.vocab for v in forms.values())


def test_feedback_takes_the_strongest_lemmas_of_the_given_directives(index: LexicalIndex) -> None:
    weights = index.feedback_weights([6], n_terms=3)
    assert max(weights.values()) == 1.0
    picked = {index.term(t) for t in weights}
    assert "питание" in picked
    assert not any(t.endswith("*") for t in picked)


def test_empty_corpus_scores_nothing() -> None:
    empty = LexicalIndex.build([])
    assert empty.scores("наставничество").shape == (0,)
