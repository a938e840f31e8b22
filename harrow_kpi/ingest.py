"""A new quarter's figures from an officer: read, checked, previewed, committed, reversible.

Every byte is treated as hostile. Reading and checking never touch the store; every
problem is reported at once, naming row, column, value and what is expected. The
checks on the normalised table are declared with pandera (a well-kept DataFrame
validation library: declarative per-column checks with lazy, collected failure
reports); parsing the officer's text into numbers and periods is ours, because it
depends on each measure's unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from harrow_kpi import periods, rag
from harrow_kpi.exports import FORMULA_STARTS
from harrow_kpi.figures import missing

MAX_BYTES = 25 * 1024 * 1024
COLUMNS = ("indicator_id", "period", "actual", "target", "rag", "status_note", "commentary", "ward_code")
REQUIRED = ("indicator_id", "period", "actual")
FILLED_IN = ("actual", "rag", "status_note", "commentary")  # a row with none of these is skipped
MAX_TEXT = 2000
_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_MONEY = re.compile(r"^£\s*(?P<number>[\d,]+(\.\d+)?)\s*(?P<scale>[km]|bn)?$", re.IGNORECASE)
_RANGE = re.compile(r"^(?P<low>\d[\d,]*(\.\d+)?)\s*[-–]\s*(?P<high>\d[\d,]*(\.\d+)?)$")
GBP_FACTOR = {"gbp": 1.0, "gbp_thousands": 1e3, "gbp_millions": 1e6}
SCALE = {None: 1.0, "k": 1e3, "m": 1e6, "bn": 1e9}


@dataclass(frozen=True)
class Problem:
    message: str
    row: int | None = None  # the row number a spreadsheet shows: the header is row 1
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"row {self.row}" if self.row else "",
                                             f"column {self.column}" if self.column else "") if part)
        value = f" '{self.value}'" if self.value not in (None, "") else ""
        return f"{where}:{value} {self.message}" if where else self.message


@dataclass
class Checked:
    """The outcome of checking an upload: normalised rows, or the problems."""

    filename: str
    sha256: str
    encoding: str | None = None
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Context:
    """What the checks need to know about the store."""

    indicators: dict[str, dict]  # id -> {"unit", "polarity", "name"}
    wards: dict[str, tuple[str, str]]  # code -> (valid_from, valid_to) ISO dates
    today: dt.date = field(default_factory=dt.date.today)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise ValueError(f"the file is neither UTF-8 nor Windows-1252 text (byte {error.start})") from None


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict], str | None, list[Problem]]:
    """Header and rows as text, from a CSV or an .xlsx file."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    try:
        text, encoding = decode(data)
    except ValueError as error:
        return [], [], None, [Problem(str(error))]
    if "\x00" in text:
        return [], [], encoding, [Problem("the file contains NUL bytes: it is not a text CSV file")]
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if "," not in first and any(mark in first for mark in (";", "\t", "|")):
        mark = next(m for m in (";", "\t", "|") if m in first)
        name = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}[mark]
        return [], [], encoding, [Problem(f"the columns are separated by {name}; save the file as comma-separated "
                                          "CSV (UTF-8)", row=1)]
    reader = csv.reader(io.StringIO(text))
    try:
        table = [row for row in reader]
    except csv.Error as error:
        return [], [], encoding, [Problem(f"the file is not valid CSV: {error}")]
    return _rows(table) + (encoding, [])


