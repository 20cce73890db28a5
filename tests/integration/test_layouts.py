"""Golden files for layouts that are not in resolutions/: a plan table, inline deadlines,
roman-numbered addressee sections and a page saved from a district site with its chrome.

Each ``tests/fixtures/golden/layouts/X.txt|.html`` is parsed without a sidecar and compared with
``X.json`` (checked by hand against the layout). Regenerate with
``AVGUST_REGEN=1 pytest tests/integration/test_layouts.py`` and review
``git diff tests/fixtures/golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from avgust import to_dict
from avgust.parse.parser import parse_file
from avgust.read.sources import read_source
from tests.support.project import GOLDEN, ROOT, check_golden, dumps

LAYOUTS = GOLDEN / "layouts"
SOURCES = sorted(p for p in LAYOUTS.iterdir() if p.suffix in (".txt", ".html"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_layout_matches_golden(path: Path) -> None:
    resolution, problems = parse_file(path, root=ROOT)
    data = {
        "text": read_source(path).text.splitlines(),
        "resolution": to_dict(resolution),
        "problems": [str(p) for p in problems],
    }
    check_golden(path.with_suffix(".json"), dumps(data))


def test_four_layouts() -> None:
    assert [p.stem for p in SOURCES] == [
        "inline-deadlines",
        "plan-table",
        "roman-sections",
        "site-page",
    ]
