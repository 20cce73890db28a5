"""The avgust MkDocs plugin (entry point ``mkdocs.plugins: avgust``, listed in mkdocs.yml).

``on_config``: the navigation that :func:`avgust.site.write.write_pages` left in
``docs/.nav.yml`` (MkDocs itself skips dot files) and the site URL of the avgust
configuration. ``on_post_build``: no sitemap.xml when there is no site URL (MkDocs
would write one without entries). ``on_post_page`` (and ``on_post_template`` for 404.html):
the header search box, its script and style on every page, the full search's script on the
page whose front matter says ``semantic_search: true``, and on every page the Open Graph /
Twitter link-preview tags (:mod:`avgust.site.social`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import pathspec
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from avgust.browser.export import PAGE_FLAG, with_header_search
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
            generated = yaml.safe_load(nav_file.read_text(encoding="utf-8")) or {}
            config.nav = generated.get("nav")
            hidden = generated.get("not_in_nav")
            if hidden and config.not_in_nav is None:  # pages reached from their list page
                config.not_in_nav = pathspec.GitIgnoreSpec.from_lines(hidden)
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
        if "</head>" not in output or "</body>" not in output:
            raise AvgustError("the page has no </head> or </body>", page.file.src_path)
        return with_header_search(
            output,
            lambda path: get_relative_url(path, page.url),
            page_script=bool(page.meta.get(PAGE_FLAG)),
        )

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str:
        if template_name != "404.html" or "</body>" not in output_content:
            return output_content
        # the 404 page is served at any address: links from the site's root path
        root = urlsplit(config.site_url or "/").path.rstrip("/") + "/"
        return with_header_search(output_content, lambda path: root + path, page_script=False)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # Without a site URL MkDocs writes a sitemap without a single <url>: no sitemap then.
        if config.site_url:
            return
        site = Path(config.site_dir)
        for name in SITEMAP_FILES:
            (site / name).unlink(missing_ok=True)
        log.info("no site URL (AVGUST_SITE_URL or avgust.toml [site].url): sitemap.xml skipped")


__all__ = ["AvgustPlugin"]
