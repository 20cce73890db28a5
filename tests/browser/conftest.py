"""Fixtures of the browser tests: the real site served on 127.0.0.1.

A test module that needs another site (hostile, scaled, with search data) defines its own
``served``; ``browser`` (tests/conftest.py) is one chromium for the whole session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import serving
from tests.support.sitebuild import BuiltSite, real_site


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BuiltSite]]:
    built = real_site(tmp_path_factory)
    with serving(built.site) as base:
        yield base, built
