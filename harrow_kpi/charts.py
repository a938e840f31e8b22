"""Plotly figures: a measure's actual against target over every period we have.

No network: figures are drawn with the plotly.js that Streamlit bundles, with
no map tiles, web fonts or templates fetched at run time.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from harrow_kpi import periods, rag
from harrow_kpi.display import RAG_MARKER, basis_text
from harrow_kpi.figures import missing

UNIT_AXIS = {
    "percent": "%",
    "count": "number",
    "rate": "rate",
    "days": "days",
    "weeks": "weeks",
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


def series(history: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """A measure's figures split by basis (schema.BASES; "" is the measure's own), the measure's own
    first: each is drawn as its own line, so an annual total never joins a quarter's figure."""
    if "basis" not in history or not len(history):
        return [("", history)]
    basis = history["basis"].fillna("")
    return [(key, history[basis == key]) for key in sorted(basis.unique(), key=lambda b: (b != "", b))]


def trend_figure(history: pd.DataFrame, name: str, unit: str | None = None, height: int = 340) -> go.Figure:
    """Actual (line and RAG-marked points) against target (dashed), oldest to newest; one line
    per basis, each named by it where there is more than one."""
    figure = go.Figure()
    parts = series(history)
    frames = []
    for basis, part in parts:
        label = f" ({basis_text(basis)})" if basis and len(parts) > 1 else ""
        frames.append(_series_traces(figure, with_gaps(part), label, len(parts) > 1))
    frame = pd.concat(frames, ignore_index=True) if frames else with_gaps(history)
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


# Line styles of a second and third basis, so that the lines differ by more than colour.
BASIS_DASH = ["solid", "dot", "dashdot", "longdash"]


def _series_traces(figure: go.Figure, frame: pd.DataFrame, label: str, legend: bool) -> pd.DataFrame:
    """One basis's target range, target and actual lines; returns the frame drawn."""
    dash = BASIS_DASH[min(len([t for t in figure.data if t.name and t.name.startswith("Actual")]),
                          len(BASIS_DASH) - 1)]
    has_range = "target_low" in frame and frame["target_low"].notna().any()
    if has_range:
        band_rows = frame[frame["target_low"].notna()]
        figure.add_trace(go.Scatter(x=band_rows["x"], y=band_rows["target_high"], mode="lines",
                                    line={"width": 0}, showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=band_rows["x"], y=band_rows["target_low"], mode="lines",
                                    line={"width": 0}, fill="tonexty", fillcolor="rgba(29,79,145,0.15)",
                                    name=f"Target range{label}"))
    if frame["target"].notna().any() or not label:
        figure.add_trace(go.Scatter(
            x=frame["x"], y=frame["target"], mode="lines+markers", name=f"Target{label}",
            line={"color": "#1D4F91", "dash": "dash"}, marker={"symbol": "line-ew-open", "size": 12},
            connectgaps=False, hovertemplate="%{customdata}<br>Target %{y}<extra></extra>",
            customdata=frame["period"].fillna(""),
        ))
    figure.add_trace(go.Scatter(
        x=frame["x"], y=frame["actual"], mode="lines", name=f"Actual{label}", line={"color": "#0B0C0C", "dash": dash},
        connectgaps=False, hoverinfo="skip", showlegend=legend,
    ))
    return frame


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


PLAN_COLOURS = ["#1D4F91", "#6F4E9C", "#00703C", "#B35900", "#B10E1E"]


def sankey_figure(nodes: list[dict], edges: list[dict], plan_titles: list[str],
                  highlight: set[str] | None = None, height: int = 620) -> go.Figure:
    """Themes of each plan (columns, oldest on the left) and the curated links between them.

    A followed theme's whole lineage is drawn dark; everything else is pale.
    """
    columns = max((n["plan_index"] for n in nodes), default=0) or 1
    per_plan: dict[int, list[dict]] = {}
    for node in nodes:
        per_plan.setdefault(node["plan_index"], []).append(node)
    xs, ys = [], []
    for node in nodes:
        siblings = per_plan[node["plan_index"]]
        xs.append(0.001 + 0.998 * node["plan_index"] / columns)
        ys.append(0.001 + 0.998 * (siblings.index(node) + 0.5) / len(siblings))

    def lit(theme_id):
        return highlight is None or theme_id in highlight

    node_colours = [PLAN_COLOURS[n["plan_index"] % len(PLAN_COLOURS)] if lit(n["theme_id"]) else "#D9D9D9"
                    for n in nodes]
    link_colours = ["rgba(29,79,145,0.55)" if highlight and e["from_theme_id"] in highlight
                    and e["to_theme_id"] in highlight else "rgba(80,90,95,0.18)" for e in edges]
    figure = go.Figure(go.Sankey(
        arrangement="fixed",
        node={"label": [n["name"] if len(n["name"]) <= 40 else n["name"][:38] + "…" for n in nodes],
              "x": xs, "y": ys, "color": node_colours, "pad": 8, "thickness": 14,
              "line": {"color": "#0B0C0C", "width": 0.5},
              "customdata": [n["name"] for n in nodes], "hovertemplate": "%{customdata}<extra></extra>"},
        link={"source": [e["source"] for e in edges], "target": [e["target"] for e in edges],
              "value": [1] * len(edges), "color": link_colours,
              "customdata": [f"{e['relation']}: {e['rationale']}" for e in edges],
              "hovertemplate": "%{customdata}<extra></extra>"},
        textfont={"size": 12, "color": "#0B0C0C"},
    ))
    for index, title in enumerate(plan_titles):
        anchor = "left" if index == 0 else "right" if index == columns else "center"
        figure.add_annotation(x=index / columns, y=1.07, xref="paper", yref="paper", showarrow=False,
                              text=f"<b>{_wrap(html.escape(title), 24)}</b>", font={"size": 12}, xanchor=anchor)
    figure.update_layout(title={"text": "How the council's priorities moved, 2004 to 2020", "font": {"size": 16}},
                         height=height, margin={"l": 10, "r": 10, "t": 90, "b": 10}, font={"color": "#0B0C0C"})
    return figure


def timeline_figure(history: pd.DataFrame, name: str, unit: str | None, promises: pd.DataFrame,
                    plan_marks: list[tuple]) -> go.Figure:
    """A recurring measure over the years: figures and targets, every plan's promised
    level at its deadline, and a line where each plan was published."""
    figure = trend_figure(history, name, unit, height=420)
    level = promises[promises["target_kind"] == "level"] if len(promises) else promises
    if len(level):
        figure.add_trace(go.Scatter(
            x=pd.to_datetime(level["effective_deadline"]), y=level["target_value"], mode="markers",
            name="Promised in a plan", marker={"symbol": "diamond-open", "size": 13, "color": "#6F4E9C",
                                               "line": {"width": 2}},
            customdata=level[["plan_title", "text"]].values,
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>by %{x|%b %Y}: %{y}<extra></extra>",
        ))
    for day, label in plan_marks:
        figure.add_vline(x=pd.Timestamp(day).value / 1e6, line={"color": "#505A5F", "dash": "dot", "width": 1})
        figure.add_annotation(x=pd.Timestamp(day), y=1, yref="paper", text=label, showarrow=False,
                              textangle=-90, xanchor="right", yanchor="top", font={"size": 11, "color": "#505A5F"})
    return figure
