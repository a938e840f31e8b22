"""Downloads: the filtered table exactly as shown, safe in Excel."""

import io

import openpyxl
import pandas as pd
import pytest

from harrow_kpi import exports, queries, ui
from harrow_kpi import filters as flt


def shown_table(db):
    table = queries.scorecard(db, "2019/20 Q2")
    chosen = flt.Filters(quarter="2019/20 Q2", headline=True, rag=("HR",))
    return ui.measures_frame(flt.apply(table, chosen))


def test_csv_is_the_table_as_shown(db):
    frame = shown_table(db)
    back = pd.read_csv(io.BytesIO(exports.to_csv(frame)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.equals(frame.astype(str))
    assert exports.to_csv(frame).startswith("\ufeff".encode())
    assert "✖✖ HR High Red" in set(back["RAG"])


def test_excel_is_the_table_as_shown_under_a_title(db):
    frame = shown_table(db)
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame, title="Filtered: headline, HR")))
    sheet = book.active
    assert sheet["A1"].value == "Filtered: headline, HR"
    header = [cell.value for cell in sheet[3]]
    assert header == list(frame.columns)
    rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert rows == frame.astype(str).values.tolist()


def test_formula_looking_text_is_neutralised():
    frame = pd.DataFrame({"Measure": ["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-", "Normal"]})
    back = pd.read_csv(io.BytesIO(exports.to_csv(frame)), encoding="utf-8-sig")
    assert back["Measure"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "-", "Normal"]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame))).active
    assert sheet["A2"].value.startswith("'=")


@pytest.mark.parametrize(
    "value,cell",
    [
        ("=1+1", "'=1+1"),
        ("+44 20 8863 5611", "'+44 20 8863 5611"),
        ("-5%", "'-5%"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-", "-"),  # a lone dash is how the documents print "no figure"
        ("--", "'--"),
        ("Council Tax = 57%", "Council Tax = 57%"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formula_starts_only(value, cell):
    assert exports.safe_cell(value) == cell


def test_csv_has_a_byte_order_mark_no_index_and_neutralised_cells():
    frame = pd.DataFrame({"Measure": ["=cmd", "Homes £"], "RAG": ["▲ HG", "-"]})
    assert exports.to_csv(frame) == "\ufeffMeasure,RAG\n'=cmd,▲ HG\nHomes £,-\n".encode()


def test_excel_without_a_title_starts_with_the_header_on_a_sheet_named_measures():
    frame = pd.DataFrame({"Measure": ["Council homes started"], "Actual": ["27"]})
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame)))
    assert book.sheetnames == ["Measures"]
    rows = [[cell.value for cell in row] for row in book.active.iter_rows()]
    assert rows == [["Measure", "Actual"], ["Council homes started", "27"]]


def test_excel_title_row_is_neutralised_and_a_blank_row_separates_it():
    frame = pd.DataFrame({"Measure": ["Council homes started"]})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame, title="=HYPERLINK(1)"))).active
    assert [row[0].value for row in sheet.iter_rows()] == ["'=HYPERLINK(1)", None, "Measure", "Council homes started"]


def test_excel_sheet_names_are_cut_to_31_characters():
    frame = pd.DataFrame({"Measure": ["x"]})
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame, sheet="Headline measures, Quarter 2 of 2019")))
    assert book.sheetnames == ["Headline measures, Quarter 2 of"]


def test_an_empty_table_exports_its_header():
    frame = pd.DataFrame({"Measure": [], "RAG": []})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["Measure", "RAG"]]


def test_excel_columns_fit_their_text_between_8_and_70_wide():
    frame = pd.DataFrame({"RAG": ["A"], "Measure": ["Council homes started"], "Commentary": ["x" * 100]})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame))).active
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [8, 21, 70]
