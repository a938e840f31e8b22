"""Uploads never store a figure other than the one the officer sees, and never exhaust the server
(issue 13): each refusal names row and column and leaves the real store unchanged.

Units, from data/indicators.csv: council-tax-collected is a percent, book-issues a count.
"""

import csv
import decimal
import io
import os
import time
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harrow_kpi import ingest, store, uploads, worker
from tests.helpers import private_store

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"


@pytest.fixture()
def path(db_file, tmp_path):
    return private_store(db_file, tmp_path)


def store_dump(path) -> list:
    """Every figure, its history and every measure: what a refused file must not touch (the audit log and
    the data version move on, by design)."""
    with store.opened(path) as db:
        store.ensure_app_tables(db)
        return [list(db.execute(f"SELECT * FROM {table} ORDER BY 1")) for table in
                ("observations", "observation_history", "indicators", "scorecard_measures")]


def check(path, data, filename="q3.csv"):
    with store.opened(path) as db:
        context = uploads.context(db)
    return ingest.check(data if isinstance(data, bytes) else data.encode("utf-8"), filename, context)


def refused(path, data, filename="q3.csv") -> list[str]:
    """The problems of a refused file; it cannot be committed and the store is unchanged."""
    before = store_dump(path)
    checked = check(path, data, filename)
    assert not checked.ok
    with pytest.raises(ValueError):
        uploads.commit(path, checked, "officer")
    uploads.reject(path, checked, "officer")
    assert store_dump(path) == before
    return [str(problem) for problem in checked.problems]


def stored_actual(path, indicator_id, period="2019/20 Q3"):
    with store.opened(path) as db:
        return db.execute("SELECT actual, actual_as_printed FROM observations WHERE indicator_id = ? AND period = ? "
                          "AND ward_code IS NULL", (indicator_id, period)).fetchone()


def workbook(rows, formats=None) -> bytes:
    """A workbook of ``rows``; ``formats`` maps (row, column), counted from 1, to a number format."""
    book = openpyxl.Workbook()
    for line in rows:
        book.active.append(line)
    for (row, column), number_format in (formats or {}).items():
        book.active.cell(row=row, column=column).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Numbers as the officer sees them.

def test_a_percent_formatted_cell_is_stored_as_the_percentage_it_shows(path):
    data = workbook([["indicator_id", "period", "actual", "target"],
                     ["council-tax-collected", "2019/20 Q3", 0.562, 0.57]], {(2, 3): "0.0%", (2, 4): "0%"})
    checked = check(path, data, "q3.xlsx")
    assert checked.ok, [str(p) for p in checked.problems]
    uploads.commit(path, checked, "officer")
    assert stored_actual(path, "council-tax-collected") == (56.2, "56.2%")
    with store.opened(path) as db:
        target = db.execute("SELECT target FROM observations WHERE indicator_id = 'council-tax-collected' "
                            "AND period = '2019/20 Q3'").fetchone()[0]
    assert target == 57.0  # 0.57 × 100 is 56.99999999999999 in floating point; the cell shows 57%


def test_a_literal_percent_sign_in_a_number_format_does_not_scale(path):
    data = workbook([["indicator_id", "period", "actual"], ["council-tax-collected", "2019/20 Q3", 56.2]],
                    {(2, 3): '0.0"%"'})
    assert [row["actual"] for row in check(path, data, "q3.xlsx").rows] == [56.2]


def test_a_percent_formatted_target_for_a_measure_that_is_not_a_percentage_is_refused_once():
    counts = ingest.Context(indicators={"book-issues": {"unit": "count"}}, wards={})
    data = workbook([["indicator_id", "period", "actual", "target"], ["book-issues", "2019/20 Q3", 5, 0.57]],
                    {(2, 4): "0%"})
    assert [str(p) for p in ingest.check(data, "q3.xlsx", counts).problems] == [
        "row 2, column target: '57%' is a percent-formatted cell in the workbook, but this measure is not a "
        "percentage: format the cell as a number"]


