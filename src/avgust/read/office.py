"""Old Word (.doc), OpenDocument (.odt) and RTF files, converted to .docx by LibreOffice.

``soffice --headless --convert-to docx`` runs in a private temporary profile
(``-env:UserInstallation``) and a temporary folder, so that it neither touches the user's
LibreOffice settings nor collides with a LibreOffice already running, and is killed after
:data:`CONVERT_TIMEOUT` seconds. The .docx it writes is then read like any other, so Word
list numbering survives the conversion.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from avgust.errors import SourceError

#: Suffixes converted by LibreOffice before reading.
OFFICE_SUFFIXES = (".doc", ".odt", ".rtf")
#: Seconds one conversion may take.
CONVERT_TIMEOUT = 120.0
#: The Debian package that provides ``soffice`` without a desktop.
DEBIAN_PACKAGE = "libreoffice-writer-nogui"


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, path: Path, *, to: str = "docx") -> bytes:
    """The document ``data`` (with ``suffix``, read from ``path``) converted to ``to``.

    Raises SourceError naming ``path`` when LibreOffice is missing, times out, fails or
    writes no output.
    """
    program = soffice()
    if program is None:
        raise SourceError(
            f"reading {suffix} files needs LibreOffice: install the Debian package "
            f"{DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}) or save the file as .docx",
            path,
        )
    with tempfile.TemporaryDirectory(prefix="avgust-soffice-") as tmp:
        folder = Path(tmp)
        source = folder / f"source{suffix}"  # a plain name: soffice mangles odd characters
        source.write_bytes(data)
        out = folder / "out"
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": str(folder)}  # LibreOffice writes there too
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                timeout=CONVERT_TIMEOUT,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SourceError(
                f"LibreOffice did not convert the file within {CONVERT_TIMEOUT:.0f} s", path
            ) from exc
        except OSError as exc:
            raise SourceError(f"cannot run LibreOffice ({program}): {exc}", path) from exc
        converted = out / f"source.{to}"
        if result.returncode != 0 or not converted.is_file():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise SourceError(
                f"LibreOffice could not convert the file to .{to} (a corrupt {suffix}?)"
                + (f": {detail[:300]}" if detail else ""),
                path,
            )
        return converted.read_bytes()
