"""Reading and checking an officer's quarter upload (CSV or .xlsx): pure, nothing is written.

Units of the measures used below, from data/indicators.csv: book-issues and museum-visits are
counts, council-tax-collected is a percent, adult-social-care-equality-of-service a ratio with a
range target, arts-centre-income gbp, discretionary-housing-payments-allocation gbp_thousands,
pinner-wood-school-dfe-compensation gbp_millions. Harrow's 21 wards E05000285-E05000305 are
valid 2002-05-02 to 2022-05-05 (data/wards.csv).
"""

import dataclasses
import datetime as dt
import io

import openpyxl
import pytest

from harrow_kpi import ingest, store, uploads

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
NOT_A_NUMBER = "is not a number (expected e.g. 56.2, 56.2%, 1,080)"
FORMULA = "starts like a spreadsheet formula (=, +, -, @); remove that first character"


@pytest.fixture(scope="module")
def context(db_file):
    with store.opened(db_file) as db:
        return uploads.context(db)


def problems(context, data, filename="q3.csv"):
    data = data if isinstance(data, bytes) else data.encode("utf-8")
    return [str(problem) for problem in ingest.check(data, filename, context).problems]


def rows(context, data, filename="q3.csv"):
    data = data if isinstance(data, bytes) else data.encode("utf-8")
    checked = ingest.check(data, filename, context)
    assert checked.ok, [str(problem) for problem in checked.problems]
    return checked.rows


def read(data: bytes, filename="q3.csv"):
    """The header and the numbered rows of a file, as ``ingest.table`` reads them (no store needed)."""
    header, numbered = ingest.table(ingest.records(data, filename)[1])
    return header, list(numbered)


def workbook(*lines) -> bytes:
    book = openpyxl.Workbook()
    for line in lines:
        book.active.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Problem: what the officer reads.

@pytest.mark.parametrize("problem,shown", [
    (ingest.Problem("is not a number", 2, "actual", "lots"), "row 2, column actual: 'lots' is not a number"),
    (ingest.Problem("is required", 3, "actual", ""), "row 3, column actual: is required"),
    (ingest.Problem("is required", 3, "actual"), "row 3, column actual: is required"),
    (ingest.Problem("missing required column period", row=1), "row 1: missing required column period"),
    (ingest.Problem("is not a RAG band", column="rag", value="ZZ"), "column rag: 'ZZ' is not a RAG band"),
    (ingest.Problem("the file is empty"), "the file is empty"),
    (ingest.Problem("the file is empty", value="x"), "the file is empty"),
])
def test_a_problem_names_row_column_and_value(problem, shown):
    assert str(problem) == shown


def test_checked_is_ok_only_without_problems():
    assert ingest.Checked("q3.csv", "0" * 64).ok
    assert not ingest.Checked("q3.csv", "0" * 64, problems=[ingest.Problem("the file is empty")]).ok


# Reading the file.

@pytest.mark.parametrize("data,text,encoding", [
    (b"caf\xc3\xa9", "café", "utf-8"),
    (b"\xef\xbb\xbfcaf\xc3\xa9", "café", "utf-8"),  # Excel's "CSV UTF-8" starts with a byte-order mark
    (b"caf\xe9 \x96 ok", "café – ok", "windows-1252"),  # Excel's plain "CSV" on Windows
])
def test_utf8_is_read_first_then_windows_1252(data, text, encoding):
    assert ingest.decode(data) == (text, encoding)


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_naming_the_byte():
    with pytest.raises(ValueError) as error:
        ingest.decode(b"ab\x81")
    assert str(error.value) == "the file is neither UTF-8 nor Windows-1252 text (byte 2)"
    assert problems(None, b"ab\x81") == ["the file is neither UTF-8 nor Windows-1252 text (byte 2)"]


@pytest.mark.parametrize("data,byte", [
    (b"\xc3\xa9\nCaf\xe9\n", 6),  # the UTF-8 "é" is the file's first character
    (b"\xef\xbb\xbf\xc3\xa9\nCaf\xe9\n", 9),  # ... the first after the byte-order mark
])
def test_a_utf8_character_opening_the_file_makes_a_later_windows_1252_line_a_mix(data, byte):
    with pytest.raises(ValueError) as error:
        ingest.decode(data)
    assert str(error.value) == (f"the file mixes encodings: line 1 is UTF-8 but line 2 is not (byte {byte}); "
                                "save the whole file as CSV UTF-8")


