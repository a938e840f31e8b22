"""A large synthetic dataset, and how the store, queries and pages cope with it.

    python benchmarks/synthetic.py [--boroughs 33 --measures 300 --quarters 64]

Writes data/*.csv files into a temporary folder: the real plans and themes, and
boroughs x measures synthetic scorecard measures (spread over the five 2019/20
priorities) with a figure, target and RAG for every quarter from 2004/05 Q1, plus
ward rows for one borough's measures over the last eight quarters. Then it times
the build, the main queries, and each page's script run under AppTest, cold and
warm. Nothing here is real data, and nothing is written into data/.
"""

import argparse
import csv
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from harrow_kpi import dataset, queries, rag, schema, store

ROOT = Path(__file__).resolve().parent.parent

PRIORITIES = [
    "scorecard-2019/build-a-better-harrow", "scorecard-2019/supporting-those-most-in-need",
    "scorecard-2019/preserving-vital-public-services", "scorecard-2019/a-strong-local-economy-for-all",
    "scorecard-2019/modernising-harrow-council",
]
PAGES = ["pages/overview.py", "pages/build-a-better-harrow.py", "pages/plans-2004-2020.py", "pages/ward-map.py"]


def write(folder: Path, table: str, rows) -> int:
    columns = list(schema.TABLES[table]["columns"])
    count = 0
    with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def generate(folder: Path, boroughs: int, measures: int, quarters: int) -> dict:
    random.seed(2019)
    for name in ("plans", "themes", "wards", "theme_links"):
        shutil.copy(dataset.DATA_DIR / f"{name}.csv", folder / f"{name}.csv")
    source = {"seed": "001_efe026106ea22757.txt", "line": 112, "section": "Corporate Scorecard 2019/20 – synthetic"}
    ids = [f"b{b:02d}-m{m:03d}" for b in range(boroughs) for m in range(measures)]
    polarity = {i: random.choice(["higher", "lower"]) for i in ids}
    write(folder, "indicators", (
        {"indicator_id": i, "name": f"Synthetic measure {i}", "priority": PRIORITIES[n % 5], "polarity": polarity[i],
         "unit": "count", "headline": int(n % 10 == 0), "portfolio_holder": f"Holder {n % 9}",
         "director": f"Director {n % 4}", **source}
        for n, i in enumerate(ids)))
    periods = [f"{y}/{(y + 1) % 100:02d} Q{q}" for y in range(2004, 2030) for q in (1, 2, 3, 4)][:quarters]
    wards = [row["ward_code"] for row in csv.DictReader(open(folder / "wards.csv", encoding="utf-8"))]

    def observations():
        for i in ids:
            for period in periods:
                target = random.randint(50, 150)
                actual = round(target * random.uniform(0.8, 1.2), 1)
                yield {"indicator_id": i, "period": period, "target": target, "actual": actual,
                       "rag_reported": rag.compute(actual, target, polarity[i]), **source}
        for i in ids[:measures]:
            for period in periods[-8:]:
                for ward in wards:
                    yield {"indicator_id": i, "period": period, "ward_code": ward, "actual": random.randint(0, 99),
                           **source}

    count = write(folder, "observations", observations())
    return {"measures": len(ids), "observations": count, "latest": periods[-1]}


def timed(action, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boroughs", type=int, default=33)
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--quarters", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder, path = Path(temp) / "data", Path(temp) / "big.db"
        folder.mkdir()
        started = time.perf_counter()
        made = generate(folder, args.boroughs, args.measures, args.quarters)
        print(f"generated {made['measures']:,} measures and {made['observations']:,} observations "
              f"in {time.perf_counter() - started:.1f} s")
        print(f"build: {timed(lambda: store.build(path, folder)):.1f} s")
        with store.opened(path) as db:
            latest = queries.latest_quarter(db)
            print("\n| query | seconds |\n|---|---|")
            for label, action in [
                ("reported quarters", lambda: queries.reported_quarters(db)),
                (f"scorecard for {latest}", lambda: queries.scorecard(db, latest)),
                ("histories of 40 measures", lambda: queries.histories(db, [f"b00-m{m:03d}" for m in range(40)])),
                ("ward-level figures", lambda: queries.ward_observations(db)),
                ("export observations", lambda: queries.export_observations(db)),
            ]:
                print(f"| {label} | {timed(action, args.runs):.2f} |")
        os.environ["HARROW_KPI_DB"] = str(path)
        os.environ["HARROW_KPI_DATA"] = str(folder)
        print("\n| page | cold (s) | warm (s) |\n|---|---|---|")
        for page in PAGES:
            at = AppTest.from_file(str(ROOT / page), default_timeout=600)
            cold = timed(at.run)
            if at.exception:
                raise SystemExit(f"{page}: {at.exception[0].value}")
            warm = timed(at.run, args.runs)
            print(f"| {page} | {cold:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
