"""A new quarter's figures from an officer: read, checked, previewed, committed, reversible.

Every byte is treated as hostile. Reading and checking never touch the store; every
problem is reported at once (up to MAX_PROBLEMS), naming row, column, value and what is
expected. The file is read strictly and lazily within fixed limits (rows, cells, bytes
unzipped), so nothing is guessed and no file can exhaust the process checking it. The
checks on the normalised table are declared with pandera (a well-kept DataFrame
validation library: declarative per-column checks with lazy, collected failure
reports); parsing the officer's text into numbers and periods is ours, because it
depends on each measure's unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import math
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from harrow_kpi import periods, rag
from harrow_kpi.exports import FORMULA_STARTS
from harrow_kpi.figures import missing

# The limits, documented in the README ("Uploading a quarter"): a file past one is refused, never truncated.
MAX_BYTES = 25 * 1024 * 1024  # the file as uploaded
MAX_ROWS = 200_000  # rows below the header
MAX_COLUMNS = 50
MAX_CELLS = 2_500_000
MAX_XLSX_BYTES = 200_000_000  # a workbook's parts once unzipped
MAX_XLSX_PARTS = 1000
MAX_XLSX_RATIO = 200  # a part over 1 MB unzipped may be at most this many times its zipped size
MAX_PROBLEMS = 100  # checking stops once this many problems are found
MAX_NUMBER = 1e15  # past 15 digits a spreadsheet no longer shows a number exactly
PERCENT = ("percent-formatted",)  # the key, never a header name, of a row's percent-formatted workbook cells
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


class Refused(Exception):
    """A file that cannot be read as a table without guessing: one problem, and nothing else is checked."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# A valid UTF-8 sequence of two to four bytes: in a file that is not UTF-8 throughout, one of these means
# the file mixes encodings (reading it all as Windows-1252 would turn "é" into "Ã©").
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                            rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                            rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel writes it; never a mix
    of the two, which no reading gets right."""
    try:
        return data.decode("utf-8-sig"), "utf-8"  # pragma: no mutate
    except UnicodeDecodeError as error:
        bad = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    utf8 = _UTF8_SEQUENCE.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if utf8:
        raise ValueError(f"the file mixes encodings: line {_line_of(data, utf8.start())} is UTF-8 but line "
                         f"{_line_of(data, bad)} is not (byte {bad}); save the whole file as CSV UTF-8") from None
    encoding = "windows-1252"  # Python's cp1252, under the name the page shows
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise ValueError(f"the file is neither UTF-8 nor Windows-1252 text (byte {error.start})") from None


def column_letter(index: int) -> str:
    """The spreadsheet's name for the column at ``index`` (0 is A), as officers see it."""
    head, rest = divmod(index, 26)
    return (column_letter(head - 1) if head else "") + chr(65 + rest)


def records(data: bytes, filename: str) -> tuple[str, Iterator[list[str]]]:
    """The file's encoding and its rows as lists of cell text, read lazily, so a huge file is refused
    at the row limit without being held in memory. Raises Refused for what cannot be read."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return "xlsx", _xlsx_records(data)
    try:
        text, encoding = decode(data)
    except ValueError as error:
        row = re.search(r"line (\d+) is not", str(error))
        raise Refused(Problem(str(error), row=int(row[1]) if row else None)) from None
    if "\x00" in text:
        raise Refused(Problem("the file contains NUL bytes: it is not a text CSV file"))
    first = text[:text.find("\n")] if "\n" in text else text
    if "," not in first and any(mark in first for mark in (";", "\t", "|")):
        mark = next(m for m in (";", "\t", "|") if m in first)
        name = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}[mark]
        raise Refused(Problem(f"the columns are separated by {name}; save the file as comma-separated "
                              "CSV (UTF-8)", row=1))
    # Only a file of more lines than the limit can hold too many rows; those are counted as csv reads them.
    if text.count("\n") > MAX_ROWS and _too_many_records(text):  # pragma: no mutate (>= only counts more files)
        raise Refused(Problem(f"the file has more than {MAX_ROWS:,} rows below the header; split it",
                              row=MAX_ROWS + 2))
    return encoding, _csv_records(text)


def _too_many_records(text: str) -> bool:
    """Whether the CSV has more rows than the limit allows, counted before any row is checked (a
    million-row file is refused in a fraction of a second); a file csv cannot read is left to the
    reading that names its row."""
    try:
        return sum(1 for _ in csv.reader(_lines(text), strict=True)) > MAX_ROWS + 1
    except csv.Error:
        return False


LINE = re.compile("[^\n]*\n|[^\n]+")  # a line with its ending, or the last line without one


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time: io.StringIO would hold a copy of the whole
    file at four bytes a character."""
    for line in LINE.finditer(text):
        yield line.group()