def test_a_period_outside_the_years_covered_is_refused_at_the_check(context):
    context = dataclasses.replace(context, today=dt.date(2020, 1, 15))
    assert problems(context, HEADER + "book-issues,2031/32 Q1,5,,,,,\n") == [
        "row 2, column period: '2031/32 Q1' is outside the years covered: from 2000/01 to 2020/21"]


def test_a_windows_1252_upload_is_read_and_says_so(context):
    data = (HEADER + "book-issues,2019/20 Q3,5,,,,Caf\xe9 reopened \x96 visits up,\n").encode("latin-1")
    checked = ingest.check(data, "q3.csv", context)
    assert checked.ok and checked.encoding == "windows-1252"
    assert checked.rows[0]["commentary"] == "Café reopened – visits up"


def test_a_utf8_upload_says_so(context):
    checked = ingest.check((HEADER + "book-issues,2019/20 Q3,5,,,,,\n").encode(), "q3.csv", context)
    assert checked.encoding == "utf-8"
    assert checked.sha256 == "22cf5354c2a4ea43f998e5e1ae5cda028315738166171a19e6769bc1b307d492"  # from sha256sum(1)
    assert checked.filename == "q3.csv"


@pytest.mark.parametrize("first_line,name", [
    ("indicator_id;period;actual", "semicolons"),
    ("indicator_id\tperiod\tactual", "tabs"),
    ("indicator_id|period|actual", "vertical bars"),
])
def test_other_delimiters_are_refused_with_advice(context, first_line, name):
    data = first_line + "\n" + first_line.replace("indicator_id", "book-issues") + "\n"
    assert problems(context, data) == [
        f"row 1: the columns are separated by {name}; save the file as comma-separated CSV (UTF-8)"]


@pytest.mark.parametrize("data", [
    b"indicator_id;period;actual\nbook-issues;2019/20 Q3;56,2\n",  # a decimal comma below the header
    b"indicator_id;",  # one line with no line ending: its last character is on the first line too
])
def test_the_first_line_alone_shows_a_file_separated_by_semicolons(data):
    with pytest.raises(ingest.Refused) as refusal:
        ingest.records(data, "q3.csv")
    assert str(refusal.value) == (
        "row 1: the columns are separated by semicolons; save the file as comma-separated CSV (UTF-8)")


def test_a_comma_header_with_a_semicolon_in_it_is_read_as_csv(context):
    data = "indicator_id,period,actual,commentary;notes\nbook-issues,2019/20 Q3,5,fine\n"
    assert [row["actual"] for row in rows(context, data)] == [5.0]


def test_nul_bytes_are_refused(context):
    assert problems(context, HEADER.encode() + b"book-issues,2019/20 Q3,5\x00,,,,,\n") == [
        "the file contains NUL bytes: it is not a text CSV file"]


def test_a_field_too_big_for_csv_is_refused(context):
    assert problems(context, HEADER + "book-issues,2019/20 Q3,5,,,,\"" + "x" * 140000 + "\",\n") == [
        "row 2: the file is not valid CSV: field larger than field limit (131072)"]


@pytest.mark.parametrize("data", [b"", b"  \r\n\n "])
def test_an_empty_file_is_refused(context, data):
    assert problems(context, data) == ["the file is empty"]


def test_a_file_of_blank_cells_has_no_header(context):
    assert problems(context, ",,,\n,,,\n") == [
        "row 1: missing required columns indicator_id, period, actual "
        "(the header row must name indicator_id, period, actual)"]


@pytest.mark.parametrize("header,missing", [
    ("indicator_id,actual", "column period"),
    ("indicator_id,period,target", "column actual"),
    ("period,target", "columns indicator_id, actual"),
])
def test_missing_required_columns_are_named(context, header, missing):
    assert problems(context, header + "\nbook-issues,5\n") == [
        f"row 1: missing required {missing} (the header row must name indicator_id, period, actual)"]


def test_header_names_are_read_without_case_or_spaces(context):
    data = " Indicator_ID ,PERIOD,Actual\n book-issues , 2019/20 Q3 , 5 \n"
    assert [(row["indicator_id"], row["period"], row["actual"]) for row in rows(context, data)] == [
        ("book-issues", "2019/20 Q3", 5.0)]


def test_a_file_without_figures_is_refused(context):
    data = HEADER + "book-issues,2019/20 Q3,,300000,,,,\nmuseum-visits,2019/20 Q3,,,,,,\n"
    assert problems(context, data) == [
        "the file has no figures: no row has an actual, RAG, status note or commentary"]