def test_a_percent_formatted_cell_for_a_measure_that_is_not_a_percentage_is_refused(path):
    data = workbook([["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 0.562]], {(2, 3): "0.0%"})
    assert refused(path, data, "q3.xlsx") == [
        "row 2, column actual: '56.2%' is a percent-formatted cell in the workbook, but this measure is not a "
        "percentage: format the cell as a number"]


def test_a_400_digit_number_is_refused_not_stored_as_infinity(path):
    digits = "9" * 400
    assert refused(path, HEADER + f"book-issues,2019/20 Q3,{digits},,,,,\n") == [
        f"row 2, column actual: '{digits}' is too large: a figure must be under 1,000,000,000,000,000 (15 digits)"]


def test_a_huge_workbook_number_is_refused(path):
    data = workbook([["indicator_id", "period", "actual", "target"], ["book-issues", "2019/20 Q3", 5, 1e300]])
    assert refused(path, data, "q3.xlsx") == [
        "row 2, column target: '1" + "0" * 300 + "' is too large: a figure must be under 1,000,000,000,000,000 "
        "(15 digits)"]


def test_a_huge_range_target_is_refused(path):
    assert refused(path, HEADER + "book-issues,2019/20 Q3,5,1-" + "9" * 20 + ",,,,\n") == [
        "row 2, column target: '1-" + "9" * 20 + "' is too large: a figure must be under 1,000,000,000,000,000 "
        "(15 digits)"]


def test_a_non_finite_workbook_cell_is_refused():
    assert ingest.parse_number(ingest._decimal_text(decimal.Decimal("1E+14")), "count") == 1e14
    with pytest.raises(ValueError) as error:
        ingest.parse_number("not finite", "count")
    assert str(error.value) == "is not a finite number (the workbook cell holds infinity or an error)"


def test_a_workbook_cell_is_read_as_it_shows():
    """Infinity is named as such; a percent sign only where the cell's format shows one."""
    assert ingest._cell_text(SimpleNamespace(value=float("inf"), number_format="General")) == "not finite"
    assert ingest._cell_text(SimpleNamespace(value=0.5, number_format=None)) == "0.5"
    assert ingest._cell_text(SimpleNamespace(value=0.5, number_format="")) == "0.5"
    assert ingest._cell_text(SimpleNamespace(value=0.5, number_format="0%")) == "50%"
    assert ingest._cell_text(SimpleNamespace(value=7)) == "7"  # a cell type with no number format


def broken_at(rows, cell: str) -> bytes:
    """A workbook of ``rows`` whose ``cell`` (say A2, holding text) points at a shared string that is not there."""
    data = workbook(rows)
    row, column = int(cell[1:]), ord(cell[0]) - ord("A")
    text = rows[row - 1][column].encode()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken := io.BytesIO(), "w") as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (cell.encode(), text),
                                          b'<c r="%s" t="s"><v>999</v></c>' % cell.encode())
            target.writestr(part, content)
    return broken.getvalue()


def test_a_workbook_broken_part_way_through_is_refused(path):
    """The sheet opens, then a row points at a shared string that is not there."""
    data = broken_at([["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5]], "A2")
    assert refused(path, data, "q3.xlsx") == ["the file is not a readable .xlsx workbook (IndexError)"]


def test_a_workbook_is_read_a_row_at_a_time_so_the_rows_before_a_broken_one_come_first():
    data = broken_at([["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5],
                      ["museum-visits", "2019/20 Q3", 7]], "A3")
    _, found = ingest.records(data, "q3.xlsx")  # opened, not read: a whole sheet is never held at once
    assert next(found)[:3] == ("indicator_id", "period", "actual")
    assert next(found)[:3] == ("book-issues", "2019/20 Q3", "5")
    with pytest.raises(ingest.Refused) as refusal:
        next(found)
    assert str(refusal.value) == "the file is not a readable .xlsx workbook (IndexError)"


def test_column_letters_are_the_spreadsheet_s():
    assert [ingest.column_letter(index) for index in (0, 25, 26, 51, 701, 702)] == [
        "A", "Z", "AA", "AZ", "ZZ", "AAA"]


# Strict CSV.

def test_an_unterminated_quote_is_refused_naming_its_row_not_swallowing_the_rows_after(path):
    data = (HEADER + "book-issues,2019/20 Q3,5,,,,ok,\nmuseum-visits,2019/20 Q3,7,,,,\"Up,\n"
            + "book-issues,2019/20 Q4,6,,,,,\n")
    assert refused(path, data) == [
        'row 3: a quoted cell that starts on this row is never closed (a " with no closing "); every row after '
        "it would be swallowed"]


def test_a_malformed_quote_is_refused_naming_its_row(path):
    assert refused(path, HEADER + "book-issues,2019/20 Q3,5,,,,\"Up\" a lot,\n") == [
        "row 2: the file is not valid CSV: ',' expected after '\"'"]


def test_a_quoted_cell_over_two_lines_is_one_row(path):
    data = HEADER + "book-issues,2019/20 Q3,5,,,,\"Up\non last year\",\nmuseum-visits,2019/20 Q3,lots,,,,,\n"
    assert [str(p).split(":")[0] for p in check(path, data).problems] == ["row 3, column actual"]


def test_a_row_with_an_extra_cell_is_refused(path):
    assert refused(path, HEADER + "book-issues,2019/20 Q3,5,,,,,,\n") == [
        "row 2: the row has 9 cells but the header has 8: a comma too many or too few (put a cell that contains "
        "a comma in double quotes)"]


@pytest.mark.parametrize("header,message", [
    ("indicator_id,period,actual,Actual", "row 1: the column 'actual' is named twice in the header (columns C and D)"),
    ("indicator_id,period,,actual", "row 1: column C has no name in the header (name it or delete the column)"),
])
def test_a_repeated_or_blank_header_is_refused(path, header, message):
    assert refused(path, header + "\nbook-issues,2019/20 Q3,5,6\n") == [message]


def test_a_workbook_value_under_no_header_is_refused(path):
    data = workbook([["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5, "stray"]])
    assert refused(path, data, "q3.xlsx") == ["row 2: column D holds 'stray' but has no name in the header"]


def test_a_trailing_blank_header_cell_with_empty_cells_is_read(path):
    assert [row["actual"] for row in check(path, "indicator_id,period,actual,\nbook-issues,2019/20 Q3,5,\n").rows] == [
        5.0]


def test_mixed_encodings_are_refused_naming_both_lines(path):
    data = (HEADER + "book-issues,2019/20 Q3,5,,,,Caf\u00e9 open,\n").encode("utf-8") + \
        b"museum-visits,2019/20 Q3,7,,,,Caf\xe9 shut,\n"
    assert refused(path, data) == [
        "row 3: the file mixes encodings: line 2 is UTF-8 but line 3 is not (byte 144); save the whole file as "
        "CSV UTF-8"]


def test_mixed_encodings_after_a_blank_first_line_name_the_right_lines(path):
    data = ("\n" + HEADER + "book-issues,2019/20 Q3,5,,,,Caf\u00e9 open,\n").encode("utf-8") + \
        b"museum-visits,2019/20 Q3,7,,,,Caf\xe9 shut,\n"
    assert refused(path, data)[0].startswith("row 4: the file mixes encodings: line 3 is UTF-8 but line 4 is not")


def test_a_byte_order_mark_then_a_windows_1252_byte_is_refused_naming_that_line(path):
    # 3 + 71 bytes of mark and header, 35 of row 2, then 31 before the \xe9 of row 3: byte 140
    data = (b"\xef\xbb\xbf" + HEADER.encode() + b"book-issues,2019/20 Q3,5,,,,Caf\xc3\xa9,\n"
            + b"book-issues,2019/20 Q4,5,,,,Caf\xe9,\n")
    assert refused(path, data) == [
        "row 3: the file mixes encodings: line 2 is UTF-8 but line 3 is not (byte 140); save the whole file as "
        "CSV UTF-8"]


# Limits.

def test_a_file_over_the_row_limit_is_refused_at_the_first_row_past_it(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    data = HEADER + "book-issues,2019/20 Q3,5,,,,,\n" * 3
    assert check(path, data).problems[0].message != "the file has more than 3 rows below the header; split it"
    assert refused(path, data + "museum-visits,2019/20 Q3,5,,,,,\n") == [
        "row 5: the file has more than 3 rows below the header; split it"]


def test_a_file_past_the_row_limit_with_a_stray_quote_is_refused_for_the_quote(path, monkeypatch):
    """The row count reads as strictly as the check: a file it cannot read is refused naming the bad row,
    not counted some other way and refused for its size."""
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    data = HEADER + '"book-issues"x,2019/20 Q3,5,,,,,\n' + "book-issues,2019/20 Q3,5,,,,,\n" * 4
    assert refused(path, data) == [
        "row 2: the file is not valid CSV: ',' expected after '\"'"]


def test_a_file_one_row_past_the_limit_is_refused_before_any_row_is_checked(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    monkeypatch.setattr(ingest, "_check_row", lambda *args: pytest.fail("a row was checked"))
    assert refused(path, HEADER + "book-issues,2019/20 Q3,x,,,,,\n" * 4) == [
        "row 5: the file has more than 3 rows below the header; split it"]


def test_a_file_one_row_past_the_limit_with_no_last_line_ending_is_refused_before_any_row_is_checked(
        path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    monkeypatch.setattr(ingest, "_check_row", lambda *args: pytest.fail("a row was checked"))
    data = HEADER + "book-issues,2019/20 Q3,x,,,,,\n" * 3 + "book-issues,2019/20 Q3,x,,,,,"
    assert refused(path, data) == ["row 5: the file has more than 3 rows below the header; split it"]


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_checked(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    monkeypatch.setattr(ingest, "_check_row", lambda *args: pytest.fail("a row was checked"))
    assert refused(path, HEADER + "book-issues,2019/20 Q3,x,,,,,\n" * 5) == [
        "row 5: the file has more than 3 rows below the header; split it"]


def test_a_quoted_line_break_is_not_counted_as_a_row(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    data = HEADER + "".join(f"book-issues,2019/20 Q{n},5,,,,\"one\ntwo\",\n" for n in (1, 2, 3))
    assert check(path, data).ok


def test_a_workbook_over_the_row_limit_is_refused(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 2)
    data = workbook([["indicator_id", "period", "actual"]] + [["book-issues", "2019/20 Q3", 5]] * 3)
    assert refused(path, data, "q3.xlsx") == ["row 4: the file has more than 2 rows below the header; split it"]


def test_a_file_over_the_cell_limit_is_refused(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_CELLS", 20)
    assert refused(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n" * 3) == [
        "row 4: the file has more than 20 cells; split it"]


def test_a_header_over_the_column_limit_is_refused(path):
    header = ",".join(["indicator_id", "period", "actual"] + [f"extra{n}" for n in range(48)])
    assert refused(path, header + "\n" + "book-issues,2019/20 Q3,5" + "," * 48 + "\n") == [
        "row 1: the header has more than 50 columns; the limit is 50"]


def test_a_workbook_header_past_the_column_limit_is_refused_and_one_at_it_read(path):
    names = ["indicator_id", "period"] + [f"extra{n}" for n in range(47)] + ["actual"]
    at_the_limit = workbook([names, ["book-issues", "2019/20 Q3"] + [None] * 47 + [5]])
    assert check(path, at_the_limit, "q3.xlsx").ok
    past_it = workbook([names + ["extra47"], ["book-issues", "2019/20 Q3"] + [None] * 47 + [5]])
    assert refused(path, past_it, "q3.xlsx") == ["row 1: the header has more than 50 columns; the limit is 50"]


def test_checking_stops_after_the_problem_limit_and_says_where(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PROBLEMS", 3)
    data = HEADER + "".join(f"book-issues,{2010 + n}/{11 + n} Q1,x,,,,,\n" for n in range(10))
    found = refused(path, data)
    assert found == [
        "row 2, column actual: 'x' is not a number (expected e.g. 56.2, 56.2%, 1,080)",
        "row 3, column actual: 'x' is not a number (expected e.g. 56.2, 56.2%, 1,080)",
        "row 4, column actual: 'x' is not a number (expected e.g. 56.2, 56.2%, 1,080)",
        "checking stopped at row 4 after 3 problems; the first 3 are listed. Fix them and upload the file again"]


def test_the_schema_checks_a_chunk_at_a_time_and_stops_after_the_problem_limit(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PROBLEMS", 5)
    monkeypatch.setattr(ingest, "SCHEMA_CHUNK", 10)
    found = refused(path, HEADER + "".join(f"nope-{n},2019/20 Q3,5,,,,,\n" for n in range(30)))
    assert found[0] == "row 2, column indicator_id: 'nope-0' is not a known indicator_id (see export indicators)"
    assert found[-1] == ("checking stopped at row 11 after 10 problems; the first 5 are listed. Fix them and "
                         "upload the file again")
    assert len(found) == 6


def bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_opened(path, monkeypatch):
    import openpyxl as library

    monkeypatch.setattr(library, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    data = bomb(20_000_000)
    part = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    ratio = part.file_size // part.compress_size  # zlib's own ratio for 20 MB of spaces, about 1,000
    assert ratio > 200
    assert refused(path, data, "q3.xlsx") == [
        f"the workbook part xl/worksheets/sheet1.xml is compressed {ratio:,} to 1 (the limit is 200 to 1): it is "
        "not an ordinary spreadsheet"]


def test_a_workbook_that_unpacks_past_the_limit_is_refused(path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 1000)
    data = workbook([["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5]])
    assert refused(path, data, "q3.xlsx")[0].startswith("the workbook would unpack to 0 MB in ")


def archive(*parts, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``parts`` (name, bytes), for the checks made before a workbook is opened."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as target:
        for name, content in parts:
            target.writestr(name, content)
    return buffer.getvalue()


def test_the_zip_limits_allow_a_workbook_exactly_at_them(monkeypatch):
    data = archive(("a.xml", b"x" * 500), ("b.xml", b"y" * 300))
    monkeypatch.setattr(ingest, "MAX_XLSX_PARTS", 2)
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 800)
    ingest._check_zip(data)
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 799)
    with pytest.raises(ingest.Refused, match=r"^the workbook would unpack to 0 MB in 2 parts; the limit is 0 MB in 2"):
        ingest._check_zip(data)
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 800)
    monkeypatch.setattr(ingest, "MAX_XLSX_PARTS", 1)
    with pytest.raises(ingest.Refused):
        ingest._check_zip(data)


def test_the_unpacked_limit_is_said_in_megabytes(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 3_000_000)
    with pytest.raises(ingest.Refused) as refusal:
        ingest._check_zip(archive(("a.xml", b" " * 4_000_000)))
    assert str(refusal.value) == "the workbook would unpack to 4 MB in 1 parts; the limit is 3 MB in 1000 parts"


def test_the_megabytes_said_are_millions_of_bytes_rounded(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_XLSX_BYTES", 2_500_001)
    with pytest.raises(ingest.Refused) as refusal:
        ingest._check_zip(archive(("a.xml", b" " * 2_500_002)))
    assert str(refusal.value) == "the workbook would unpack to 3 MB in 1 parts; the limit is 3 MB in 1000 parts"


def test_a_part_whose_directory_claims_it_zips_to_nothing_is_a_bomb():
    data = bytearray(archive(("xl/worksheets/sheet1.xml", b""), method=zipfile.ZIP_STORED))
    central = data.index(b"PK\x01\x02")  # the part's entry in the zip's directory, which the check reads
    data[central + 24:central + 28] = (2_000_000).to_bytes(4, "little")  # its unzipped size; zipped, 0 bytes
    with pytest.raises(ingest.Refused) as refusal:
        ingest._check_zip(bytes(data))
    assert str(refusal.value) == ("the workbook part xl/worksheets/sheet1.xml is compressed 2,000,000 to 1 (the limit "
                                  "is 200 to 1): it is not an ordinary spreadsheet")


def test_only_a_part_over_a_megabyte_and_over_the_ratio_is_a_bomb(monkeypatch):
    ingest._check_zip(archive(("a.xml", b" " * 1_000_000)))  # compressed about 1,000 to 1, but only 1 MB
    with pytest.raises(ingest.Refused, match="is compressed"):
        ingest._check_zip(archive(("a.xml", b" " * 1_000_001)))
    ingest._check_zip(archive(("a.xml", os.urandom(1_500_000))))  # over 1 MB, hardly compressed
    monkeypatch.setattr(ingest, "MAX_XLSX_RATIO", 1)
    ingest._check_zip(archive(("a.xml", os.urandom(1_500_000)), method=zipfile.ZIP_STORED))  # exactly 1 to 1


def test_a_zip_that_is_no_workbook_is_refused_naming_why(path):
    assert refused(path, archive(("hello.txt", b"hello")), "q3.xlsx") == [
        "the file is not a readable .xlsx workbook (KeyError)"]


def test_a_refusal_reads_as_its_problem():
    assert str(ingest.Refused(ingest.Problem("the file is empty", row=2))) == "row 2: the file is empty"


@pytest.mark.parametrize(("value", "text"), [
    ("56.200", "56.2"), ("2.50", "2.5"), ("0.50", "0.5"), ("2.0", "2"), ("100", "100"), ("1E+14", "100000000000000"),
    ("0.000001", "0.000001")])
def test_a_workbook_number_is_written_in_full_without_trailing_zeros(value, text):
    assert ingest._decimal_text(decimal.Decimal(value)) == text


# The page's check runs apart, in a worker process.

def slow_check(data, filename):
    time.sleep(300)


def test_a_check_run_apart_gives_what_the_check_gives(path):
    with store.opened(path) as db:
        context = uploads.context(db)
    data = (HEADER + "book-issues,2019/20 Q3,5,,,,,\nmuseum-visits,2019/20 Q3,lots,,,,,\n").encode()
    checked = worker.apart(ingest.check, data, "q3.csv", context)
    assert [str(p) for p in checked.problems] == [
        "row 3, column actual: 'lots' is not a number (expected e.g. 56.2, 56.2%, 1,080)"]
    assert checked.sha256 == ingest.check(data, "q3.csv", context).sha256


def test_a_check_that_runs_too_long_is_stopped_and_the_file_refused():
    started = time.monotonic()
    checked = worker.apart(slow_check, b"x", "q3.csv", timeout=1)
    assert [str(p) for p in checked.problems] == [
        "checking the file took longer than 1 seconds, the limit; split it into smaller files"]
    assert time.monotonic() - started < 10  # the worker is stopped, not waited for (it sleeps 300 s)


SERVER = """
import sys, threading, time
sys.path.insert(0, sys.argv[1])
from harrow_kpi import worker
from tests.test_upload_limits import slow_check
threading.Thread(target=worker.apart, args=(slow_check, b"x", "q3.csv"), daemon=True).start()
while worker._worker["pool"] is None:
    time.sleep(0.05)
print(worker._worker["pool"]._pool[0].pid, flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\tZ" not in next(line for line in status if line.startswith("State:"))
    except FileNotFoundError:
        return False


def test_the_workers_process_ends_with_the_server_even_mid_check(tmp_path):
    import subprocess
    import sys

    from tests.helpers import ROOT

    script = tmp_path / "server.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(script), str(ROOT)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        worker = int(server.stdout.readline())
        assert running(worker)
    finally:
        server.kill()  # no exit handlers run
        server.wait()
    deadline = time.monotonic() + 60  # a spawned worker on a loaded machine may take a while to start
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running(worker)  # the check it was running sleeps 300 s


# Random files: what is accepted is stored exactly as a spreadsheet shows it.

SHOWN = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(percent=SHOWN, count=st.integers(min_value=0, max_value=10**14 - 1), as_xlsx=st.booleans(),
       percent_cell=st.booleans())
def test_random_accepted_files_store_the_numbers_a_spreadsheet_shows(path, percent, count, as_xlsx, percent_cell):
    shown_percent = format(percent.normalize(), "f")
    if as_xlsx:
        value = float(percent / 100) if percent_cell else float(percent)
        data = workbook([["indicator_id", "period", "actual"], ["council-tax-collected", "2019/20 Q3", value],
                         ["book-issues", "2019/20 Q3", count]],
                        {(2, 3): "0.00%"} if percent_cell else {(3, 3): "#,##0"})
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["indicator_id", "period", "actual"],
                                      ["council-tax-collected", "2019/20 Q3", shown_percent + "%"],
                                      ["book-issues", "2019/20 Q3", f"{count:,}"]])
        data = buffer.getvalue().encode()
    checked = check(path, data, "q3.xlsx" if as_xlsx else "q3.csv")
    assert checked.ok, [str(p) for p in checked.problems]
    upload_id, _ = uploads.commit(path, checked, "fuzz")
    try:
        assert stored_actual(path, "council-tax-collected")[0] == float(shown_percent)
        assert stored_actual(path, "book-issues")[0] == float(count)
    finally:
        uploads.rollback(path, upload_id, "fuzz")


def test_the_largest_figure_is_15_nines_and_1e15_itself_is_refused(path):
    # The message says "under 1,000,000,000,000,000": that figure itself is refused.
    assert refused(path, HEADER + "book-issues,2019/20 Q3,1000000000000000,,,,,\n") == [
        "row 2, column actual: '1000000000000000' is too large: a figure must be under 1,000,000,000,000,000 "
        "(15 digits)"]
    with store.opened(path) as db:
        checked = ingest.check((HEADER + "book-issues,2019/20 Q3,999999999999999,,,,,\n").encode(), "q3.csv",
                               uploads.context(db))
    assert checked.ok and checked.rows[0]["actual"] == 999_999_999_999_999


def test_a_workbook_is_read_to_column_ay_and_a_note_further_right_is_not_read(path):
    """The 50 columns a header may have and one more: a value under no header there is refused;
    a note off to the side (column AZ or further right) is outside what is read, as designed."""
    header = ["indicator_id", "period", "actual"]
    beside = workbook([header, ["book-issues", "2019/20 Q3", 5] + [None] * 47 + ["a note"]])
    assert refused(path, beside, "q3.xlsx")[0].startswith("row 2: column AY holds 'a note' but has no")
    for gap in (48, 56):  # columns AZ and BH
        far_off = workbook([header, ["book-issues", "2019/20 Q3", 5] + [None] * gap + ["a note"]])
        assert check(path, far_off, "q3.xlsx").ok
