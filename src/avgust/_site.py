"""The static site: ``mkdocs build --strict`` from docs/ into build/site, and a link checker.

The site is built into a temporary folder next to ``config.site_dir`` and swapped in
only when MkDocs finished without a warning, so a failed build leaves the last good
site in place. This module is also the MkDocs hook named in mkdocs.yml: ``on_config``
takes the navigation that :func:`avgust._pages.write_pages` left in ``docs/.nav.yml``
and the site URL (``AVGUST_SITE_URL``, else ``[site].url`` of avgust.toml).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urljoin, urlsplit

import yaml

from avgust._config import Config
from avgust._config import load_config as load_avgust_config
from avgust._csp import protect_site
from avgust._fs import make_readable
from avgust._types import AvgustError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

SITE_URL_ENV = "AVGUST_SITE_URL"
NAV_FILE = ".nav.yml"
MKDOCS_FILE = "mkdocs.yml"


def site_url(config: Config) -> str | None:
    """The public URL of the site: ``$AVGUST_SITE_URL``, else ``[site].url``; None if unset."""
    url = os.environ.get(SITE_URL_ENV, "").strip() or (config.site_url or "").strip()
    if not url:
        return None
    return url if url.endswith("/") else url + "/"


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` where ``target`` is, removing the old ``target`` afterwards."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        target.replace(old / target.name)
    try:
        new.replace(target)
    except OSError:
        if old is not None:
            (old / target.name).replace(target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(config: Config) -> Path:
    """Run ``mkdocs build --strict`` on config.docs_dir into config.site_dir; return site_dir.

    docs/ must have been written by write_pages. Raises AvgustError with MkDocs's
    warnings (a broken link or anchor, a bad page) when the build fails; the site
    that was there before stays untouched then.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    mkdocs_yml = config.root / MKDOCS_FILE
    if not mkdocs_yml.is_file():
        raise AvgustError("mkdocs.yml not found", mkdocs_yml)
    if not (config.docs_dir / "index.md").is_file():
        raise AvgustError("no generated pages: run `avgust build` first", config.docs_dir)
    target = config.site_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    make_readable(tmp, directory=True)
    warnings = _Warnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    try:
        mkdocs_config = load_mkdocs_config(
            config_file=str(mkdocs_yml),
            docs_dir=str(config.docs_dir),
            site_dir=str(tmp),
            site_url=site_url(config),
            strict=True,
        )
        build(mkdocs_config)
        protect_site(tmp)  # the Content-Security-Policy of every page (see _csp.py)
    except (MkDocsException, SystemExit, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        details = "; ".join(warnings.messages[:10]) or str(exc)
        raise AvgustError(f"mkdocs build failed: {details}", mkdocs_yml) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        logger.removeHandler(warnings)
    replace_dir(tmp, target)
    return target


def serve(site_dir: Path, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve the built site on http://HOST:PORT/ until interrupted (Ctrl+C)."""
    import functools
    import sys
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    if not (site_dir / "index.html").is_file():
        raise AvgustError("no built site here: run `avgust build` first", site_dir)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site_dir))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise AvgustError(f"cannot serve on {host}:{port}: {exc.strerror}", site_dir) from exc
    print(
        f"Serving {site_dir} on http://{host}:{server.server_port}/ (Ctrl+C stops)", file=sys.stderr
    )
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


# ---------------------------------------------------------------- MkDocs hook


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    """MkDocs hook: the generated navigation and the configured site URL."""
    docs = Path(config.docs_dir)
    nav_file = docs / NAV_FILE
    if config.nav is None and nav_file.is_file():
        config.nav = (yaml.safe_load(nav_file.read_text(encoding="utf-8")) or {}).get("nav")
    if not config.site_url:
        root = Path(config.config_file_path).parent if config.config_file_path else docs.parent
        url = site_url(load_avgust_config(root))
        if url:
            config.site_url = url
    return config


# ---------------------------------------------------------------- link checker


class _Page(HTMLParser):
    """The ids and the outgoing links of one HTML page."""

    _LINKS: ClassVar[dict[str, str]] = {
        "a": "href",
        "link": "href",
        "script": "src",
        "img": "src",
        "source": "src",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        attr = self._LINKS.get(tag)
        if attr and values.get(attr) is not None:
            self.links.append(str(values[attr]))


def check_links(site_dir: Path, site_url: str | None = None) -> list[str]:
    """Every internal link of the built site that does not resolve, as ``"page: problem"``.

    Checks each href/src of every HTML page: the target file must exist (a folder
    means its index.html) and a ``#fragment`` must be an id on the target page.
    Links under ``site_url`` count as internal; ``javascript:`` links are reported.
    """
    site_dir = site_dir.resolve()
    pages: dict[str, _Page] = {}
    for path in sorted(site_dir.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        pages[path.relative_to(site_dir).as_posix()] = parser
    base = urlsplit(site_url or "http://site.invalid/")
    root = (
        f"{base.scheme}://{base.netloc}{base.path if base.path.endswith('/') else base.path + '/'}"
    )
    problems: list[str] = []
    for name, page in pages.items():
        here = urljoin(root, name)
        for href in page.links:
            problem = _check_one(site_dir, pages, root, here, href)
            if problem:
                problems.append(f"{name}: {problem}")
    return problems


def _check_one(
    site_dir: Path, pages: dict[str, _Page], root: str, here: str, href: str
) -> str | None:
    scheme = urlsplit(href.strip()).scheme.lower()
    if scheme in {"javascript", "vbscript"}:
        return f"script link {href!r}"
    if scheme in {"mailto", "tel", "data"}:
        return None
    absolute = urljoin(here, href.strip())
    if not absolute.startswith(root):
        return None if scheme in {"http", "https"} else f"link outside the site {href!r}"
    parts = urlsplit(absolute)
    rel = unquote(parts.path[len(urlsplit(root).path) :])
    target = site_dir / PurePosixPath(rel)
    if rel == "" or rel.endswith("/") or target.is_dir():
        rel = (PurePosixPath(rel) / "index.html").as_posix().lstrip("/") if rel else "index.html"
        target = site_dir / rel
    if not target.resolve().is_relative_to(site_dir) or not target.is_file():
        return f"broken link {href!r}"
    fragment = unquote(parts.fragment)
    if fragment and rel.endswith(".html"):
        page = pages.get(PurePosixPath(rel).as_posix())
        if page is None or fragment not in page.ids:
            return f"missing anchor {href!r}"
    return None


__all__ = ["build_site", "check_links", "on_config", "replace_dir", "serve", "site_url"]