@pytest.mark.parametrize("filled,expected", [
    ("book-issues,2019/20 Q3,,,,Reports Q4 only,,", []),
    ("book-issues,2019/20 Q3,,,A,,,",
     ["row 2, column actual: is required unless status_note says why there is no figure"]),
    ("book-issues,2019/20 Q3,,,,,Good quarter.,",
     ["row 2, column actual: is required unless status_note says why there is no figure"]),
])
def test_a_row_with_only_a_rag_status_note_or_commentary_counts_as_filled_in(context, filled, expected):
    assert problems(context, HEADER + filled + "\n") == expected


def test_blank_template_rows_are_skipped_and_later_rows_keep_their_numbers(context):
    data = (HEADER + "book-issues,2019/20 Q3,,300000,,,,\n"
            + "museum-visits,2019/20 Q3,7,,,,,\n"
            + "council-tax-collected,2019/20 Q3,,85,,,,\n")
    assert [(row["indicator_id"], row["row"]) for row in rows(context, data)] == [("museum-visits", 3)]


def test_a_short_row_is_refused_naming_the_row_never_read_as_blanks(context):
    assert problems(context, HEADER + "book-issues,2019/20 Q3,5,,,,,\nbook-issues,2019/20 Q4,5\n") == [
        "row 3: the row has 3 cells but the header has 8: a comma too many or too few (put a cell that contains "
        "a comma in double quotes)"]


def test_cells_beyond_the_header_are_refused_never_dropped(context):
    data = "indicator_id,period,actual\nbook-issues,2019/20 Q3,5,=SUM(A1),extra\n"
    assert problems(context, data) == [
        "row 2: the row has 5 cells but the header has 3: a comma too many or too few (put a cell that contains "
        "a comma in double quotes)"]


def test_a_blank_line_keeps_the_row_numbers_the_spreadsheet_shows(context):
    # bug fixed: blank rows used to be dropped, so the rows after one were reported a row too early
    data = HEADER + "book-issues,2019/20 Q3,5,,,,,\n,,,,,,,\n\nmuseum-visits,2019/20 Q3,lots,,,,,\n"
    assert problems(context, data) == [f"row 5, column actual: 'lots' {NOT_A_NUMBER}"]


def test_blank_lines_above_the_header_keep_the_row_numbers(context):
    data = "\n,,,\n" + HEADER + "museum-visits,2019/20 Q3,lots,,,,,\n"
    assert problems(context, data) == [f"row 4, column actual: 'lots' {NOT_A_NUMBER}"]


def test_a_row_of_only_blank_cells_is_skipped_whatever_its_width_and_rows_keep_their_numbers():
    assert read(b"indicator_id,period,actual\n , \nbook-issues,2019/20 Q3,5\n") == (
        ["indicator_id", "period", "actual"],
        [(2, {}), (3, {"indicator_id": "book-issues", "period": "2019/20 Q3", "actual": "5"})])


def test_the_rows_read_keep_a_place_for_each_row_above_the_header():
    # a scorecard file numbers read_table's rows from 2, so book-issues is reported as row 4
    assert ingest.read_table(b"\n,,\nindicator_id,year\nbook-issues,2019/20\n", "s.csv") == (
        ["indicator_id", "year"], [{}, {}, {"indicator_id": "book-issues", "year": "2019/20"}], "utf-8", [])


def test_a_value_under_a_blank_header_cell_is_quoted_to_its_first_40_characters():
    with pytest.raises(ingest.Refused) as refusal:
        read(b"indicator_id,period,actual,\nbook-issues,2019/20 Q3,5," + b"x" * 45 + b"\n")
    assert str(refusal.value) == f"row 2: column D holds '{'x' * 40}' but has no name in the header"