def _csv_records(text: str) -> Iterator[list[str]]:
    reader = csv.reader(_lines(text), strict=True)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise Refused(Problem('a quoted cell that starts on this row is never closed (a " with no '
                                      'closing "); every row after it would be swallowed', row=number + 1)) from None
            raise Refused(Problem(f"the file is not valid CSV: {error}", row=number + 1)) from None
        number += 1
        yield row


def _xlsx_records(data: bytes) -> Iterator[tuple[str, ...]]:
    """Opened now (so a bad workbook is refused before any row), read lazily."""
    import openpyxl

    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is the officer's problem to fix
        raise Refused(Problem(f"the file is not a readable .xlsx workbook ({type(error).__name__})")) from None
    return _sheet_rows(book, sheet)


def _sheet_rows(book, sheet) -> Iterator[tuple[str, ...]]:
    """A workbook's rows to column AY: the 50 columns a header may have and one more, where a value
    under no header is refused. Cells further right are not read (a sheet's stated width may run to
    column XFD, and every row would be padded to it)."""
    try:
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1):
            yield tuple(_cell_text(cell) for cell in row)  # a tuple: a workbook row is as wide as the sheet
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 - a workbook broken part-way is refused like an unreadable one
        raise Refused(Problem(f"the file is not a readable .xlsx workbook ({type(error).__name__})")) from None
    finally:
        book.close()


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate to an absurd size, before openpyxl opens it: the
    sizes are read from the zip's directory (zipfile then holds each part to its declared size)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise Refused(Problem(f"the file is not a readable .xlsx workbook ({type(error).__name__})")) from None
    inflated = sum(part.file_size for part in parts)
    if len(parts) > MAX_XLSX_PARTS or inflated > MAX_XLSX_BYTES:
        raise Refused(Problem(f"the workbook would unpack to {inflated / 1e6:,.0f} MB in {len(parts):,} parts; "
                              f"the limit is {MAX_XLSX_BYTES / 1e6:.0f} MB in {MAX_XLSX_PARTS} parts"))
    for part in parts:
        zipped = max(part.compress_size, 1)  # a crafted directory may claim a part zips to nothing
        if part.file_size > 1_000_000 and part.file_size > MAX_XLSX_RATIO * zipped:
            ratio = part.file_size // zipped
            raise Refused(Problem(f"the workbook part {part.filename} is compressed {ratio:,} to 1 (the limit is "
                                  f"{MAX_XLSX_RATIO} to 1): it is not an ordinary spreadsheet"))


def _percent_format(number_format: str | None) -> bool:
    """Whether a cell's number format shows its value times 100 with a % sign; a % in quotes or after
    a backslash is literal text and does not scale."""
    if not number_format:
        return False
    # findall gives "" for each literal (in quotes, after a backslash, in brackets) and "%" for each % shown
    return "%" in re.findall(r'"[^"]*"|\\.|\[[^\]]*\]|(%)', number_format)


class PercentCell(str):
    """The text of a percent-formatted workbook cell, as the officer sees it (``56.2%`` for 0.562)."""


