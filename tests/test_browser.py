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

from tests.helpers import ROOT

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


OFFICER_PASSWORD = "a browser test passphrase"
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"


def start_server(database, port=None, secrets=None, officers=True) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a loopback port (a free one unless given), with one officer account
    in the environment unless ``officers`` is false, reading the ``secrets`` file given instead of
    .streamlit/secrets.toml; returns once healthy."""
    from harrow_kpi import auth

    port = port or _free_port()
    env = {**os.environ, "HARROW_KPI_DB": str(database)}
    env.pop("HARROW_KPI_OFFICERS", None)
    if officers:
        env["HARROW_KPI_OFFICERS"] = f"tester={auth.hash_password(OFFICER_PASSWORD, iterations=1000)}"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", *(["--secrets.files", str(secrets)] if secrets else [])],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(process.stdout.read().decode(errors="replace"))


@pytest.fixture(scope="module")
def server(db_file, tmp_path_factory):
    import shutil

    private = tmp_path_factory.mktemp("browser") / "kpi.db"
    shutil.copy(db_file, private)  # the upload test writes to it
    process, url = start_server(private)
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


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_cabinet_slides_fit_the_screen_without_scrolling(server, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    for slide in range(1, 8):
        page.goto(f"{server}/?present=1&slide={slide}", wait_until="domcontentloaded")
        page.get_by_text(f"Slide {slide} of 7").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stSidebar"]').is_hidden()
        scroll, visible = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=stMain]');"
            " return [m.scrollHeight, m.clientHeight]; }")
        assert scroll <= visible + 2, f"slide {slide} overflows at {width}x{height}: {scroll} > {visible}"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"cabinet-{slide}-{width}x{height}.png"))
    page.close()


def test_the_briefing_pack_opens_offline_with_its_charts(server, browser, db_file):
    from harrow_kpi import briefing, filters, queries, store

    with store.opened(db_file) as db:
        table = queries.scorecard(db, "2019/20 Q2")
        previous = queries.scorecard(db, "2019/20 Q1")
        histories = queries.histories(db, table["indicator_id"])
    OUTPUT.mkdir(exist_ok=True)
    pack = OUTPUT / "briefing-pack.html"
    pack.write_text(briefing.build(table, previous, filters.Filters(quarter="2019/20 Q2"), histories),
                    encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.route("**/*", lambda route: (requests.append(route.request.url),
                                      route.continue_() if route.request.url.startswith("file:") else route.abort()))
    page.goto(pack.as_uri())
    page.wait_for_timeout(2000)
    assert [url for url in requests if not url.startswith("file:")] == []
    assert page.locator(".plotly-graph-div .main-svg").count() >= 5
    assert page.get_by_role("heading", name="Modernising Harrow Council").count() == 1
    page.screenshot(path=str(OUTPUT / "briefing-pack.png"))
    page.close()


def sign_in(page) -> None:
    page.get_by_label("Officer name").fill("tester")
    page.get_by_role("textbox", name="Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as officer").wait_for(timeout=30_000)


def test_an_officer_uploads_a_quarter_in_the_browser_and_rolls_it_back(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    page.goto(f"{server}/upload", wait_until="domcontentloaded")
    sign_in(page)
    quarter = tmp_path / "q3.csv"
    quarter.write_text("indicator_id,period,actual,target,rag\ncouncil-tax-collected,2019/20 Q3,84.1%,85%,A\n"
                       "sickness-absence,2019/20 Q3,9.8,9,\nbook-issues,2019/20 Q3,\"301,200\",300000,LG\n",
                       encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(quarter))
    page.get_by_role("button", name="Commit 3 rows").click()
    page.get_by_text("Upload 1 committed: 3 added").wait_for(timeout=30_000)
    # A new session is a reader: the draft shows only when the link asks for drafts, and says so.
    page.goto(f"{server}/modernising-harrow-council?quarter=2019/20%20Q3", wait_until="domcontentloaded")
    page.get_by_text("Overall picture in 2019/20 Q2").wait_for(timeout=60_000)
    page.goto(f"{server}/modernising-harrow-council?quarter=2019/20%20Q3&drafts=1", wait_until="domcontentloaded")
    page.get_by_text("Overall picture in 2019/20 Q3").wait_for(timeout=60_000)
    page.get_by_text("Draft: 3 of 114 measures reported").wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "draft-quarter.png"))
    page.goto(f"{server}/upload", wait_until="domcontentloaded")
    page.get_by_label("Officer name").fill("tester")
    page.get_by_role("textbox", name="Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("I understand this restores").click()
    page.get_by_role("button", name="Roll back").click()
    page.get_by_text("rolled back: 3 figures restored").wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "upload-rolled-back.png"), full_page=True)
    page.close()


AXE_PAGES = ["", "build-a-better-harrow", "supporting-those-most-in-need?indicator=homelessness-duty-accepted",
             "plans-2004-2020", "ward-map?ward=E05000304", "upload", "?present=1&slide=2"]
# Streamlit's own sidebar navigation puts section headings inside its <ul> (axe: list, listitem);
# that is Streamlit's to fix, recorded in the README, and left out of the check.
STREAMLIT_OWNED = [['[data-testid="stSidebarNav"]']]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_serious_accessibility_violations_of_ours(server, browser, path):
    if not AXE.exists():
        if os.environ.get("CI"):
            raise RuntimeError("axe-core is missing: .ci/run installs it with npm into tests/e2e")
        pytest.skip("axe-core not installed (npm install --prefix tests/e2e)")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
    page.wait_for_timeout(2500)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (exclude) => await axe.run({include: [['body']], exclude: exclude},
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""",
        STREAMLIT_OWNED,
    )
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.close()


def _alive(pid: int) -> bool:
    """Running, not merely a zombie left for init to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def test_the_server_stops_on_sigterm_with_the_upload_check_worker_running(db_file, browser, tmp_path):
    import shutil
    import signal

    private = tmp_path / "kpi.db"
    shutil.copy(db_file, private)
    process, url = start_server(private)
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    page.goto(f"{url}/upload", wait_until="domcontentloaded")
    sign_in(page)
    quarter = tmp_path / "q3.csv"
    quarter.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,5\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(quarter))
    page.get_by_role("button", name="Commit 1 rows").wait_for(timeout=30_000)  # checked in the worker
    page.close()
    workers = _children(process.pid)
    assert workers, "the upload check runs in a worker process"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) is not None
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)
