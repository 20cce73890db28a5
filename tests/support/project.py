"""Where the project and its test fixtures live, and golden-file handling.

Golden files are regenerated after an intended change with ``AVGUST_REGEN=1 pytest``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from avgust.site.pages.common import COLLECTABLE

ROOT = Path(__file__).resolve().parents[2]
RESOLUTIONS = ROOT / "resolutions"
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden"
DATA = FIXTURES / "data"
REGEN = os.environ.get("AVGUST_REGEN") == "1"


def source_files() -> list[Path]:
    """The five real documents (the site's first content and the parser's fixtures)."""
    return sorted(p for p in RESOLUTIONS.iterdir() if p.suffix == ".txt")


def check_golden(path: Path, actual: str) -> None:
    """Compare ``actual`` with the golden file, or rewrite it when AVGUST_REGEN=1."""
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with AVGUST_REGEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path.name} differs from the golden file (AVGUST_REGEN=1 to update)"
    )


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


_LINKED = re.compile(r"\]\(([^()\s]+)\)\{ \." + re.escape(COLLECTABLE) + r" \}")


def linked_directives(markdown: str) -> list[str]:
    """The ids of the directives a page's Markdown lists by link (``{ .avg-d }``), read off
    each link's target as collection.js reads them: the target's last path segment without
    ``.md`` is the slug, its fragment the anchor."""
    ids = []
    for target in _LINKED.findall(markdown):
        path, _, anchor = target.partition("#")
        ids.append(f"{path.rsplit('/', 1)[-1].removesuffix('.md')}#{anchor}")
    return ids
