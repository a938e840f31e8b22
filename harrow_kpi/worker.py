"""The upload page checks files in one worker process, apart from the Streamlit server: a hostile file
costs that process its time and memory, never the readers' script threads, and one file is checked at a
time. Its workers are daemons, so the server still stops on SIGTERM."""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import os
import sys
import threading
import time
import types

from harrow_kpi.ingest import Checked, Problem

CHECK_SECONDS = 60  # a check that takes longer is stopped and the file refused

_worker = {"pool": None}
_worker_lock = threading.Lock()


def _end_with_server(server: int) -> None:
    """In the worker: end as soon as the server process is gone, even mid-check (a server killed outright
    runs no exit handlers, and a worker left behind would hold its memory until the check ends)."""
    def watch():
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _start_worker():
    """A spawned worker (never forked from a threaded server) that imports only what it is sent: Streamlit
    makes the running page script ``__main__``, which a spawned process would otherwise run again."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        return multiprocessing.get_context("spawn").Pool(1, initializer=_end_with_server, initargs=(os.getpid(),))
    finally:
        sys.modules["__main__"] = main


@atexit.register
def _stop_worker() -> None:
    """At exit, before the interpreter takes its modules apart: a pool left to the garbage collector
    then prints a traceback on its way out."""
    pool, _worker["pool"] = _worker["pool"], None
    if pool is not None:
        pool.terminate()


def apart(function, data: bytes, filename: str, *args, timeout: float | None = None) -> Checked:
    """``function(data, filename, *args)`` (``ingest.check``, or ``scorecards.check``) in the worker process;
    a check still running after ``timeout`` seconds is stopped and the file refused."""
    timeout = CHECK_SECONDS if timeout is None else timeout
    with _worker_lock:
        if _worker["pool"] is None:
            _worker["pool"] = _start_worker()
        pool = _worker["pool"]
    pending = pool.apply_async(function, (data, filename, *args))
    try:
        return pending.get(timeout)
    except multiprocessing.TimeoutError:
        with _worker_lock:
            if _worker["pool"] is pool:
                _worker["pool"] = None
        pool.terminate()
        checked = Checked(filename=filename, sha256=hashlib.sha256(data).hexdigest())
        checked.problems.append(Problem(f"checking the file took longer than {timeout:g} seconds, the limit; "
                                        "split it into smaller files"))
        return checked
