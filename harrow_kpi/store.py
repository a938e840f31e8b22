"""The SQLite store: built from the reviewed CSV files in data/, read by the pages.

The CSV files are the source of truth; the database is a build artefact, rebuilt
whenever the CSV files change. Connections are opened per call: Streamlit serves
each session from its own thread, and a sqlite3 connection belongs to one thread.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from harrow_kpi import geography, periods, queries, rag
from harrow_kpi.schema import (
    ACTION_STATUSES,
    BUILD_ORDER,
    LINK_RELATIONS,
    OWN_SOURCE,
    PLACE_KINDS,
    TABLES,
    TARGET_KINDS,
    UNITS,
    WARD_CONFIDENCE,
)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "harrow_kpi.db"
SCHEMA_VERSION = "3"
# Measures of the Corporate Scorecard tables, as opposed to figures from a report's narrative.
SCORECARD_SECTION = "Corporate Scorecard"
# Uploaded quarters continue the corporate scorecard.
UPLOAD_PLAN = "scorecard-2019"


class DataError(Exception):
    """The CSV files in data/ do not make a consistent dataset."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db PATH, else $HARROW_KPI_DB, else data/harrow_kpi.db."""
    return Path(explicit or os.environ.get("HARROW_KPI_DB") or DEFAULT_DB)


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The folder of reviewed CSV files: an argument, else $HARROW_KPI_DATA, else data/."""
    return Path(explicit or os.environ.get("HARROW_KPI_DATA") or DATA_DIR)


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(db_path(path)), timeout=30)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return sqlite_utils.Database(conn)


@contextmanager
def opened(path: str | os.PathLike | None = None):
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


def fingerprint(folder: str | os.PathLike | None = None) -> str:
    """Hash of the CSV files' contents: the database is stale when it changes."""
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    for name in BUILD_ORDER:
        path = data_dir(folder) / f"{name}.csv"
        if path.exists():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _convert(value: str, kind: str):
    value = (value or "").strip()
    if value == "":
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def load_tables(folder: str | os.PathLike | None = None) -> dict[str, list[dict]]:
    """Read and check every CSV file; raise DataError listing every problem."""
    folder = data_dir(folder)
    problems: list[str] = []
    tables: dict[str, list[dict]] = {}
    for name in BUILD_ORDER:
        path = folder / f"{name}.csv"
        if not path.exists():
            tables[name] = []
            continue
        spec = TABLES[name]
        raw = read_csv(path)
        header = list(raw[0].keys()) if raw else []
        missing = [c for c in spec["columns"] if c not in header and raw]
        if missing:
            problems.append(f"{path.name}: missing columns {', '.join(missing)}")
            tables[name] = []
            continue
        rows = []
        for number, record in enumerate(raw, start=2):
            row = {}
            for column, kind in spec["columns"].items():
                try:
                    row[column] = _convert(record.get(column), kind)
                except ValueError:
                    problems.append(
                        f"{path.name} row {number}, column {column}: "
                        f"'{record.get(column)}' is not a {kind}"
                    )
            for column in spec["required"]:
                if row.get(column) is None and column in row:
                    problems.append(f"{path.name} row {number}, column {column}: required")
            row["_row"] = number
            rows.append(row)
        tables[name] = rows
    problems += _check(tables)
    if problems:
        raise DataError(problems)
    return tables


