"""File-system details shared by the stages that write atomically (index, pages, site)."""

from __future__ import annotations

import hashlib
import os
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
