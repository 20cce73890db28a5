"""Browser-test helpers: Debian's chromium, a local HTTP server, a tab that only talks to 127.0.0.1.

Every request to any other host is blocked and recorded; tests assert there was none.
Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from avgust.site.serve import serving as serving  # the one server of tests and scripts
from tests.support.project import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# CI installs chromium (.ci/run): there a missing browser must fail, not skip
NO_CHROMIUM = shutil.which(CHROMIUM) is None and os.environ.get("CI") != "true"


class Tab:
    """A page that may only talk to 127.0.0.1; every other request is blocked and kept."""

    def __init__(
        self, browser: Any, base: str, width: int = 1280, height: int = 900, **options: Any
    ) -> None:
        """``options`` go to ``browser.new_context`` (permissions, bypass_csp, …)."""
        self.base = base
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, **options)
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("dialog", self._dialog)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def shot(self, name: str, full_page: bool = False) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    def anchor_in_view(self, anchor: str) -> bool:
        return bool(
            self.page.evaluate(
                """(id) => { const el = document.getElementById(id); if (!el) return false;
                   const r = el.getBoundingClientRect();
                   return r.height > 0 && r.top < window.innerHeight && r.bottom > 0; }""",
                anchor,
            )
        )

    def search(self, query: str) -> Any:
        """Type ``query`` into the header search box; its directive results once shown."""
        box = self.page.locator("input.avg-hs-input")
        box.click()
        box.fill(query)
        self.page.wait_for_function(
            "(q) => document.querySelector('.avg-hs')?.dataset.query === q",
            arg=query,
            timeout=30_000,
        )
        return self.page.locator('.avg-hs-option[data-kind="directive"]')

    def close(self) -> None:
        self.context.close()
