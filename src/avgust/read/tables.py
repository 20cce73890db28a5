"""Plan tables (№ | мероприятие | срок | ответственные) as numbered lines for the parser.

A table whose header row names the columns — by words, in any order: a number column
(«№», «п/п»), a task column («мероприятие», «содержание», «поручение», «наименование»,
«задача»), a deadline column («срок», «дата») and a responsible column («ответственные»,
«исполнители») — becomes one line per row::

    3. Провести методические дни (срок: октябрь 2023 г.) Ответственные: ММС

which the parser reads like any numbered directive with an inline deadline and
responsible. A row with one filled cell (a section title spanning the table) becomes a
line of its own ending with ":". Tables without a task column and at least one of the
deadline and responsible columns stay text (their cells, row by row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER_HEAD = re.compile(r"^\s*(?:№|n|no\.?|номер)\s*(?:п\s*/\s*п\.?)?\s*$|^\s*п\s*/\s*п", re.I)
_TASK_HEAD = re.compile(
    r"мероприяти|содержани|поручени|наименовани|задач|направлени|меры|действи", re.I
)
_DEADLINE_HEAD = re.compile(r"^\s*(?:сроки?|дата)\b|сроки?\s+(?:исполнения|выполнения)", re.I)
_RESPONSIBLE_HEAD = re.compile(r"ответствен|исполнител", re.I)
_ROW_NUMBER = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s*$")


@dataclass(frozen=True)
class _Columns:
    task: int
    number: int | None = None
    deadline: int | None = None
    responsible: int | None = None


def _columns(header: Sequence[str]) -> _Columns | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = " ".join(cell.split())
        if not text:
            continue
        for name, pattern in (
            ("number", _NUMBER_HEAD),
            ("responsible", _RESPONSIBLE_HEAD),
            ("deadline", _DEADLINE_HEAD),
            ("task", _TASK_HEAD),
        ):
            if name not in found and pattern.search(text):
                found[name] = index
                break
    if "task" not in found or not ({"deadline", "responsible"} & found.keys()):
        return None
    return _Columns(
        task=found["task"],
        number=found.get("number"),
        deadline=found.get("deadline"),
        responsible=found.get("responsible"),
    )


def plan_lines(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """Numbered lines for a plan table, or None when the table is not a plan.

    ``rows`` are the cell texts row by row (a merged cell repeated in each column it
    spans, as python-docx and HTML readers give it, or once).
    """
    found = [(i, c) for i, c in enumerate(_columns(r) for r in rows[:3]) if c is not None]
    if not found:
        return None
    head_index, columns = found[0]
    lines: list[str] = []
    counter = 0
    for row in rows[head_index + 1 :]:
        cells = [" ".join(c.split()) for c in row]

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index] if index is not None and index < len(cells) else ""

        if not any(cells):
            continue
        distinct = list(dict.fromkeys(c for c in cells if c))
        if all(_ROW_NUMBER.fullmatch(c) or c.isdigit() for c in distinct):
            continue  # a row of column numbers "1 | 2 | 3 | 4" under the header
        task = cell(columns.task)
        others = {cell(columns.deadline), cell(columns.responsible)} - {"", task}
        if len(distinct) == 1 or (not others and not task):
            title = distinct[0].rstrip(":. ")
            lines.append(f"{title}:")  # a section row spanning the table
            continue
        if not task:
            continue
        number_match = _ROW_NUMBER.fullmatch(cell(columns.number))
        counter += 1
        number = number_match.group(1) if number_match else str(counter)
        line = f"{number}. {task.rstrip(' ;')}"
        deadline = cell(columns.deadline)
        if deadline and deadline != task:
            line = f"{line.rstrip('.')} (срок: {deadline.rstrip(' ;')})"
        who = cell(columns.responsible)
        if who and who not in (task, deadline):
            line = f"{line.rstrip('.')}. Ответственные: {who.rstrip('.')}"
        lines.append(line)
    return lines