def _read_xlsx(data: bytes):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is the officer's problem to fix
        return [], [], None, [Problem(f"the file is not a readable .xlsx workbook ({type(error).__name__})")]
    sheet = book.worksheets[0]
    table = [["" if cell is None else _cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _rows(table) + ("xlsx", [])


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(table: list[list[str]]) -> tuple[list[str], list[dict]]:
    """The first non-blank row is the header. Blank rows stay (as empty rows, skipped later) so that
    every row keeps the number the spreadsheet shows for it."""
    filled = [any(str(cell).strip() for cell in row) for row in table]
    if not any(filled):
        return [], []
    start = filled.index(True)
    header = [str(cell).strip().lower() for cell in table[start]]
    rows = [{header[i]: str(cell).strip() for i, cell in enumerate(row) if i < len(header)}
            for row in table[start + 1:]]
    return header, [{} for _ in range(start)] + rows


def parse_number(text: str, unit: str | None) -> float:
    """A figure as officers type it: 56.2%, 1,080, £1.1m, where the unit allows."""
    value = text.strip()
    if value.endswith("%"):
        if unit != "percent":
            raise ValueError("has a % sign, but this measure is not a percentage")
        value = value[:-1].strip()
    money = _MONEY.match(value)
    if money:
        if unit not in GBP_FACTOR:
            raise ValueError("is money, but this measure is not measured in pounds")
        pounds = float(money["number"].replace(",", "")) * SCALE[(money["scale"] or "").lower() or None]
        return pounds / GBP_FACTOR[unit]
    if not _NUMBER.match(value):
        raise ValueError("is not a number (expected e.g. 56.2, 56.2%, 1,080" +
                         (" or £1.1m" if unit in GBP_FACTOR else "") + ")")
    return float(value.replace(",", ""))


def parse_target(text: str, unit: str | None) -> tuple[dict, str | None]:
    """A target as officers type it, a number or a range low-high: its values, and what is wrong
    with it (or None). Shared by quarter files and scorecard definitions, so both read targets alike."""
    values = {"target": None, "target_low": None, "target_high": None}
    found = _RANGE.match(text)
    if found:
        low, high = (float(found[k].replace(",", "")) for k in ("low", "high"))
        values["target_low"], values["target_high"] = low, high
        if low >= high:
            return values, "is not a range low-high (the first number must be the smaller)"
        return values, None
    try:
        values["target"] = parse_number(text, unit)
    except ValueError as error:
        return values, str(error).replace("a number", "a number or a range like 0.9-1.1")
    return values, None


def _check_row(number: int, raw: dict, context: Context) -> tuple[dict | None, list[Problem]]:
    problems: list[Problem] = []
    row = {column: (raw.get(column) or "").strip() for column in COLUMNS}
    for column in ("status_note", "commentary"):
        text = row[column]
        if text.startswith(FORMULA_STARTS):
            problems.append(Problem("starts like a spreadsheet formula (=, +, -, @); remove that first character",
                                    number, column, text[:40]))
        if len(text) > MAX_TEXT:
            problems.append(Problem(f"is longer than {MAX_TEXT} characters", number, column, text[:40] + "…"))
    indicator = context.indicators.get(row["indicator_id"])
    unit = indicator["unit"] if indicator else None
    out = {"indicator_id": row["indicator_id"], "ward_code": row["ward_code"] or None,
           "status_note": row["status_note"] or None, "commentary": row["commentary"] or None,
           "rag_reported": row["rag"].upper() or None, "target": None, "target_low": None, "target_high": None,
           "actual": None, "period": None, "target_as_printed": row["target"] or None,
           "actual_as_printed": row["actual"] or None, "row": number}
    period = None
    if row["period"]:
        try:
            period = periods.parse(row["period"])
            out["period"] = str(period)
        except periods.PeriodError as error:
            message = str(error)
            quoted = f"'{row['period']}' "
            problems.append(Problem(message[len(quoted):] if message.startswith(quoted) else message,
                                    number, "period", row["period"]))
    else:
        problems.append(Problem("is required (a period like '2019/20 Q3')", number, "period"))
    if period is not None and period.start > context.today:
        problems.append(Problem(f"is in the future (it starts {period.start:%d %B %Y})", number, "period",
                                row["period"]))
    if row["actual"]:
        try:
            out["actual"] = parse_number(row["actual"], unit)
        except ValueError as error:
            problems.append(Problem(str(error), number, "actual", row["actual"]))
    if row["target"]:
        target, message = parse_target(row["target"], unit)
        out.update(target)
        if message:
            problems.append(Problem(message, number, "target", row["target"]))
    if out["ward_code"] and period is not None and out["ward_code"] in context.wards:
        start, end = context.wards[out["ward_code"]]
        if not (start <= period.start.isoformat() <= end):
            problems.append(Problem(f"is not a Harrow ward in {period} (valid {start} to {end})", number,
                                    "ward_code", out["ward_code"]))
    return out, problems


def schema(context: Context) -> pa.DataFrameSchema:
    """Checks on the normalised rows, each failure reported with its row and column."""
    percent_ids = [i for i, meta in context.indicators.items() if meta["unit"] == "percent"]
    return pa.DataFrameSchema(
        {
            "indicator_id": pa.Column(str, pa.Check.isin(list(context.indicators),
                                                         error="is not a known indicator_id (see export indicators)")),
            "rag_reported": pa.Column(object, pa.Check.isin(list(rag.BANDS),
                                                            error="is not a RAG band: use HG, LG, A, LR or HR"),
                                      nullable=True),
            "ward_code": pa.Column(object, pa.Check.isin(list(context.wards),
                                                         error="is not a Harrow ward code (E05000285-E05000305)"),
                                   nullable=True),
        },
        checks=[
            pa.Check(lambda df: df["actual_as_printed"].notna() | df["status_note"].notna(),
                     error="is required unless status_note says why there is no figure",
                     name="actual_or_status"),
            pa.Check(lambda df: ~df["indicator_id"].isin(percent_ids) | df["actual"].isna()
                     | df["actual"].between(0, 100), error="is a percentage outside 0-100",
                     name="percent_range"),
            pa.Check(lambda df: ~df.duplicated(["indicator_id", "period", "ward_code"], keep=False),
                     error="appears twice (the same indicator, period and ward)", name="duplicate"),
        ],
        strict=False,
    )


# Whole-row checks: the column each one is reported against.
ROW_CHECKS = {
    "is required unless status_note says why there is no figure": "actual",
    "is a percentage outside 0-100": "actual",
    "appears twice (the same indicator, period and ward)": "indicator_id",
}


def check(data: bytes, filename: str, context: Context, max_bytes: int = MAX_BYTES) -> Checked:
    """Read and check an upload; nothing is written anywhere."""
    checked = Checked(filename=filename, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > max_bytes:
        checked.problems.append(Problem(f"the file is {len(data) / 1e6:.1f} MB; the limit is "
                                        f"{max_bytes / 1e6:.0f} MB"))
        return checked
    if not data.strip():
        checked.problems.append(Problem("the file is empty"))
        return checked
    header, raw_rows, checked.encoding, problems = read_table(data, filename)
    checked.problems += problems
    if problems:
        return checked
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        checked.problems.append(Problem(f"missing required column{'s' if len(missing) > 1 else ''} "
                                        f"{', '.join(missing)} (the header row must name "
                                        f"{', '.join(REQUIRED)})", row=1))
        return checked
    if not any(any((raw.get(column) or "").strip() for column in FILLED_IN) for raw in raw_rows):
        checked.problems.append(Problem("the file has no figures: no row has an actual, RAG, status note "
                                        "or commentary"))
        return checked
    rows = []
    for number, raw in enumerate(raw_rows, start=2):
        if not any((raw.get(column) or "").strip() for column in FILLED_IN):
            continue  # a template row left blank: the target is pre-filled, nothing else
        row, problems = _check_row(number, raw, context)
        checked.problems += problems
        rows.append(row)
    frame = pd.DataFrame(rows)
    try:
        schema(context).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        checked.problems += _schema_problems(errors, frame)
    checked.problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 99))
    if not checked.problems:
        checked.rows = rows
    return checked


def _schema_problems(errors: pa.errors.SchemaErrors, frame: pd.DataFrame) -> list[Problem]:
    """One problem per row and check, named by the spreadsheet row and the officer's column."""
    problems, seen = [], set()
    for case in errors.failure_cases.to_dict("records"):
        index = case.get("index")
        if missing(index):
            continue
        message = str(case.get("check"))
        column = ROW_CHECKS.get(message, case.get("column"))
        if (index, message) in seen:
            continue
        seen.add((index, message))
        record = frame.loc[int(index)]
        value = record.get(f"{column}_as_printed", record.get(column)) if column == "actual" else record.get(column)
        shown = {"rag_reported": "rag"}.get(column, column)
        problems.append(Problem(message, int(record["row"]), shown,
                                None if missing(value) else str(value)))
    return problems
