"""Hostile input: nothing crashes, nothing is lost, nothing is injected.

One folder holds two real resolutions and 32 hostile files (tests/support/hostile.py): files
that cannot be read, broken sidecars, a slug clash, and files that must build
despite their encoding, line ends or name. `avgust check` must name every bad
file (and line) at once and exit 1; `avgust build --no-site` must index every good
resolution, name the bad files and exit 1. The stated limits (20 MiB per file,
5,000 characters per directive) are tested at their edges.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from avgust.cli import main
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.index.store import load_index
from avgust.parse.parser import MAX_DIRECTIVE_CHARS, parse_text
from avgust.read.sources import MAX_SOURCE_BYTES, read_source
from tests.support.hostile import (
    CASES,
    MAX_DIRECTIVE_LINE,
    REAL_DIRECTIVES,
    ROOT,
    Case,
    error_cases,
    good_cases,
    make_project,
    write_hostile,
)


def shown(name: str) -> str:
    """A file name as the reports show it: undecodable bytes as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def printed(name: str) -> str:
    """A file name as the human output prints it: a newline escaped, U+FFFD kept."""
    return shown(name).replace("\n", "\\n")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    folder = tmp_path_factory.mktemp("hostile") / "resolutions"
    return folder, write_hostile(folder)


@pytest.fixture(scope="module")
def check_json(hostile: tuple[Path, list[Case]]) -> tuple[int, list[dict[str, Any]]]:
    """`avgust check FOLDER --json`, run once for the whole module."""
    folder, _ = hostile
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(folder), "--json"])
    return code, json.loads(out.getvalue())


def report_of(reports: list[dict[str, Any]], case: Case) -> dict[str, Any]:
    matches = [r for r in reports if r["path"].endswith("/" + shown(case.name))]
    assert len(matches) == 1, f"{case.label}: no single report for {case.name!r}"
    return matches[0]


def case_ids(cases: list[Case] | tuple[Case, ...]) -> list[str]:
    return [c.label for c in cases]


# --- avgust check ---------------------------------------------------------------------------


def test_check_fails_and_reports_every_file(
    hostile: tuple[Path, list[Case]], check_json: tuple[int, list[dict[str, Any]]]
) -> None:
    folder, cases = hostile
    code, reports = check_json
    assert code == 1
    # every hostile file and the two real ones: none left out without a word
    assert len(reports) == len(cases) + len(REAL_DIRECTIVES)
    assert (folder / "x").is_file()  # `$(rm -rf x).txt` ran nothing


@pytest.mark.parametrize("case", error_cases(CASES), ids=case_ids(error_cases(CASES)))
def test_each_bad_file_gets_a_specific_error(
    case: Case, check_json: tuple[int, list[dict[str, Any]]]
) -> None:
    report = report_of(check_json[1], case)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert len(errors) == 1, errors
    error = errors[0]
    assert case.error is not None and case.error in error["message"]
    assert error["path"].endswith("/" + shown(case.named))
    assert error["line"] == case.line


@pytest.mark.parametrize("case", good_cases(CASES), ids=case_ids(good_cases(CASES)))
def test_each_good_file_builds_with_its_line_numbers(
    case: Case, check_json: tuple[int, list[dict[str, Any]]]
) -> None:
    report = report_of(check_json[1], case)
    assert [p for p in report["problems"] if p["severity"] == "error"] == []
    assert report["slug"] == case.slug
    assert report["directives"] == case.directives
    unparsed = [p for p in report["problems"] if "unparsed deadline" in p["message"]]
    assert [p["line"] for p in unparsed] == [case.line]
    assert unparsed[0]["path"] == report["path"]


def test_the_real_resolutions_are_untouched_by_their_neighbours(
    check_json: tuple[int, list[dict[str, Any]]],
) -> None:
    for stem, count in REAL_DIRECTIVES.items():
        (report,) = [r for r in check_json[1] if r["path"].endswith(f"/{stem}.txt")]
        assert report["directives"] == count
        assert report["problems"] == []


