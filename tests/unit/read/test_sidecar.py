"""Sidecar YAML files: loading, checking, and the sidecars of the five resolutions."""

from __future__ import annotations

from pathlib import Path

import pytest

from avgust.errors import AvgustError
from avgust.parse.district import find_district, find_region
from avgust.read.sidecar import SIDECAR_KEYS, load_sidecar, sidecar_path
from avgust.records import Sidecar
from tests.support.project import RESOLUTIONS


def source_with_sidecar(tmp_path: Path, yaml_text: str, suffix: str = ".yml") -> Path:
    source = tmp_path / "2020-test.txt"
    source.write_text("РЕШЕНИЕ", encoding="utf-8")
    source.with_suffix(suffix).write_text(yaml_text, encoding="utf-8")
    return source


def sidecar_error(tmp_path: Path, yaml_text: str) -> AvgustError:
    source = source_with_sidecar(tmp_path, yaml_text)
    with pytest.raises(AvgustError) as error:
        load_sidecar(source)
    assert error.value.path == str(sidecar_path(source))
    return error.value


# --- the five real sidecars ----------------------------------------------------------

EXPECTED = {
    "2018-sosnovskij": ("резолюция", "Сосновский район", "Тамбовская область", "2018-08-28"),
    "2019-krasnokutskij": ("решение", "Краснокутский район", "Саратовская область", "2019-08-30"),
    "2020-muchkapskij": ("решение", "Мучкапский район", "Тамбовская область", "2020-08-26"),
    "2021-akushinskij": ("резолюция", "Акушинский район", "Республика Дагестан", "2021-08-29"),
    "2021-rasskazovskij": ("решение", "Рассказовский район", "Тамбовская область", "2021-08-24"),
}


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_real_sidecars(stem: str) -> None:
    sidecar = load_sidecar(RESOLUTIONS / f"{stem}.txt")
    assert sidecar is not None
    assert (sidecar.kind, sidecar.district, sidecar.region, sidecar.date) == EXPECTED[stem]
    assert sidecar.source_url is None  # no address is known for any of them


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_real_sidecars_agree_with_the_text(stem: str) -> None:
    text = (RESOLUTIONS / f"{stem}.txt").read_text(encoding="utf-8")
    sidecar = load_sidecar(RESOLUTIONS / f"{stem}.txt")
    assert sidecar is not None
    assert sidecar.kind is not None and sidecar.kind.lower() in text[:300].lower()
    assert sidecar.district == find_district(text)
    region = find_region(text)
    assert region is None or region == sidecar.region


def test_akushinskij_date_is_explained() -> None:
    sidecar = load_sidecar(RESOLUTIONS / "2021-akushinskij.txt")
    assert sidecar is not None and sidecar.notes is not None
    assert "29 августа 2018 года" in sidecar.notes
    assert "города Иванова" in sidecar.notes


def test_every_resolution_has_a_sidecar() -> None:
    for source in RESOLUTIONS.glob("*.txt"):
        assert sidecar_path(source).exists(), source


# --- paths ---------------------------------------------------------------------------


def test_sidecar_path(tmp_path: Path) -> None:
    assert sidecar_path(tmp_path / "a.docx") == tmp_path / "a.yml"
    (tmp_path / "b.yaml").write_text("kind: решение\n", encoding="utf-8")
    assert sidecar_path(tmp_path / "b.pdf") == tmp_path / "b.yaml"


def test_no_sidecar(tmp_path: Path) -> None:
    assert load_sidecar(tmp_path / "alone.txt") is None


def test_yaml_suffix_is_read(tmp_path: Path) -> None:
    source = source_with_sidecar(tmp_path, "kind: решение\n", suffix=".yaml")
    assert load_sidecar(source) == Sidecar(kind="решение")


def test_two_sidecars_are_an_error(tmp_path: Path) -> None:
    source = source_with_sidecar(tmp_path, "kind: решение\n")
    source.with_suffix(".yaml").write_text("kind: резолюция\n", encoding="utf-8")
    with pytest.raises(AvgustError, match="two sidecars"):
        load_sidecar(source)


# --- values --------------------------------------------------------------------------


def test_all_keys(tmp_path: Path) -> None:
    source = source_with_sidecar(
        tmp_path,
        """\
# a comment
kind: решение
title: Решение августовской конференции
district: Мучкапский район
region: Тамбовская область
date: 2020-08-26
source_url: https://example.org/resheniye.pdf
notes: >-
  Первая строка
  и вторая.
slug: 2020-muchkapskij
""",
    )
    assert load_sidecar(source) == Sidecar(
        kind="решение",
        title="Решение августовской конференции",
        district="Мучкапский район",
        region="Тамбовская область",
        date="2020-08-26",
        source_url="https://example.org/resheniye.pdf",
        notes="Первая строка и вторая.",
        slug="2020-muchkapskij",
    )


