"""Golden files: the parse of each of the five documents, checked by hand against the document.

Regenerate after an intended parser change with
``AVGUST_REGEN=1 pytest tests/integration/test_golden.py``
and review ``git diff tests/fixtures/golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from avgust import to_dict
from avgust.parse.parser import parse_file
from tests.support.project import GOLDEN, ROOT, check_golden, dumps, source_files


@pytest.mark.parametrize("path", source_files(), ids=lambda p: p.stem)
def test_parse_matches_golden(path: Path) -> None:
    resolution, problems = parse_file(path, root=ROOT)
    data = {"resolution": to_dict(resolution), "problems": [str(p) for p in problems]}
    check_golden(GOLDEN / f"{path.stem}.json", dumps(data))


def test_every_document_has_a_golden_file() -> None:
    stems = {p.stem for p in source_files()}
    goldens = {p.stem for p in GOLDEN.glob("*.json")}
    assert stems == goldens
