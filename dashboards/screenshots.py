"""Take the README screenshots of each dashboard from a running server (Debian Chromium).

    python -m dashboards.screenshots --url http://127.0.0.1:5006 --user analyst \
        --password demo-analyst-pass --out docs/screenshots

Opens each app (and the map tabs), waits until it has drawn, and saves one PNG per view.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: (file name, path, text to wait for, tab to click or None)
VIEWS = (
    ("index", "/", "Welcome", None),
    ("strategic_priorities", "/strategic", "Priority matrix", None),
    ("strategic_trends", "/strategic", "Priority matrix", "Trends"),
    ("strategic_map", "/strategic", "Priority matrix", "Areas and deprivation"),
    ("tactical_emerging", "/tactical", "Emerging issues", None),
    ("tactical_hotspots", "/tactical", "Emerging issues", "Hotspot map"),
    ("tactical_day_hour", "/tactical", "Emerging issues", "Day × hour"),
    ("hub_explorer", "/explorer", "Fitness for purpose", "Coverage"),
    ("product_library", "/library", "Product library", None),
)


def _take(url: str, user: str, password: str, out: Path, chromium: str = "/usr/bin/chromium") -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(url + "/login")
        page.fill("#username", user)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.get_by_text("Welcome").first.wait_for()
        for name, path, marker, tab in VIEWS:
            page.goto(url + path)
            page.get_by_text(marker).first.wait_for()
            if tab:
                page.get_by_text(tab, exact=True).first.click()
                if "map" in name or "hotspots" in name:
                    page.frame_locator("iframe.wb-map").locator(
                        ".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for()
            time.sleep(2.5)
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            saved.append(target)
        browser.close()
    return saved


def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:5006")
    ap.add_argument("--user", default="analyst")
    ap.add_argument("--password", required=True)
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = ap.parse_args()
    for path in _take(args.url, args.user, args.password, args.out):
        print(path)


if __name__ == "__main__":
    _main()
