"""`avgust add` against a real HTTP server on 127.0.0.1 (no mocks): .html, .docx and .pdf
bodies under misleading names, redirects, 404, a huge body, a server that does not answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from avgust.add import add_source, add_sources, sniff
from avgust.errors import AvgustError
from avgust.parse.parser import parse_file
from avgust.read.sidecar import load_sidecar
from tests.support.formats import TEXT, docx_bytes, html_bytes

TODAY = dt.date(2026, 9, 1)


def text_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=10)
    for line in TEXT.replace("Таловского", "Бобровского").splitlines():
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class Server:
    """Routes of the test server; ``release`` lets the slow route answer."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/news/reshenie.php?id=7": (200, {"Content-Type": "text/html"}, html_bytes()),
            # a .docx sent as a generic download: the type comes from the bytes
            "/download?file=42": (
                200,
                {"Content-Type": "application/octet-stream"},
                docx_bytes(TEXT.replace("Таловского", "Лискинского")),
            ),
            "/files/scan.html": (200, {"Content-Type": "text/html"}, text_pdf()),
            "/old": (302, {"Location": "/news/reshenie.php?id=7"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
        }

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/slow":
                    server.release.wait(30)  # the client gives up long before
                    self.send_response(200)
                    self.end_headers()
                    return
                if self.path.startswith("/huge"):
                    self.send_response(200)
                    if self.path == "/huge":
                        self.send_header("Content-Length", str(500 * 2**20))
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(500 * 16):  # 500 MiB unless the client hangs up
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Server]]:
    routes = Server()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), routes.handler())
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    routes.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "resolutions"
    path.mkdir()
    return path


def test_html_page_is_stored_with_a_sidecar_to_check(
    server: tuple[str, Server], folder: Path
) -> None:
    base, _ = server
    url = f"{base}/news/reshenie.php?id=7"
    report = add_source(url, folder, today=TODAY)
    stored = Path(report.stored)
    assert stored == folder / "2023-talovskij.html"
    assert stored.read_bytes() == html_bytes()  # the original, byte for byte
    assert (report.format, report.district, report.date) == (
        "html",
        "Таловский район",
        "2023-08-25",
    )
    sidecar_text = Path(report.sidecar).read_text(encoding="utf-8")
    assert "# district: Таловский район" in sidecar_text
    assert "# date: '2023-08-25'" in sidecar_text or "# date: 2023-08-25" in sidecar_text
    data = yaml.safe_load(sidecar_text)
    assert data == {
        "source_url": url,
        "retrieved": TODAY,
        "sha256": hashlib.sha256(html_bytes()).hexdigest(),
    }
    sidecar = load_sidecar(stored)  # the project's own checks accept it
    assert sidecar is not None and sidecar.sha256 == data["sha256"]
    resolution, _ = parse_file(stored)
    assert len(resolution.directives) == 9
    assert sorted(p.name for p in folder.iterdir()) == ["2023-talovskij.html", "2023-talovskij.yml"]


def test_type_is_sniffed_from_the_bytes_not_the_name(
    server: tuple[str, Server], folder: Path
) -> None:
    base, _ = server
    docx = add_source(f"{base}/download?file=42", folder, today=TODAY)
    pdf = add_source(f"{base}/files/scan.html", folder, today=TODAY)
    assert (Path(docx.stored).name, docx.format) == ("2023-liskinskij.docx", "docx")
    assert (Path(pdf.stored).name, pdf.format) == ("2023-bobrovskij.pdf", "pdf")
    assert docx.directives == pdf.directives == 9


def test_redirect_is_followed(server: tuple[str, Server], folder: Path) -> None:
    base, _ = server
    report = add_source(f"{base}/old", folder, today=TODAY)
    assert report.format == "html"
    assert yaml.safe_load(Path(report.sidecar).read_text())["source_url"] == f"{base}/old"


def test_same_document_twice_is_refused(server: tuple[str, Server], folder: Path) -> None:
    base, _ = server
    add_source(f"{base}/news/reshenie.php?id=7", folder, today=TODAY)
    with pytest.raises(
        AvgustError, match=r"same document is already there as 2023-talovskij\.html"
    ):
        add_source(f"{base}/old", folder, today=TODAY)


def test_same_slug_from_other_bytes_is_refused(folder: Path, tmp_path: Path) -> None:
    (folder / "talovo.txt").write_text(TEXT, encoding="utf-8")
    other = tmp_path / "copy.txt"
    other.write_text(TEXT + "\nДополнение.\n", encoding="utf-8")
    with pytest.raises(AvgustError, match="already there"):
        add_source(str(other), folder, today=TODAY)


def test_a_local_file_is_copied_without_source_url(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "решение.txt"
    path.write_text(TEXT, encoding="utf-8")
    report = add_source(str(path), folder, today=TODAY)
    data = yaml.safe_load(Path(report.sidecar).read_text(encoding="utf-8"))
    assert set(data) == {"retrieved", "sha256"}


def test_a_source_replaced_after_add_is_a_warning_naming_the_sidecar(
    folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "решение.txt"
    path.write_text(TEXT, encoding="utf-8")
    report = add_source(str(path), folder, today=TODAY)
    stored = Path(report.stored)
    assert [p.message for p in parse_file(stored)[1] if "has changed" in p.message] == []
    stored.write_text(TEXT.replace("Провести", "Организовать"), encoding="utf-8")
    changed = [p for p in parse_file(stored)[1] if "has changed since it was added" in p.message]
    assert [(p.path, p.severity.value) for p in changed] == [(report.sidecar, "warning")]


def test_dry_run_writes_nothing(server: tuple[str, Server], folder: Path) -> None:
    base, _ = server
    report = add_source(f"{base}/news/reshenie.php?id=7", folder, dry_run=True, today=TODAY)
    assert report.dry_run and report.stored.endswith("2023-talovskij.html")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.pdf", "HTTP 404"),
        ("/loop", "more than 5 redirects"),
        ("/huge", "refused: announced 524,288,000 bytes, over the limit"),
        ("/huge-chunked", "refused: more than"),
        ("/slow", "timed out: no answer within 0.5 s"),
    ],
)
def test_bad_downloads_are_refused_with_the_address(
    server: tuple[str, Server], folder: Path, path: str, message: str
) -> None:
    base, _ = server
    (result,) = add_sources([f"{base}{path}"], folder, timeout=0.5, max_bytes=2**20)
    assert isinstance(result, AvgustError)
    assert message in result.message
    assert result.path == f"{base}{path}"
    assert list(folder.iterdir()) == []  # nothing half-written


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100), "doc"),
        (b"{\\rtf1\\ansi ...}", "rtf"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html>", "html"),
        (b"  <html lang='ru'><body>", "html"),
        ("Решение конференции".encode("cp1251"), "txt"),
    ],
)
def test_sniff(data: bytes, fmt: str) -> None:
    assert sniff(data, "x") == fmt


def test_cli_add_dry_run(folder: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from avgust.cli import app

    path = tmp_path / "r.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["add", "--dir", str(folder), "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "would add" in result.output and "2023-talovskij.txt" in result.output
    assert list(folder.iterdir()) == []
    missing = CliRunner().invoke(app, ["add", "--dir", str(folder), str(tmp_path / "нет.doc")])
    assert missing.exit_code == 1
