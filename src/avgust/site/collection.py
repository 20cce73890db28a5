"""The browser build of the npm package ``docx`` (pinned in web/package-lock.json), vendored
into the site for the collection's .docx export (content/podborka/).

The collection page loads it only when a visitor asks for a .docx, from the site itself.
Without npm the site still builds; the page then says that .docx export is unavailable.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from avgust.browser.model import _npm_ci
from avgust.errors import BrowserAssetsError
from avgust.urls import COLLECTION_ASSETS

DOCX_PACKAGE = "docx"
DOCX_BUILD = "dist/index.iife.js"  # self-contained, defines the global ``docx``
DOCX_ASSET = f"{COLLECTION_ASSETS}/docx.js"
DOCX_LICENSE = f"{COLLECTION_ASSETS}/docx.LICENSE.txt"

log = logging.getLogger("avgust")


def docx_runtime(web_dir: Path) -> dict[str, bytes]:
    """The vendored files by docs/ path; empty (with a warning) when npm cannot provide them."""
    try:
        pinned = _pinned(web_dir)
        if _installed(web_dir) != pinned:
            _npm_ci(web_dir)
            if _installed(web_dir) != pinned:
                raise BrowserAssetsError(f"npm ci did not install docx {pinned}", web_dir)
        package = web_dir / "node_modules" / DOCX_PACKAGE
        return {
            DOCX_ASSET: (package / DOCX_BUILD).read_bytes(),
            DOCX_LICENSE: (package / "LICENSE").read_bytes(),
        }
    except (BrowserAssetsError, OSError) as error:
        log.warning("the collection's .docx export is left out of the site: %s", error)
        return {}


def _pinned(web_dir: Path) -> str:
    lock = web_dir / "package-lock.json"
    try:
        return str(
            json.loads(lock.read_text("utf-8"))["packages"][f"node_modules/{DOCX_PACKAGE}"][
                "version"
            ]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BrowserAssetsError(f"no pinned docx version: {exc}", lock) from exc


def _installed(web_dir: Path) -> str | None:
    manifest = web_dir / "node_modules" / DOCX_PACKAGE / "package.json"
    try:
        return str(json.loads(manifest.read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


__all__ = ["DOCX_ASSET", "docx_runtime"]
