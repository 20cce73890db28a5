"""The CLI, run in-process through ``main(argv)``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from avgust.cli import main
from tests.support.project import GOLDEN, RESOLUTIONS, source_files


def test_parse_json_gives_every_document(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["parse", *map(str, source_files()), "--json"])
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 5
    for record, path in zip(records, source_files(), strict=True):
        golden = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
        assert record == golden["resolution"]


def test_parse_human_output_names_district_and_directives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["parse", str(RESOLUTIONS / "2018-sosnovskij.txt")]) == 0
    out = capsys.readouterr().out
    assert "Сосновский район" in out and "21 directives" in out
    assert "Разработать и утвердить муниципальный ведомственный проект" in out


def test_parse_reports_a_broken_file_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code = main(["parse", str(empty), str(RESOLUTIONS / "2018-sosnovskij.txt"), "--json"])
    assert code == 1
    captured = capsys.readouterr()
    assert "empty.txt" in captured.err
    assert [r["district"] for r in json.loads(captured.out)] == ["Сосновский район"]


def test_check_passes_on_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(RESOLUTIONS), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["directives"] for r in reports] == [21, 20, 36, 38, 18]
    assert all(r["unparsed"] == 0 for r in reports)


def test_check_reports_all_problems_at_once_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(RESOLUTIONS / "2018-sosnovskij.txt", tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "twin.txt").write_text(
        (RESOLUTIONS / "2018-sosnovskij.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "deadline.txt").write_text(
        "РЕШЕНИЕ конференции Энского района от 20.08.2020\n\nКонференция РЕШИЛА:\n\n"
        "1. Провести смотр кабинетов.\nСрок: до 31.02.2021\n",
        encoding="utf-8",
    )
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "empty.txt" in out and "garbage.txt" in out
    assert "same resolution slug" in out
    assert "deadline.txt:6" in out and "unparsed deadline" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("avgust ")
