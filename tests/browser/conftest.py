"""Fixtures of the browser tests: one chromium per module, the real site served on 127.0.0.1.

A test module that needs another site (hostile, scaled, with search data) defines its own
``served``; ``browser`` is the same for all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, serving
from tests.support.sitebuild import BuiltSite, real_site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BuiltSite]]:
    built = real_site(tmp_path_factory)
    with serving(built.site) as base:
        yield base, built
