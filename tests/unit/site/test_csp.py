"""The Content-Security-Policy of the built pages (src/avgust/site/csp.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from avgust.site.csp import POLICY, KnownScripts, add_policy, page_scripts, policy_for
from tests.support.sitebuild import BuiltSite, real_site

META = '<meta http-equiv="Content-Security-Policy" content="{}">'
# the theme's own inline scripts, as mkdocs-material writes them into a page
SCOPE = (
    '__md_scope=new URL("../..",location),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.'
    "charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname"
    '+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,'
    "JSON.stringify(_))}catch(e){}}"
)
TABS = (
    "var target=document.getElementById(location.hash.slice(1));target&&target.name&&"
    '(target.checked=target.name.startsWith("__tabbed_"))'
)
INJECTED = (
    "var a = 1;",
    SCOPE + ";alert(1)",  # the theme's script with code appended
    SCOPE.replace('"../.."', '"x"+alert(1)+"x"'),  # code where the template puts a value
    TABS.replace("__tabbed_", '");alert(1);("'),
    "alert(1)",
)
PAGE = (
    "<!doctype html><html><head><title>x</title>"
    f"<script>{SCOPE}</script><script src='assets/x.js'></script>"
    '<script id="__config" type="application/json">{"b": 2}</script>'
    + "".join(f"<script>{body}</script>" for body in INJECTED)
    + f"</head><body><p>x</p><script>{TABS}</script></body></html>"
)


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_only_the_themes_own_inline_scripts_are_allowed_by_their_hash() -> None:
    policy = policy_for(PAGE)
    assert _sha(SCOPE) in policy and _sha(TABS) in policy
    assert policy.count("'sha256-") == 2  # none for what was injected, none for JSON data
    for body in INJECTED:
        assert _sha(body) not in policy, body
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "'wasm-unsafe-eval'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin anywhere


def test_the_known_scripts_come_from_the_template_folders(tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "own.html").write_text(
        '<script>window.avgustScope = "{{ base_url }}";</script>'
        "<script>{{ page.meta.code }}</script>"  # all value: would match anything, not kept
        "{% if x %}<script>var avgustFlag = 1 + 2 + 3 + 4;</script>{% endif %}",
        encoding="utf-8",
    )
    known = KnownScripts([tmp_path])
    assert 'window.avgustScope = "../..";' in known
    assert 'window.avgustScope = "";alert(1);"";' not in known
    assert "alert(1)" not in known and "var avgustFlag = 1 + 2 + 3 + 4;" in known
    assert SCOPE not in known  # another theme folder: mkdocs-material's scripts are not in it


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
        scripts = page_scripts(without)
        # every script the theme writes is known (a theme upgrade that changes one fails here)
        assert scripts and all(known for _, known in scripts), (page, scripts)
        assert metas[0].count("'sha256-") == len({body for body, _ in scripts})


@pytest.mark.slow
@pytest.mark.browser
def test_the_site_runs_under_its_policy_and_the_policy_blocks_injected_code(
    built: BuiltSite, browser: Any
) -> None:
    from tests.support.browser import Tab, serving

    with serving(built.site) as base:
        tab = Tab(browser, base)
        page = tab.page
        violations: list[str] = []

        def console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                violations.append(message.text)

        page.on("console", console)
        for path in ("", "temy/nastavnichestvo/", "resheniya/2020-muchkapskij-rajon/"):
            page.goto(base + path)
            page.wait_for_load_state("load")
        # the built-in search (a web worker) still works under the policy
        tab.search("наставничество")
        assert violations == [] and tab.blocked == []
        # no timer: the promise settles on the violation event (playwright's timeout bounds it)
        blocked: Any = page.evaluate(
            """() => new Promise(resolve => {
                document.addEventListener('securitypolicyviolation',
                    e => resolve(e.violatedDirective), {once: true});
                const s = document.createElement('script');
                s.textContent = 'window.__injected = 1';
                document.head.appendChild(s);
            })"""
        )
        assert blocked.startswith("script-src")
        assert page.evaluate("() => window.__injected === undefined")
        tab.close()


MINI_PAGE = """# Страница

<div markdown="0"><script>window.__injected = "raw HTML";</script></div>

Текст.
"""


@pytest.mark.browser
def test_an_inline_script_the_theme_did_not_write_gets_no_hash_and_does_not_run(
    tmp_path: Path, browser: Any
) -> None:
    """A one-page mkdocs-material site whose Markdown carries a raw inline script."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from avgust.site.csp import protect_site
    from tests.support.browser import Tab, serving

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(MINI_PAGE, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: material\n  font: false\n"
        "markdown_extensions: [md_in_html]\nplugins: []\n",
        encoding="utf-8",
    )
    config = load_config(config_file=str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    build(config)
    site = tmp_path / "site"
    assert protect_site(site, config.theme.dirs) >= 1
    html = (site / "index.html").read_text(encoding="utf-8")
    injected = 'window.__injected = "raw HTML";'
    assert f"<script>{injected}</script>" in html  # it reached the page
    (meta,) = re.findall(META.format(r'([^"]*)'), html)
    assert _sha(injected) not in meta
    assert meta.count("'sha256-") == len(page_scripts(html)) - 1  # all the theme's, not that one

    with serving(site) as base:
        tab = Tab(browser, base)
        # recorded from the first moment (init scripts are not subject to the page's policy)
        tab.page.add_init_script(
            """window.__violations = [];
               document.addEventListener('securitypolicyviolation',
                   e => window.__violations.push([e.violatedDirective, e.sample]));"""
        )
        tab.goto("")
        tab.page.wait_for_function("() => window.__violations.length > 0")
        violations = tab.page.evaluate("() => window.__violations")
        assert [v[0] for v in violations] == ["script-src-elem"], violations
        assert tab.page.evaluate("() => window.__injected === undefined")
        # the theme's own inline scripts ran: its storage helpers exist
        assert tab.page.evaluate("() => typeof __md_get === 'function'")
        assert tab.blocked == []
        tab.close()
