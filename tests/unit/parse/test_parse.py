"""The parser on layouts from other districts (not in the corpus) and on the five documents."""

from __future__ import annotations

import pytest

from avgust import AvgustError, DeadlineKind, Severity, Sidecar
from avgust.parse.parser import parse_file, parse_text
from tests.support.project import RESOLUTIONS, source_files

# A city resolution: "ПОСТАНОВИЛИ", "1)"/"1.1)" numbers, "Срок исполнения:", "Ответственные:",
# hard line breaks in the middle of items (a PDF export).
CITY = """\
РЕЗОЛЮЦИЯ
августовского педагогического совещания работников образования
города Иванова

27 августа 2021 года

Участники совещания, обсудив доклад начальника управления образования,
отмечают положительную динамику результатов.

Участники совещания ПОСТАНОВИЛИ:

1) Управлению образования Администрации города Иванова:
1.1) обеспечить реализацию мероприятий региональных проектов национального
проекта «Образование» в 2021-2022 учебном году;
Срок исполнения: в течение 2021-2022 учебного года
1.2) организовать работу муниципальных методических объединений по вопросам
формирования функциональной грамотности обучающихся.
Срок исполнения: до 01.10.2021
2) Руководителям общеобразовательных организаций:
2.1) обеспечить внедрение рабочих программ воспитания;
Срок исполнения: до 1 сентября 2021 г.
2.2) организовать наставничество в отношении молодых педагогов.
Срок исполнения: постоянно
Ответственные: руководители ОО
"""

# An exported Word file: bold headings, "•" bullets, a lead-in "обеспечить:" with "а)" items,
# a deadline in parentheses, a "Рекомендовать:" marker, a heading without a colon.
WORD = """\
**РЕШЕНИЕ**
**августовской конференции педагогических работников Ступинского городского округа**

**«Новые возможности для каждого»**

25 августа 2022 года состоялась августовская конференция педагогических работников.

Конференция РЕШИЛА:

**Комитету по образованию администрации городского округа Ступино:**

• Обеспечить:
а) открытие центров «Точка роста» в сельских школах;
б) обновление материально-технической базы кабинетов технологии.
• Организовать курсы повышения квалификации учителей по ФГОС (до 31 декабря 2022 года).

**Руководителям образовательных организаций**
• Разработать планы по профилактике учебной неуспешности (сентябрь 2022).
• Ежегодно проводить мониторинг удовлетворённости родителей качеством образования.
"""


def test_city_layout() -> None:
    resolution, problems = parse_text(CITY, "ivanovo.txt")
    assert resolution.kind == "резолюция"
    assert resolution.date == "2021-08-27"
    assert resolution.academic_year == "2021/22"
    assert resolution.district == "город Иваново"
    numbers = [d.number for d in resolution.directives]
    assert numbers == ["1.1", "1.2", "2.1", "2.2"]
    first, second, third, fourth = resolution.directives
    assert first.addressees == ("Управлению образования Администрации города Иванова",)
    assert first.text.startswith(
        "Обеспечить реализацию мероприятий региональных проектов национального проекта"
    )
    assert first.deadline.kind is DeadlineKind.ACADEMIC_YEAR
    assert (first.deadline.start, first.deadline.end) == ("2021-09-01", "2022-08-31")
    assert second.deadline.raw == "Срок исполнения: до 01.10.2021"
    assert second.deadline.end == "2021-10-01"
    assert third.addressees == ("Руководителям общеобразовательных организаций",)
    assert third.deadline.end == "2021-09-01"
    assert fourth.deadline.kind is DeadlineKind.PERMANENT
    assert fourth.text == "Организовать наставничество в отношении молодых педагогов."
    assert [d.anchor for d in resolution.directives] == ["p-1-1", "p-1-2", "p-2-1", "p-2-2"]
    assert not [p for p in problems if p.severity is Severity.ERROR]


def test_word_layout_with_lead_in_and_letter_items() -> None:
    resolution, _ = parse_text(WORD, "stupino.docx")
    assert resolution.kind == "решение"
    assert resolution.title.startswith("Решение августовской конференции")
    assert "«Новые возможности для каждого»" in resolution.title
    texts = [d.text for d in resolution.directives]
    assert texts[:2] == [
        "Обеспечить открытие центров «Точка роста» в сельских школах",
        "Обеспечить обновление материально-технической базы кабинетов технологии.",
    ]
    assert len(texts) == 5
    course = resolution.directives[2]
    assert course.deadline.kind is DeadlineKind.BY_DATE
    assert course.deadline.end == "2022-12-31"
    plans = resolution.directives[3]
    assert plans.addressees == ("Руководителям образовательных организаций",)
    assert plans.deadline.kind is DeadlineKind.MONTH
    assert resolution.directives[0].addressees == (
        "Комитету по образованию администрации городского округа Ступино",
    )


