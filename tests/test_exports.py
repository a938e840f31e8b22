"""Downloads: the filtered table exactly as shown, safe in Excel."""

import io

import openpyxl
import pandas as pd

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
