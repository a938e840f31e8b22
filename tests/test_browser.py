"""End to end: the real app served on a local port, every page loaded in headless Chromium.

Uses Debian's /usr/bin/chromium (installed by .ci/run); Playwright never downloads a browser.
Screenshots land in test-output/ for a person to look at.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"

# url path, text that proves the page drew its content. The root comes first: the first
# request after a server start runs Streamlit's pages/ folder emulation once.
PAGES = [
    ("", "Priorities in 2019/20 Q2"),
    ("build-a-better-harrow", "Overall picture in 2019/20 Q2"),
    ("supporting-those-most-in-need", "Overall picture in 2019/20 Q2"),
    ("preserving-vital-public-services", "Overall picture in 2019/20 Q2"),
    ("a-strong-local-economy-for-all", "Overall picture in 2019/20 Q2"),
    ("modernising-harrow-council", "Overall picture in 2019/20 Q2"),
    ("supporting-those-most-in-need?indicator=homelessness-duty-accepted", "Every figure, with its source"),
    ("plans-2004-2020?theme=bvpp-2004/environmental-priorities", "Promises ledger"),
    ("ward-map?ward=E05000304", "new Civic Centre"),
    ("upload", "locked until an officer signs in"),
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium at /usr/bin/chromium; .ci/run installs it")
    pytest.skip("no /usr/bin/chromium on this machine", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(db_file):
    port = _free_port()
    env = {**os.environ, "HARROW_KPI_DB": str(db_file)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError(process.stdout.read().decode(errors="replace"))
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path,expected", PAGES)
def test_every_page_draws_in_chromium_without_an_exception(server, browser, path, expected):
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.get_by_text(expected).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Page not found").count() == 0
    name = path.split("?")[0] + ("-detail" if "?" in path else "")
    page.screenshot(path=str(OUTPUT / f"{name or 'overview'}.png"), full_page=True)
    outside = [u for u in requests if not u.startswith(server) and not u.startswith("data:")]
    assert outside == [], f"the page fetched from the network: {outside[:5]}"
    page.close()


def test_overview_in_the_browser_shows_tiles_with_labels(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_text("Priorities in 2019/20 Q2").wait_for(timeout=60_000)
    page.get_by_text("HR High Red").first.wait_for(timeout=30_000)
    for priority in ["Build a Better Harrow", "Modernising Harrow Council"]:
        assert page.get_by_role("heading", name=priority).count() >= 1
    assert page.get_by_text("HR High Red").count() >= 5  # a tile per priority, and the key
    page.close()


def test_a_scrutiny_member_filters_opens_a_measure_and_shares_the_link(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    page.goto(f"{server}/supporting-those-most-in-need?rag=HR,LR&headline=1", wait_until="domcontentloaded")
    page.get_by_text("Overall picture in 2019/20 Q2").wait_for(timeout=60_000)
    page.get_by_text("headline measures only; RAG: HR High Red, LR Low Red").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Details").first.click()
    page.get_by_text("Every figure, with its source").wait_for(timeout=30_000)
    shared = page.url
    assert "indicator=" in shared and "rag=HR%2CLR" in shared and "headline=1" in shared
    colleague = browser.new_page(viewport={"width": 1366, "height": 1000})
    colleague.goto(shared, wait_until="domcontentloaded")
    colleague.get_by_text("Every figure, with its source").wait_for(timeout=60_000)
    colleague.get_by_text("headline measures only; RAG: HR High Red, LR Low Red").first.wait_for(timeout=30_000)
    assert colleague.locator('[data-testid="stException"]').count() == 0
    page.close()
    colleague.close()


def test_the_ward_map_canvas_is_drawn_with_no_network(server, browser):
    from io import BytesIO

    from PIL import Image

    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "blob:", "data:")) else None)
    page.goto(f"{server}/ward-map", wait_until="domcontentloaded")
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    image = Image.open(BytesIO(canvas.screenshot())).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 20, "the map canvas is blank"
    assert outside == []
    page.close()
