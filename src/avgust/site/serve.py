"""`avgust serve`: the built site on a local HTTP server.

One thread per connection (daemon threads, so Ctrl+C never waits for a client) and a
listen backlog of :data:`BACKLOG`: the standard library's default of 5 drops the SYNs of
a burst of connections, whose clients then wait seconds for a retransmission. A
malformed request (a NUL byte or an undecodable escape in the path, a path longer than
:data:`MAX_PATH`) is answered 400/414 and logged as one line like every other request;
a client that goes away mid-answer is not an error.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from avgust.errors import AvgustError

BACKLOG = 1024  # connections the kernel queues before accept (capped by net.core.somaxconn)
MAX_PATH = 2048  # characters of a request's path (without the query); longer is 414
CLIENT_TIMEOUT = 30.0  # seconds a silent client may hold its thread
LOG_LINE = 300  # characters of a log line


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client hung up or went silent: nothing is wrong with the site
        host = client_address[0] if isinstance(client_address, tuple) else client_address
        _log(f"{host} - error: {type(error).__name__}: {error}")


class SiteHandler(SimpleHTTPRequestHandler):
    timeout = CLIENT_TIMEOUT

    def send_head(self) -> BytesIO | BinaryIO | None:
        if len(urlsplit(self.path).path) > MAX_PATH:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return None
        try:
            return super().send_head()
        except ValueError:  # a NUL byte or a lone surrogate in the decoded path
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed path")
            return None

    def log_error(self, format: str, *args: Any) -> None:
        pass  # the request's own line (log_request) already carries its status

    def log_message(self, format: str, *args: Any) -> None:
        # an overlong request line is shown by its start, so that its status stays in view
        short = tuple(a[:200] + "…" if isinstance(a, str) and len(a) > 200 else a for a in args)
        _log(f"{self.address_string()} - {format % short}")


def _log(line: str) -> None:
    """One line on stderr, whatever a client put into its request line."""
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in line)
    if len(shown) > LOG_LINE:  # an overlong path is shown by its start
        shown = shown[: LOG_LINE - 1] + "…"
    sys.stderr.write(shown + "\n")


class QuietHandler(SiteHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # for tests and scripts, whose output is their own


def make_server(
    site_dir: Path, port: int = 8000, host: str = "127.0.0.1", *, quiet: bool = False
) -> SiteServer:
    """A threading HTTP server for the built site at ``site_dir``; the caller serves it."""
    if not (site_dir / "index.html").is_file():
        raise AvgustError("no built site here: run `avgust build` first", site_dir)
    handler = functools.partial(QuietHandler if quiet else SiteHandler, directory=str(site_dir))
    try:
        return SiteServer((host, port), handler)
    except OSError as exc:
        raise AvgustError(f"cannot serve on {host}:{port}: {exc.strerror}", site_dir) from exc


@contextmanager
def serving(site_dir: Path, port: int = 0) -> Iterator[str]:
    """``site_dir`` on http://127.0.0.1:<port, default a free one>/, quietly, while the block
    runs: the server of tests, benchmarks and screenshots."""
    server = make_server(site_dir, port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


__all__ = [
    "BACKLOG",
    "CLIENT_TIMEOUT",
    "MAX_PATH",
    "QuietHandler",
    "SiteServer",
    "make_server",
    "serving",
]
