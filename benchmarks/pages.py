"""Time each page's script run under AppTest, cold (empty caches) and warm (a rerun,
as when a user changes a filter).

    python benchmarks/pages.py [--runs 5]

Builds the database from data/ into a temporary file first, so the figures
measure the pages, not the build. Prints a Markdown table for the README.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from harrow_kpi import store

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    "pages/overview.py",
    "pages/build-a-better-harrow.py",
    "pages/supporting-those-most-in-need.py",
    "pages/preserving-vital-public-services.py",
    "pages/a-strong-local-economy-for-all.py",
    "pages/modernising-harrow-council.py",
    "pages/plans-2004-2020.py",
    "pages/ward-map.py",
    "pages/upload.py",
    "pages/cabinet.py",
]


def timed_run(at: AppTest, page: str) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        store.build(path)
        print(f"build: {time.perf_counter() - started:.2f} s\n")
        os.environ["HARROW_KPI_DB"] = str(path)
        print("| page | cold (s) | warm median (s) |")
        print("|---|---|---|")
        for page in PAGES:
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(str(ROOT / page), default_timeout=120)
            cold = timed_run(at, page)
            warm = statistics.median(timed_run(at, page) for _ in range(args.runs))
            print(f"| {page} | {cold:.3f} | {warm:.3f} |")


if __name__ == "__main__":
    main()
