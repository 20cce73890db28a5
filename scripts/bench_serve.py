"""Benchmark `avgust serve` under a burst of concurrent local requests.

Starts the server in a subprocess on a free port of 127.0.0.1, then fires ``--requests``
requests at once (one thread each, released together by a barrier) for the site's pages
in turn, each with a ``--timeout`` second limit, ``--rounds`` times. Prints one table:
requests, errors (timeouts, refused or reset connections, non-200 answers), latency
p50/p95/max. ``--baseline`` also measures the standard library's ThreadingHTTPServer
(listen backlog 5), what `avgust serve` was before. The count is bounded and the script
stops its servers itself.

    .venv/bin/python scripts/bench_serve.py                      # build/site, 200 at once
    .venv/bin/python scripts/bench_serve.py --baseline --rounds 3
    .venv/bin/python scripts/bench_serve.py --site /tmp/site --requests 500
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

AVGUST = """
import sys
from pathlib import Path
from avgust.site.serve import make_server
server = make_server(Path(sys.argv[1]), port=0)
print(server.server_port, flush=True)
server.serve_forever()
"""
STDLIB = """
import functools, sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
print(server.server_port, flush=True)
server.serve_forever()
"""


def _pages(site: Path, limit: int = 50) -> list[str]:
    pages = sorted(site.rglob("*.html"))[:limit]
    return ["/" + quote(p.relative_to(site).as_posix()) for p in pages]


def _burst(port: int, paths: list[str], count: int, timeout: float) -> tuple[list[float], int]:
    """``count`` requests released at once; their latencies (s) and the number that failed."""
    barrier = threading.Barrier(count)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        barrier.wait()
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", paths[i % len(paths)])
            response = connection.getresponse()
            response.read()
            connection.close()
            ok = response.status == 200
        except OSError:
            ok = False
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            errors += not ok

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def measure(
    code: str, site: Path, count: int, rounds: int, timeout: float
) -> tuple[int, int, np.ndarray]:
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        paths = _pages(site)
        latencies: list[float] = []
        errors = 0
        for _ in range(rounds):
            got, failed = _burst(port, paths, count, timeout)
            latencies += got
            errors += failed
        return count * rounds, errors, np.array(latencies)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--baseline", action="store_true", help="also the stdlib server")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        sys.exit(f"{args.site}: no built site; run `avgust build` first or pass --site")
    servers = [("avgust serve", AVGUST)]
    if args.baseline:
        servers.append(("stdlib ThreadingHTTPServer", STDLIB))
    print(f"{args.requests} concurrent requests × {args.rounds} rounds, timeout {args.timeout:g} s")
    print(f"{'server':<28} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, code in servers:
        total, errors, lat = measure(code, args.site, args.requests, args.rounds, args.timeout)
        p50, p95, top = (float(x) * 1000 for x in np.percentile(lat, [50, 95, 100]))
        print(f"{name:<28} {total:>8} {errors:>6} {p50:>8.0f} {p95:>8.0f} {top:>8.0f}")


if __name__ == "__main__":
    main()
