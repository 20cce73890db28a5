"""Shared fixtures; the paths and golden-file helpers are in tests/support/project.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.project import ROOT


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
