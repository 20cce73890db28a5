"""The avgust MkDocs plugin (entry point ``mkdocs.plugins: avgust``, listed in mkdocs.yml).

``on_config``: the navigation that :func:`avgust.site.write.write_pages` left in
``docs/.nav.yml`` (MkDocs itself skips dot files) and the site URL of the avgust
configuration. ``on_post_build``: no sitemap.xml when there is no site URL (MkDocs
would write one without entries). ``on_post_page`` (and ``on_post_template`` for 404.html):
the header search box, its script and style on every page, the full search's script on the
page whose front matter says ``semantic_search: true``, and on every page the Open Graph /
Twitter link-preview tags (:mod:`avgust.site.social`); then the page's blank lines and
indentation are squeezed out (:func:`compact_html`).

Pages whose HTML cannot have changed are not rendered again (:class:`Reuse`): every page
has a key, the hash of its Markdown, its title, its footer neighbours and the site-wide
inputs (mkdocs.yml, the navigation with its titles, the theme's files, the site URL, the
avgust code that post-processes pages); the previous site's manifest
(:data:`MANIFEST`) says each page's key, and a page whose key is unchanged gets its
previous HTML back instead of the theme's template. Every page is still read and its
Markdown converted, so links and anchors are validated against the whole site.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import pathspec
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure import StructureItem
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from avgust.browser.export import PAGE_FLAG, with_header_search
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.site.social import add_social_meta, name_dialogs, social_meta
from avgust.urls import NAV_FILE
from avgust.util.fs import tree_files
from avgust.version import __version__

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
SITEMAP_FILES = ("sitemap.xml", "sitemap.xml.gz")
MANIFEST = ".avgust-pages.json"
"""In the built site: the format, the key of every page and the page's HTML file."""
MANIFEST_FORMAT = 1
_REUSED_TEMPLATE = "avgust-reused.html"  # renders nothing: on_post_page puts the old HTML back


_VERBATIM = re.compile(
    r"(<(pre|textarea|script|style)\b[^>]*>.*?</\2\s*>)", re.IGNORECASE | re.DOTALL
)
_LINE_BREAKS = re.compile(r"[ \t\r\n]*\n[ \t\r\n]*")


def compact_html(html: str) -> str:
    """``html`` with every run of blank space that holds a line break made one line break.

    The theme's templates indent every line (a third of a page's bytes at some 10,000
    pages); a browser shows any such run as one space, so the page reads the same. The
    insides of ``pre``, ``textarea``, ``script`` and ``style`` are kept as they are (the
    policy's hashes are of the scripts' exact bodies, see :mod:`avgust.site.csp`).
    """
    parts = _VERBATIM.split(html)
    out = []
    for n, part in enumerate(parts):
        kind = n % 3  # split gives text, the whole verbatim element, its tag name, text, …
        if kind == 0:
            out.append(_LINE_BREAKS.sub("\n", part))
        elif kind == 1:
            out.append(part)
    return "".join(out)


