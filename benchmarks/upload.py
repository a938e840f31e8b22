"""Time checking and loading a large quarter file (default 100,000 rows).

    python benchmarks/upload.py [--rows 100000]

The rows are ward-level figures for the scorecard's measures across past quarters,
written to a temporary CSV; the store is a fresh build in a temporary folder.
"""

import argparse
import itertools
import tempfile
import time
from pathlib import Path

from harrow_kpi import ingest, queries, store, uploads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        store.build(path)
        with store.opened(path) as db:
            measures = queries.indicators(db).query("on_scorecard == 1")[["indicator_id", "unit"]]
            wards = list(queries.wards(db)["ward_code"])
            context = uploads.context(db)
        quarters = [f"{year}/{(year + 1) % 100:02d} Q{q}" for year in range(2004, 2020) for q in (1, 2, 3, 4)]
        lines = ["indicator_id,period,actual,target,ward_code"]
        combos = itertools.product(quarters, wards, measures.itertuples())
        for number, (quarter, ward, measure) in enumerate(itertools.islice(combos, args.rows)):
            actual = f"{number % 97 + 0.5}%" if measure.unit == "percent" else str(number % 997)
            lines.append(f"{measure.indicator_id},{quarter},{actual},,{ward}")
        data = ("\n".join(lines) + "\n").encode()
        started = time.perf_counter()
        checked = ingest.check(data, "big.csv", context)
        checking = time.perf_counter() - started
        if not checked.ok:
            raise SystemExit(f"unexpected problems: {[str(p) for p in checked.problems[:5]]}")
        started = time.perf_counter()
        with store.opened(path) as db:
            uploads.preview(db, checked.rows[:1000])
        previewing = (time.perf_counter() - started) * len(checked.rows) / 1000
        started = time.perf_counter()
        upload_id, counts = uploads.commit(path, checked, "benchmark")
        loading = time.perf_counter() - started
        started = time.perf_counter()
        uploads.rollback(path, upload_id, "benchmark")
        rolling = time.perf_counter() - started
        print("| rows | file MB | check (s) | preview, extrapolated (s) | commit (s) | roll back (s) |")
        print("|---|---|---|---|---|---|")
        print(f"| {len(checked.rows):,} | {len(data) / 1e6:.1f} | {checking:.1f} | {previewing:.1f} | "
              f"{loading:.1f} | {rolling:.1f} |")


if __name__ == "__main__":
    main()