def _cell_text(cell) -> str:
    """A workbook cell as the officer sees it: numbers in full, never as 1e+16, and a percent-formatted
    number shown times 100 with its % sign (exactly: 0.57 is 57, not 56.99999999999999)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "not finite"
    exact = decimal.Decimal(repr(value))  # an int's digits; a float's shortest text (0.57, never 0.5699…)
    if _percent_format(getattr(cell, "number_format", None)):
        return PercentCell(_decimal_text(exact.scaleb(2)) + "%")
    return _decimal_text(exact)


def _decimal_text(value: decimal.Decimal) -> str:
    text = format(value, "f")  # pragma: no mutate
    if "." not in text:
        return text
    # rstrip takes a set of characters: a mutant's "XX0XX" strips from a number's text just what "0" does
    return text.rstrip("0").rstrip(".")  # pragma: no mutate


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict], str | None, list[Problem]]:
    """Header and rows as text, from a CSV or an .xlsx file, read strictly (see ``table``)."""
    try:
        encoding, found = records(data, filename)
    except Refused as refusal:
        return [], [], None, [refusal.problem]
    try:
        header, rows = table(found)
        return header, [raw for _, raw in rows], encoding, []
    except Refused as refusal:
        return [], [], encoding, [refusal.problem]


def table(found: Iterator[list[str]]) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The header (the first non-blank row) and an iterator of (spreadsheet row, cells by column).

    Strict: a header named twice or left blank between named ones, a row with more or fewer cells
    than the header (in a workbook: a value under no header), more than MAX_COLUMNS columns, or more
    than MAX_ROWS rows or MAX_CELLS cells is refused naming the row, never guessed at. Blank rows stay
    (skipped later) so that every row keeps the number the spreadsheet shows for it."""
    number = 0
    for cells in found:
        number += 1
        if any(str(cell).strip() for cell in cells):
            break
    else:
        return [], iter(())
    width = len(cells)
    named = [str(cell).strip().lower() for cell in cells]
    while named and not named[-1]:
        named.pop()  # trailing blank header cells: their cells must stay empty (checked row by row)
    if len(named) > MAX_COLUMNS:
        raise Refused(Problem(f"the header has more than {MAX_COLUMNS} columns; the limit is {MAX_COLUMNS}",
                              row=number))
    for index, name in enumerate(named):
        if not name:
            raise Refused(Problem(f"column {column_letter(index)} has no name in the header (name it or delete "
                                  "the column)", row=number))
        if name in named[:index]:
            raise Refused(Problem(f"the column '{name}' is named twice in the header (columns "
                                  f"{column_letter(named.index(name))} and {column_letter(index)})", row=number))
    return named, _body(found, named, width, number)


def _body(found, named, width, header_row) -> Iterator[tuple[int, dict]]:
    for number in range(2, header_row + 1):
        yield number, {}  # a place for each row above the header, for read_table's callers counting from 2
    number, cells_read = header_row, 0
    for cells in found:
        number += 1
        if number - header_row > MAX_ROWS:
            raise Refused(Problem(f"the file has more than {MAX_ROWS:,} rows below the header; split it",
                                  row=number))
        # a workbook row comes padded to MAX_COLUMNS + 1 cells: count those under the header
        cells_read += len(named) if isinstance(cells, tuple) else len(cells)
        if cells_read > MAX_CELLS:
            raise Refused(Problem(f"the file has more than {MAX_CELLS:,} cells; split it", row=number))
        if not any(str(cell).strip() for cell in cells):
            yield number, {}
            continue
        if isinstance(cells, list) and len(cells) != width:
            raise Refused(Problem(f"the row has {len(cells)} cells but the header has {width}: a comma too many "
                                  "or too few (put a cell that contains a comma in double quotes)", row=number))
        for index in range(len(named), len(cells)):
            if str(cells[index]).strip():
                raise Refused(Problem(f"column {column_letter(index)} holds '{str(cells[index])[:40]}' but has no "
                                      "name in the header", row=number))
        raw = {name: str(cell).strip() for name, cell in zip(named, cells)}
        percent = {name for name, cell in zip(named, cells) if isinstance(cell, PercentCell)}
        if percent:
            raw[PERCENT] = percent
        yield number, raw


def _finite(value: float) -> float:
    """A number a spreadsheet shows as typed: finite, and at most 15 digits before the point."""
    if not math.isfinite(value) or abs(value) >= MAX_NUMBER:
        raise ValueError("is too large: a figure must be under 1,000,000,000,000,000 (15 digits)")
    return value


def parse_number(text: str, unit: str | None) -> float:
    """A figure as officers type it: 56.2%, 1,080, £1.1m, where the unit allows."""
    value = text.strip()
    if value == "not finite":
        raise ValueError("is not a finite number (the workbook cell holds infinity or an error)")
    if value.endswith("%"):
        if unit != "percent":
            raise ValueError("has a % sign, but this measure is not a percentage")
        value = value[:-1].strip()
    money = _MONEY.match(value)
    if money:
        if unit not in GBP_FACTOR:
            raise ValueError("is money, but this measure is not measured in pounds")
        pounds = float(money["number"].replace(",", "")) * SCALE[(money["scale"] or "").lower() or None]
        return _finite(pounds / GBP_FACTOR[unit])
    if not _NUMBER.match(value):
        raise ValueError("is not a number (expected e.g. 56.2, 56.2%, 1,080" +
                         (" or £1.1m" if unit in GBP_FACTOR else "") + ")")
    return _finite(float(value.replace(",", "")))


