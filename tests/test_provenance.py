"""Every figure in data/ is traceable: the text it cites is on the line it cites."""

import csv
import re

import pytest

from harrow_kpi import dataset
from harrow_kpi.schema import BUILD_ORDER, TABLES
from tests.helpers import seed_lines


def _rows(table):
    path = dataset.DATA_DIR / f"{table}.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


CITED = [name for name in BUILD_ORDER if "seed" in TABLES[name]["columns"]]


@pytest.mark.parametrize("table", CITED)
def test_printed_figures_occur_on_the_cited_line(table):
    printed = [c for c in TABLES[table]["columns"] if c.endswith("_as_printed")]
    if table == "places":
        printed = ["name"]
    problems = []
    for number, row in enumerate(_rows(table), start=2):
        lines = seed_lines(row["seed"])
        line = int(row["line"])
        assert 1 <= line <= len(lines), f"{table}.csv row {number}: line {line} is not in {row['seed']}"
        for column in printed:
            text = row[column].strip()
            if text and _squash(text) not in _squash(lines[line - 1]):
                problems.append(f"{table}.csv row {number}: {column} '{text}' not on {row['seed']}:{line}")
    assert problems == []


def test_scorecard_measure_names_are_copied_exactly():
    problems = []
    for row in _rows("indicators"):
        if not row["section"].startswith("Corporate Scorecard"):
            continue
        line = seed_lines(row["seed"])[int(row["line"]) - 1]
        if _squash(row["name"]) not in _squash(line):
            problems.append(f"{row['indicator_id']}: '{row['name']}' not on line {row['line']}")
    assert problems == []


def test_ambiguous_cells_say_why():
    """A scorecard cell left empty where the document prints nothing readable carries a note."""
    for row in _rows("observations"):
        if row["target_as_printed"] and not row["target"] and not row["target_low"]:
            assert row["note"] or row["status_note"], row
