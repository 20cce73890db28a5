"""Shared fixtures; the paths and golden-file helpers are in tests/support/project.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM
from tests.support.project import ROOT


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Debian chromium for the whole session (every test opens its own context in it).

    Playwright's sync API allows one instance per thread, so no test starts a second one.
    """
    if NO_CHROMIUM:
        pytest.skip("Debian's chromium is not installed (make browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
