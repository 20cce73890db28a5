"""The avgust MkDocs plugin (entry point ``mkdocs.plugins: avgust``, listed in mkdocs.yml).

``on_config``: the navigation that :func:`avgust.site.write.write_pages` left in
``docs/.nav.yml`` (MkDocs itself skips dot files) and the site URL of the avgust
configuration. ``on_post_build``: no sitemap.xml when there is no site URL (MkDocs
would write one without entries). ``on_post_page``: the in-browser search's style and
script on a page whose front matter says ``semantic_search: true``, so no other page
loads any of it; and on every page the Open Graph / Twitter link-preview tags
(:mod:`avgust.site.social`).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from avgust.browser.export import ASSETS, PAGE_FLAG, SCRIPT, STYLE
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.site.social import add_social_meta, name_dialogs, social_meta
from avgust.urls import NAV_FILE

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
SITEMAP_FILES = ("sitemap.xml", "sitemap.xml.gz")


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
        meta = social_meta(
            title=page.title or config.site_name,
            description=str(page.meta.get("description") or config.site_description or ""),
            site_name=config.site_name,
            url=page.canonical_url if config.site_url else None,
        )
        output = name_dialogs(add_social_meta(output, meta, page.file.src_path))
        if not page.meta.get(PAGE_FLAG):
            return output
        style = html.escape(get_relative_url(f"{ASSETS}/{STYLE}", page.url), quote=True)
        script = html.escape(get_relative_url(f"{ASSETS}/{SCRIPT}", page.url), quote=True)
        head = f'<link rel="stylesheet" href="{style}">\n'
        body = f'<script type="module" src="{script}"></script>\n'
        if "</head>" not in output or "</body>" not in output:
            raise AvgustError("the search page has no </head> or </body>", page.file.src_path)
        output = output.replace("</head>", head + "</head>", 1)
        end = output.rfind("</body>")
        return output[:end] + body + output[end:]

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # Without a site URL MkDocs writes a sitemap without a single <url>: no sitemap then.
        if config.site_url:
            return
        site = Path(config.site_dir)
        for name in SITEMAP_FILES:
            (site / name).unlink(missing_ok=True)
        log.info("no site URL (AVGUST_SITE_URL or avgust.toml [site].url): sitemap.xml skipped")


__all__ = ["AvgustPlugin"]