def _check(tables: dict[str, list[dict]]) -> list[str]:
    problems = []
    for name, rows in tables.items():
        pk = TABLES[name]["pk"]
        seen = set()
        for row in rows:
            key = row.get(pk)
            if key is not None and key in seen:
                problems.append(f"{name}.csv row {row['_row']}, column {pk}: duplicate '{key}'")
            seen.add(key)
    keys = {name: {row.get(TABLES[name]["pk"]) for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        for column, other, _ in TABLES[name]["foreign_keys"]:
            for row in rows:
                if row.get(column) is not None and row[column] not in keys[other]:
                    problems.append(f"{name}.csv row {row['_row']}, column {column}: '{row[column]}' "
                                    f"is not in {other}.csv")
    for row in tables["indicators"]:
        where = f"indicators.csv row {row['_row']}"
        if row["polarity"] not in (None, *rag.POLARITIES):
            problems.append(f"{where}, column polarity: '{row['polarity']}' is not one of {rag.POLARITIES}")
        if row["unit"] not in (None, *UNITS):
            problems.append(f"{where}, column unit: '{row['unit']}' is not one of {UNITS}")
        if row["latest_rag"] not in (None, *rag.BANDS):
            problems.append(f"{where}, column latest_rag: '{row['latest_rag']}' is not a RAG band")
    observed = set()
    for row in tables["observations"]:
        where = f"observations.csv row {row['_row']}"
        try:
            periods.parse(row["period"] or "")
        except periods.PeriodError as error:
            problems.append(f"{where}, column period: {error}")
        if row["rag_reported"] not in (None, *rag.BANDS):
            problems.append(f"{where}, column rag_reported: '{row['rag_reported']}' is not a RAG band")
        key = (row["indicator_id"], row["period"], row["ward_code"])
        if key in observed:
            problems.append(f"{where}: a second row for {key[0]} in {key[1]}")
        observed.add(key)
    for row in tables["commitments"]:
        if row["target_kind"] not in (None, *TARGET_KINDS):
            problems.append(
                f"commitments.csv row {row['_row']}, column target_kind: '{row['target_kind']}' "
                f"is not one of {TARGET_KINDS}"
            )
    for row in tables["theme_links"]:
        if row["relation"] not in LINK_RELATIONS:
            problems.append(
                f"theme_links.csv row {row['_row']}, column relation: '{row['relation']}' "
                f"is not one of {LINK_RELATIONS}"
            )
    known = {name: {row[TABLES[name]["pk"]] for row in tables[name]} for name in ("commitments", "actions",
                                                                             "indicators")}
    for row in tables["places"]:
        where = f"places.csv row {row['_row']}"
        if row["kind"] not in PLACE_KINDS:
            problems.append(f"{where}, column kind: '{row['kind']}' is not one of {PLACE_KINDS}")
        if row["ward_confidence"] not in (None, *WARD_CONFIDENCE):
            problems.append(f"{where}, column ward_confidence: '{row['ward_confidence']}' is not one of "
                            f"{WARD_CONFIDENCE}")
        for column, table in (("commitment_ids", "commitments"), ("action_ids", "actions"),
                              ("indicator_ids", "indicators")):
            for item in (row[column] or "").split(";"):
                if item.strip() and item.strip() not in known[table]:
                    problems.append(f"{where}, column {column}: '{item.strip()}' is not in {table}.csv")
    for row in tables["actions"]:
        if row["rag_status"] not in (None, *ACTION_STATUSES):
            problems.append(
                f"actions.csv row {row['_row']}, column rag_status: '{row['rag_status']}' "
                f"is not one of {ACTION_STATUSES}"
            )
    return problems


def _source(row: dict, plan_titles: dict[str, str], seed_plans: dict[str, str]) -> str:
    title = plan_titles.get(seed_plans.get(row.get("seed")), row.get("seed"))
    parts = [title, row.get("section"), f"{row.get('seed')} line {row.get('line')}"]
    return "; ".join(p for p in parts if p)


def _prepare(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Add the derived columns: source text, plan of each fact, computed RAG, period order."""
    plan_titles = {p["plan_id"]: p["title"] for p in tables["plans"]}
    seed_plans = {p["seed"]: p["plan_id"] for p in tables["plans"]}
    polarity = {i["indicator_id"]: i["polarity"] for i in tables["indicators"]}
    out = {}
    for name, rows in tables.items():
        prepared = []
        for number, row in enumerate(rows, start=1):
            row = {k: v for k, v in row.items() if k != "_row"}
            if name not in OWN_SOURCE:
                row["source"] = _source(row, plan_titles, seed_plans)
            if name in ("indicators", "observations"):
                row["plan_id"] = seed_plans.get(row["seed"])
            if name == "indicators":
                row["on_scorecard"] = int((row["section"] or "").startswith(SCORECARD_SECTION))
            if name == "observations":
                period = periods.parse(row["period"])
                row["observation_id"] = number
                row["period_start"] = period.start.isoformat()
                row["period_end"] = period.end.isoformat()
                row["period_order"] = period.order
                pol = polarity.get(row["indicator_id"])
                row["rag_computed"] = (
                    rag.compute(row["actual"], row["target"], pol, row["target_low"], row["target_high"])
                    if pol
                    else None
                )
                row["upload_id"] = None
            if name in ("budget_lines", "theme_links"):
                row[TABLES[name]["pk"]] = number
            prepared.append(row)
        out[name] = prepared
    return out


def _column_types(name: str) -> dict:
    python = {"text": str, "int": int, "float": float}
    spec = TABLES[name]
    columns = {spec["pk"]: int} if spec["pk"] not in spec["columns"] else {}
    columns.update({c: python[k] for c, k in spec["columns"].items()})
    columns.setdefault("source", str)
    if name in ("indicators", "observations"):
        columns["plan_id"] = str
    if name == "indicators":
        columns["on_scorecard"] = int
    if name == "observations":
        columns.update(
            period_start=str, period_end=str, period_order=int, rag_computed=str, upload_id=int
        )
    return columns


def build(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> dict[str, int]:
    """Rebuild the database from data/*.csv in one transaction; return row counts."""
    tables = _prepare(load_tables(folder))
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = connect(target)
    try:
        db.enable_wal()
        with db.atomic():
            for name in ["meta", *reversed(BUILD_ORDER)]:
                if name in db.table_names():
                    db[name].drop()
            for name in BUILD_ORDER:
                spec = TABLES[name]
                db[name].create(
                    _column_types(name),
                    pk=spec["pk"],
                    foreign_keys=spec["foreign_keys"],
                    not_null=spec["required"],
                )
                if tables[name]:
                    db[name].insert_all(tables[name], batch_size=500)
            _index(db)
            from harrow_kpi import uploads  # here, not at the top: uploads builds on this module

            uploads.ensure_tables(db)
            uploads.replay(db)
            db["meta"].insert_all(
                [
                    {"key": "fingerprint", "value": fingerprint(folder)},
                    {"key": "schema_version", "value": SCHEMA_VERSION},
                ],
                pk="key",
            )
        return {name: db[name].count for name in BUILD_ORDER}
    finally:
        db.close()


def _index(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE UNIQUE INDEX idx_observations_key "
        "ON observations(indicator_id, period, ifnull(ward_code, ''))"
    )
    db["observations"].create_index(["period_order"])
    db["observations"].create_index(["plan_id"])
    db["indicators"].create_index(["priority"])
    db["themes"].create_index(["plan_id"])
    db["commitments"].create_index(["plan_id"])
    db["actions"].create_index(["theme_id"])


def is_current(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> bool:
    target = db_path(path)
    if not target.exists():
        return False
    try:
        with opened(target) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row) and row[0] == fingerprint(folder)


def ensure_built(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> Path:
    """Build the database when it is missing or older than the CSV files."""
    if not is_current(path, folder):
        build(path, folder)
    return db_path(path)


BOUNDARIES = "ward_boundaries"


def import_boundaries(path, data: bytes, filename: str, user: str) -> int:
    """Check an official ward boundary file and store its polygons, replacing any before.

    Kept apart from the CSV build: a rebuild of data/ leaves imported boundaries alone.
    Raises geography.BoundaryError (and changes nothing) when the file is not usable.
    """
    with opened(path) as db:
        wards = queries.query(db, "SELECT ward_code, name FROM wards")
    features = geography.validate_boundaries(data, wards)
    digest = geography.sha256(data)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    db = connect(path)
    try:
        with db.atomic():
            if BOUNDARIES not in db.table_names():
                db[BOUNDARIES].create(
                    {"ward_code": str, "geometry": str, "filename": str, "sha256": str, "imported_at": str,
                     "imported_by": str},
                    pk="ward_code",
                )
            db.execute(f"DELETE FROM {BOUNDARIES}")
            db[BOUNDARIES].insert_all(
                {"ward_code": code, "geometry": json.dumps(geometry), "filename": filename, "sha256": digest,
                 "imported_at": stamp, "imported_by": user}
                for code, geometry in sorted(features.items())
            )
    finally:
        db.close()
    return len(features)