def test_a_file_of_exactly_the_cell_limit_is_read(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_CELLS", 6)
    assert len(read(b"indicator_id,period,actual\n" + b"book-issues,2019/20 Q3,5\n" * 2)[1]) == 2


def test_every_cell_of_a_csv_row_counts_towards_the_limit_even_under_a_blank_header(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_CELLS", 8)
    with pytest.raises(ingest.Refused) as refusal:
        read(b"indicator_id,period,actual,,\n" + b"book-issues,2019/20 Q3,5,,\n" * 2)  # 5 cells a row
    assert str(refusal.value) == "row 3: the file has more than 8 cells; split it"


def test_a_workbook_row_counts_only_its_cells_under_the_header(monkeypatch):
    # openpyxl pads every row to the 51 columns read; 2 rows of 3 cells are at a limit of 6
    monkeypatch.setattr(ingest, "MAX_CELLS", 6)
    data = workbook(["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5],
                    ["museum-visits", "2019/20 Q3", 7])
    assert len(read(data, "q3.xlsx")[1]) == 2


def test_xlsx_uploads_are_read_from_the_first_sheet(context):
    data = workbook(["indicator_id", "period", "actual", "target", "commentary"],
                    ["council-tax-collected", "2019/20 Q3", "84.1%", 85.5, None],
                    [None, None, None, None, None],
                    ["book-issues", "2019/20 Q3", 301200, 300000.0, "Up on last year"])
    checked = ingest.check(data, "Q3.XLSX", context)
    assert checked.ok and checked.encoding == "xlsx"
    assert [(row["row"], row["actual"], row["target_as_printed"], row["commentary"]) for row in checked.rows] == [
        (2, 84.1, "85.5", None), (4, 301200.0, "300000", "Up on last year")]


def test_a_workbook_is_recognised_by_its_bytes_whatever_its_name(context):
    data = workbook(["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 5])
    assert [row["actual"] for row in rows(context, data, filename="q3.csv")] == [5.0]


def test_a_formula_in_a_workbook_is_read_as_its_saved_value_never_as_formula_text(context):
    data = workbook(["indicator_id", "period", "actual", "commentary"], ["book-issues", "2019/20 Q3", 5, "=1+1"])
    assert [row["commentary"] for row in rows(context, data, filename="q3.xlsx")] == [None]


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(context):
    assert problems(context, HEADER + "book-issues,2019/20 Q3,5,,,,,\n", filename="q3.xlsx") == [
        "the file is not a readable .xlsx workbook (BadZipFile)"]


def test_a_whole_number_stored_as_a_float_in_a_workbook_is_shown_without_an_exponent(context):
    data = workbook(["indicator_id", "period", "actual"], ["book-issues", "2019/20 Q3", 2e14])  # a float, 2e+14
    assert [row["actual_as_printed"] for row in rows(context, data, filename="q3.xlsx")] == ["200000000000000"]


def test_an_empty_csv_reads_as_no_header_and_no_rows():
    assert ingest.read_table(b"", "q3.csv") == ([], [], "utf-8", [])


def test_an_unreadable_xlsx_reports_no_encoding():
    assert ingest.read_table(b"not a workbook", "q3.xlsx") == (
        [], [], None, [ingest.Problem("the file is not a readable .xlsx workbook (BadZipFile)")])


# Figures as officers type them.

@pytest.mark.parametrize("text,unit,value", [
    ("56.2%", "percent", 56.2),
    (" 56.2 % ", "percent", 56.2),
    ("56.2", "percent", 56.2),
    ("1,080", "count", 1080.0),
    ("1,234,567.5", "count", 1234567.5),
    ("-3", "count", -3.0),
    ("0", "count", 0.0),
    ("£1.1m", "gbp", 1_100_000.0),
    ("£1.1M", "gbp", 1_100_000.0),
    ("£1.1m", "gbp_thousands", 1_100.0),
    ("£1.1m", "gbp_millions", 1.1),
    ("£250k", "gbp", 250_000.0),
    ("£250K", "gbp_thousands", 250.0),
    ("£2bn", "gbp_millions", 2_000.0),
    ("£ 1,080", "gbp", 1080.0),
    ("£1,080.50", "gbp", 1080.5),
    ("1080", "gbp", 1080.0),
])
def test_figures_are_read_as_officers_type_them(text, unit, value):
    assert ingest.parse_number(text, unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text,unit,message", [
    ("56.2%", "count", "has a % sign, but this measure is not a percentage"),
    ("5%", None, "has a % sign, but this measure is not a percentage"),
    ("£1.1m", "count", "is money, but this measure is not measured in pounds"),
    ("£1.1m", "percent", "is money, but this measure is not measured in pounds"),
    ("lots", "count", NOT_A_NUMBER),
    ("1,08", "count", NOT_A_NUMBER),
    ("1234,567", "count", NOT_A_NUMBER),
    (".5", "count", NOT_A_NUMBER),
    ("5.", "count", NOT_A_NUMBER),
    ("", "count", NOT_A_NUMBER),
    ("lots", "gbp", "is not a number (expected e.g. 56.2, 56.2%, 1,080 or £1.1m)"),
    ("£1.1x", "gbp", "is not a number (expected e.g. 56.2, 56.2%, 1,080 or £1.1m)"),
    ("lots", "gbp_millions", "is not a number (expected e.g. 56.2, 56.2%, 1,080 or £1.1m)"),
])
def test_figures_that_do_not_fit_the_measure_are_refused(text, unit, message):
    with pytest.raises(ValueError) as error:
        ingest.parse_number(text, unit)
    assert str(error.value) == message


# Checking each row against the store's measures and wards.

def test_an_accepted_row_is_normalised(context):
    data = HEADER + "adult-social-care-equality-of-service,2019/20 q3,0.95,0.9-1.1,lg,On track,Stable.,E05000285\n"
    assert rows(context, data) == [{
        "indicator_id": "adult-social-care-equality-of-service", "ward_code": "E05000285",
        "status_note": "On track", "commentary": "Stable.", "rag_reported": "LG",
        "target": None, "target_low": 0.9, "target_high": 1.1, "actual": 0.95, "period": "2019/20 Q3",
        "target_as_printed": "0.9-1.1", "actual_as_printed": "0.95", "row": 2}]


def test_a_row_with_a_status_note_and_no_figure_is_accepted(context):
    assert rows(context, HEADER + "council-tax-collected,2019/20 Q3,,85%,,No survey this quarter,,\n") == [{
        "indicator_id": "council-tax-collected", "ward_code": None, "status_note": "No survey this quarter",
        "commentary": None, "rag_reported": None, "target": 85.0, "target_low": None, "target_high": None,
        "actual": None, "period": "2019/20 Q3", "target_as_printed": "85%", "actual_as_printed": None, "row": 2}]


@pytest.mark.parametrize("actual,unit_row,value", [
    ("56.2%", "council-tax-collected", 56.2),
    ("\"1,080\"", "book-issues", 1080.0),
    ("£1.1m", "arts-centre-income", 1_100_000.0),
    ("£1.1m", "discretionary-housing-payments-allocation", 1_100.0),
    ("£1.1m", "pinner-wood-school-dfe-compensation", 1.1),
])
def test_an_actual_is_scaled_to_its_measures_unit(context, actual, unit_row, value):
    data = HEADER + f"{unit_row},2019/20 Q3,{actual},,,,,\n"
    assert [row["actual"] for row in rows(context, data)] == [pytest.approx(value, rel=1e-12)]


@pytest.mark.parametrize("rag", ["lg", "Lg", " hr "])
def test_a_lower_case_rag_is_read_in_capitals(context, rag):
    assert [row["rag_reported"] for row in rows(context, HEADER + f"book-issues,2019/20 Q3,5,,{rag},,,\n")] == [
        rag.strip().upper()]


@pytest.mark.parametrize("target,low,high", [
    ("0.9-1.1", 0.9, 1.1),
    ("0.9 – 1.1", 0.9, 1.1),
    ("1,000-2,000", 1000.0, 2000.0),
])
def test_a_range_target_is_read_low_then_high(context, target, low, high):
    found = rows(context, HEADER + f"adult-social-care-equality-of-service,2019/20 Q3,0.95,\"{target}\",,,,\n")
    assert [(row["target"], row["target_low"], row["target_high"]) for row in found] == [(None, low, high)]


# (measure row, expected messages): each a hand-written upload of one data row, row 2.
ROW_PROBLEMS = [
    ("no-such-measure,2019/20 Q3,5,,,,,",
     ["row 2, column indicator_id: 'no-such-measure' is not a known indicator_id (see export indicators)"]),
    ("no-such-measure,2019/20 Q3,5%,,,,,",
     ["row 2, column indicator_id: 'no-such-measure' is not a known indicator_id (see export indicators)",
      "row 2, column actual: '5%' has a % sign, but this measure is not a percentage"]),
    ("book-issues,2019-20 Q3,5,,,,,",
     ["row 2, column period: '2019-20 Q3' is not a period: write the financial year as '2019/20' "
      "or a quarter as '2019/20 Q2'"]),
    ("book-issues,2019/21 Q3,5,,,,,",
     ["row 2, column period: '2019/21 Q3' is not a financial year: after 2019 comes 20, so write '2019/20'"]),
    ("book-issues,,5,,,,,", ["row 2, column period: is required (a period like '2019/20 Q3')"]),
    ("book-issues,2019/20 Q3,lots,,,,,", [f"row 2, column actual: 'lots' {NOT_A_NUMBER}"]),
    ("book-issues,2019/20 Q3,5%,,,,,",
     ["row 2, column actual: '5%' has a % sign, but this measure is not a percentage"]),
    ("book-issues,2019/20 Q3,£1.1m,,,,,",
     ["row 2, column actual: '£1.1m' is money, but this measure is not measured in pounds"]),
    ("book-issues,2019/20 Q3,5,lots,,,,",
     ["row 2, column target: 'lots' is not a number or a range like 0.9-1.1 (expected e.g. 56.2, 56.2%, 1,080)"]),
    ("book-issues,2019/20 Q3,5,£1.1m,,,,",
     ["row 2, column target: '£1.1m' is money, but this measure is not measured in pounds"]),
    ("arts-centre-income,2019/20 Q3,5,lots,,,,",
     ["row 2, column target: 'lots' is not a number or a range like 0.9-1.1 "
      "(expected e.g. 56.2, 56.2%, 1,080 or £1.1m)"]),
    ("adult-social-care-equality-of-service,2019/20 Q3,0.95,1.1-0.9,,,,",
     ["row 2, column target: '1.1-0.9' is not a range low-high (the first number must be the smaller)"]),
    ("adult-social-care-equality-of-service,2019/20 Q3,0.95,5-5,,,,",
     ["row 2, column target: '5-5' is not a range low-high (the first number must be the smaller)"]),
    ("council-tax-collected,2019/20 Q3,156%,,,,,",
     ["row 2, column actual: '156%' is a percentage outside 0-100"]),
    ("council-tax-collected,2019/20 Q3,100.1,,,,,", ["row 2, column actual: '100.1' is a percentage outside 0-100"]),
    ("council-tax-collected,2019/20 Q3,-0.1%,,,,,", ["row 2, column actual: '-0.1%' is a percentage outside 0-100"]),
    ("council-tax-collected,2019/20 Q3,100%,,,,,", []),
    ("council-tax-collected,2019/20 Q3,0,,,,,", []),
    ("book-issues,2019/20 Q3,156,,,,,", []),
    ("book-issues,2019/20 Q3,5,,GREEN,,,", ["row 2, column rag: 'GREEN' is not a RAG band: use HG, LG, A, LR or HR"]),
    ("book-issues,2019/20 Q3,5,,green,,,", ["row 2, column rag: 'GREEN' is not a RAG band: use HG, LG, A, LR or HR"]),
    ("book-issues,2019/20 Q3,5,,,,,E05099999",
     ["row 2, column ward_code: 'E05099999' is not a Harrow ward code (E05000285-E05000305)"]),
    ("book-issues,2023/24 Q1,5,,,,,E05000304",
     ["row 2, column ward_code: 'E05000304' is not a Harrow ward in 2023/24 Q1 (valid 2002-05-02 to 2022-05-05)"]),
    ("book-issues,2019/20 Q9,5,,,,,E05000304",
     ["row 2, column period: '2019/20 Q9' is not a period: write the financial year as '2019/20' "
      "or a quarter as '2019/20 Q2'"]),
    ("book-issues,2019/20 Q3,,,,,Good quarter.,",
     ["row 2, column actual: is required unless status_note says why there is no figure"]),
    ("book-issues,2019/20 Q3,,,A,,,",
     ["row 2, column actual: is required unless status_note says why there is no figure"]),
    ("book-issues,2019/20 Q3,5,,,,\"=HYPERLINK(\"\"http://x\"\")\",",
     [f"row 2, column commentary: '=HYPERLINK(\"http://x\")' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,@SUM(A1),,", [f"row 2, column status_note: '@SUM(A1)' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,,+44 20 8863 5611,", [f"row 2, column commentary: '+44 20 8863 5611' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,-1 on last quarter,,", [f"row 2, column status_note: '-1 on last quarter' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,+1,-1,",
     [f"row 2, column status_note: '+1' {FORMULA}", f"row 2, column commentary: '-1' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,," + "=" + "x" * 45 + ",",
     [f"row 2, column commentary: '={'x' * 39}' {FORMULA}"]),
    ("book-issues,2019/20 Q3,5,,,Up 2-3% on the year,Visits rose - see note.,", []),
]


@pytest.mark.parametrize("line,expected", ROW_PROBLEMS)
def test_each_problem_in_a_row_is_named_exactly(context, line, expected):
    assert problems(context, HEADER + line + "\n") == expected


def test_a_blank_period_is_refused(context):
    # bug fixed: a blank period passed the checks and the commit then failed on it
    assert problems(context, "indicator_id,period,actual\nbook-issues,,5\nmuseum-visits, ,6\n") == [
        "row 2, column period: is required (a period like '2019/20 Q3')",
        "row 3, column period: is required (a period like '2019/20 Q3')"]


@pytest.mark.parametrize("column", ["status_note", "commentary"])
def test_text_of_2000_characters_is_accepted_and_longer_is_refused(context, column):
    def line(text):
        cells = {"status_note": "", "commentary": "", column: text}
        return HEADER + f"book-issues,2019/20 Q3,5,,,{cells['status_note']},{cells['commentary']},\n"

    assert [row[column] for row in rows(context, line("x" * 2000))] == ["x" * 2000]
    assert problems(context, line("y" * 2001)) == [
        f"row 2, column {column}: '{'y' * 40}…' is longer than 2000 characters"]
    assert problems(context, line("z" * 100_000)) == [
        f"row 2, column {column}: '{'z' * 40}…' is longer than 2000 characters"]


@pytest.mark.parametrize("today,expected", [
    (dt.date(2020, 1, 1), []),
    (dt.date(2019, 12, 31), ["row 2, column period: '2019/20 Q4' is in the future (it starts 01 January 2020)"]),
])
def test_a_quarter_is_in_the_future_until_its_first_day(context, today, expected):
    assert problems(dataclasses.replace(context, today=today), HEADER + "book-issues,2019/20 Q4,5,,,,,\n") == expected


@pytest.mark.parametrize("valid,expected", [
    (("2019-10-01", "2019-10-01"), []),
    (("2019-10-02", "9999"), ["row 2, column ward_code: 'E05000285' is not a Harrow ward in 2019/20 Q3 "
                              "(valid 2019-10-02 to 9999)"]),
    (("0000", "2019-09-30"), ["row 2, column ward_code: 'E05000285' is not a Harrow ward in 2019/20 Q3 "
                              "(valid 0000 to 2019-09-30)"]),
])
def test_a_ward_is_valid_from_its_first_day_to_its_last(context, valid, expected):
    # a ward's validity is checked on the first day of the period (2019/20 Q3 starts 2019-10-01)
    custom = dataclasses.replace(context, wards={"E05000285": valid})
    assert problems(custom, HEADER + "book-issues,2019/20 Q3,5,,,,,E05000285\n") == expected


def test_ward_rows_of_one_measure_and_quarter_are_not_duplicates(context):
    data = (HEADER + "book-issues,2019/20 Q3,5,,,,,E05000285\n" + "book-issues,2019/20 Q3,6,,,,,E05000286\n"
            + "book-issues,2019/20 Q3,11,,,,,\n" + "book-issues,2019/20 Q2,4,,,,,E05000285\n"
            + "museum-visits,2019/20 Q3,7,,,,,E05000285\n")
    assert [(row["ward_code"], row["actual"]) for row in rows(context, data)] == [
        ("E05000285", 5.0), ("E05000286", 6.0), (None, 11.0), ("E05000285", 4.0), ("E05000285", 7.0)]


@pytest.mark.parametrize("ward", ["", "E05000285"])
def test_the_same_measure_period_and_ward_twice_is_refused_on_both_rows(context, ward):
    data = HEADER + f"book-issues,2019/20 Q3,5,,,,,{ward}\n" + f"book-issues,2019/20 q3,6,,,,,{ward}\n"
    assert problems(context, data) == [
        "row 2, column indicator_id: 'book-issues' appears twice (the same indicator, period and ward)",
        "row 3, column indicator_id: 'book-issues' appears twice (the same indicator, period and ward)"]


def test_every_row_with_a_rag_and_a_ward_is_accepted(context):
    data = HEADER + "book-issues,2019/20 Q3,5,,A,,,E05000285\n" + "museum-visits,2019/20 Q3,7,,HG,,,E05000286\n"
    assert [(row["rag_reported"], row["ward_code"]) for row in rows(context, data)] == [
        ("A", "E05000285"), ("HG", "E05000286")]


def test_every_problem_is_reported_at_once_sorted_by_row_then_column(context):
    data = (HEADER + "nope,2019/20 Q3,5,,ZZ,,,\n"
            + "book-issues,2019/20 Q3,,,,,Closed.,E05099999\n"
            + "book-issues,2019/20 Q9,x,lots,ZZ,=1,,\n"
            + "book-issues,2019/20 Q3,7,,,,,E05099999\n")
    assert problems(context, data) == [
        "row 2, column indicator_id: 'nope' is not a known indicator_id (see export indicators)",
        "row 2, column rag: 'ZZ' is not a RAG band: use HG, LG, A, LR or HR",
        "row 3, column indicator_id: 'book-issues' appears twice (the same indicator, period and ward)",
        "row 3, column actual: is required unless status_note says why there is no figure",
        "row 3, column ward_code: 'E05099999' is not a Harrow ward code (E05000285-E05000305)",
        "row 4, column period: '2019/20 Q9' is not a period: write the financial year as '2019/20' "
        "or a quarter as '2019/20 Q2'",
        "row 4, column actual: 'x' " + NOT_A_NUMBER,
        "row 4, column target: 'lots' is not a number or a range like 0.9-1.1 (expected e.g. 56.2, 56.2%, 1,080)",
        "row 4, column rag: 'ZZ' is not a RAG band: use HG, LG, A, LR or HR",
        f"row 4, column status_note: '=1' {FORMULA}",
        "row 5, column indicator_id: 'book-issues' appears twice (the same indicator, period and ward)",
        "row 5, column ward_code: 'E05099999' is not a Harrow ward code (E05000285-E05000305)",
    ]


# A store of no measures: every row's indicator_id is unknown, one problem a row, found by the schema.
NO_MEASURES = ingest.Context(indicators={}, wards={})


def unknown_measures(count: int) -> str:
    return "indicator_id,period,actual\n" + "".join(f"nope-{n},2019/20 Q3,5\n" for n in range(count))


def test_a_file_of_exactly_the_problem_limit_lists_them_all_with_no_note(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PROBLEMS", 5)
    assert problems(NO_MEASURES, unknown_measures(5)) == [
        f"row {n + 2}, column indicator_id: 'nope-{n}' is not a known indicator_id (see export indicators)"
        for n in range(5)]


def test_a_file_checked_to_its_last_chunk_says_how_many_problems_it_has(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PROBLEMS", 5)
    monkeypatch.setattr(ingest, "SCHEMA_CHUNK", 10)
    found = problems(NO_MEASURES, unknown_measures(10))
    assert found[5:] == ["the file has 10 problems; the first 5 are listed. Fix them and upload the file again"]


def test_the_schema_stops_after_a_chunk_that_reaches_the_problem_limit_exactly(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PROBLEMS", 5)
    monkeypatch.setattr(ingest, "SCHEMA_CHUNK", 5)
    found = problems(NO_MEASURES, unknown_measures(10))
    assert found[5:] == [
        "checking stopped at row 6 after 5 problems; the first 5 are listed. Fix them and upload the file again"]


def test_a_refused_upload_returns_no_rows(context):
    checked = ingest.check((HEADER + "book-issues,2019/20 Q3,5,,,,,\nnope,2019/20 Q3,5,,,,,\n").encode(),
                           "q3.csv", context)
    assert checked.rows == [] and len(checked.problems) == 1


# Size.

def test_a_file_over_the_limit_is_refused_before_reading(context):
    assert problems_with_limit(context, b"x" * 2_100_000, 2_000_000) == ["the file is 2.1 MB; the limit is 2 MB"]
    # megabytes of 1,000,000 bytes, rounded: 2,050,001 bytes is 2.1 MB, a limit of 2,500,001 bytes is 3 MB
    assert problems_with_limit(context, b"x" * 2_050_001, 2_000_000) == ["the file is 2.1 MB; the limit is 2 MB"]
    assert problems_with_limit(context, b"x" * 2_600_000, 2_500_001) == ["the file is 2.6 MB; the limit is 3 MB"]
    assert problems_with_limit(context, b"x" * 1000, 1000) == [
        "row 1: missing required columns indicator_id, period, actual "
        "(the header row must name indicator_id, period, actual)"]


def test_the_default_limit_is_25_megabytes(context):
    limit = 26_214_400  # 25 × 1024 × 1024 bytes
    assert problems(context, b"x" * (limit + 1)) == ["the file is 26.2 MB; the limit is 26 MB"]
    assert problems(context, b"x" * limit) == [
        "row 1: the file is not valid CSV: field larger than field limit (131072)"]


def problems_with_limit(context, data, max_bytes):
    return [str(problem) for problem in ingest.check(data, "q3.csv", context, max_bytes=max_bytes).problems]
