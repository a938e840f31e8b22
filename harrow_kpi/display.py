"""How figures, RAG bands and directions read, on screen and in the briefing pack.

Plain functions with no Streamlit, so the app and the offline briefing pack show
every figure the same way. RAG is never shown by colour alone: each band carries
its symbol, code and label, and every colour pair passes WCAG 2.2 AA contrast
(tested in tests/test_ui.py).
"""

from __future__ import annotations

import re

import pandas as pd

from harrow_kpi import periods, rag
from harrow_kpi.figures import figure_text, missing

# Background, text colour and symbol per band. Dark green / light green / yellow /
# light red / dark red differ in lightness as well as hue, so they stay apart for
# colour-blind readers; the symbol and label carry the meaning on their own.
RAG_STYLE = {
    "HG": ("#00703C", "#FFFFFF", "✔✔"),
    "LG": ("#CCE2D8", "#005A30", "✔"),
    "A": ("#FFDD00", "#0B0C0C", "!"),
    "LR": ("#F6D7D2", "#942514", "✖"),
    "HR": ("#B10E1E", "#FFFFFF", "✖✖"),
    None: ("#F3F2F1", "#0B0C0C", "–"),
}
# The same bands as chart markers on a white background: a colour that shows on white
# (the light badge backgrounds do not) and a marker shape, so colour is never alone.
RAG_MARKER = {
    "HG": ("#00703C", "star"),
    "LG": ("#4C9A6A", "circle"),
    "A": ("#B58A00", "diamond"),
    "LR": ("#D4351C", "triangle-down"),
    "HR": ("#B10E1E", "x"),
    None: ("#505A5F", "circle-open"),
}

DIRECTION = {
    "improving": "▲ improving",
    "worsening": "▼ worsening",
    "unchanged": "► unchanged",
    None: "– no comparison",
}


def rag_text(code) -> str:
    """A RAG band as words and symbol, for tables and plain text."""
    if missing(code) or code not in rag.LABELS:
        return ""
    return f"{RAG_STYLE[code][2]} {code} {rag.LABELS[code]}"


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def figure_shown(printed, value, unit=None, qualifier=None) -> str:
    """A figure as printed, with the thousands separators a document sometimes left out ("340000"
    beside "368,616" reads 340,000), so that figures side by side read alike; with its bound
    ("over 1,000") as figure_text writes it."""
    text = figure_text(printed, value, unit)
    bare = text[:-1] if text.endswith("%") else text
    if _PLAIN_NUMBER.fullmatch(bare) and abs(float(bare)) >= 1000:
        whole, _, decimals = bare.partition(".")
        text = f"{int(whole):,}" + (f".{decimals}" if decimals else "") + text[len(bare):]
    return figure_text(text, None, unit, qualifier) if text else text


def direction_text(value) -> str:
    return DIRECTION.get(value if isinstance(value, str) else None, DIRECTION[None])


def quarter_label(period: str) -> str:
    """``2019/20 Q2`` with its months, e.g. 'July–September 2019'."""
    p = periods.parse(period)
    return f"{period} ({p.start:%B}–{p.end:%B %Y})" if p.is_quarter else period


STATUS_WORDS = {"BL": "BL (baseline: no target yet)", "MI only": "MI only (management information, no target)"}


# A figure's basis in a few words, for chart legends and tables (schema.BASES says it in full).
BASIS_LABELS = {
    "quarter": "the quarter's own figure",
    "year-to-date": "year to date",
    "year": "whole year",
    "month": "one month",
    "rolling-year": "rolling 12 months",
    "cumulative": "running total",
    "point-in-time": "on one day",
}


def basis_text(basis) -> str:
    """What period a figure covers, where it is not the measure's own basis (then empty)."""
    return BASIS_LABELS.get(basis, "") if isinstance(basis, str) else ""


def status_text(note) -> str:
    if not isinstance(note, str):
        return ""
    return STATUS_WORDS.get(note, note)


def latest_rag_text(code, period) -> str:
    """The report's latest RAG with its period; blank when it printed none."""
    text = rag_text(code)
    return f"{text} ({period})" if text and isinstance(period, str) and period else text


# One name per plan, everywhere (the titles in data/plans.csv are printed in capitals or as slogans).
PLAN_NAMES = {
    "bvpp-2004": "Best Value Performance Plan 2004/05",
    "priorities-2011": "Council priorities 2011/12",
    "equality-2016": "Equality objectives to 2016",
    "hap-2020": "Harrow Ambition Plan 2020 (2018 update)",
    "scorecard-2019": "Corporate Scorecard 2019/20 (Q2 report)",
}

