"""`avgust add SOURCE…`: fetch or copy a published resolution into ``resolutions/``.

A source is an http(s) address or a file path. A download is refused over
:data:`MAX_DOWNLOAD_BYTES` (by its Content-Length before reading, else as soon as that
much has arrived), after :data:`FETCH_TIMEOUT` seconds without data or
:data:`FETCH_DEADLINE` seconds in all, after :data:`MAX_REDIRECTS` redirects, and on any
status but 200. The type is sniffed from the content bytes (``%PDF``, a Word or
OpenDocument zip, an OLE .doc, ``{\\rtf``, an HTML page, text), not taken from the name or
the Content-Type.

The document is read and parsed to name it ``<year>-<district>`` (as the five documents
in ``resolutions/`` are named), falling back to the address's file name. It is refused
when a document with the same sha256, the same file name or the same resolution slug is
already there. The original is stored byte for byte with a sidecar ``.yml`` holding
``source_url``, ``retrieved`` and ``sha256``, and what was inferred from the text (kind,
district, region, date) as comments for a person to check. Both files are written
atomically (a temporary file, then ``os.replace``); ``dry_run`` writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from slugify import slugify

from avgust.errors import AvgustError
from avgust.parse.batch import parse_all
from avgust.parse.parser import parse_source
from avgust.read.sources import MAX_SOURCE_BYTES, discover_sources, read_source

MAX_DOWNLOAD_BYTES = MAX_SOURCE_BYTES
FETCH_TIMEOUT = 30.0
FETCH_DEADLINE = 120.0
MAX_REDIRECTS = 5
_USER_AGENT = "avgust (+https://github.com/; resolutions of August conferences)"


@dataclass(frozen=True)
class AddReport:
    """What ``avgust add`` did (or, with ``dry_run``, would do) with one source."""

    source: str
    stored: str  # the document's path under the resolutions folder
    sidecar: str
    format: str  # the sniffed type: pdf, docx, doc, odt, rtf, html, txt
    sha256: str
    size: int
    directives: int
    kind: str | None
    district: str | None
    region: str | None
    date: str | None
    dry_run: bool = False


def add_sources(
    sources: Sequence[str],
    directory: Path,
    *,
    cache_dir: Path | None = None,
    dry_run: bool = False,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    today: dt.date | None = None,
) -> list[AddReport | AvgustError]:
    """Add each source; a source that fails gives its AvgustError and the others go on."""
    results: list[AddReport | AvgustError] = []
    for source in sources:
        try:
            results.append(
                add_source(
                    source,
                    directory,
                    cache_dir=cache_dir,
                    dry_run=dry_run,
                    timeout=timeout,
                    max_bytes=max_bytes,
                    today=today,
                )
            )
        except AvgustError as error:
            results.append(error)
    return results


def add_source(
    source: str,
    directory: Path,
    *,
    cache_dir: Path | None = None,
    dry_run: bool = False,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    today: dt.date | None = None,
) -> AddReport:
    """Fetch (or copy) one document into ``directory`` with its sidecar."""
    if not directory.is_dir():
        raise AvgustError("no such folder of resolutions", directory)
    is_url = urlsplit(source).scheme in ("http", "https")
    data = fetch(source, timeout=timeout, max_bytes=max_bytes) if is_url else _read_file(source)
    fmt = sniff(data, source)
    sha256 = hashlib.sha256(data).hexdigest()
    _refuse_same_content(sha256, directory, source)
    with tempfile.TemporaryDirectory(prefix="avgust-add-") as tmp:
        probe = Path(tmp) / f"document.{fmt}"
        probe.write_bytes(data)
        try:
            text = read_source(probe, cache_dir=cache_dir)
        except AvgustError as error:
            raise AvgustError(f"cannot read the {fmt} document: {error.message}", source) from None
        resolution, _ = parse_source(text)
    stem = _stem(resolution.date, resolution.district, source, sha256)
    stored = directory / f"{stem}.{fmt}"
    sidecar = directory / f"{stem}.yml"
    for existing in (stored, sidecar, *directory.glob(f"{stem}.*")):
        if existing.exists():
            raise AvgustError(
                f"refused: {existing.name} is already in {directory} (same name); "
                "rename or remove it first",
                source,
            )
    _refuse_same_slug(resolution.slug, directory, cache_dir, source)
    report = AddReport(
        source=source,
        stored=str(stored),
        sidecar=str(sidecar),
        format=fmt,
        sha256=sha256,
        size=len(data),
        directives=len(resolution.directives),
        kind=resolution.kind,
        district=resolution.district,
        region=resolution.region,
        date=resolution.date,
        dry_run=dry_run,
    )
    if not dry_run:
        retrieved = (today or dt.date.today()).isoformat()
        _write_atomically(stored, data)
        try:
            _write_atomically(
                sidecar, _sidecar_text(report, source if is_url else None, retrieved).encode()
            )
        except BaseException:
            stored.unlink(missing_ok=True)  # never a document without its sidecar
            raise
    return report


# --- fetching ---------------------------------------------------------------------------


def fetch(
    url: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_DOWNLOAD_BYTES
) -> bytes:
    """The body of ``url`` (following redirects), refused over ``max_bytes`` or on timeouts."""
    import httpx

    started = time.monotonic()
    deadline = max(FETCH_DEADLINE, timeout)
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout),
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                headers={"User-Agent": _USER_AGENT},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise AvgustError(
                    f"HTTP {response.status_code} {response.reason_phrase} from {response.url}",
                    url,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise AvgustError(_too_large(int(declared), max_bytes, "announced"), url)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise AvgustError(_too_large(len(body), max_bytes, "more than"), url)
                if time.monotonic() - started > deadline:
                    raise AvgustError(f"download took longer than {deadline:.0f} s", url)
    except httpx.TooManyRedirects as exc:
        raise AvgustError(f"more than {MAX_REDIRECTS} redirects", url) from exc
    except httpx.TimeoutException as exc:
        raise AvgustError(f"timed out: no answer within {timeout:g} s", url) from exc
    except httpx.HTTPError as exc:
        raise AvgustError(f"cannot fetch: {exc}", url) from exc
    if not body:
        raise AvgustError("the server sent an empty body", url)
    return bytes(body)


def _too_large(size: int, limit: int, how: str) -> str:
    return (
        f"refused: {how} {size:,} bytes, over the limit of {limit:,} bytes "
        f"({limit / 2**20:.0f} MiB)"
    )


def _read_file(source: str) -> bytes:
    path = Path(source)
    if not path.is_file():
        raise AvgustError("no such file (and not an http(s) address)", source)
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise AvgustError(_too_large(size, MAX_SOURCE_BYTES, "the file has"), source)
    if size == 0:
        raise AvgustError("empty file", source)
    return path.read_bytes()


# --- what the bytes are -----------------------------------------------------------------

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
    re.I | re.S,
)


def sniff(data: bytes, source: str) -> str:
    """The document type from its first bytes: pdf, docx, odt, doc, rtf, html or txt."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").strip()
                    if mimetype == b"application/vnd.oasis.opendocument.text":
                        return "odt"
        except zipfile.BadZipFile as exc:
            raise AvgustError(f"a broken zip archive (a damaged .docx?): {exc}", source) from exc
        raise AvgustError("a zip archive that is neither a Word nor an OpenDocument text", source)
    if head.startswith(bytes.fromhex("d0cf11e0a1b11ae1")):
        return "doc"
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"{\\rtf"):
        return "rtf"
    text_head = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(text_head) or re.search(rb"<html[\s>]", text_head[:1024], re.I):
        return "html"
    if head.count(0) > len(head) // 100 and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AvgustError(
            "binary data of an unknown type (not pdf, docx, doc, odt, rtf, html)", source
        )
    return "txt"


