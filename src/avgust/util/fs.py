"""File-system rules shared by every stage: atomic writes and folder swaps, modes, names."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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
    "replace_dir",
]
