"""A Content-Security-Policy for every built page: the site's own files, nothing from outside.

GitHub Pages cannot send headers, so the policy goes into each page as
``<meta http-equiv="Content-Security-Policy">``, first in ``<head>``. Scripts run only
from the site itself or as the inline scripts the theme's templates write (each allowed
by its sha256, computed here after the build); WebAssembly may be compiled
(``'wasm-unsafe-eval'``) for the in-browser model, and nothing may be fetched from
another origin.

Which inline scripts are the project's own is decided by the templates, not by the
page: every ``<script>`` of the theme's template folders (mkdocs-material's and any
``custom_dir``) becomes a pattern, its ``{{ … }}`` a string that cannot leave its
quotes, and only a page script matching one of them whole gets a hash. A script that
came in any other way (document text is escaped before it reaches a page, so this is
the second wall, not the first) gets none and the browser refuses to run it. Data
blocks (``type="application/json"``) are never run, so they need no hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from importlib import resources
from pathlib import Path

_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc\s*=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE
)
_TYPE = re.compile(r"""\btype\s*=\s*["']?(?P<type>[^"'\s>]+)""", re.IGNORECASE)
_RUNS = {"", "text/javascript", "application/javascript", "module"}
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
_EXISTING = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\s*', re.IGNORECASE)
_JINJA_VALUE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_JINJA_OTHER = re.compile(r"\{[%#]")
# what a template value may render to inside a script's string literal: no quote,
# backslash or angle bracket, so it cannot end the string or the script
_VALUE = r"""[^"'`\\<>\n]*"""

POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'{hashes}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)


class KnownScripts:
    """The inline scripts the templates in some folders write, as whole-body patterns."""

    def __init__(self, template_dirs: Iterable[Path]) -> None:
        patterns: set[str] = set()
        for folder in template_dirs:
            for template in sorted(Path(folder).rglob("*.html")):
                text = template.read_text(encoding="utf-8", errors="replace")
                for script in _INLINE_SCRIPT.finditer(text):
                    body = script["body"]
                    literal = len(_JINJA_VALUE.sub("", body).strip())
                    # a script that is mostly a template value would match anything
                    if _runs(script["attrs"]) and not _JINJA_OTHER.search(body) and literal >= 20:
                        patterns.add(_pattern(body))
        self.patterns = tuple(sorted(patterns))
        self._any = re.compile("|".join(f"(?:{p})" for p in self.patterns) or r"(?!)", re.DOTALL)

    def __contains__(self, body: object) -> bool:
        return isinstance(body, str) and self._any.fullmatch(body) is not None


def _pattern(body: str) -> str:
    parts = _JINJA_VALUE.split(body)
    return _VALUE.join(re.escape(part) for part in parts)


def _runs(attrs: str) -> bool:
    found = _TYPE.search(attrs)
    return (found["type"].lower() if found else "") in _RUNS


@functools.cache
def theme_scripts(template_dirs: Sequence[str] | None = None) -> KnownScripts:
    """The known inline scripts of ``template_dirs`` (default: mkdocs-material's templates)."""
    if template_dirs is None:
        template_dirs = (str(resources.files("material") / "templates"),)
    return KnownScripts(Path(d) for d in template_dirs)


def page_scripts(html: str) -> list[tuple[str, bool]]:
    """Each inline script of a page that a browser would run, and whether it is known."""
    known = theme_scripts()
    return [
        (m["body"], m["body"] in known) for m in _INLINE_SCRIPT.finditer(html) if _runs(m["attrs"])
    ]


def policy_for(html: str, known: KnownScripts | None = None) -> str:
    """The policy of one page: the fixed rules plus the hashes of its known inline scripts."""
    known = known or theme_scripts()
    hashes = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(m["body"].encode()).digest()).decode()
            + "'"
            for m in _INLINE_SCRIPT.finditer(html)
            if _runs(m["attrs"]) and m["body"] in known
        }
    )
    return POLICY.format(hashes="".join(" " + h for h in hashes))


def add_policy(html: str, known: KnownScripts | None = None) -> str:
    """``html`` with its policy as the first element of ``<head>`` (an older one replaced)."""
    html = _EXISTING.sub("", html)
    head = _HEAD.search(html)
    if head is None:
        return html  # not a page (a fragment, a redirect stub without head): nothing to guard
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(html, known)}">'
    return html[: head.end()] + meta + html[head.end() :]


def protect_site(
    site_dir: Path,
    template_dirs: Sequence[str] | None = None,
    skip: Collection[str] = (),
) -> int:
    """Add the policy to every HTML page under ``site_dir``; returns how many pages.

    ``template_dirs`` are the theme's template folders (MkDocs's ``theme.dirs``); only
    the inline scripts they write are allowed. ``skip`` names pages (site-relative) that
    have their policy already: :func:`add_policy` must not run twice on a page.
    """
    known = theme_scripts(tuple(template_dirs) if template_dirs is not None else None)
    count = 0
    for page in sorted(site_dir.rglob("*.html")):
        if page.relative_to(site_dir).as_posix() in skip:
            continue
        text = page.read_text(encoding="utf-8")
        updated = add_policy(text, known)
        if updated != text:
            page.write_text(updated, encoding="utf-8")
            count += 1
    return count
