"""Plotly figures: a measure's actual against target over every period we have.

No network: figures are drawn with the plotly.js that Streamlit bundles, with
no map tiles, web fonts or templates fetched at run time.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from harrow_kpi import periods, rag

# The RAG colours of the badges, on a white chart background; every point also
# carries its band as a marker shape and a text label, so colour is never alone.
BAND_COLOURS = {"HG": "#00703C", "LG": "#4C9A6A", "A": "#B58A00", "LR": "#D4351C", "HR": "#B10E1E"}
BAND_SYMBOLS = {"HG": "star", "LG": "circle", "A": "diamond", "LR": "triangle-down", "HR": "x"}
NO_BAND = ("#505A5F", "circle-open")

UNIT_AXIS = {
    "percent": "%",
    "count": "number",
    "rate": "rate",
    "days": "days",
    "score": "score",
    "ratio": "ratio",
    "gbp": "£",
    "gbp_thousands": "£000",
    "gbp_millions": "£m",
    "index": "index",
    "years": "years",
}


def with_gaps(history: pd.DataFrame) -> pd.DataFrame:
    """Insert an empty row wherever the next period does not start the day after the
    last one ends, so that a line never bridges a stretch of time the dataset says
    nothing about."""
    rows = []
    previous = None
    for row in history.to_dict("records"):
        current = periods.parse(row["period"])
        if previous is not None and (current.start - previous.end).days > 1:
            rows.append({"period": None, "x": previous.end + (current.end - previous.end) / 2})
        row["x"] = current.end
        rows.append(row)
        previous = current
    return pd.DataFrame(rows, columns=[*history.columns, "x"])


def point_band(row) -> tuple[str | None, str]:
    """The RAG of a point: the reported one, else the rule's (marked as such)."""
    reported, computed = row.get("rag_reported"), row.get("rag_computed")
    if isinstance(reported, str):
        return reported, "reported"
    if isinstance(computed, str):
        return computed, "by the rule"
    return None, ""


def trend_figure(history: pd.DataFrame, name: str, unit: str | None = None, height: int = 340) -> go.Figure:
    """Actual (line and RAG-marked points) against target (dashed), oldest to newest."""
    frame = with_gaps(history)
    figure = go.Figure()
    has_range = "target_low" in frame and frame["target_low"].notna().any()
    if has_range:
        band_rows = frame[frame["target_low"].notna()]
        figure.add_trace(go.Scatter(x=band_rows["x"], y=band_rows["target_high"], mode="lines",
                                    line={"width": 0}, showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=band_rows["x"], y=band_rows["target_low"], mode="lines",
                                    line={"width": 0}, fill="tonexty", fillcolor="rgba(29,79,145,0.15)",
                                    name="Target range"))
    figure.add_trace(go.Scatter(
        x=frame["x"], y=frame["target"], mode="lines+markers", name="Target",
        line={"color": "#1D4F91", "dash": "dash"}, marker={"symbol": "line-ew-open", "size": 12},
        connectgaps=False, hovertemplate="%{customdata}<br>Target %{y}<extra></extra>",
        customdata=frame["period"].fillna(""),
    ))
    figure.add_trace(go.Scatter(
        x=frame["x"], y=frame["actual"], mode="lines", name="Actual", line={"color": "#0B0C0C"},
        connectgaps=False, hoverinfo="skip", showlegend=False,
    ))
    for band in (*rag.BANDS, None):
        points = [r for r in frame.to_dict("records") if r.get("period") and _band_of(r) == band
                  and pd.notna(r.get("actual"))]
        if not points:
            continue
        colour, symbol = (BAND_COLOURS[band], BAND_SYMBOLS[band]) if band else NO_BAND
        figure.add_trace(go.Scatter(
            x=[p["x"] for p in points], y=[p["actual"] for p in points], mode="markers+text",
            name=f"{band} {rag.LABELS[band]}" if band else "Actual, no RAG",
            marker={"color": colour, "symbol": symbol, "size": 12, "line": {"width": 1, "color": "#0B0C0C"}},
            text=[band or "" for _ in points], textposition="top center",
            textfont={"color": "#0B0C0C", "size": 12},
            customdata=[[p["period"], _hover(p)] for p in points],
            hovertemplate="%{customdata[0]}<br>Actual %{y}<br>%{customdata[1]}<extra></extra>",
        ))
    axis_unit = UNIT_AXIS.get(unit or "", "")
    figure.update_layout(
        title={"text": _wrap(name), "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        template="plotly_white",
        font={"size": 13, "color": "#0B0C0C"},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": "Period (end date)", "tickformat": "%b %Y"},
        yaxis={"title": axis_unit or "value", "rangemode": "tozero" if unit == "percent" else "normal"},
    )
    return figure


def _band_of(row) -> str | None:
    return point_band(row)[0]


def _hover(row) -> str:
    band, how = point_band(row)
    text = f"RAG {band} ({how})" if band else "no RAG"
    if isinstance(row.get("status_note"), str):
        text += f"<br>{row['status_note']}"
    return text


def _wrap(text: str, width: int = 70) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)
