"""Downloads of a table exactly as shown, safe to open in Excel.

A cell that starts with = + - @ (or a tab or carriage return) would run as a
formula in a spreadsheet; such text is prefixed with an apostrophe.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and value != "-":
        return "'" + value
    return value


def safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(safe_cell)


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads £ and ▲ correctly."""
    return safe(frame).to_csv(index=False).encode("utf-8-sig")  # pragma: no mutate


def to_excel(frame: pd.DataFrame, sheet: str = "Measures", title: str | None = None,
             number_formats: dict[str, str] | None = None) -> bytes:
    """The frame as a workbook; numeric columns stay numbers, shown with ``number_formats``
    (column name to Excel format, say ``"#,##0.##"``)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        start = 2 if title else 0
        safe(frame).to_excel(writer, sheet_name=sheet[:31], index=False, startrow=start)  # pragma: no mutate
        worksheet = writer.sheets[sheet[:31]]
        if title:
            worksheet.cell(row=1, column=1, value=safe_cell(title))
        for name, number_format in (number_formats or {}).items():
            column = list(frame.columns).index(name) + 1
            for row in range(start + 2, start + 2 + len(frame)):
                worksheet.cell(row=row, column=column).number_format = number_format
        for column in worksheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            worksheet.column_dimensions[column[0].column_letter].width = min(max(width, 8), 70)
    return buffer.getvalue()