UNIT_NAMES = {
    "percent": "percentage", "count": "number", "rate": "rate", "days": "days", "score": "score",
    "ratio": "ratio", "gbp": "£", "gbp_thousands": "£ thousands", "gbp_millions": "£ millions",
    "index": "index", "years": "years",
}


def plan_name(plan_id, title=None) -> str:
    return PLAN_NAMES.get(plan_id, title if isinstance(title, str) else (plan_id or ""))


def unit_name(unit) -> str:
    return UNIT_NAMES.get(unit, unit) if isinstance(unit, str) else ""


def source_text(row: dict) -> str:
    """Where a figure came from: document, section and line, by name (the text copy's file name
    is for the tooltip); an upload's own source as it stands."""
    plan, line = row.get("plan_id"), row.get("line")
    if not isinstance(plan, str) or missing(line) or not missing(row.get("upload_id")):
        return row.get("source") if isinstance(row.get("source"), str) else ""
    section = row.get("section")
    parts = [plan_name(plan, row.get("plan_title")), section if isinstance(section, str) else None,
             f"line {int(line)}"]
    return " · ".join(part for part in parts if part)


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 reported RAG differs', '2 reported RAGs differ': the count with its noun (and verb)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def rag_with_check(reported, computed) -> str:
    """The reported RAG, flagged where Harrow's rule gives another band."""
    text = rag_text(reported)
    if text and isinstance(computed, str) and computed != reported:
        return f"{text} ⚠ rule: {computed}"
    if not text and isinstance(computed, str):
        return f"none printed (rule: {computed})"
    return text


def measures_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows as a councillor reads them: figures as printed, RAG in words,
    the status note where there is no figure."""
    table = table.reset_index(drop=True)
    rows = table.to_dict("records")
    return pd.DataFrame(
        {
            "Priority": table["priority_name"],
            "Measure": table["name"],
            "Target": [figure_shown(r["target_as_printed"], r["target"], r["unit"]) for r in rows],
            "Actual": [
                figure_shown(r["actual_as_printed"], r["actual"], r["unit"], r.get("qualifier"))
                or status_text(r["status_note"])
                for r in rows
            ],
            "RAG": [rag_with_check(r["rag_reported"], r["rag_computed"]) for r in rows],
            "Direction": table["direction"].map(direction_text),
            # The report's latest RAG where the quarter has none of its own, so the two never disagree.
            "Latest RAG": [latest_rag_text(r["latest_rag"], r["latest_rag_period"])
                           if missing(r["rag_reported"]) else "" for r in rows],
        }
    )


def measures_download(table: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows for a spreadsheet: target and actual as numbers (percentages on a 0-100
    scale, as the unit column says), beside the figures as printed and the RAG in words."""
    table = table.reset_index(drop=True)
    rows = table.to_dict("records")
    return pd.DataFrame(
        {
            "Priority": table["priority_name"],
            "Measure": table["name"],
            "Unit": table["unit"].map(unit_name),
            "Target": pd.to_numeric(table["target"], errors="coerce"),
            "Actual": pd.to_numeric(table["actual"], errors="coerce"),
            "Target as printed": [figure_shown(r["target_as_printed"], r["target"], r["unit"]) for r in rows],
            "Actual as printed": [
                figure_shown(r["actual_as_printed"], r["actual"], r["unit"]) or status_text(r["status_note"])
                for r in rows
            ],
            "RAG": [rag_with_check(r["rag_reported"], r["rag_computed"]) for r in rows],
            "Direction": table["direction"].map(direction_text),
            "Latest RAG": [latest_rag_text(r["latest_rag"], r["latest_rag_period"])
                           if missing(r["rag_reported"]) else "" for r in rows],
        }
    )


# How a downloaded workbook shows the figures: thousands separators, decimals only where there are.
DOWNLOAD_NUMBER_FORMATS = {"Target": "#,##0.###", "Actual": "#,##0.###"}


# Each action status as a symbol, a map letter and a map colour (RGB), so that a status
# never rests on colour alone; None is an action or place with no status given.
ACTION_STYLE = {
    "RED": ("✖", "R", (177, 14, 30)),
    "AMBER": ("◆", "A", (255, 221, 0)),
    "Not started": ("○", "N", (80, 90, 95)),
    "GREEN": ("●", "G", (0, 112, 60)),
    "COMPLETE": ("✔", "C", (29, 79, 145)),
    "CLOSED": ("■", "X", (111, 78, 156)),
    None: ("–", "-", (255, 255, 255)),
}


def action_status_text(status) -> str:
    if isinstance(status, str) and status in ACTION_STYLE:
        return f"{ACTION_STYLE[status][0]} {status}"
    return "– none given"


POLARITY_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "range": "Within the range is best"}