@pytest.mark.parametrize("value", ["2020-08-26", "'2020-08-26'", '"2020-08-26"'])
def test_date_as_yaml_date_or_string(tmp_path: Path, value: str) -> None:
    sidecar = load_sidecar(source_with_sidecar(tmp_path, f"date: {value}\n"))
    assert sidecar == Sidecar(date="2020-08-26")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_sidecar(tmp_path: Path, text: str) -> None:
    assert load_sidecar(source_with_sidecar(tmp_path, text)) == Sidecar()


def test_empty_values_are_not_set(tmp_path: Path) -> None:
    sidecar = load_sidecar(source_with_sidecar(tmp_path, "title:\nnotes: ''\nkind: решение\n"))
    assert sidecar == Sidecar(kind="решение")


# --- errors --------------------------------------------------------------------------


def test_syntax_error_has_the_line(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "kind: решение\ntitle: [незакрытый\ndate: 2020-08-26\n")
    assert error.message.startswith("YAML syntax error")
    assert error.line == 3


def test_bad_indentation_has_the_line(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "kind: решение\n  district: x\n")
    assert error.line == 2


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "- kind: решение\n- date: 2020-08-26\n")
    assert "mapping" in error.message
    assert error.line == 1


def test_a_plain_string_is_not_a_mapping(tmp_path: Path) -> None:
    assert "mapping" in sidecar_error(tmp_path, "решение\n").message


def test_unknown_key_names_key_line_and_allowed_keys(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "kind: решение\n\nregoin: Тамбовская область\n")
    assert "'regoin'" in error.message
    assert error.line == 3
    assert all(key in error.message for key in SIDECAR_KEYS)
    assert str(error).startswith(f"{tmp_path / '2020-test.yml'}:3: ")


def test_repeated_key(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "kind: решение\ndate: 2020-08-26\nkind: резолюция\n")
    assert "repeated" in error.message and "line 1" in error.message
    assert error.line == 3


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("26.08.2020", "ISO date"),
        ("'2020-8-26'", "ISO date"),
        ("20200826", "ISO date"),
        ("2020-13-01", "not a real day"),
        ("'2020-02-30'", "not a real day"),
        ("2020-08-26 10:00:00", "without a time"),
        ("[2020, 8, 26]", "ISO date"),
    ],
)
def test_bad_date(tmp_path: Path, value: str, fragment: str) -> None:
    error = sidecar_error(tmp_path, f"kind: решение\ndate: {value}\n")
    assert fragment in error.message
    assert error.line == 2


@pytest.mark.parametrize(
    "line",
    ["title: 2020", "district: [Мучкапский район]", "notes: {a: b}", "kind: yes"],
)
def test_strings_must_be_strings(tmp_path: Path, line: str) -> None:
    error = sidecar_error(tmp_path, line + "\n")
    assert "must be text" in error.message
    assert error.line == 1


@pytest.mark.parametrize("slug", ["Muchkap", "2020_muchkap", "мучкап", "-a", "a--b", "a-"])
def test_bad_slug(tmp_path: Path, slug: str) -> None:
    error = sidecar_error(tmp_path, f"slug: '{slug}'\n")
    assert "slug" in error.message
    assert error.line == 1


def test_bad_source_url(tmp_path: Path) -> None:
    error = sidecar_error(tmp_path, "source_url: www.example.org/x.pdf\n")
    assert "http" in error.message


def test_sidecar_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "x.txt"
    source.write_text("РЕШЕНИЕ", encoding="utf-8")
    source.with_suffix(".yml").write_bytes("kind: решение\n".encode("cp1251"))
    with pytest.raises(AvgustError, match="not UTF-8"):
        load_sidecar(source)


def test_retrieved_and_sha256_written_by_avgust_add() -> None:
    assert {"retrieved", "sha256"} <= set(SIDECAR_KEYS)


def test_retrieved_and_sha256_are_read(tmp_path: Path) -> None:
    digest = "ab" * 32
    source = source_with_sidecar(tmp_path, f"retrieved: 2026-09-01\nsha256: {digest}\n")
    assert load_sidecar(source) == Sidecar(retrieved="2026-09-01", sha256=digest)


@pytest.mark.parametrize(
    ("yaml_text", "message", "line"),
    [
        ("kind: решение\nretrieved: вчера\n", "retrieved must be an ISO date", 2),
        ("sha256: ab12\n", "sha256 'ab12' must be 64 lowercase hex digits", 1),
    ],
)
def test_bad_retrieved_or_sha256_names_the_line(
    tmp_path: Path, yaml_text: str, message: str, line: int
) -> None:
    error = sidecar_error(tmp_path, yaml_text)
    assert message in error.message and error.line == line