def parse_target(text: str, unit: str | None) -> tuple[dict, str | None]:
    """A target as officers type it, a number or a range low-high: its values, and what is wrong
    with it (or None). Shared by quarter files and scorecard definitions, so both read targets alike."""
    values = {"target": None, "target_low": None, "target_high": None}
    found = _RANGE.match(text)
    if found:
        low, high = (float(found[k].replace(",", "")) for k in ("low", "high"))
        values["target_low"], values["target_high"] = low, high
        try:
            _finite(low), _finite(high)
        except ValueError as error:
            return values, str(error)
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
    out = {"indicator_id": sys.intern(row["indicator_id"]), "ward_code": sys.intern(row["ward_code"]) or None,
           "status_note": row["status_note"] or None, "commentary": row["commentary"] or None,
           "rag_reported": row["rag"].upper() or None, "target": None, "target_low": None, "target_high": None,
           "actual": None, "period": None, "target_as_printed": row["target"] or None,
           "actual_as_printed": row["actual"] or None, "row": number}
    period = None
    if row["period"]:
        try:
            period = periods.parse(row["period"], context.today)
            out["period"] = sys.intern(str(period))
        except periods.PeriodError as error:
            message = str(error)
            quoted = f"'{row['period']}' "
            problems.append(Problem(message.removeprefix(quoted), number, "period", row["period"]))
    else:
        problems.append(Problem("is required (a period like '2019/20 Q3')", number, "period"))
    if period is not None and period.start > context.today:
        problems.append(Problem(f"is in the future (it starts {period.start:%d %B %Y})", number, "period",
                                row["period"]))
    percent_cells = raw.get(PERCENT, ())
    for column in ("actual", "target"):
        if column in percent_cells and unit != "percent":
            problems.append(Problem("is a percent-formatted cell in the workbook, but this measure is not a "
                                    "percentage: format the cell as a number", number, column, row[column]))
    if row["actual"] and not ("actual" in percent_cells and unit != "percent"):
        try:
            out["actual"] = parse_number(row["actual"], unit)
        except ValueError as error:
            problems.append(Problem(str(error), number, "actual", row["actual"]))
    if row["target"] and not ("target" in percent_cells and unit != "percent"):
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
    """Checks on the normalised rows, each failure reported with its row and column.

    No column declares a dtype: the values are text (or None) by construction, and pandas 3 holds a
    column of text alone as str, which an object dtype fails (a failure with no row, so skipped). A
    check is known by its error text (ROW_CHECKS), so none is named; the frame's other columns pass
    unchecked (pandera's default strict=False)."""
    percent_ids = [i for i, meta in context.indicators.items() if meta["unit"] == "percent"]
    return pa.DataFrameSchema(
        {
            "indicator_id": pa.Column(checks=pa.Check.isin(
                list(context.indicators), error="is not a known indicator_id (see export indicators)")),
            "rag_reported": pa.Column(checks=pa.Check.isin(list(rag.BANDS),
                                                           error="is not a RAG band: use HG, LG, A, LR or HR"),
                                      nullable=True),
            "ward_code": pa.Column(checks=pa.Check.isin(list(context.wards),
                                                        error="is not a Harrow ward code (E05000285-E05000305)"),
                                   nullable=True),
        },
        checks=[
            pa.Check(lambda df: df["actual_as_printed"].notna() | df["status_note"].notna(),
                     error="is required unless status_note says why there is no figure"),
            pa.Check(lambda df: ~df["indicator_id"].isin(percent_ids) | df["actual"].isna()
                     | df["actual"].between(0, 100), error="is a percentage outside 0-100"),
        ],
    )


# Whole-row checks: the column each one is reported against.
ROW_CHECKS = {
    "is required unless status_note says why there is no figure": "actual",
    "is a percentage outside 0-100": "actual",
}
TWICE = "appears twice (the same indicator, period and ward)"  # checked as rows are read: it spans chunks
SCHEMA_CHUNK = 5_000  # rows the schema checks at a time, so a file of bad rows stops early


