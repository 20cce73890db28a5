"""`avgust serve`: the built site on a local HTTP server."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from avgust.errors import AvgustError


def make_server(site_dir: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A threading HTTP server for the built site at ``site_dir``; the caller serves it."""
    if not (site_dir / "index.html").is_file():
        raise AvgustError("no built site here: run `avgust build` first", site_dir)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site_dir))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise AvgustError(f"cannot serve on {host}:{port}: {exc.strerror}", site_dir) from exc


__all__ = ["make_server"]
