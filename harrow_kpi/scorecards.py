"""Next year's scorecard: an officer's definition of a financial year's measures, checked and compared.

Pure: reading and checking the file, and saying what it changes against the previous
year's scorecard, never touch the store (uploads.py commits, rolls back and replays it).
The file is read by ingest.read_table, so encodings, .xlsx and the size limit work as for
a quarter file, and targets are read by the quarter file's own rule (ingest.parse_target).
"""

from __future__ import annotations

import hashlib
import re

from harrow_kpi import ingest, periods, rag
from harrow_kpi.exports import FORMULA_STARTS
from harrow_kpi.figures import missing, target_text
from harrow_kpi.schema import UNITS

QUARTERS = ("target_q1", "target_q2", "target_q3", "target_q4")
COLUMNS = ("year", "indicator_id", "name", "priority", "polarity", "unit", "headline", "portfolio_holder",
           "director", "frequency", "target", *QUARTERS)
REQUIRED = ("year", "indicator_id", "name", "priority", "polarity", "unit")
TEXT = ("name", "portfolio_holder", "director", "frequency")
SLUG = re.compile(r"^[a-z0-9-]+$")
HEADLINE = {"": 0, "no": 0, "0": 0, "n": 0, "yes": 1, "1": 1, "y": 1}
# What the preview compares, in officers' words.
FIELD_WORDS = {"name": "name", "priority": "priority", "polarity": "polarity", "unit": "unit",
               "headline": "headline", "portfolio_holder": "portfolio holder", "director": "director",
               "frequency": "frequency", "target": "target"}
OUTCOMES = ("new", "changed", "unchanged", "retiring")


def check(data: bytes, filename: str, known: set[str] | dict, priorities: dict[str, str],
          max_bytes: int = ingest.MAX_BYTES) -> ingest.Checked:
    """Read and check a scorecard definition. ``known`` holds the measure ids in the store,
    ``priorities`` maps each corporate priority's theme id to its name. Nothing is written."""
    checked = ingest.Checked(filename=filename, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > max_bytes:
        checked.problems.append(ingest.Problem(f"the file is {len(data) / 1e6:.1f} MB; the limit is "
                                               f"{max_bytes / 1e6:.0f} MB"))
        return checked
    if not data.strip():
        checked.problems.append(ingest.Problem("the file is empty"))
        return checked
    header, raw_rows, checked.encoding, problems = ingest.read_table(data, filename)
    if problems:
        checked.problems += problems
        return checked
    absent = [column for column in REQUIRED if column not in header]
    if absent:
        checked.problems.append(ingest.Problem(
            f"missing required column{'s' if len(absent) > 1 else ''} {', '.join(absent)} (the header row must "
            f"name {', '.join(REQUIRED)})", row=1))
        return checked
    by_name = {name.strip().lower(): theme for theme, name in priorities.items()}
    rows, first_year, first_row, seen = [], None, None, {}
    for number, raw in enumerate(raw_rows, start=2):
        cells = {column: (raw.get(column) or "").strip() for column in COLUMNS}
        if not any(cells.values()):
            continue
        row, problems = _check_row(number, cells, set(known), priorities, by_name)
        if row["year"] and first_year is None:
            first_year, first_row = row["year"], number
        elif row["year"] and row["year"] != first_year:
            problems.append(ingest.Problem(f"is another year: a file defines one year's scorecard, and row "
                                           f"{first_row} says {first_year}", number, "year", cells["year"]))
        if row["indicator_id"] in seen:
            problems.append(ingest.Problem(f"appears twice (first on row {seen[row['indicator_id']]})", number,
                                           "indicator_id", row["indicator_id"]))
        seen.setdefault(row["indicator_id"], number)
        checked.problems += problems
        rows.append(row)
    if not rows:
        checked.problems.append(ingest.Problem("the file has no measures"))
    checked.problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 99))
    if not checked.problems:
        checked.rows = rows
    return checked


