"""Several Streamlit processes of the app behind nginx on one machine, all on one SQLite database.

    python -m deploy.cluster --processes 2 --port 8080            # on data/harrow_kpi.db
    python benchmarks/load.py --url http://127.0.0.1:8080 --server-pid ...   # the pids it prints

Each process is a plain ``streamlit run app.py`` on its own loopback port; nginx (Debian's) listens
on ``--port`` and keeps each browser on one process by a cookie (deploy/nginx.conf.template). The
database is in WAL mode, so readers never wait for a writer; an upload or a publish in any process
moves the data version, and every process's cached pages read afresh (ui.data_version). See
docs/deploy.md for running it for real.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def max_upload_mb() -> int:
    """Streamlit's upload limit, from the app's own config: nginx is given the same."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return int(config["server"]["maxUploadSize"])


def nginx_config(listen: str, ports: list[int], prefix: Path, max_upload: int | None = None,
                 show_upstream: bool = False) -> str:
    """The template filled in; ``show_upstream`` adds a header naming the process that answered (tests)."""
    servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
    debug = '            add_header X-Harrow-Upstream $upstream_addr always;\n' if show_upstream else ""
    text = TEMPLATE.read_text()
    for name, value in {"listen": listen, "servers": servers, "prefix": str(prefix),
                        "max_upload": str(max_upload or max_upload_mb()), "debug_headers": debug}.items():
        text = text.replace("{" + name + "}", value)
    return text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no healthy server at {url} after {timeout:.0f} s")


@dataclass
class Cluster:
    url: str  # nginx
    process_urls: list[str]
    processes: list[subprocess.Popen] = field(repr=False)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]


@contextmanager
def running(database: str | os.PathLike, processes: int = 2, port: int | None = None,
            env: dict | None = None, show_upstream: bool = False):
    """Start ``processes`` Streamlit servers and nginx in front of them; stop them all on leaving."""
    prefix = Path(tempfile.mkdtemp(prefix="harrow-nginx-"))
    prefix.chmod(0o755)
    ports = [free_port() for _ in range(processes)]
    port = port or free_port()
    shared = {**os.environ, **(env or {}), "HARROW_KPI_DB": str(database),
              # One secret for every process, so a cookie signed by one (XSRF) verifies on any.
              "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
              or secrets.token_hex(32)}
    started: list[subprocess.Popen] = []
    try:
        for process_port in ports:
            started.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(process_port),
                 "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=shared, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        process_urls = [f"http://127.0.0.1:{process_port}" for process_port in ports]
        for url in process_urls:
            wait_healthy(url)
        config = prefix / "nginx.conf"
        config.write_text(nginx_config(f"127.0.0.1:{port}", ports, prefix, show_upstream=show_upstream))
        started.append(subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, timeout=20)
        yield Cluster(url=url, process_urls=process_urls, processes=started[:-1])
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(prefix, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--db", default=os.environ.get("HARROW_KPI_DB") or str(ROOT / "data" / "harrow_kpi.db"))
    args = parser.parse_args()
    # A service manager, ``timeout`` or ``kill`` stops it with SIGTERM: leave through ``running``'s
    # clean-up so no Streamlit process or nginx is left behind on its ports.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not Path(args.db).exists():
        from harrow_kpi import rebuild

        rebuild.rebuild(args.db)
    with running(args.db, args.processes, args.port) as cluster:
        print(f"{cluster.url}  (processes {', '.join(cluster.process_urls)}; pids {' '.join(map(str, cluster.pids))})",
              flush=True)
        try:
            while all(process.poll() is None for process in cluster.processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
