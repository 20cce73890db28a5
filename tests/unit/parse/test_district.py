"""District and region names: nominative forms and finding them in the five resolutions."""

from __future__ import annotations

import pytest

from avgust.parse.district import find_district, find_region, to_nominative
from tests.support.project import RESOLUTIONS


@pytest.mark.parametrize(
    ("phrase", "nominative"),
    [
        # район in every case
        ("Мучкапского района", "Мучкапский район"),
        ("Мучкапскому району", "Мучкапский район"),
        ("Мучкапским районом", "Мучкапский район"),
        ("Акушинском районе", "Акушинский район"),
        ("Мучкапский район", "Мучкапский район"),
        ("Сосновского района", "Сосновский район"),
        ("Краснокутского муниципального района", "Краснокутский муниципальный район"),
        ("Ленинском районе", "Ленинский район"),
        ("Центрального района", "Центральный район"),
        # область, край, республика, автономный округ
        ("Тамбовской области", "Тамбовская область"),
        ("Саратовской области", "Саратовская область"),
        ("Тамбовскую область", "Тамбовская область"),
        ("Пермского края", "Пермский край"),
        ("Пермскому краю", "Пермский край"),
        ("Республики Дагестан", "Республика Дагестан"),
        ("Республике Татарстан", "Республика Татарстан"),
        ("Кабардино-Балкарской Республики", "Кабардино-Балкарская Республика"),
        ("Чувашской Республике", "Чувашская Республика"),
        ("Ханты-Мансийского автономного округа", "Ханты-Мансийский автономный округ"),
        ("Еврейской автономной области", "Еврейская автономная область"),
        # cities and city districts: the name is inflected too
        ("города Тамбова", "город Тамбов"),
        ("городе Тамбове", "город Тамбов"),
        ("городом Саратовом", "город Саратов"),
        ("города Иванова", "город Иваново"),  # the city, not the surname Иванов
        ("городе Орле", "город Орёл"),
        ("города Москвы", "город Москва"),
        ("города Нижнего Новгорода", "город Нижний Новгород"),
        ("города Красный Кут", "город Красный Кут"),  # name left in the nominative
        ("городского округа Ступино", "городской округ Ступино"),
        ("городском округе Ступино", "городской округ Ступино"),
        ("Сосновского муниципального округа", "Сосновский муниципальный округ"),
        # МО «…»
        ("МО «Акушинский район»", "Акушинский район"),
        ('МО "Акушинский район"', "Акушинский район"),
        ("муниципального образования «Акушинский район»", "Акушинский район"),
        # words after the name stay as written
        ("Сосновского района Тамбовской области", "Сосновский район Тамбовской области"),
        (
            "городского округа Ступино Московской области",
            "городской округ Ступино Московской области",
        ),
        ("города Тамбова Тамбовской области", "город Тамбов Тамбовской области"),
        # capitalisation follows the input
        ("МУЧКАПСКОГО РАЙОНА", "МУЧКАПСКИЙ РАЙОН"),
        ("мучкапского района", "мучкапский район"),
        # no head noun: unchanged
        ("отдела образования", "отдела образования"),
    ],
)
def test_to_nominative(phrase: str, nominative: str) -> None:
    assert to_nominative(phrase) == nominative


def test_to_nominative_normalises_spaces() -> None:
    assert to_nominative("  Мучкапского \n района ") == "Мучкапский район"


def test_known_limit_plural_city_name_with_a_nominative_reading() -> None:
    # "Лук" reads as the nominative of "лук", so the name is left as written.
    assert to_nominative("города Великих Лук") == "город Великих Лук"


# --- find_district / find_region on the five resolutions --------------------------

EXPECTED = {
    "2018-sosnovskij": ("Сосновский район", "Тамбовская область"),
    "2019-krasnokutskij": ("Краснокутский район", "Саратовская область"),
    "2020-muchkapskij": ("Мучкапский район", "Тамбовская область"),
    # The Акушинский one says "города Иванова" once (copied from another city's
    # resolution) and never names its republic.
    "2021-akushinskij": ("Акушинский район", None),
    "2021-rasskazovskij": ("Рассказовский район", None),
}


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_find_district_in_the_resolutions(stem: str) -> None:
    text = (RESOLUTIONS / f"{stem}.txt").read_text(encoding="utf-8")
    assert find_district(text) == EXPECTED[stem][0]


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_find_region_in_the_resolutions(stem: str) -> None:
    text = (RESOLUTIONS / f"{stem}.txt").read_text(encoding="utf-8")
    assert find_region(text) == EXPECTED[stem][1]


def test_the_five_resolutions_are_all_covered() -> None:
    assert sorted(p.stem for p in RESOLUTIONS.glob("*.txt")) == sorted(EXPECTED)


# --- find_district on made-up texts -------------------------------------------------


def test_heading_wins_over_frequency() -> None:
    text = (
        "РЕШЕНИЕ конференции педагогов Сосновского района\n\n"
        + "Опыт Мучкапского района. " * 5
        + "x" * 1000
    )
    assert find_district(text) == "Сосновский район"


def test_most_frequent_when_the_heading_names_none() -> None:
    text = (
        "РЕШЕНИЕ\n" + "x " * 600 + "\nопыт Мучкапского района и Сосновского района, "
        "школы Сосновского района, учителя Сосновскому району"
    )
    assert find_district(text) == "Сосновский район"


def test_upper_case_heading() -> None:
    assert find_district("РЕШЕНИЕ\nКОНФЕРЕНЦИИ РАБОТНИКОВ ОБРАЗОВАНИЯ МУЧКАПСКОГО РАЙОНА") == (
        "Мучкапский район"
    )


def test_city_and_city_district() -> None:
    assert find_district("Решение августовского совещания педагогов города Тамбова") == (
        "город Тамбов"
    )
    text = "Резолюция конференции работников образования городского округа Ступино"
    assert find_district(text) == "городской округ Ступино"


def test_mo_in_quotes() -> None:
    assert find_district("Управление образования МО «Акушинский район» сообщает") == (
        "Акушинский район"
    )


def test_municipal_district_is_shortened() -> None:
    assert find_district("совещание Краснокутского муниципального района") == "Краснокутский район"


def test_municipal_okrug() -> None:
    assert find_district("конференция педагогов Сосновского муниципального округа") == (
        "Сосновский муниципальный округ"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Отделу образования администрации района обеспечить выполнение.",
        "Участники районного совещания, образовательные организации района.",
        "Нашего района это не касается. Каждого района касается.",
        "избирательного округа и автономного округа",
        "в городской и сельской местности",
        "",
    ],
)
def test_no_district(text: str) -> None:
    assert find_district(text) is None


def test_region_forms() -> None:
    assert find_region("педагоги Кабардино-Балкарской Республики") == (
        "Кабардино-Балкарская Республика"
    )
    assert find_region("Министерство образования Республики Дагестан") == "Республика Дагестан"
    assert find_region("школы Пермского края") == "Пермский край"
    assert (
        find_region("Ханты-Мансийского автономного округа") == "Ханты-Мансийский автономный округ"
    )


@pytest.mark.parametrize(
    "text",
    [
        "в предметной области, в области образования",
        "Российской Федерации",
        "Мучкапского района",
        "",
    ],
)
def test_no_region(text: str) -> None:
    assert find_region(text) is None
