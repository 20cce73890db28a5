"""`avgust` in a subprocess that stops at a named point of a build, for a test to kill it there.

    python -m tests.support.pausing POINT build --no-site --quiet

runs the real CLI; when the build reaches POINT it writes ``PAUSED POINT`` on stderr and
waits forever, so a test that reads that line and then sends SIGKILL kills it exactly
there: no timer and no polling decides the moment. The points:

* ``embedding``: two full batches of passage vectors are in the embedding cache;
* ``version-folder``: the index's temporary version folder holds its records and lexicon;
* ``manifest``: the new manifest's temporary file is written and synced, not yet renamed.

A build that never reaches the point ends as usual (the test sees no ``PAUSED`` line).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

MARK = "PAUSED"


def _pause(point: str) -> None:
    sys.stderr.write(f"{MARK} {point}\n")
    sys.stderr.flush()
    threading.Event().wait()  # until SIGKILL


def _install(point: str) -> None:
    if point == "embedding":
        from avgust.index import embed

        put = embed.EmbeddingCache.put
        batches = [0]

        def counting_put(self: Any, model_id: str, vectors: dict[str, Any]) -> None:
            put(self, model_id, vectors)
            if len(vectors) == embed.DEFAULT_BATCH_SIZE:
                batches[0] += 1
                if batches[0] == 2:
                    _pause(point)

        embed.EmbeddingCache.put = counting_put  # type: ignore[method-assign]
    elif point == "version-folder":
        from avgust.index import store

        write_json = store._write_json

        def pausing_write_json(path: Path, data: Any) -> None:
            write_json(path, data)
            if path.parent.name.startswith(".tmp-") and path.name == store.LEXICAL_FILE:
                _pause(point)

        store._write_json = pausing_write_json
    elif point == "manifest":
        from avgust.index import store

        write = store.atomic_write  # type: ignore[attr-defined]
        fsync = os.fsync
        manifest = [False]

        def flagging_write(path: Path, data: Any, *, durable: bool = False) -> Path:
            manifest[0] = path.name == store.MANIFEST
            return write(path, data, durable=durable)

        def pausing_fsync(fd: Any) -> None:  # atomic_write syncs the temp file, then renames
            fsync(fd)
            if manifest[0]:
                _pause(point)

        store.atomic_write = flagging_write  # type: ignore[attr-defined]
        os.fsync = pausing_fsync
    else:
        raise SystemExit(f"unknown pause point {point!r}")


def main() -> int:
    point, *args = sys.argv[1:]
    _install(point)
    from avgust.cli import main as cli

    return cli(args)


if __name__ == "__main__":
    sys.exit(main())