def _check_row(number: int, cells: dict, known: set[str], priorities: dict, by_name: dict):
    problems = []

    def problem(message, column):
        problems.append(ingest.Problem(message, number, column, cells[column]))

    row = {"row": number, "year": None, "indicator_id": cells["indicator_id"], "known": False}
    for column in REQUIRED:
        if not cells[column]:
            problems.append(ingest.Problem("is required", number, column))
    if cells["year"]:
        try:
            year = periods.parse(cells["year"])
        except periods.PeriodError as error:
            problem(str(error).split("' ", 1)[-1], "year")
        else:
            if year.is_quarter:
                problem("is a quarter: write the financial year, like '2020/21'", "year")
            else:
                row["year"] = str(year)
    if cells["indicator_id"]:
        row["known"] = cells["indicator_id"] in known
        if not row["known"] and not SLUG.match(cells["indicator_id"]):
            problem("is neither a measure in the store nor a new id of lower-case letters, digits and hyphens",
                    "indicator_id")
    theme = cells["priority"] if cells["priority"] in priorities else by_name.get(cells["priority"].lower())
    if cells["priority"] and theme is None:
        problem("is not one of the five corporate priorities: " + "; ".join(priorities.values()), "priority")
    row["priority"] = theme
    polarity = cells["polarity"].lower()
    if polarity and polarity not in rag.POLARITIES:
        problem("is not a polarity: use higher, lower or range", "polarity")
    row["polarity"] = polarity or None
    unit = cells["unit"].lower()
    if unit and unit not in UNITS:
        problem("is not a unit: use one of " + ", ".join(UNITS), "unit")
    row["unit"] = unit or None
    headline = cells["headline"].lower()
    if headline not in HEADLINE:
        problem("is not yes or no (or 1, 0, or blank for no)", "headline")
    row["headline"] = HEADLINE.get(headline, 0)
    for column in TEXT:
        text = cells[column]
        if text.startswith(FORMULA_STARTS):
            problem("starts like a spreadsheet formula (=, +, -, @); remove that first character", column)
        elif len(text) > ingest.MAX_TEXT:
            problems.append(ingest.Problem(f"is longer than {ingest.MAX_TEXT} characters", number, column,
                                           text[:40] + "…"))
        row[column] = text or None
    readable_unit = unit if unit in UNITS else None
    for column in ("target", *QUARTERS):
        values, message = ({"target": None, "target_low": None, "target_high": None}, None)
        if cells[column] and (readable_unit or not unit):
            values, message = ingest.parse_target(cells[column], readable_unit)
        if message:
            problem(message, column)
        values["target_as_printed"] = cells[column] or None
        if column == "target":
            row.update(values)
        else:
            row.setdefault("quarter_targets", {})[f"Q{column[-1]}"] = values
    return row, problems


def quarter_target(measure: dict, quarter: int | None) -> dict:
    """The target a measure's definition sets for one quarter: its year-to-date profile, else the
    year's (the year's alone for a whole-year figure, ``quarter`` None)."""
    profile = ((measure.get("quarter_targets") or {}).get(f"Q{quarter}") or {}) if quarter else {}
    chosen = profile if profile.get("target_as_printed") else measure
    return {name: chosen.get(name) for name in ("target", "target_low", "target_high", "target_as_printed")}


def compare(previous: dict[str, dict], rows: list[dict], priorities: dict[str, str]) -> list[dict]:
    """Each measure of the definition new, changed (with what changes) or unchanged against the
    previous year's scorecard (indicator_id -> its fields), then the measures that retire."""
    out = []
    for row in rows:
        before = previous.get(row["indicator_id"])
        changes = [] if before is None else _changes(before, row, priorities)
        outcome = "new" if before is None else ("changed" if changes else "unchanged")
        out.append({"indicator_id": row["indicator_id"], "name": row["name"], "outcome": outcome,
                    "changes": "; ".join(changes)})
    listed = {row["indicator_id"] for row in rows}
    out += [{"indicator_id": measure_id, "name": measure["name"], "outcome": "retiring", "changes": ""}
            for measure_id, measure in previous.items() if measure_id not in listed]
    return out


def _changes(before: dict, row: dict, priorities: dict[str, str]) -> list[str]:
    changes = []
    for field, words in FIELD_WORDS.items():
        old, new = _shown(before, field, priorities), _shown(row, field, priorities)
        if old != new:
            changes.append(f"{words}: {old or '(none)'} → {new or '(none)'}")
    return changes


def _shown(measure: dict, field: str, priorities: dict[str, str]) -> str:
    if field == "target":
        return target_text(measure)
    value = measure.get(field)
    if missing(value):
        return ""
    if field == "priority":
        return priorities.get(value, value)
    if field == "headline":
        return "yes" if int(value) else "no"
    return str(value)


def template_rows(measures: list[dict], year: str, priorities: dict[str, str]) -> list[dict]:
    """A definition file to edit: the current scorecard's measures, each with its fields and target."""
    rows = []
    for measure in measures:
        profile = measure.get("quarter_targets") or {}
        rows.append({
            "year": year, "indicator_id": measure["indicator_id"], "name": measure["name"],
            "priority": priorities.get(measure.get("priority"), measure.get("priority") or ""),
            "polarity": _text(measure.get("polarity")), "unit": _text(measure.get("unit")),
            "headline": "yes" if not missing(measure.get("headline")) and int(measure["headline"]) else "no",
            "portfolio_holder": _text(measure.get("portfolio_holder")), "director": _text(measure.get("director")),
            "frequency": _text(measure.get("frequency")), "target": target_text(measure),
            **{column: target_text(profile.get(f"Q{column[-1]}") or {}) for column in QUARTERS},
        })
    return rows


def _text(value) -> str:
    return "" if missing(value) else str(value)
