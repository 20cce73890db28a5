"""File-system details: the stages that write atomically (index, pages, site), safe reads."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from avgust._types import AvgustError


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


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file inside its folder, at most ``limit`` + 1 of them.

    Input documents and sidecars are read only through here. A FIFO, a device or a
    socket is refused from ``lstat`` without being opened (so nothing waits on it); a
    symbolic link is followed only when its target is a regular file inside the link's
    own folder (``resolutions/a.txt`` → ``resolutions/b.txt``), never out of it. The
    file is opened with O_NONBLOCK and O_NOFOLLOW and checked again on its descriptor,
    so a swap between the check and the open cannot make it block or leave the folder.
    Raises AvgustError naming ``path``; the caller checks the size against ``limit``.
    """
    target = regular_file(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise AvgustError(f"cannot read: {exc.strerror or exc}", path) from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AvgustError("not a regular file (it changed while being read)", path)
        try:
            return handle.read(limit + 1)
        except OSError as exc:
            raise AvgustError(f"cannot read: {exc.strerror or exc}", path) from exc


def regular_file(path: Path) -> Path:
    """``path`` itself, or the target of a link to a regular file in the same folder.

    Raises AvgustError naming ``path`` for a missing file, a broken link, a link out of
    the folder, or anything that is not a regular file (FIFO, device, socket, folder).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError as exc:
        raise AvgustError("no such file", path) from exc
    except OSError as exc:
        raise AvgustError(f"cannot read: {exc.strerror or exc}", path) from exc
    target = path
    if stat.S_ISLNK(info.st_mode):
        folder = path.absolute().parent.resolve()
        try:
            target = path.resolve(strict=True)
            info = os.lstat(target)
        except (OSError, RuntimeError) as exc:
            raise AvgustError("a symbolic link to nothing (broken link)", path) from exc
        if target.parent != folder:
            raise AvgustError(
                f"a symbolic link to {target.as_posix()!r}, outside its folder: refused "
                "(copy the file into the folder instead)",
                path,
            )
    if not stat.S_ISREG(info.st_mode):
        raise AvgustError(f"not a regular file but {_file_kind(info.st_mode)}: refused", path)
    return target


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "a special file"