# --- names, duplicates, sidecar ---------------------------------------------------------


def _stem(date: str | None, district: str | None, source: str, sha256: str) -> str:
    """ "2023-talovskij" like the documents in resolutions/, else the address's file name."""
    if district:
        word = district.split()[0]
        name = slugify(word, replacements=[["й", "j"], ["Й", "J"]], max_length=40)
        if name:
            return f"{date[:4]}-{name}" if date else name
    tail = Path(unquote(urlsplit(source).path)).stem if "://" in source else Path(source).stem
    name = slugify(tail, replacements=[["й", "j"], ["Й", "J"]], max_length=40)
    return name or f"resolution-{sha256[:8]}"


def _refuse_same_content(sha256: str, directory: Path, source: str) -> None:
    for path in discover_sources(directory):
        if hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            raise AvgustError(f"refused: the same document is already there as {path.name}", source)


def _refuse_same_slug(slug: str, directory: Path, cache_dir: Path | None, source: str) -> None:
    resolutions, _ = parse_all(discover_sources(directory), cache_dir=cache_dir)
    for resolution in resolutions:
        if resolution.slug == slug:
            raise AvgustError(
                f"refused: resolution {slug!r} is already there ({Path(resolution.source).name}); "
                "if this is another document, add it by hand with a distinct `slug` in its sidecar",
                source,
            )


def _yaml_value(value: str) -> str:
    import yaml

    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def _sidecar_text(report: AddReport, url: str | None, retrieved: str) -> str:
    lines = [
        f"# Metadata for {Path(report.stored).name} (keys: see src/avgust/_metadata.py).",
        f"# Added by `avgust add` on {retrieved} from {url or report.source}.",
        "# Inferred from the text — check each against the document, then uncomment it",
        "# (or correct it) so that it is set for certain:",
    ]
    for key in ("kind", "district", "region", "date"):
        value = getattr(report, key)
        lines.append(
            f"# {key}: {_yaml_value(value)}" if value else f"# {key}:   (not found in the text)"
        )
    if url is not None:
        lines.append(f"source_url: {_yaml_value(url)}")
    lines += [f"retrieved: {retrieved}", f"sha256: {report.sha256}", ""]
    return "\n".join(lines)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