def test_check_prints_every_problem_on_its_own_line(
    hostile: tuple[Path, list[Case]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, cases = hostile
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    for case in error_cases(cases):
        where = f"{printed(case.named)}:{case.line}" if case.line else printed(case.named)
        error = case.error or "?"
        assert any(where + ": error: " in line and error in line for line in lines), case
    for case in good_cases(cases):
        where = f"{printed(case.name)}:{case.line}: warning: unparsed deadline"
        assert any(where in line for line in lines), case
    # markup in a name or a text is printed as it is, not interpreted (nor a crash)
    assert "[bold]x[link=y].txt" in out
    assert "'Срок: [/red] когда-нибудь [/yellow]'" in out
    # a newline in a name cannot start a line that looks like a report of its own
    assert "две\\nстроки.txt:10: warning" in out
    assert not any(line.startswith("строки.txt") for line in lines)


# --- avgust build ---------------------------------------------------------------------------


@pytest.mark.slow
def test_build_indexes_the_good_files_and_names_the_bad_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cases: list[Case] = []
    project = make_project(
        tmp_path / "project",
        lambda folder: cases.extend(write_hostile(folder)),
        cache_from=ROOT / ".cache",
    )
    monkeypatch.chdir(project)
    assert main(["build", "--no-site", "--quiet"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    bad = error_cases(cases)
    assert f"({len(bad)} file(s) left out, see errors)" in out
    for case in bad:
        where, error = f"resolutions/{printed(case.named)}", case.error or "?"
        assert any(where in line and error in line for line in lines), case
    index = load_index(load_config(project))
    built = {case.slug: case.directives for case in good_cases(cases)}
    built |= {f"{stem[:4]}-{stem[5:]}-rajon": n for stem, n in REAL_DIRECTIVES.items()}
    counts: dict[str, int] = {}
    for record in index.records:
        counts[record.resolution] = counts.get(record.resolution, 0) + 1
    assert counts == built
    assert len(index) == index.faiss_index.ntotal == sum(built.values())
    assert (project / "resolutions" / "x").is_file()


def test_build_of_only_bad_files_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def write(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / "empty.txt").write_bytes(b"")

    monkeypatch.chdir(make_project(tmp_path / "project", write))
    assert main(["build", "--no-site", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "no resolution could be parsed; nothing to build" in err
    assert "Traceback" not in err


# --- the stated limits ----------------------------------------------------------------------


def test_file_size_limit_is_exact(tmp_path: Path) -> None:
    """One byte over 20 MiB is refused for its size; exactly 20 MiB is read (here: as binary)."""
    over, at = tmp_path / "over.txt", tmp_path / "at.txt"
    for path, size in ((over, MAX_SOURCE_BYTES + 1), (at, MAX_SOURCE_BYTES)):
        with path.open("wb") as handle:  # sparse NUL bytes: no disk space
            handle.truncate(size)
    with pytest.raises(AvgustError) as refused:
        read_source(over)
    assert str(refused.value) == (
        f"{over}: file too large: {MAX_SOURCE_BYTES + 1:,} bytes (20.0 MiB); "
        f"the limit is {MAX_SOURCE_BYTES:,} bytes (20 MiB)"
    )
    with pytest.raises(AvgustError) as read:
        read_source(at)
    assert "too large" not in read.value.message
    assert "binary data" in read.value.message


def _item(length: int) -> str:
    """A directive text of exactly ``length`` characters."""
    text = ("Провести " + "семинар " * length)[: length - 1]
    return (text[:-1] + "ы" if text.endswith(" ") else text) + "."


@pytest.mark.parametrize("length", [MAX_DIRECTIVE_CHARS, MAX_DIRECTIVE_CHARS + 1])
def test_directive_length_limit_is_exact(length: int) -> None:
    text = (
        "РЕШЕНИЕ конференции Бобровского района от 20.08.2020\n\n"
        "Конференция РЕШИЛА:\n\n"
        "1. Обновить программы воспитания.\n"
        f"2. {_item(length)}\n"
        "3. Провести смотр кабинетов.\n"
    )
    resolution, problems = parse_text(text, "long.txt")
    assert [len(d.text) for d in resolution.directives][1] == length
    assert len(resolution.directives) == 3  # kept, not dropped or split
    warnings = [p for p in problems if "characters (limit" in p.message]
    if length <= MAX_DIRECTIVE_CHARS:
        assert warnings == []
    else:
        assert [str(w) for w in warnings] == [
            f"long.txt:6: warning: directive of {length} characters "
            f"(limit {MAX_DIRECTIVE_CHARS}): probably several items glued together"
        ]


def test_overlong_directive_is_reported_by_check(
    check_json: tuple[int, list[dict[str, Any]]],
) -> None:
    (report,) = [r for r in check_json[1] if r["path"].endswith("/glued.txt")]
    (warning,) = [p for p in report["problems"] if "characters (limit" in p["message"]]
    assert warning["line"] == MAX_DIRECTIVE_LINE
    assert warning["severity"] == "warning"
    assert "probably several items glued together" in warning["message"]
