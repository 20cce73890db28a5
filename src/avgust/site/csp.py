"""A Content-Security-Policy for every built page: the site's own files, nothing from outside.

GitHub Pages cannot send headers, so the policy goes into each page as
``<meta http-equiv="Content-Security-Policy">``, first in ``<head>``. Scripts run only
from the site itself or as the exact inline scripts mkdocs-material writes (each
allowed by its sha256, computed here after the build); WebAssembly may be compiled
(``'wasm-unsafe-eval'``) for the in-browser model, and nothing may be fetched from
another origin. Document text is escaped before it reaches a page, so this is the
second wall, not the first.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc\s*=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE
)
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
_EXISTING = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\s*', re.IGNORECASE)

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


def policy_for(html: str) -> str:
    """The policy of one page: the fixed rules plus the hashes of its inline scripts."""
    hashes = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(m["body"].encode()).digest()).decode()
            + "'"
            for m in _INLINE_SCRIPT.finditer(html)
        }
    )
    return POLICY.format(hashes="".join(" " + h for h in hashes))


def add_policy(html: str) -> str:
    """``html`` with its policy as the first element of ``<head>`` (an older one replaced)."""
    html = _EXISTING.sub("", html)
    head = _HEAD.search(html)
    if head is None:
        return html  # not a page (a fragment, a redirect stub without head): nothing to guard
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(html)}">'
    return html[: head.end()] + meta + html[head.end() :]


def protect_site(site_dir: Path) -> int:
    """Add the policy to every HTML page under ``site_dir``; returns how many pages."""
    count = 0
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        updated = add_policy(text)
        if updated != text:
            page.write_text(updated, encoding="utf-8")
            count += 1
    return count
