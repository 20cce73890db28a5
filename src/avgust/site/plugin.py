"""The avgust MkDocs plugin (entry point ``mkdocs.plugins: avgust``, listed in mkdocs.yml).

``on_config``: the navigation that :func:`avgust.site.write.write_pages` left in
``docs/.nav.yml`` (MkDocs itself skips dot files) and the site URL of the avgust
configuration. ``on_post_page``: the in-browser search's style and script on a page whose
front matter says ``semantic_search: true``, so no other page loads any of it.
"""

from __future__ import annotations

import html
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from avgust.browser.export import (
    ASSETS,
    HEADER_SCRIPT,
    PAGE_FLAG,
    SCRIPT,
    SEARCH_PAGE_URL,
    STYLE,
    header_html,
)
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.urls import NAV_FILE


class AvgustPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        docs = Path(config.docs_dir)
        nav_file = docs / NAV_FILE
        if config.nav is None and nav_file.is_file():
            config.nav = (yaml.safe_load(nav_file.read_text(encoding="utf-8")) or {}).get("nav")
        if not config.site_url:
            root = Path(config.config_file_path).parent if config.config_file_path else docs.parent
            url = load_config(root).public_url
            if url:
                config.site_url = url
        return config

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        if "</head>" not in output or "</body>" not in output:
            raise AvgustError("the page has no </head> or </body>", page.file.src_path)
        scripts = [HEADER_SCRIPT, SCRIPT] if page.meta.get(PAGE_FLAG) else [HEADER_SCRIPT]
        style = html.escape(get_relative_url(f"{ASSETS}/{STYLE}", page.url), quote=True)
        head = f'<link rel="stylesheet" href="{style}">\n'
        body = "".join(
            '<script type="module" src="'
            + html.escape(get_relative_url(f"{ASSETS}/{name}", page.url), quote=True)
            + '"></script>\n'
            for name in scripts
        )
        output = output.replace("</head>", head + "</head>", 1)
        # the one search box, in the header (mkdocs-material's own search is switched off)
        header_end = output.find("</header>")
        nav_end = output.rfind("</nav>", 0, header_end) if header_end >= 0 else -1
        if nav_end >= 0:
            box = header_html(get_relative_url(SEARCH_PAGE_URL, page.url))
            output = output[:nav_end] + box + output[nav_end:]
        end = output.rfind("</body>")
        return output[:end] + body + output[end:]


__all__ = ["AvgustPlugin"]