def test_sidecar_overrides_what_the_text_says() -> None:
    sidecar = Sidecar(
        district="Городской округ Иваново",
        region="Ивановская область",
        date="2021-08-26",
        kind="решение",
        slug="ivanovo-2021",
    )
    resolution, problems = parse_text(CITY, "ivanovo.txt", sidecar)
    assert resolution.district == "Городской округ Иваново"
    assert resolution.region == "Ивановская область"
    assert resolution.date == "2021-08-26"
    assert resolution.kind == "решение"
    assert resolution.slug == "ivanovo-2021"
    assert not any("metadata" in p.message for p in problems)


def test_missing_metadata_is_reported() -> None:
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n\n1. Обеспечить участие педагогов в конкурсах.\n"
    resolution, problems = parse_text(text, "bare.txt")
    assert len(resolution.directives) == 1
    messages = " ".join(p.message for p in problems)
    assert "no district" in messages and "no date" in messages


def test_unreadable_deadline_is_kept_and_reported() -> None:
    text = (
        "РЕШЕНИЕ конференции Энского района от 20.08.2020\n\nКонференция РЕШИЛА:\n\n"
        "1. Провести смотр кабинетов.\nСрок: до 31.02.2021\n"
    )
    resolution, problems = parse_text(text, "bad-deadline.txt")
    deadline = resolution.directives[0].deadline
    assert deadline.kind is DeadlineKind.UNPARSED
    assert deadline.raw == "Срок: до 31.02.2021"
    assert any(p.line == 6 and "unparsed deadline" in p.message for p in problems)


def test_no_directives_is_an_error() -> None:
    _, problems = parse_text("Просто текст без решения.\n", "empty.txt")
    assert any(p.severity is Severity.ERROR and "no directives" in p.message for p in problems)


def test_empty_text_raises_the_project_error() -> None:
    with pytest.raises(AvgustError, match="no text"):
        parse_text("  \n\n", "blank.txt")


def test_glued_items_are_split() -> None:
    text = (
        "РЕШЕНИЕ\n\nСчитают необходимым:\n\n"
        "Руководителям школ обеспечить:\n"
        "- разработку дорожных карт;- обновление сайтов школ.\n"
    )
    resolution, _ = parse_text(text, "glued.txt")
    assert [d.text for d in resolution.directives] == [
        "Обеспечить разработку дорожных карт",
        "Обеспечить обновление сайтов школ.",
    ]
    assert resolution.directives[0].addressees == ("Руководителям школ",)


@pytest.mark.parametrize(
    ("name", "count", "numbers"),
    [
        ("2018-sosnovskij", 21, ["1.1", "1.7", "2.1", "2.7", "3.1", "3.7"]),
        ("2020-muchkapskij", 36, ["1", "2.1", "2.2", "2.5", "3.7", "4.4", "5.3"]),
        ("2019-krasnokutskij", 20, ["1", "2", "3"]),
        ("2021-rasskazovskij", 18, [None]),
        ("2021-akushinskij", 38, ["1", "2", None]),
    ],
)
def test_counts_on_the_five_documents(name: str, count: int, numbers: list[str | None]) -> None:
    resolution, problems = parse_file(RESOLUTIONS / f"{name}.txt")
    assert len(resolution.directives) == count
    present = {d.number for d in resolution.directives}
    assert set(numbers) <= present
    anchors = [d.anchor for d in resolution.directives]
    assert len(set(anchors)) == len(anchors)
    assert [d.order for d in resolution.directives] == list(range(1, count + 1))
    assert not [p for p in problems if p.severity is Severity.ERROR]
    for directive in resolution.directives:
        assert "[bookmark" not in directive.text and "\t" not in directive.text
        assert not directive.text.startswith(("-", "·", "•"))


