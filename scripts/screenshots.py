#!/usr/bin/env python3
"""Take the README's screenshots (docs/industry.png, docs/chain-map.png) from a running app in
Debian's headless Chromium:  chainkg serve &  python scripts/screenshots.py [BASE_URL]"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", args=ARGS, viewport={"width": 1400, "height": 900}
        )
        page = browser.new_page()
        page.goto(f"{BASE}/industries/green-aluminium")
        page.screenshot(
            path=str(DOCS / "industry.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1400, "height": 1750},
        )
        page.goto(f"{BASE}/industries/green-aluminium/map")
        page.wait_for_timeout(4000)  # let the layout settle
        page.screenshot(path=str(DOCS / "chain-map.png"))
        browser.close()


if __name__ == "__main__":
    main()
