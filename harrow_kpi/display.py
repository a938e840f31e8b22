"""How figures, RAG bands and directions read, on screen and in the briefing pack.

Plain functions with no Streamlit, so the app and the offline briefing pack show
every figure the same way. RAG is never shown by colour alone: each band carries
its symbol, code and label, and every colour pair passes WCAG 2.2 AA contrast
(tested in tests/test_ui.py).
"""

from __future__ import annotations

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
    text = rag_text(code)
    if isinstance(period, str) and period:
        return f"{text} ({period})" if text else f"none printed ({period})"
    return text


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
            "Target": [figure_text(r["target_as_printed"], r["target"], r["unit"]) for r in rows],
            "Actual": [
                figure_text(r["actual_as_printed"], r["actual"], r["unit"], r.get("qualifier"))
                or status_text(r["status_note"])
                for r in rows
            ],
            "RAG": [rag_with_check(r["rag_reported"], r["rag_computed"]) for r in rows],
            "Direction": table["direction"].map(direction_text),
            "Latest RAG": [latest_rag_text(r["latest_rag"], r["latest_rag_period"]) for r in rows],
        }
    )


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
