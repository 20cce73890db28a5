"""The link checker of the built site: every internal href/src and #fragment must resolve."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import ClassVar
from urllib.parse import unquote, urljoin, urlsplit


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


__all__ = ["check_links"]
