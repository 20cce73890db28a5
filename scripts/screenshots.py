"""The README's screenshots, taken from a built site in Debian's headless chromium.

- ``resolution-phone.png``: a district's resolution on a 375 × 667 phone, the first screen
  (the summary line, the addressee chips, the first directives; the preamble closed);
- ``podborka-desktop.png``: «Подборка» on a 1280 px screen with the directives about
  наставничество of three districts, grouped by theme, ready to download as .docx.

Serves ``--site`` (default build/site, made by ``make site``) on 127.0.0.1:``--port`` (fixed,
as the share link in the picture shows it), blocks every
request to another host, waits for what the page says it has set up (never for time), and
writes palette-reduced PNGs (Pillow) into ``--out`` (default content/assets/screenshots/, so
the published site has them too). The same build gives the same pictures (up to a stray
anti-aliased pixel).

    .venv/bin/python scripts/screenshots.py
    .venv/bin/python scripts/screenshots.py --site build/site --out content/assets/screenshots
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import sync_playwright

from avgust.site.serve import serving

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's; never `playwright install`
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RESOLUTION = "2020-muchkapskij-rajon"
THEME = "nastavnichestvo"
COLOURS = 64  # palette size: text and the theme's few colours stay crisp
LIMIT = 150_000  # bytes per picture


def collected(site: Path) -> list[str]:
    """One directive about наставничество from each of three districts (sorted: reproducible)."""
    chosen: list[str] = []
    districts: set[str] = set()
    for path in sorted((site / "data" / "r").glob("*.json.gz")):
        res = json.loads(gzip.decompress(path.read_bytes()))
        first = next((d for d in res["directives"] if THEME in d["themes"]), None)
        if first and res["district"] not in districts:
            districts.add(res["district"])
            chosen.append(first["id"])
    if len(chosen) < 3:
        sys.exit(f"error: fewer than three districts have a directive about {THEME}")
    return chosen[:3]


def save(png: bytes, path: Path) -> int:
    """``png`` palette-reduced into ``path``; its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    reduced = image.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    reduced.save(path, format="PNG", optimize=True)
    return path.stat().st_size


def shoot(site: Path, out: Path, port: int) -> dict[str, int]:
    ids = collected(site)
    sizes: dict[str, int] = {}
    with serving(site, port) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def tab(width: int, height: int) -> Any:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                reduced_motion="reduce",
                locale="ru-RU",
            )
            page = context.new_page()
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
            )
            return page

        phone = tab(375, 667)
        phone.goto(f"{base}resheniya/{RESOLUTION}/")
        phone.wait_for_selector("html[data-avg-ready]", state="attached")
        phone.wait_for_selector(".avg-directive .avg-collect")
        shot = phone.screenshot(animations="disabled", caret="hide")
        sizes["resolution-phone.png"] = save(shot, out / "resolution-phone.png")

        desk = tab(1280, 1000)
        desk.goto(base)
        desk.wait_for_function("() => window.avgustCollection !== undefined")
        desk.evaluate("(ids) => window.avgustCollection.set(ids)", ids)
        desk.goto(f"{base}podborka/")
        desk.wait_for_selector("#avg-collection[data-ready]")
        desk.wait_for_function(
            "(n) => document.querySelectorAll('li.avg-collection-item').length === n",
            arg=len(ids),
        )
        desk.get_by_label("По темам").check()
        desk.wait_for_function(
            "(n) => document.querySelectorAll('li.avg-collection-item').length === n &&"
            " document.querySelector('.avg-collection-list h2')?.textContent.includes('Настав')",
            arg=len(ids),
        )
        shot = desk.screenshot(animations="disabled", caret="hide")
        sizes["podborka-desktop.png"] = save(shot, out / "podborka-desktop.png")
        browser.close()
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--out", type=Path, default=ROOT / "content" / "assets" / "screenshots")
    parser.add_argument("--port", type=int, default=8000, help="as `avgust serve` (default 8000)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"error: no built site in {args.site} (make site)", file=sys.stderr)
        return 1
    sizes = shoot(args.site, args.out, args.port)
    too_big = False
    for name, size in sizes.items():
        print(f"{args.out / name}: {size / 1000:.0f} KB")
        too_big |= size > LIMIT
    if too_big:
        print(f"error: a picture is over {LIMIT // 1000} KB", file=sys.stderr)
    return 1 if too_big else 0


if __name__ == "__main__":
    raise SystemExit(main())
