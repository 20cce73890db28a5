"""Reading input files safely: regular files in their folder only, never a FIFO or a link out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from avgust.errors import SourceError


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file inside its folder, at most ``limit`` + 1 of them.

    Input documents and sidecars are read only through here. A FIFO, a device or a
    socket is refused from ``lstat`` without being opened (so nothing waits on it); a
    symbolic link is followed only when its target is a regular file inside the link's
    own folder (``resolutions/a.txt`` → ``resolutions/b.txt``), never out of it. The
    file is opened with O_NONBLOCK and O_NOFOLLOW and checked again on its descriptor,
    so a swap between the check and the open cannot make it block or leave the folder.
    Raises SourceError naming ``path``; the caller checks the size against ``limit``.
    """
    target = regular_file(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", path) from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SourceError("not a regular file (it changed while being read)", path)
        try:
            return handle.read(limit + 1)
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror or exc}", path) from exc


def regular_file(path: Path) -> Path:
    """``path`` itself, or the target of a link to a regular file in the same folder.

    Raises SourceError naming ``path`` for a missing file, a broken link, a link out of
    the folder, or anything that is not a regular file (FIFO, device, socket, folder).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError as exc:
        raise SourceError("no such file", path) from exc
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", path) from exc
    target = path
    if stat.S_ISLNK(info.st_mode):
        folder = path.absolute().parent.resolve()
        try:
            target = path.resolve(strict=True)
            info = os.lstat(target)
        except (OSError, RuntimeError) as exc:
            raise SourceError("a symbolic link to nothing (broken link)", path) from exc
        if target.parent != folder:
            raise SourceError(
                f"a symbolic link to {target.as_posix()!r}, outside its folder: refused "
                "(copy the file into the folder instead)",
                path,
            )
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"not a regular file but {_file_kind(info.st_mode)}: refused", path)
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


__all__ = ["read_regular", "regular_file"]
