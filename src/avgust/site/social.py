"""Link previews: Open Graph meta tags (and X's card type) for every built page.

A teacher who sends a directive's link in a messenger sees the page's title and
description instead of a bare address. Everything put into an attribute is escaped;
``og:url`` is only written when the site has a public URL (a relative one would be wrong).
"""

from __future__ import annotations

import html
import re

from avgust.errors import AvgustError

_DESCRIPTION_CHARS = 300


def social_meta(
    *, title: str, description: str, site_name: str, url: str | None, locale: str = "ru_RU"
) -> str:
    """The ``<meta>`` tags of one page (one per line)."""
    description = " ".join(description.split())
    if len(description) > _DESCRIPTION_CHARS:
        description = description[: _DESCRIPTION_CHARS - 1].rstrip() + "…"
    tags = [
        ("property", "og:type", "website"),
        ("property", "og:site_name", site_name),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:locale", locale),
    ]
    if url:
        tags.append(("property", "og:url", url))
    # X reads title and description from og: when its own are absent (its card docs)
    tags.append(("name", "twitter:card", "summary"))
    return "".join(
        f'<meta {kind}="{name}" content="{html.escape(value, quote=True)}">\n'
        for kind, name, value in tags
        if value
    )


_UNNAMED_DIALOG = re.compile(r'role="dialog"(?![^>]*\baria-label)')


def name_dialogs(output: str) -> str:
    """Give the theme's search dialog (``role="dialog"`` without a name) its accessible name."""
    return _UNNAMED_DIALOG.sub('role="dialog" aria-label="Поиск по сайту"', output)


def add_social_meta(output: str, meta: str, page: str) -> str:
    """``output`` with ``meta`` before its ``</head>``."""
    if "</head>" not in output:
        raise AvgustError("the page has no </head>", page)
    return output.replace("</head>", meta + "</head>", 1)


__all__ = ["add_social_meta", "name_dialogs", "social_meta"]
