"""The Content-Security-Policy of the built pages (src/avgust/_csp.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest

from avgust.site.csp import POLICY, add_policy, policy_for
from tests.support.sitebuild import BuiltSite, real_site

META = '<meta http-equiv="Content-Security-Policy" content="{}">'
PAGE = (
    "<!doctype html><html><head><title>x</title>"
    "<script>var a = 1;</script><script src='assets/x.js'></script>"
    '<script id="__config" type="application/json">{"b": 2}</script>'
    "</head><body><p>x</p></body></html>"
)


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_inline_scripts_are_allowed_by_their_hash_and_nothing_else() -> None:
    policy = policy_for(PAGE)
    assert _sha("var a = 1;") in policy and _sha('{"b": 2}') in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "'wasm-unsafe-eval'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin anywhere


def test_the_policy_comes_first_in_head_and_replaces_an_older_one() -> None:
    once = add_policy(PAGE)
    assert once.index("Content-Security-Policy") < once.index("<title>")
    twice = add_policy(once)
    assert twice == once and twice.count("Content-Security-Policy") == 1
    assert add_policy("<p>no head</p>") == "<p>no head</p>"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return real_site(tmp_path_factory)


@pytest.mark.slow
def test_every_built_page_carries_a_policy_that_matches_its_scripts(built: BuiltSite) -> None:
    pages = sorted(built.site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        html = page.read_text(encoding="utf-8")
        metas = re.findall(META.format(r'([^"]*)'), html)
        assert len(metas) == 1, page
        without = html.replace(META.format(metas[0]), "")
        assert metas[0] == policy_for(without), page
        assert metas[0].startswith(POLICY.split("{hashes}")[0])


@pytest.mark.slow
@pytest.mark.browser
def test_the_site_runs_under_its_policy_and_the_policy_blocks_injected_code(
    built: BuiltSite,
) -> None:
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Tab, serving

    sync_api = pytest.importorskip("playwright.sync_api")
    with serving(built.site) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = Tab(browser, base)
        page = tab.page
        violations: list[str] = []

        def console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                violations.append(message.text)

        page.on("console", console)
        for path in ("", "temy/nastavnichestvo/", "resheniya/2020-muchkapskij-rajon/"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        # the built-in search (a web worker) still works under the policy
        tab.search("наставничество")
        assert violations == [] and tab.blocked == []
        blocked: Any = page.evaluate(
            """() => new Promise(resolve => {
                document.addEventListener('securitypolicyviolation',
                    e => resolve(e.violatedDirective), {once: true});
                const s = document.createElement('script');
                s.textContent = 'window.__injected = 1';
                document.head.appendChild(s);
                setTimeout(() => resolve(null), 2000);
            })"""
        )
        assert blocked is not None and blocked.startswith("script-src")
        assert page.evaluate("() => window.__injected === undefined")
        browser.close()
