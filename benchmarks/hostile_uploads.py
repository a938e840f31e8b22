"""Hostile and huge uploads: how long each takes to be checked (or refused) and the peak memory it costs.

    python benchmarks/hostile_uploads.py

Each file is checked in a fresh process (``--case NAME``), so its peak resident memory
(``resource.getrusage``) is its own; the figure includes the interpreter with pandas and pandera
imported (the "baseline" row). Then the Overview is timed for another reader, warm, alone and while
the worker process (``worker.apart``, as the upload page runs it) checks the largest accepted file.
Not a test: the figures go in the README ("Uploading a quarter").
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harrow_kpi import ingest, queries, store, uploads, worker  # noqa: E402

CASES = {
    "baseline": "nothing checked: the interpreter with pandas and pandera imported",
    "million-bad-rows": "CSV, 1,000,000 rows of unknown measures and bad numbers (16 MB): refused at the row limit",
    "million-rows": "CSV, 1,000,000 well-formed rows (24 MB): refused at the row limit",
    "200k-bad-numbers": "CSV, 200,000 rows whose actual is not a number: stops after 100 problems",
    "200k-unknown-measures": "CSV, 200,000 rows, each a different unknown measure: stops after 100 problems",
    "largest-accepted": "CSV, 200,000 valid ward-level rows (the row limit): accepted",
    "50k-workbook": "xlsx, 50,000 valid ward-level rows: accepted",
    "zip-bomb": "xlsx, 0.5 MB zipped, a 500 MB sheet: refused before it is opened",
    "sparse-workbook": "xlsx, 9 KB: a header and one cell at row 1,048,576: refused at the row limit",
}


def make(name: str, folder: Path, db: Path) -> Path:
    """The file for a case, written once into ``folder``."""
    file = folder / (name + (".xlsx" if name in ("zip-bomb", "sparse-workbook", "50k-workbook") else ".csv"))
    if file.exists() or name == "baseline":
        return file
    if name == "million-bad-rows":
        file.write_bytes(b"indicator_id,period,actual\n" + b"no,2019/20 Q3,x\n" * 1_000_000)
    elif name == "million-rows":
        file.write_bytes(b"indicator_id,period,actual\n" + b"book-issues,2019/20 Q3,5\n" * 1_000_000)
    elif name == "200k-bad-numbers":
        file.write_bytes(b"indicator_id,period,actual\n" + b"book-issues,2019/20 Q3,x\n" * 200_000)
    elif name == "200k-unknown-measures":
        file.write_text("indicator_id,period,actual\n" + "".join(f"no-such-{n},2019/20 Q3,5\n" for n in range(200_000)))
    elif name == "largest-accepted":
        with store.opened(db) as database:
            measures = queries.indicators(database)[["indicator_id", "unit"]]
            wards = list(queries.wards(database)["ward_code"])
        quarters = [f"{year}/{(year + 1) % 100:02d} Q{q}" for year in range(2004, 2020) for q in (1, 2, 3, 4)]
        lines = ["indicator_id,period,actual,target,ward_code"]
        combos = itertools.product(quarters, wards, measures.itertuples())
        for number, (quarter, ward, measure) in enumerate(itertools.islice(combos, ingest.MAX_ROWS)):
            actual = f"{number % 97 + 0.5}%" if measure.unit == "percent" else str(number % 997)
            lines.append(f"{measure.indicator_id},{quarter},{actual},,{ward}")
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif name == "50k-workbook":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        rows = make("largest-accepted", folder, db).read_text(encoding="utf-8").splitlines()[:50_001]
        for line in rows:
            sheet.append(line.split(","))
        book.save(file)
    elif name == "zip-bomb":
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            with archive.open("xl/worksheets/sheet1.xml", "w") as part:
                for _ in range(500):
                    part.write(b" " * 1_000_000)
    elif name == "sparse-workbook":
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(["indicator_id", "period", "actual"])
        book.active.cell(row=1_048_576, column=1, value="book-issues")
        book.save(file)
    return file


def run_case(name: str, folder: Path, db: Path) -> dict:
    """In this process: check the case's file, and report time, peak memory and the outcome."""
    with store.opened(db) as database:
        context = uploads.context(database)
    file = make(name, folder, db)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    outcome = "—"
    if name != "baseline":
        data = file.read_bytes()
        checked = ingest.check(data, file.name, context)
        outcome = (f"accepted, {len(checked.rows):,} rows" if checked.ok else
                   f"refused: {str(checked.problems[-1])[:90]}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = file.stat().st_size / 1e6 if file.exists() else 0.0
    return {"case": name, "file_mb": round(size, 1), "seconds": round(seconds, 2), "peak_mb": round(peak),
            "baseline_mb": round(before), "outcome": outcome}


def overview_times(reruns: int = 5) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    times = []
    for _ in range(reruns):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return times


def overview_meanwhile(folder: Path, db: Path) -> dict:
    """The Overview for another reader, warm, alone and while the worker checks the largest file."""
    import os

    os.environ["HARROW_KPI_DB"] = str(db)
    alone = overview_times()
    with store.opened(db) as database:
        context = uploads.context(database)
    data = make("largest-accepted", folder, db).read_bytes()
    worker.apart(ingest.check, b"indicator_id,period,actual\n", "warm.csv", context)  # start the worker
    found = {"alone": alone}
    for label, check in (("apart", lambda: worker.apart(ingest.check, data, "big.csv", context)),
                         ("thread", lambda: ingest.check(data, "big.csv", context))):
        busy = threading.Event()

        def checking(check=check, busy=busy):
            while not busy.is_set():
                check()

        checker = threading.Thread(target=checking)
        checker.start()
        time.sleep(1)
        try:
            found[label] = overview_times()
        finally:
            busy.set()
            checker.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.case:
        folder = Path(args.folder)
        print(json.dumps(run_case(args.case, folder, folder / "bench.db")))
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "bench.db"
        store.build(db)
        print(f"`python benchmarks/hostile_uploads.py` (limits: {ingest.MAX_ROWS:,} rows, {ingest.MAX_CELLS:,} cells, "
              f"{ingest.MAX_BYTES // 2**20} MB, {ingest.MAX_XLSX_BYTES / 1e6:.0f} MB unzipped, "
              f"{ingest.MAX_PROBLEMS} problems):\n")
        print("| file | MB | seconds | peak memory (MB) | outcome |")
        print("|---|---|---|---|---|")
        for case, what in CASES.items():
            make(case, folder, db)
            ran = subprocess.run([sys.executable, __file__, "--case", case, "--folder", str(folder)],
                                 capture_output=True, text=True, check=True)
            result = json.loads(ran.stdout.strip().splitlines()[-1])
            print(f"| {what} | {result['file_mb']} | {result['seconds']} | {result['peak_mb']} | "
                  f"{result['outcome']} |", flush=True)
        times = overview_meanwhile(folder, db)
        print("\n| Overview, warm rerun (s) | median | slowest |\n|---|---|---|")
        for label, values in (("alone", times["alone"]),
                              ("while the worker process checks the largest file (the page now)", times["apart"]),
                              ("while a thread of the same process checks it (the page before)", times["thread"])):
            print(f"| {label} | {statistics.median(values):.2f} | {max(values):.2f} |")


if __name__ == "__main__":
    main()