@dataclass
class Reuse:
    """The previous site to take unchanged pages from, and what this build did with it."""

    previous: Path | None = None
    rendered: list[str] = field(default_factory=list)  # pages' HTML files, site-relative
    reused: list[str] = field(default_factory=list)
    # src_uri → (page key, HTML file): this build's and the previous site's
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    _old: dict[str, tuple[str, str]] = field(default_factory=dict)
    _site_key: str = ""

    def load(self) -> None:
        """The previous site's manifest; a missing or broken one means nothing is reused."""
        self._old = {}
        if self.previous is None:
            return
        try:
            data = json.loads((self.previous / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") == MANIFEST_FORMAT:
                self._old = {
                    str(src): (str(key), str(dest)) for src, (key, dest) in data["pages"].items()
                }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            log.info("no usable manifest of the previous site: every page is rendered")

    def previous_html(self, page: Page) -> str | None:
        """The previous HTML of ``page`` when its key is unchanged (and the file is there)."""
        old = self._old.get(page.file.src_uri)
        key = self.keys.get(page.file.src_uri)
        if self.previous is None or old is None or old != key:
            return None
        try:
            return (self.previous / page.file.dest_uri).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def manifest(self, pages: dict[str, tuple[str, str]]) -> str:
        return json.dumps(
            {"format": MANIFEST_FORMAT, "site": self._site_key, "pages": pages},
            ensure_ascii=False,
            sort_keys=True,
            indent=0,
        )


def site_key(config: MkDocsConfig, nav: Navigation) -> str:
    """The hash of what every page depends on besides its own Markdown."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)

    if config.config_file_path:
        add(Path(config.config_file_path).read_bytes())
    add(config.site_url, config.site_name, config.use_directory_urls, config.extra_css)
    add([str(script) for script in config.extra_javascript])

    def walk(items: list[StructureItem], depth: int) -> None:
        for item in items:
            add(depth, type(item).__name__, item.title, getattr(item, "url", ""))
            if isinstance(item, Section):
                walk(item.children, depth + 1)

    walk(nav.items, 0)
    from importlib.metadata import version

    add(version("mkdocs"), version("mkdocs-material"), __version__)
    # the templates and partials of every theme folder (mkdocs-material's, a custom_dir;
    # its icons are the package's, whose version is in the key) and the avgust code that
    # writes or post-processes pages
    sources: list[tuple[Path, tuple[str, ...]]] = [(Path(d), (".html",)) for d in config.theme.dirs]
    sources.append((Path(__file__).parents[1], (".py", ".js", ".css")))
    for folder, suffixes in sources:
        for path in tree_files(folder, suffixes):
            add(path.relative_to(folder).as_posix(), path.read_bytes())
    return digest.hexdigest()


def page_key(site: str, page: Page) -> str:
    digest = hashlib.sha256()
    neighbours = [
        (other.url, other.title) if other is not None else None
        for other in (page.previous_page, page.next_page)
    ]
    ancestors = [a.title for a in page.ancestors]
    head = json.dumps(
        [site, page.file.src_uri, page.file.dest_uri, page.title, neighbours, ancestors, page.meta],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    digest.update(head.encode("utf-8", "surrogatepass") + b"\0")
    digest.update((page.markdown or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class AvgustPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    reuse: Reuse | None = None  # set by avgust.site.mkdocs before a build that may reuse pages

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

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self._nav = nav
        return nav

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        reuse = self.reuse
        if reuse is None:
            return env
        # every page has been read and converted by now: titles are known
        reuse._site_key = site_key(config, self._nav)
        reuse.rendered, reuse.reused, reuse.keys = [], [], {}
        reuse.load()
        for file in files.documentation_pages():
            page = file.page
            if page is None:
                continue
            reuse.keys[file.src_uri] = (page_key(reuse._site_key, page), file.dest_uri)
            if reuse.previous_html(page) is not None:
                page.meta["template"] = _REUSED_TEMPLATE
        assert env.loader is not None
        env.loader = jinja2.ChoiceLoader(
            [jinja2.DictLoader({_REUSED_TEMPLATE: "reused"}), env.loader]
        )
        return env

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        reuse = self.reuse
        if reuse is not None:
            if page.meta.get("template") == _REUSED_TEMPLATE:
                previous = reuse.previous_html(page)
                if previous is None:  # gone since on_env
                    raise AvgustError(
                        "the previous site changed during the build", page.file.dest_uri
                    )
                reuse.reused.append(page.file.dest_uri)
                return previous
            reuse.rendered.append(page.file.dest_uri)
        meta = social_meta(
            title=page.title or config.site_name,
            description=str(page.meta.get("description") or config.site_description or ""),
            site_name=config.site_name,
            url=page.canonical_url if config.site_url else None,
        )
        output = name_dialogs(add_social_meta(output, meta, page.file.src_path))
        if "</head>" not in output or "</body>" not in output:
            raise AvgustError("the page has no </head> or </body>", page.file.src_path)
        return compact_html(
            with_header_search(
                output,
                lambda path: get_relative_url(path, page.url),
                page_script=bool(page.meta.get(PAGE_FLAG)),
            )
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
        if self.reuse is not None:
            manifest = self.reuse.manifest(self.reuse.keys)
            (Path(config.site_dir) / MANIFEST).write_text(manifest, encoding="utf-8")
        # Without a site URL MkDocs writes a sitemap without a single <url>: no sitemap then.
        if config.site_url:
            return
        site = Path(config.site_dir)
        for name in SITEMAP_FILES:
            (site / name).unlink(missing_ok=True)
        log.info("no site URL (AVGUST_SITE_URL or avgust.toml [site].url): sitemap.xml skipped")


__all__ = ["AvgustPlugin", "compact_html"]