def test_every_document_states_its_deadlines() -> None:
    kinds = set()
    for path in source_files():
        resolution, problems = parse_file(path)
        kinds |= {d.deadline.kind for d in resolution.directives}
        assert not [p for p in problems if "unparsed" in p.message], path
    assert {
        DeadlineKind.BY_DATE,
        DeadlineKind.PERMANENT,
        DeadlineKind.DURING_YEAR,
        DeadlineKind.ACADEMIC_YEAR,
        DeadlineKind.MONTH,
        DeadlineKind.RANGE,
    } <= kinds


def test_lead_in_keeps_its_verb_and_deadline() -> None:
    resolution, _ = parse_file(RESOLUTIONS / "2019-krasnokutskij.txt")
    tochka = [d for d in resolution.directives if d.context and "Точка роста" in d.context]
    assert len(tochka) == 3
    assert all(d.text.startswith("Обеспечить ") for d in tochka)
    assert all(d.deadline.raw == "до 20 сентября 2019 года" for d in tochka)
    assert all(d.deadline.end == "2019-09-20" for d in tochka)


def test_numbered_item_with_two_tasks_keeps_both() -> None:
    resolution, _ = parse_file(RESOLUTIONS / "2020-muchkapskij.txt")
    two = [d for d in resolution.directives if d.number == "2.2"]
    assert [d.anchor for d in two] == ["p-2-2", "p-2-2b"]
    assert (
        two[0].context
        == "В целях кадрового обеспечения и обновления муниципальной сферы образования"
    )
    assert two[0].deadline.end == "2020-10-10"
    assert two[1].text.startswith(
        "Активизировать работу по использованию механизма целевого обучения"
    )
    assert two[1].deadline.kind is DeadlineKind.DURING_YEAR


def test_verb_only_bullet_governs_prepositional_items() -> None:
    resolution, _ = parse_file(RESOLUTIONS / "2021-akushinskij.txt")
    changes = [d.text for d in resolution.directives if d.text.startswith("Внести изменения в ")]
    assert (
        "Внести изменения в Стратегию развития системы образования на период до 2030 года"
        in changes
    )
    assert any(t.startswith("Провести Коллегию") for t in (d.text for d in resolution.directives))


def test_letter_and_roman_addressee_headings_with_parenthesised_items() -> None:
    text = (
        "РЕШЕНИЕ конференции\n\nот 25.08.2023\n\nКонференция РЕШИЛА:\n"
        "А. Отделу образования:\n1) провести совещание;\n"
        "2) утвердить план (срок: сентябрь 2023 г.).\n"
        "Б. Руководителям школ:\nа) обновить сайты школ;\nб) провести собрания.\n"
        "II. Методическому кабинету:\n1) подготовить сборник.\n"
    )
    resolution, _ = parse_text(text)
    got = [(d.number, d.addressees, d.text) for d in resolution.directives]
    assert got == [
        ("А.1", ("Отделу образования",), "Провести совещание"),
        ("А.2", ("Отделу образования",), "Утвердить план."),
        ("Б", ("Руководителям школ",), "Обновить сайты школ"),
        ("Б", ("Руководителям школ",), "Провести собрания."),
        ("II.1", ("Методическому кабинету",), "Подготовить сборник."),
    ]
    assert resolution.directives[1].deadline.start == "2023-09-01"


def test_initials_are_not_a_letter_heading() -> None:
    text = "РЕШЕНИЕ\n\nКонференция РЕШИЛА:\n1. Поручить А. С. Петровой провести семинар.\n"
    resolution, _ = parse_text(text)
    assert [d.text for d in resolution.directives] == ["Поручить А. С. Петровой провести семинар."]


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("«25» августа 2023 г.", "2023-08-25"),
        ("25.08.2023 г.", "2023-08-25"),
        ("от 25 августа 2023 года", "2023-08-25"),
        ("г. Талова, 25.08.2023", "2023-08-25"),
        ("25 августа 2023 г.          с. Мучкап", "2023-08-25"),
    ],
)
def test_date_line_under_the_title(line: str, date: str) -> None:
    text = f"РЕШЕНИЕ\nавгустовской конференции\n\n{line}\n\nКонференция РЕШИЛА:\n"
    text += "1. Провести семинар.\n"
    assert parse_text(text)[0].date == date


def test_publication_date_is_not_the_conference_date() -> None:
    text = "Опубликовано: 01.09.2021\nРЕШЕНИЕ конференции\n\n"
    text += "Конференция РЕШИЛА:\n1. Провести семинар.\n"
    assert parse_text(text)[0].date is None
