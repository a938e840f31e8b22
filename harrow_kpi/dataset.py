"""The curated dataset: data/*.csv read, checked and given their derived columns.

The CSV files are the source of truth, reviewed by hand from the five documents.
Nothing here touches the database: ``load`` returns rows ready for the store, or
raises ``DataError`` listing every problem, each naming file, row and column.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

from harrow_kpi import periods, rag
from harrow_kpi.schema import (
    ACTION_STATUSES,
    BASES,
    BUILD_ORDER,
    LINK_RELATIONS,
    OWN_SOURCE,
    PLACE_KINDS,
    QUALIFIERS,
    SCHEMA_VERSION,
    TABLES,
    TARGET_KINDS,
    UNITS,
    WARD_CONFIDENCE,
)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
# Measures of the Corporate Scorecard tables, as opposed to figures from a report's narrative.
SCORECARD_SECTION = "Corporate Scorecard"


class DataError(Exception):
    """The CSV files in data/ do not make a consistent dataset."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The folder of reviewed CSV files: an argument, else $HARROW_KPI_DATA, else data/."""
    return Path(explicit or os.environ.get("HARROW_KPI_DATA") or DATA_DIR)


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
    with open(path, newline="", encoding="utf-8-sig") as handle:  # pragma: no mutate
        return list(csv.DictReader(handle))


# A CSV cell as its column's type; a blank cell is None.
CONVERTERS = {"int": int, "float": float, "text": str}


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
                value = (record.get(column) or "").strip()
                try:
                    row[column] = CONVERTERS[kind](value) if value else None
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
    problems += check(tables)
    if problems:
        raise DataError(problems)
    return tables


def _not_one_of(file: str, row: dict, column: str, allowed, what: str | None = None) -> str:
    return (f"{file} row {row['_row']}, column {column}: '{row[column]}' is "
            f"{what or f'not one of {tuple(allowed)}'}")


def check(tables: dict[str, list[dict]]) -> list[str]:
    """Every cross-row and vocabulary problem in the tables, naming file, row and column."""
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
    vocabularies = [
        ("indicators", "polarity", rag.POLARITIES, None),
        ("indicators", "unit", UNITS, None),
        ("indicators", "latest_rag", rag.BANDS, "not a RAG band"),
        ("observations", "rag_reported", rag.BANDS, "not a RAG band"),
        ("commitments", "target_kind", TARGET_KINDS, None),
        ("places", "ward_confidence", WARD_CONFIDENCE, None),
        ("actions", "rag_status", ACTION_STATUSES, None),
        ("observations", "qualifier", QUALIFIERS, None),
        ("commitments", "qualifier", QUALIFIERS, None),
        ("observations", "basis", tuple(BASES), None),
        ("commitments", "basis", tuple(BASES), None),
    ]
    for name, column, allowed, what in vocabularies:
        for row in tables[name]:
            if row[column] is not None and row[column] not in allowed:
                problems.append(_not_one_of(f"{name}.csv", row, column, allowed, what))
    for name, column, allowed in (("theme_links", "relation", LINK_RELATIONS), ("places", "kind", PLACE_KINDS)):
        for row in tables[name]:
            if row[column] not in allowed:
                problems.append(_not_one_of(f"{name}.csv", row, column, allowed))
    observed = set()
    for row in tables["observations"]:
        where = f"observations.csv row {row['_row']}"
        try:
            periods.parse(row["period"] or "")  # pragma: no mutate
        except periods.PeriodError as error:
            problems.append(f"{where}, column period: {error}")
        key = (row["indicator_id"], row["period"], row["ward_code"])
        if key in observed:
            problems.append(f"{where}: a second row for {key[0]} in {key[1]}")
        observed.add(key)
    for name, column in (("observations", "actual"), ("commitments", "target_value")):
        for row in tables[name]:
            if row["qualifier"] is not None and row[column] is None:
                problems.append(f"{name}.csv row {row['_row']}, column qualifier: '{row['qualifier']}' "
                                f"bounds no number (column {column} is empty)")
    known = {name: {row[TABLES[name]["pk"]] for row in tables[name]}
             for name in ("commitments", "actions", "indicators")}
    for row in tables["places"]:
        for column, table in (("commitment_ids", "commitments"), ("action_ids", "actions"),
                              ("indicator_ids", "indicators")):
            for item in (row[column] or "").split(";"):
                if item.strip() and item.strip() not in known[table]:
                    problems.append(f"places.csv row {row['_row']}, column {column}: '{item.strip()}' "
                                    f"is not in {table}.csv")
    return problems


def _source(row: dict, plan_titles: dict[str, str], seed_plans: dict[str, str]) -> str:
    title = plan_titles.get(seed_plans.get(row.get("seed")), row.get("seed"))
    parts = [title, row.get("section"), f"{row.get('seed')} line {row.get('line')}"]
    return "; ".join(p for p in parts if p)


# Tables whose id is the row's number in its file. SQLite's rowid would number them the same,
# so a change to these names is an equivalent mutant.
NUMBERED = ("budget_lines", "theme_links")  # pragma: no mutate


def prepare(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Add the derived columns: source text, plan of each fact, computed RAG, period order."""
    plan_titles = {p["plan_id"]: p["title"] for p in tables["plans"]}
    seed_plans = {p["seed"]: p["plan_id"] for p in tables["plans"]}
    polarity = {i["indicator_id"]: i["polarity"] for i in tables["indicators"]}
    out = {}
    for name, rows in tables.items():
        prepared = []
        for number, row in enumerate(rows, start=1):
            row = {k: v for k, v in row.items() if k != "_row"}
            # Derived columns are set by keyword: SQLite's column names ignore case, so a key spelt
            # in another case would be an equivalent mutant (docs/mutation.md).
            if name not in OWN_SOURCE:
                row.update(source=_source(row, plan_titles, seed_plans))
            if name in ("indicators", "observations"):
                row.update(plan_id=seed_plans.get(row["seed"]))
            if name == "indicators":
                row.update(on_scorecard=int((row["section"] or "").startswith(SCORECARD_SECTION)))  # pragma: no mutate
            if name == "observations":
                period = periods.parse(row["period"])
                pol = polarity.get(row["indicator_id"])
                row.update(
                    observation_id=number,  # pragma: no mutate
                    period_start=period.start.isoformat(), period_end=period.end.isoformat(),
                    period_order=period.order, upload_id=None,  # pragma: no mutate
                    rag_computed=rag.compute(row["actual"], row["target"], pol, row["target_low"], row["target_high"],
                                             row["qualifier"]) if pol else None,
                )
            if name in NUMBERED:
                row[TABLES[name]["pk"]] = number  # pragma: no mutate
            prepared.append(row)
        out[name] = prepared
    return out


def load(folder: str | os.PathLike | None = None) -> dict[str, list[dict]]:
    """The dataset ready for the store: read, checked, derived."""
    return prepare(load_tables(folder))
