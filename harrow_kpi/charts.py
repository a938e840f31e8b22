"""Plotly figures: a measure's actual against target over every period we have.

No network: figures are drawn with the plotly.js that Streamlit bundles, with
no map tiles, web fonts or templates fetched at run time.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go

from harrow_kpi import periods, rag
from harrow_kpi.display import RAG_MARKER
from harrow_kpi.figures import missing

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
                  and not missing(r.get("actual"))]
        if not points:
            continue
        colour, symbol = RAG_MARKER[band]
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
        title={"text": _wrap(html.escape(name)), "font": {"size": 15}},
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


# Plan columns in neutral blues, purple and greys: no red, amber or green, which would read as a RAG.
PLAN_COLOURS = ["#1D4F91", "#505A5F", "#4C2C92", "#2E6B8A", "#383F43"]


def sankey_spec(nodes: list[dict], edges: list[dict], highlight: set[str] | None = None,
                height: int = 640) -> dict:
    """Themes of each plan (columns, oldest on the left) and the curated links between them, as an
    Apache ECharts option (st.echarts_chart): its chart bundle is a quarter of plotly's, so the
    page draws it within moments of settling. Names wrap at word boundaries, never cut; hovering
    a node shows its name, a link its relation and rationale. A followed lineage is drawn dark."""

    def lit(theme_id):
        return highlight is None or theme_id in highlight

    data = [{"name": n["theme_id"], "depth": n["plan_index"],
             "itemStyle": {"color": PLAN_COLOURS[n["plan_index"] % len(PLAN_COLOURS)] if lit(n["theme_id"])
                           else "#D9D9D9", "borderColor": "#0B0C0C", "borderWidth": 0.5},
             "label": {"formatter": n["name"]}, "tooltip": {"formatter": n["name"]}} for n in nodes]
    links = [{"source": nodes[e["source"]]["theme_id"], "target": nodes[e["target"]]["theme_id"], "value": 1,
              "lineStyle": {"color": "#1D4F91" if highlight and e["from_theme_id"] in highlight
                            and e["to_theme_id"] in highlight else "#505A5F",
                            "opacity": 0.55 if highlight and e["from_theme_id"] in highlight
                            and e["to_theme_id"] in highlight else 0.18},
              "tooltip": {"formatter": f"{e['relation']}: {e['rationale']}"}} for e in edges]
    return {
        "title": {"text": "How the council's priorities moved, 2004 to 2020",
                  "textStyle": {"fontSize": 15, "color": "#0B0C0C"}},
        "tooltip": {"trigger": "item", "confine": True},
        "series": [{
            "type": "sankey", "top": 40, "bottom": 10, "left": 5, "right": 150, "nodeWidth": 14, "nodeGap": 10,
            "draggable": False, "layoutIterations": 0, "emphasis": {"focus": "adjacency"},
            "label": {"width": 140, "overflow": "break", "fontSize": 11, "color": "#0B0C0C", "lineHeight": 13},
            "data": data, "links": links,
        }],
        "height_px": height,
    }


def timeline_figure(history: pd.DataFrame, name: str, unit: str | None, promises: pd.DataFrame,
                    plan_marks: list[tuple]) -> go.Figure:
    """A recurring measure over the years: figures and targets, every plan's promised level at its
    deadline marked met, missed or in progress, each plan's date labelled above the chart (clear of
    the data), and long stretches with no figures cut out of the axis and labelled as gaps."""
    figure = trend_figure(history, name, unit, height=460)
    level = promises[promises["target_kind"] == "level"] if len(promises) else promises
    for status, (symbol, word) in VERDICT_MARKS.items():
        rows = level[level["status"] == status] if len(level) else level
        if not len(rows):
            continue
        figure.add_trace(go.Scatter(
            x=pd.to_datetime(rows["effective_deadline"]), y=rows["target_value"], mode="markers+text",
            name=f"Promise {word}", text=[word] * len(rows), textposition="bottom center",
            textfont={"size": 12, "color": "#0B0C0C"},
            marker={"symbol": symbol, "size": 14, "color": "#4C2C92", "line": {"width": 2, "color": "#4C2C92"}},
            customdata=rows[["plan_title", "text"]].values,
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>by %{x|%b %Y}: %{y}<extra></extra>",
        ))
    deadlines = [d.date() for d in pd.to_datetime(level["effective_deadline"]).dropna()] if len(level) else []
    gaps = figure_gaps(history, deadlines)
    if gaps:
        figure.update_xaxes(rangebreaks=[{"bounds": [str(start), str(end)]} for start, end in gaps])
        for start, end in gaps:
            within = [label for day, label in plan_marks if start <= day <= end]
            text = f"no figures printed, {start.year}–{end.year}" + "".join(f"<br>({p} published)" for p in within)
            figure.add_annotation(x=pd.Timestamp(start), y=0.5, yref="paper", showarrow=False, xanchor="center",
                                  text=text, bgcolor="#F3F2F1", font={"size": 11, "color": "#0B0C0C"})
    shown = [(day, label) for day, label in plan_marks if not any(a <= day <= b for a, b in gaps)]
    for row, (day, label) in enumerate(sorted(shown)):
        figure.add_vline(x=pd.Timestamp(day).value / 1e6, line={"color": "#505A5F", "dash": "dot", "width": 1})
        figure.add_annotation(x=pd.Timestamp(day), y=1.02 + 0.07 * (row % 3), yref="paper", text=label,
                              showarrow=False, xanchor="left", yanchor="bottom",
                              font={"size": 11, "color": "#505A5F"})
    figure.update_layout(margin={"l": 60, "r": 20, "t": 130, "b": 50}, title={"y": 0.98, "yanchor": "top"})
    return figure


# How the ledger's verdict on a promise is marked on a timeline: a shape and a word, never colour alone.
VERDICT_MARKS = {"achieved": ("diamond", "met"), "missed": ("x-thin-open", "missed"),
                 "in progress": ("diamond-open", "in progress")}


def figure_gaps(history: pd.DataFrame, also=(), years: int = 2) -> list[tuple]:
    """Stretches of more than ``years`` with nothing to draw (no figure's period end, no date in
    ``also``), as (start, end) dates 120 days inside them, so the axis keeps a stub either side."""
    ends = sorted({periods.parse(p).end for p in history["period"]} | set(also)) if len(history) else []
    inside = dt.timedelta(days=120)
    return [(before + inside, after - inside) for before, after in zip(ends, ends[1:])
            if (after - before).days > 365 * years]
