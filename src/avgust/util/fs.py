"""File-system rules shared by every stage: atomic writes and folder swaps, modes, names."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# what mkstemp/mkdtemp add to a name: 8 characters of [a-z0-9_]
_RANDOM = r"[a-z0-9_]{8}"


def gzip_stable(data: bytes | str) -> bytes:
    """``data`` (text as UTF-8) gzipped the same way every time: level 9 and no time stamp,
    so a rebuild of an unchanged file writes the same bytes and a reader unpacks it in one
    call. The site stores what GitHub Pages would not compress, or what would count against
    its 1 GB uncompressed, this way."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return gzip.compress(raw, compresslevel=9, mtime=0)


def current_umask() -> int:
    """The process umask (reading it means setting it; it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_readable(path: Path, directory: bool = False) -> None:
    """Give a mkstemp/mkdtemp file (0600) or folder (0700) the modes the umask allows.

    Without it a published index, docs/ or site is unreadable to a web server or
    another user, whatever the umask.
    """
    path.chmod((0o777 if directory else 0o666) & ~current_umask())


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files of ``folder`` with these suffixes, in a fixed order, not looking into dot or
    dunder folders (.icons, __pycache__)."""
    found: list[Path] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        found += [Path(top) / n for n in sorted(names) if n.endswith(suffixes)]
    return found


def files_digest(root: Path, paths: Iterable[Path], seed: str = "") -> str:
    """SHA-256 of the files' names (relative to ``root``) and bytes: the version of the code
    that made a cached result, so that any change to it misses the cache."""
    digest = hashlib.sha256(seed.encode())
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_versioned(path: Path, version: str) -> dict[str, Any]:
    """The entries :func:`write_versioned` kept in ``path`` for ``version``; {} when the file
    is missing, unreadable or of another version (a cache is then started anew)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("version") == version:
            return dict(data["entries"])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    return {}


def write_versioned(path: Path, version: str, entries: Mapping[str, Any]) -> None:
    """Keep a cache's ``entries`` for ``version``, atomically; a failed write only loses them."""
    with suppress(OSError):
        atomic_write(path, json.dumps({"version": version, "entries": entries}, ensure_ascii=False))


def atomic_write(path: Path, data: bytes | str, *, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never a part; a failed write leaves no
    temporary file behind. ``durable`` also fsyncs before the rename (for files that
    switch what a reader loads, such as the index manifest). The file gets the modes
    the umask allows.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        make_readable(Path(tmp))
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _named(exc, path) from None
    return path


def atomic_copy(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` with the guarantees of :func:`atomic_write`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        make_readable(Path(tmp))
        Path(tmp).replace(target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _named(exc, target) from None
    return target


def _named(exc: BaseException, path: Path) -> BaseException:
    """An OSError of a buffered write (no file name in it) with the file it was about."""
    if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
        named = OSError(exc.errno, exc.strerror, str(path))
        named.__cause__ = exc
        return named
    return exc


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` where ``target`` is, removing the old ``target`` afterwards."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        target.replace(old / target.name)
    try:
        new.replace(target)
    except OSError:
        if old is not None:
            (old / target.name).replace(target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """A temporary folder next to ``target`` (starting as a copy of it) to write into.

    When the block ends normally the folder replaces ``target`` (:func:`replace_dir`);
    when it raises, the folder is removed and ``target`` is as it was. A reader (or a
    full disk) never meets a half-written ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        make_readable(stage, directory=True)
        if target.is_dir():
            shutil.copytree(target, stage, dirs_exist_ok=True)
        yield stage
        replace_dir(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def sweep_leftovers(folder: Path, name: str | None = None) -> list[Path]:
    """Remove what killed writers left in ``folder``; return what was removed.

    That is the temporary folders and files of :func:`staged_dir`, :func:`atomic_write`,
    :func:`atomic_copy` and the ``.old`` folders of :func:`replace_dir`: ``.<name>.<8
    random characters>.tmp|.old``, for ``name`` only when it is given. Call it only while
    the build lock is held: a running writer's temporary folder looks the same.
    """
    pattern = re.compile(
        rf"\.{re.escape(name) if name is not None else '.+'}\.{_RANDOM}\.(?:tmp|old)"
    )
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def os_error_message(exc: OSError, what: str = "write") -> str:
    """A one-line, human account of a failed file operation, naming the file."""
    where = f" {exc.filename}" if exc.filename is not None else ""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f)",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "the file system is read-only",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"cannot {what}{where}: {reason}"


def display_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when inside it, as valid Unicode text.

    A file name that is not valid UTF-8 (a Windows zip unpacked on Linux) reaches
    Python with lone surrogates that JSON, HTML and strict terminals refuse; its
    undecodable bytes become U+FFFD.
    """
    shown = path.as_posix()
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


__all__ = [
    "atomic_copy",
    "atomic_write",
    "current_umask",
    "display_path",
    "file_sha256",
    "make_readable",
    "os_error_message",
    "replace_dir",
    "staged_dir",
    "sweep_leftovers",
]
