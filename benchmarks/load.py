"""A Cabinet meeting's audience at once: N concurrent sessions against a running Streamlit server.

    python benchmarks/load.py                      # starts its own server on 127.0.0.1, N = 1, 10, 25, 50
    python benchmarks/load.py --sessions 25 --seconds 30
    python benchmarks/load.py --url http://127.0.0.1:8080 --server-pid 1234 --server-pid 1235

Each session is a raw websocket client speaking Streamlit's own protocol (no browser, so the figures
are the server's cost): it asks for the Overview or a priority page, waits for the run to finish,
waits ``--think`` seconds and asks again. A page run is timed from the request to Streamlit's
"script finished" message. Every level is bounded: it stops after ``--seconds`` (and each request
after ``--timeout``), so the benchmark always ends by itself.

Reports, per level: page runs, median and p95 run, errors, the server's CPU (percent of one core,
summed over ``--server-pid`` processes) and its largest RSS. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from deploy.cluster import free_port, wait_healthy
from harrow_kpi import store

ROOT = Path(__file__).resolve().parent.parent
# What an audience asks for: the Overview (the default page, at the root URL) and the five priority
# pages (url paths in app.py).
PAGES = ["", "build-a-better-harrow", "supporting-those-most-in-need", "preserving-vital-public-services",
         "a-strong-local-economy-for-all", "modernising-harrow-council"]
TICKS = os.sysconf("SC_CLK_TCK")
# The cookie a reverse proxy keeps a browser on one Streamlit process by (docs/deploy.md).
COOKIE = "harrow_node"


def rerun(page: str) -> bytes:
    message = BackMsg()
    message.rerun_script.page_name = page
    message.rerun_script.query_string = ""
    message.rerun_script.widget_states.SetInParent()
    return message.SerializeToString()


async def session(url: str, deadline: float, think: float, timeout: float, runs: list, errors: list,
                  rng: random.Random, name: str, pages: list[str]) -> None:
    """One reader: connect, then ask for pages until the deadline. Each carries its own ``harrow_node``
    cookie, as a browser would after its first page, so a proxy that is sticky by that cookie
    spreads the sessions over its processes (docs/deploy.md)."""
    stream = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    try:
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
                                      additional_headers={"Cookie": f"{COOKIE}={name}"}) as socket_:
            while time.monotonic() < deadline:
                started = time.monotonic()
                await socket_.send(rerun(rng.choice(pages)))
                outcome = await asyncio.wait_for(_finished(socket_), timeout)
                if outcome is None:
                    runs.append(time.monotonic() - started)
                else:
                    errors.append(outcome)
                if think:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    except (TimeoutError, OSError, websockets.WebSocketException) as error:
        errors.append(type(error).__name__)


async def _finished(socket_) -> str | None:
    """Read forward messages until the run ends: ``None`` when it finished cleanly, else what went wrong."""
    while True:
        raw = await socket_.recv()
        message = ForwardMsg()
        message.ParseFromString(raw)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
            return "exception on the page"
        if kind == "page_not_found":
            return "page not found"
        if kind == "script_finished":
            status = message.script_finished
            if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                return None
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return ForwardMsg.ScriptFinishedStatus.Name(status)


async def page_messages(url: str, page: str = "", cookie: str = "reader", timeout: float = 60) -> bytes:
    """Every forward message of one run of ``page``, raw: a test looks in them for a text the page
    shows (protobuf keeps strings as UTF-8)."""
    stream = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    received: list[bytes] = []
    async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
                                  additional_headers={"Cookie": f"{COOKIE}={cookie}"}) as socket_:
        await socket_.send(rerun(page))

        async def read() -> None:
            while True:
                raw = await socket_.recv()
                received.append(raw)
                message = ForwardMsg()
                message.ParseFromString(raw)
                if message.WhichOneof("type") == "script_finished" and \
                        message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return

        await asyncio.wait_for(read(), timeout)
    return b"".join(received)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_rss(pids: list[int], until: float, peak: dict) -> None:
    while time.monotonic() < until:
        peak["rss"] = max(peak["rss"], sum(rss_mb(pid) for pid in pids))
        await asyncio.sleep(0.25)


async def level(url: str, count: int, seconds: float, think: float, timeout: float, pids: list[int],
                seed: int, pages: list[str]) -> dict:
    runs: list[float] = []
    errors: list[str] = []
    peak = {"rss": 0.0}
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    started = time.monotonic()
    deadline = started + seconds
    rngs = [random.Random(seed * 1000 + n) for n in range(count)]
    sampler = asyncio.create_task(sample_rss(pids, deadline + timeout, peak))
    # Sessions arrive over the first second, as an audience does, not all in one instant.
    tasks = []
    for n in range(count):
        tasks.append(asyncio.create_task(session(url, deadline, think, timeout, runs, errors, rngs[n],
                                                  f"s{seed}-{count}-{n}", pages)))
        await asyncio.sleep(1 / count)
    await asyncio.wait(tasks, timeout=seconds + 2 * timeout)
    for task in tasks:
        task.cancel()
    elapsed = time.monotonic() - started
    sampler.cancel()
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    ordered = sorted(runs)
    return {
        "sessions": count, "runs": len(runs), "errors": len(errors), "error_kinds": sorted(set(errors)),
        "median": statistics.median(ordered) if ordered else float("nan"),
        "p95": ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("nan"),
        "cpu": 100 * cpu / elapsed if pids else float("nan"), "rss": peak["rss"],
    }


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """The single-process default, on its own copy of the database built from data/."""
    path = folder / "load.db"
    store.build(path)
    port = free_port()
    env = {**os.environ, "HARROW_KPI_DB": str(path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url)
    return server, url


async def warm(url: str, timeout: float) -> None:
    """One session through every page first, so the figures are a warm server's (caches filled)."""
    stream = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as socket_:
        for page in PAGES:
            await socket_.send(rerun(page))
            await asyncio.wait_for(_finished(socket_), timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one on 127.0.0.1)")
    parser.add_argument("--server-pid", type=int, action="append", default=[],
                        help="a server process to measure (repeat for several); default: the one started")
    parser.add_argument("--sessions", type=int, action="append", help="N (repeat; default 1, 10, 25, 50)")
    parser.add_argument("--seconds", type=float, default=20, help="how long each level runs (default 20)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a reader waits between page runs (default 0: ask again at once)")
    parser.add_argument("--timeout", type=float, default=60, help="the longest a page run may take (default 60)")
    parser.add_argument("--page", action="append", help="a page's url path to ask for (repeat; default: the "
                        "Overview, '', and the five priority pages)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = args.sessions or [1, 10, 25, 50]
    pages = args.page or PAGES
    with tempfile.TemporaryDirectory() as folder:
        server = None
        url, pids = args.url, list(args.server_pid)
        if url is None:
            server, url = start_server(Path(folder))
            pids = pids or [server.pid]
        else:
            wait_healthy(url)
        try:
            asyncio.run(warm(url, args.timeout))
            print(f"{urlparse(url).netloc}, think {args.think:g} s, {args.seconds:g} s a level\n")
            print("| sessions | page runs | median (s) | p95 (s) | errors | server CPU (% of a core) | RSS (MB) |")
            print("|---|---|---|---|---|---|---|")
            for count in counts:
                result = asyncio.run(level(url, count, args.seconds, args.think, args.timeout, pids, args.seed,
                                           pages))
                kinds = f" ({', '.join(result['error_kinds'])})" if result["errors"] else ""
                print(f"| {count} | {result['runs']} | {result['median']:.2f} | {result['p95']:.2f} | "
                      f"{result['errors']}{kinds} | {result['cpu']:.0f} | {result['rss']:.0f} |", flush=True)
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()


if __name__ == "__main__":
    main()
