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


def test_the_priority_download_holds_targets_and_actuals_as_numbers_in_excel(db):
    table = queries.scorecard(db, "2019/20 Q2")
    frame = ui.measures_download(table[table["indicator_id"].isin(["leisure-facility-users", "sickness-absence"])])
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame, title="t",
                                                              number_formats=ui.DOWNLOAD_NUMBER_FORMATS)))
    sheet = book.active
    header = [cell.value for cell in sheet[3]]
    assert header[:7] == ["Priority", "Measure", "Unit", "Target", "Actual", "Target as printed", "Actual as printed"]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=4)}
    leisure = rows["Number of users of Harrow's leisure facilities"]
    # Seed 001 line 141: target printed 340000, actual 368,616.
    assert (leisure[3].value, leisure[4].value) == (340000, 368616)
    assert (leisure[5].value, leisure[6].value) == ("340,000", "368,616")
    assert leisure[2].value == "number"
    assert leisure[3].number_format == leisure[4].number_format == "#,##0.###"
    sickness = next(row for name, row in rows.items() if name.startswith("Staff sickness absence"))
    assert (sickness[3].value, sickness[4].value) == (9, 10.15)  # seed 001 line 467
    assert sheet.cell(row=3, column=4).number_format == "General"  # the header keeps its own


def test_number_formats_apply_to_their_column_only_below_the_header():
    frame = pd.DataFrame({"Measure": ["a", "b"], "Actual": [1200.5, 3.0]})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel(frame, number_formats={"Actual": "0.0"}))).active
    assert [sheet.cell(row=r, column=2).number_format for r in (1, 2, 3)] == ["General", "0.0", "0.0"]
    assert [sheet.cell(row=r, column=1).number_format for r in (2, 3)] == ["General", "General"]
    assert sheet.cell(row=4, column=2).number_format == "General"
