"""`avgust serve` (src/avgust/site/serve.py): malformed requests and a burst of clients.

The server runs in a thread on a free port over a two-page site in a temporary folder;
requests are raw (http.client sends the path as given, unnormalised). Response times
are measured by scripts/bench_serve.py, not here.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from avgust.site.serve import BACKLOG, MAX_PATH, SiteServer, make_server

SECRET = "не для посторонних"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "resheniya").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><p>главная</p>", encoding="utf-8")
    (root / "resheniya" / "index.html").write_text("<p>решения</p>" * 2000, encoding="utf-8")
    (tmp_path / "passwd").write_text(SECRET, encoding="utf-8")  # outside the site
    return root


@pytest.fixture
def server(site: Path) -> Iterator[SiteServer]:
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _get(server: SiteServer, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/%00", 400),
        ("/index.html%00.png", 400),
        ("/%ED%A0%80", 400),  # a lone surrogate once decoded
        ("/..%2f..%2fpasswd", 404),
        ("/../../passwd", 404),
        ("/resheniya/..%2F..%2F..%2Fpasswd", 404),
        ("/" + "a" * (MAX_PATH + 1), 414),
        ("/" + "%D1%8F" * 12_000, 414),  # a request line over http.server's own 64 KiB limit
        ("/resheniya/", 200),
    ],
    ids=[
        "nul",
        "nul-in-name",
        "surrogate",
        "encoded-dots",
        "dots",
        "deep-dots",
        "long",
        "huge",
        "ok",
    ],
)
def test_a_malformed_path_gets_an_answer_and_one_log_line(
    server: SiteServer, capsys: pytest.CaptureFixture[str], path: str, status: int
) -> None:
    got, body = _get(server, path)
    assert got == status
    assert SECRET.encode() not in body
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 300, lines
    assert f" {status} " in lines[0] + " ", lines


def test_a_client_that_hangs_up_is_not_an_error(
    server: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.create_connection(("127.0.0.1", server.server_port)) as sock:
        sock.sendall(b"GET /resheniya/ HTTP/1.0\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert _get(server, "/")[0] == 200  # still serving
    assert "Traceback" not in capsys.readouterr().err


def test_two_hundred_clients_at_once_are_all_answered(server: SiteServer) -> None:
    assert server.request_queue_size == BACKLOG >= 200
    count = 200
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        barrier.wait()
        try:
            status = _get(server, "/resheniya/" if i % 2 else "/")[0]
        except OSError as exc:
            status = -(exc.errno or 1)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * count