def _place(problem: Problem) -> tuple[int, int]:
    """Where a problem is listed: by row, then by column in the order of COLUMNS."""
    # Every problem sorted has a row and a column of COLUMNS (a file-level one is never sorted), so the
    # defaults only guard and no input can tell their mutants apart.
    return problem.row or 0, COLUMNS.index(problem.column) if problem.column in COLUMNS else 99  # pragma: no mutate


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
    try:
        checked.encoding, found = records(data, filename)
        header, numbered = table(found)
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            checked.problems.append(Problem(f"missing required column{'s' if len(missing) > 1 else ''} "
                                            f"{', '.join(missing)} (the header row must name "
                                            f"{', '.join(REQUIRED)})", row=1))
            return checked
        rows, stopped = _check_rows(numbered, context, checked.problems)
    except Refused as refusal:
        checked.problems[:] = [refusal.problem]
        return checked
    if stopped is None and not rows:
        checked.problems.append(Problem("the file has no figures: no row has an actual, RAG, status note "
                                        "or commentary"))
        return checked
    if stopped is None:
        stopped = _check_schema(rows, context, checked.problems)
    checked.problems.sort(key=_place)
    if stopped is not None or len(checked.problems) > MAX_PROBLEMS:
        found = len(checked.problems)
        where = f"checking stopped at row {stopped} after" if stopped is not None else "the file has"
        del checked.problems[MAX_PROBLEMS:]
        checked.problems.append(Problem(f"{where} {found:,} problems; the first {MAX_PROBLEMS} are listed. "
                                        "Fix them and upload the file again"))
    if not checked.problems:
        checked.rows = rows
    return checked


# The normalised columns the schema reads (the frame holds only these, to keep memory down).
_SCHEMA_COLUMNS = ("row", "indicator_id", "period", "ward_code", "rag_reported", "actual", "actual_as_printed",
                   "status_note")


def _check_rows(numbered, context: Context, problems: list[Problem]) -> tuple[list[dict], int | None]:
    """Each filled-in row checked as it is read; stops once MAX_PROBLEMS problems are found, returning
    the row it stopped at (else None). A repeated measure, period and ward is named on both rows."""
    rows, first = [], {}
    for number, raw in numbered:
        if not any((raw.get(column) or "").strip() for column in FILLED_IN):
            continue  # a template row left blank: the target is pre-filled, nothing else
        row, found = _check_row(number, raw, context)
        key = (row["indicator_id"], row["period"], row["ward_code"])
        if key in first:
            earlier = first[key]
            if earlier is not None:
                problems.append(Problem(TWICE, earlier["row"], "indicator_id", earlier["indicator_id"] or None))
                first[key] = None  # named once, however many repeats follow
            found.append(Problem(TWICE, number, "indicator_id", row["indicator_id"] or None))
        else:
            first[key] = row
        problems += found
        rows.append(row)
        if len(problems) >= MAX_PROBLEMS:
            return rows, number
    return rows, None


def _check_schema(rows: list[dict], context: Context, problems: list[Problem]) -> int | None:
    """The schema's checks, a chunk of rows at a time (a frame of the few columns it reads, so memory
    stays low); stops once MAX_PROBLEMS problems are found, returning the last row checked."""
    checks = schema(context)
    for start in range(0, len(rows), SCHEMA_CHUNK):
        chunk = rows[start:start + SCHEMA_CHUNK]
        frame = pd.DataFrame({name: [row[name] for row in chunk] for name in _SCHEMA_COLUMNS})
        try:
            checks.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            problems += _schema_problems(errors, frame)
        if len(problems) >= MAX_PROBLEMS and start + SCHEMA_CHUNK < len(rows):
            return chunk[-1]["row"]
    return None


def _schema_problems(errors: pa.errors.SchemaErrors, frame: pd.DataFrame) -> list[Problem]:
    """One problem per row and check, named by the spreadsheet row and the officer's column."""
    problems, seen = [], set()
    for case in errors.failure_cases.to_dict("records"):  # pragma: no mutate
        index = case.get("index")
        if missing(index):  # a failure of the whole column or frame: pandera lists those after every row's
            continue  # pragma: no mutate (so break would drop nothing)
        message = str(case.get("check"))
        column = ROW_CHECKS.get(message, case.get("column"))
        if (index, message) in seen:
            continue
        seen.add((index, message))
        record = frame.loc[int(index)]
        value = record.get("actual_as_printed" if column == "actual" else column)  # an actual as the officer typed it
        shown = {"rag_reported": "rag"}.get(column, column)
        problems.append(Problem(message, int(record["row"]), shown,
                                None if missing(value) else str(value)))
    return problems
