"""Shared fixtures; the paths and golden-file helpers are in tests/support/project.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avgust.index.embed import CACHE_FILE
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM
from tests.support.hostile import copy_sqlite
from tests.support.project import ROOT


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache folder for the session's tests that do not test the cache itself.

    It starts as a copy of the project's .cache/embeddings.sqlite (filled by earlier runs and
    by the session's real site build), so the corpus is not embedded again; a copy, so that
    the texts the tests make up never reach the project's cache.
    """
    folder = tmp_path_factory.getbasetemp() / "embedding-cache"
    folder.mkdir(exist_ok=True)
    source = ROOT / ".cache" / CACHE_FILE
    if source.is_file() and not (folder / CACHE_FILE).exists():
        copy_sqlite(source, folder / CACHE_FILE)
    return folder


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
