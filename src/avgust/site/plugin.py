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
previous HTML back instead of the theme's template.

Its Markdown is not even converted when that cannot matter (:meth:`Reuse.skip`): a page
whose Markdown, front matter and the site-wide inputs of the conversion (mkdocs.yml, the
versions, the avgust code) are those of the previous build is converted from an empty
string, and the manifest gives back what MkDocs would have learned from converting it:
its title, its anchors, its links into other pages' anchors and the site files it links
to. So links are still validated against the whole site: an anchor or a page that an
unchanged page links to and that has gone fails the build as it would have. A page
skipped so whose full key then differs (a neighbour's title changed) is converted after all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import jinja2
import pathspec
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from avgust.browser.export import PAGE_FLAG, with_header_search
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.site.social import add_social_meta, name_dialogs, social_meta
from avgust.urls import NAV_FILE
from avgust.util.fs import read_versioned, tree_files, write_versioned
from avgust.version import __version__

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
SITEMAP_FILES = ("sitemap.xml", "sitemap.xml.gz")
MANIFEST = ".avgust-pages.json"
"""In the built site: the format, the key of every page and the page's HTML file. What
converting each page told MkDocs is kept beside the project's caches (:attr:`Reuse.conversions`)."""
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


class _Converted(NamedTuple):
    """What converting a page's Markdown told MkDocs besides its HTML."""

    title: str | None
    anchors: tuple[str, ...]
    anchor_links: dict[str, dict[str, str]]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class PageRecord:
    """What the manifest says of one page: enough to reuse it without converting it."""

    key: str  # page_key: equal means the HTML is the previous build's
    dest: str  # the HTML file, site-relative
    source: str = ""  # source_key: equal means the conversion would give the same
    title: str | None = None  # the title taken from the page's first heading
    anchors: tuple[str, ...] = ()
    anchor_links: dict[str, dict[str, str]] = field(default_factory=dict)  # src_uri → anchors
    targets: tuple[str, ...] = ()  # the site files the page links to (dest_uri)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "dest": self.dest,
            "source": self.source,
            "title": self.title,
            "anchors": list(self.anchors),
            "anchor_links": self.anchor_links,
            "targets": list(self.targets),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRecord:
        title = data.get("title")
        return cls(
            key=str(data["key"]),
            dest=str(data["dest"]),
            source=str(data.get("source") or ""),
            title=None if title is None else str(title),
            anchors=tuple(str(a) for a in data.get("anchors") or ()),
            anchor_links={
                str(src): {str(a): str(url) for a, url in anchors.items()}
                for src, anchors in (data.get("anchor_links") or {}).items()
            },
            targets=tuple(str(t) for t in data.get("targets") or ()),
        )


@dataclass
class Reuse:
    """The previous site to take unchanged pages from, and what this build did with it."""

    previous: Path | None = None
    conversions: Path | None = None  # where the pages' conversion records are kept
    rendered: list[str] = field(default_factory=list)  # pages' HTML files, site-relative
    reused: list[str] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)  # src_uri of pages whose Markdown was
    skipped: dict[str, str] = field(default_factory=dict)  # src_uri → the Markdown not converted
    records: dict[str, PageRecord] = field(default_factory=dict)  # this build's, by src_uri
    _old: dict[str, PageRecord] = field(default_factory=dict)
    _site_key: str = ""
    _conversion_key: str = ""

    def load(self) -> None:
        """The previous site's manifest and the conversion records kept for it (in
        ``conversions``); a missing or broken manifest means nothing is reused, missing
        records only that every page's Markdown is converted."""
        self._old = {}
        self.rendered, self.reused, self.converted = [], [], []
        self.skipped, self.records = {}, {}
        if self.previous is None:
            return
        try:
            text = (self.previous / MANIFEST).read_text(encoding="utf-8")
            data = json.loads(text)
            if data.get("format") != MANIFEST_FORMAT:
                return
            pages = {str(src): (str(key), str(dest)) for src, (key, dest) in data["pages"].items()}
            kept = read_versioned(self.conversions, _text_hash(text)) if self.conversions else {}
            for src, (key, dest) in pages.items():
                record = PageRecord(key, dest)
                entry = kept.get(src)
                if isinstance(entry, dict):
                    converted = PageRecord.from_json(entry)
                    if (converted.key, converted.dest) == (key, dest):
                        record = converted
                self._old[src] = record
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self._old = {}
            log.info("no usable manifest of the previous site: every page is rendered")

    def skip(self, page: Page, source: str) -> PageRecord | None:
        """The previous record of ``page`` when converting its Markdown, whose
        :func:`source_key` is ``source``, would change nothing."""
        old = self._old.get(page.file.src_uri)
        if self.previous is None or old is None or not old.source or old.source != source:
            return None
        if not (self.previous / old.dest).is_file():
            return None
        return old

    def previous_html(self, page: Page) -> str | None:
        """The previous HTML of ``page`` when its key is unchanged (and the file is there)."""
        old = self._old.get(page.file.src_uri)
        new = self.records.get(page.file.src_uri)
        if self.previous is None or old is None or new is None:
            return None
        if (old.key, old.dest) != (new.key, new.dest):
            return None
        try:
            return (self.previous / page.file.dest_uri).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def manifest(self) -> str:
        """The site's manifest: each page's key and HTML file."""
        pages = {src: [record.key, record.dest] for src, record in self.records.items()}
        return json.dumps(
            {"format": MANIFEST_FORMAT, "site": self._site_key, "pages": pages},
            ensure_ascii=False,
            sort_keys=True,
            indent=0,
        )

    def save_conversions(self, manifest: str) -> None:
        """Keep this build's conversion records for the site whose manifest is ``manifest``.

        They are kept out of the site (tens of MB at 100,000 directives: every link into an
        anchor), under the hash of its manifest, so records never meet another site."""
        if self.conversions is not None:
            entries = {src: record.as_json() for src, record in self.records.items()}
            write_versioned(self.conversions, _text_hash(manifest), entries)


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Digest:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, *parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
            self._hash.update(len(data).to_bytes(8, "big") + data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def conversion_key(config: MkDocsConfig) -> str:
    """The hash of the site-wide inputs of a page's Markdown conversion."""
    digest = _Digest()
    if config.config_file_path:
        digest.add(Path(config.config_file_path).read_bytes())
    digest.add(config.site_url, config.use_directory_urls)
    from importlib.metadata import version

    digest.add(version("mkdocs"), version("markdown"), version("pymdown-extensions"), __version__)
    folder = Path(__file__).parents[1]
    for path in tree_files(folder, (".py",)):
        digest.add(path.relative_to(folder).as_posix(), path.read_bytes())
    return digest.hexdigest()


def source_key(site: str, page: Page, markdown: str) -> str:
    digest = _Digest()
    meta = json.dumps(page.meta, ensure_ascii=False, sort_keys=True, default=str)
    digest.add(site, page.file.src_uri, page.file.dest_uri, page.file.url, meta, markdown)
    return digest.hexdigest()


_LINK = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def link_targets(page: Page, html: str, known: set[str]) -> tuple[str, ...]:
    """The site files (``dest_uri``, from ``known``) that the HTML of ``page`` links to."""
    base = posixpath.dirname(page.file.dest_uri)
    found: set[str] = set()
    for match in _LINK.finditer(html):
        parts = urlsplit(match.group(1) or match.group(2) or "")
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            continue
        path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        for candidate in (path, posixpath.join(path, "index.html")):
            if candidate in known:
                found.add(candidate)
                break
    return tuple(sorted(found))


def site_key(config: MkDocsConfig, nav: Navigation, conversion: str) -> str:
    """The hash of what every page depends on besides its own Markdown: the site-wide inputs
    of its conversion (``conversion``, :func:`conversion_key`) and of its template."""
    digest = _Digest()
    add = digest.add
    add(conversion, config.site_name, config.extra_css)
    add([str(script) for script in config.extra_javascript])

    def walk(items: list[StructureItem], depth: int) -> None:
        for item in items:
            add(depth, type(item).__name__, item.title, getattr(item, "url", ""))
            if isinstance(item, Section):
                walk(item.children, depth + 1)

    walk(nav.items, 0)
    from importlib.metadata import version

    add(version("mkdocs-material"))
    # the templates and partials of every theme folder (mkdocs-material's, a custom_dir;
    # its icons are the package's, whose version is in the key) and the avgust scripts and
    # styles that pages carry (its Python is in the conversion's key)
    sources: list[tuple[Path, tuple[str, ...]]] = [(Path(d), (".html",)) for d in config.theme.dirs]
    sources.append((Path(__file__).parents[1], (".js", ".css")))
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

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        reuse = self.reuse
        if reuse is not None:
            reuse.load()
            reuse._conversion_key = conversion_key(config)
            self._known = {file.dest_uri for file in files}
            self._info: dict[str, _Converted] = {}
            self._sources: dict[str, str] = {}
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self._nav = nav
        return nav

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        reuse = self.reuse
        if reuse is None:
            return markdown
        src = page.file.src_uri
        source = self._sources[src] = source_key(reuse._conversion_key, page, markdown)
        if reuse.skip(page, source) is not None:
            reuse.skipped[src] = markdown
            return ""  # converting it would give what the manifest says: see on_page_content
        reuse.converted.append(src)
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        reuse = self.reuse
        if reuse is None:
            return html
        src = page.file.src_uri
        if src in reuse.skipped:
            old = reuse._old[src]
            page.markdown = reuse.skipped[src]
            page._title_from_render = old.title
            page.present_anchor_ids = set(old.anchors)
            links: dict[File, dict[str, str]] = {}
            for target_src, anchors in old.anchor_links.items():
                target = files.get_file_from_path(target_src)
                if target is None:
                    log.warning(
                        f"Doc file '{src}' contains a link to '{next(iter(anchors.values()))}',"
                        " but the target is not found among documentation files."
                    )
                    continue
                links[target] = dict(anchors)
            page.links_to_anchors = links
            for gone in sorted(set(old.targets) - self._known):
                log.warning(f"Doc file '{src}' links to '{gone}', which is not in the site.")
            self._info[src] = _Converted(old.title, old.anchors, old.anchor_links, old.targets)
            return html
        self._info[src] = _Converted(
            page._title_from_render,
            tuple(sorted(page.present_anchor_ids or ())),
            {
                target.src_uri: dict(anchors)
                for target, anchors in (page.links_to_anchors or {}).items()
            },
            link_targets(page, html, self._known),
        )
        return html

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        reuse = self.reuse
        if reuse is None:
            return env
        # every page has been read by now: titles are known
        reuse._site_key = site_key(config, self._nav, reuse._conversion_key)
        for file in files.documentation_pages():
            page = file.page
            if page is None:
                continue
            src = file.src_uri
            reuse.records[src] = self._record(reuse._site_key, page)
            if reuse.previous_html(page) is not None:
                page.meta["template"] = _REUSED_TEMPLATE
            elif src in reuse.skipped:  # its key changed all the same: convert it after all
                del reuse.skipped[src]
                reuse.converted.append(src)
                page.render(config, files)
                assert page.content is not None
                page.content = self.on_page_content(
                    page.content, page=page, config=config, files=files
                )
                reuse.records[src] = self._record(reuse._site_key, page)
        assert env.loader is not None
        env.loader = jinja2.ChoiceLoader(
            [jinja2.DictLoader({_REUSED_TEMPLATE: "reused"}), env.loader]
        )
        return env

    def _record(self, site: str, page: Page) -> PageRecord:
        info = self._info.get(page.file.src_uri) or _Converted(None, (), {}, ())
        return PageRecord(
            page_key(site, page),
            page.file.dest_uri,
            self._sources.get(page.file.src_uri, ""),
            *info,
        )

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
            manifest = self.reuse.manifest()
            (Path(config.site_dir) / MANIFEST).write_text(manifest, encoding="utf-8")
            self.reuse.save_conversions(manifest)
        # Without a site URL MkDocs writes a sitemap without a single <url>: no sitemap then.
        if config.site_url:
            return
        site = Path(config.site_dir)
        for name in SITEMAP_FILES:
            (site / name).unlink(missing_ok=True)
        log.info("no site URL (AVGUST_SITE_URL or avgust.toml [site].url): sitemap.xml skipped")


__all__ = ["AvgustPlugin", "compact_html"]
