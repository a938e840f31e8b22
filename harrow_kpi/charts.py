"""Plotly figures: a measure's actual against target over every period we have.

No network: figures are drawn with the plotly.js that Streamlit bundles, with
no map tiles, web fonts or templates fetched at run time.
"""

from __future__ import annotations

import datetime as dt
import html
import math

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
            "label": {"width": 140, "overflow": "break", "fontSize": 13, "color": "#0B0C0C", "lineHeight": 16},
            "data": data, "links": links,
        }],
        "height_px": height,
    }


# How the ledger's verdict on a promise is marked on a timeline: a shape and a word, never colour alone.
VERDICT_MARKS = {"achieved": ("diamond", "met"), "missed": ("x-thin-open", "missed"),
                 "in progress": ("diamond-open", "in progress")}


# The same RAG markers for ECharts, whose built-in shapes differ from plotly's; the band's code is
# written above each point, so the shape and the colour are never alone.
ECHARTS_SYMBOLS = {"HG": "diamond", "LG": "circle", "A": "rect", "LR": "triangle", "HR": "pin", None: "emptyCircle"}


def timeline_spec(history: pd.DataFrame, name: str, unit: str | None, promises: pd.DataFrame,
                  plan_marks: list[tuple]) -> dict:
    """A recurring measure over the years as an ECharts option, on an axis of the moments that have
    something to show, in time order: each period with a figure, each promise's deadline, each
    plan's date. A stretch of more than two years with nothing is one labelled gap ("no figures
    printed"), not empty years across the chart. Promises are marked met, missed or in progress."""
    level = promises[promises["target_kind"] == "level"] if len(promises) else promises
    moments = []  # (date, kind, payload)
    for row in history.to_dict("records"):
        moments.append((periods.parse(row["period"]).end, "figure", row))
    for row in level.to_dict("records") if len(level) else []:
        if isinstance(row.get("effective_deadline"), str | dt.date):
            moments.append((pd.Timestamp(row["effective_deadline"]).date(), "promise", row))
    for day, label in plan_marks:
        moments.append((day, "plan", label))
    moments.sort(key=lambda m: (m[0], ("plan", "figure", "promise").index(m[1])))
    categories, target, actual, points, promised, plans, gaps = [], [], [], {}, {}, [], []
    previous = None
    for day, kind, payload in moments:
        if previous is not None and (day - previous).days > 365 * 2:
            categories.append(f"no figures printed, {previous.year}–{day.year}")
            gaps.append(categories[-1])
            target.append(None)
            actual.append(None)
        previous = day
        if kind == "figure":
            categories.append(payload["period"])
            target.append(None if missing(payload.get("target")) else float(payload["target"]))
            value = None if missing(payload.get("actual")) else float(payload["actual"])
            actual.append(value)
            if value is not None:
                band = _band_of(payload)
                points.setdefault(band, []).append([payload["period"], value])
        else:
            label = f"due {day:%b %Y}" if kind == "promise" else f"{payload} ({day:%b %Y})"
            if label not in categories:  # two promises due the same month share one place
                categories.append(label)
                target.append(None)
                actual.append(None)
            if kind == "promise":
                word = VERDICT_MARKS.get(payload.get("status"), (None, payload.get("status") or "not judged"))[1]
                promised.setdefault(word, []).append([label, float(payload["target_value"])])
            else:
                plans.append(label)
    series = [
        {"name": "Target", "type": "line", "data": target, "connectNulls": False,
         "lineStyle": {"type": "dashed", "color": "#1D4F91"}, "itemStyle": {"color": "#1D4F91"}, "symbol": "none"},
        {"name": "Actual", "type": "line", "data": actual, "connectNulls": False,
         "lineStyle": {"color": "#0B0C0C"}, "itemStyle": {"color": "#0B0C0C"}, "symbol": "none",
         "markLine": {"symbol": "none", "lineStyle": {"type": "dotted", "color": "#505A5F"},
                      "label": {"show": False},  # the axis names the plan; labels here collided
                      "data": [{"xAxis": plan, "name": plan.rsplit(" (", 1)[0]} for plan in plans]},
         "markArea": {"itemStyle": {"color": "#E8E8E8"}, "label": {"show": False},
                      "data": [[{"xAxis": gap, "name": gap}, {"xAxis": gap}] for gap in gaps]}},
    ]
    for band in (*rag.BANDS, None):
        if band in points:
            series.append({"name": f"{band} {rag.LABELS[band]}" if band else "Actual, no RAG", "type": "scatter",
                           "data": points[band], "symbol": ECHARTS_SYMBOLS[band], "symbolSize": 13,
                           "itemStyle": {"color": RAG_MARKER[band][0], "borderColor": "#0B0C0C"},
                           "label": {"show": bool(band), "formatter": band or "", "position": "top",
                                     "color": "#0B0C0C"}})
    for word, data in promised.items():
        series.append({"name": f"Promise {word}", "type": "scatter", "data": data, "symbol": "diamond",
                       "symbolSize": 14, "itemStyle": {"color": "#FFFFFF", "borderColor": "#4C2C92", "borderWidth": 2},
                       "label": {"show": True, "formatter": word, "position": "bottom", "color": "#0B0C0C"}})
    return {
        "title": {"text": name, "textStyle": {"fontSize": 14, "color": "#0B0C0C", "width": 700, "overflow": "break"}},
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "textStyle": {"color": "#0B0C0C"}},
        "grid": {"left": 60, "right": 30, "top": 70, "bottom": 90},
        "xAxis": {"type": "category", "data": categories, "name": "Period, promise deadline or plan",
                  "nameLocation": "middle", "nameGap": 55, "axisLabel": {"rotate": 30, "fontSize": 11,
                                                                         "color": "#0B0C0C", "interval": 0}},
        "yAxis": {"type": "value", "name": UNIT_AXIS.get(unit or "", "") or "value",
                  "min": 0 if unit == "percent" else None, "axisLabel": {"color": "#0B0C0C"}},
        "series": series,
    }


def recent_points(history: pd.DataFrame, until: str | None = None, limit: int = 6) -> pd.DataFrame:
    """The last ``limit`` periods of a measure with an actual or a target, up to ``until`` and of
    its kind (quarters for a quarter: an earlier plan's annual figure is on another scale),
    oldest first, each with its RAG (reported, else the rule's): what a slide, the deck and the
    briefing pack chart. Missing figures are None."""
    frame = history[history["actual"].notna() | history["target"].notna()]
    if until is not None:
        last = periods.parse(until)
        keep = [periods.parse(p).order <= last.order and periods.parse(p).is_quarter == last.is_quarter
                for p in frame["period"]]
        frame = frame.loc[pd.Series(keep, index=frame.index, dtype=bool)]
    frame = frame.tail(limit)
    return pd.DataFrame({
        "period": frame["period"].tolist(),
        "actual": [None if missing(v) else float(v) for v in frame["actual"]],
        "target": [None if missing(v) else float(v) for v in frame["target"]],
        "band": [point_band(r)[0] for r in frame.to_dict("records")],
    }, dtype=object)


def _nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round-numbered ticks covering low..high, at most ``most`` of them."""
    if high == low == 0:
        high = 1.0
    elif high == low:
        high, low = high + (abs(high) or 1) * 0.5, low - (abs(low) or 1) * 0.5
    magnitude = 10 ** math.floor(math.log10((high - low) / max(most - 1, 1)))
    for step in (m * magnitude for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100)):
        start = math.floor(low / step) * step
        ticks = [start + i * step for i in range(int((high - start) / step) + 2) if start + i * step < high + step]
        if len(ticks) <= most:
            return ticks
    return [low, high]


def _tick_text(value: float, step: float, unit: str | None) -> str:
    decimals = 0 if step >= 1 else min(3, -math.floor(math.log10(step)))
    text = f"{0.0 if abs(value) < step / 2 else value:,.{decimals}f}"  # never "-0"
    return f"{text}%" if unit == "percent" else f"£{text}" if unit and unit.startswith("gbp") else text


def _period_lines(period: str, short: bool) -> tuple[str, str]:
    """A period as two tick lines: 'Q2' over '2019/20' (or '19/20' where space is short)."""
    year, _, quarter = period.partition(" ")
    year = f"{year[2:4]}/{year[5:7]}" if short and len(year) == 7 else year
    return (quarter, year) if quarter else (year, "")


def trend_svg(points: pd.DataFrame, label: str, unit: str | None = None, width: int = 520, height: int = 230,
              font: int = 20) -> str:
    """A measure's recent actuals (solid line, a RAG-coloured point and its code at each) against
    target (dashed), as a static SVG that scales with its container: text is ``font`` units high
    in a ``width``-unit-wide drawing, so it is ``font`` px wherever the drawing is ``width`` px wide.
    ``label`` names the chart for a screen reader; every text in it is escaped."""
    series = {c: [None if missing(v) else float(v) for v in points[c]] for c in ("actual", "target")}
    bands = [b if isinstance(b, str) else None for b in points["band"]]
    values = [v for v in [*series["actual"], *series["target"]] if v is not None]
    count = len(points)
    summary = "; ".join(
        f"{p}: actual {'none' if a is None else format(a, 'g')}, target {'none' if t is None else format(t, 'g')}"
        + (f", {b}" if b else "") for p, a, t, b in zip(points["period"], series["actual"], series["target"], bands))
    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="Arial, Helvetica, sans-serif">',
             f"<title>{html.escape(label)}. {html.escape(summary)}</title>"]
    if not values or not count:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="{font}" '
                     'fill="#0B0C0C">No figures to chart</text></svg>')
        return "".join(parts)
    low, high = min(values), max(values)
    if unit == "percent":
        low = min(low, max(0.0, low - (high - low) * 0.5))
    pad = (high - low) * 0.08
    top, bottom, right = font * 1.6, font * 2.8, font * 1.2
    most = max(2, min(6, int((height - top - bottom) // (font * 1.6)) + 1))
    ticks = _nice_ticks(low - pad if low - pad >= 0 or low < 0 else 0.0, high + pad, most)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    low, high = min(ticks[0], low), max(ticks[-1], high)
    tick_texts = [_tick_text(t, step, unit) for t in ticks]
    left = font * 0.6 * max(len(t) for t in tick_texts) + font * 0.8
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        return left + (plot_w * (index + 0.5) / count)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / ((high - low) or 1))

    for tick, text in zip(ticks, tick_texts):
        y = y_of(tick)
        parts.append(f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#D8DADB"/>')
        parts.append(f'<text x="{left - font * 0.4:.1f}" y="{y + font * 0.35:.1f}" text-anchor="end" '
                     f'font-size="{font}" fill="#0B0C0C">{html.escape(text)}</text>')
    short = plot_w / count < font * 0.62 * 7
    for index, period in enumerate(points["period"]):
        first, second = _period_lines(period, short)
        x = x_of(index)
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + font * 1.2:.1f}" text-anchor="middle" '
                     f'font-size="{font}" fill="#0B0C0C">{html.escape(first)}</text>')
        if second:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + font * 2.3:.1f}" text-anchor="middle" '
                         f'font-size="{font}" fill="#0B0C0C">{html.escape(second)}</text>')
    parts.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top:.1f}" y2="{height - bottom:.1f}" stroke="#505A5F"/>')
    parts.append(f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{height - bottom:.1f}" '
                 f'y2="{height - bottom:.1f}" stroke="#505A5F"/>')
    for column, style in (("target", 'stroke="#1D4F91" stroke-width="3" stroke-dasharray="9 6"'),
                          ("actual", 'stroke="#0B0C0C" stroke-width="3"')):
        runs, run = [], []
        for index, value in enumerate(series[column]):
            if value is None:
                runs.append(run)
                run = []
            else:
                run.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        runs.append(run)
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline fill="none" {style} points="{" ".join(run)}"/>')
            elif run and column == "target":
                x, y = run[0].split(",")
                parts.append(f'<line x1="{float(x) - 12:.1f}" x2="{float(x) + 12:.1f}" y1="{y}" y2="{y}" {style}/>')
    for index, (value, band) in enumerate(zip(series["actual"], bands)):
        if value is None:
            continue
        colour, _ = RAG_MARKER.get(band, RAG_MARKER[None])
        x, y = x_of(index), y_of(value)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{font * 0.35:.1f}" fill="{colour}" '
                     'stroke="#0B0C0C" stroke-width="1.5"/>')
        if band:
            parts.append(f'<text x="{x:.1f}" y="{y - font * 0.6:.1f}" text-anchor="middle" font-size="{font}" '
                         f'font-weight="bold" fill="#0B0C0C">{html.escape(band)}</text>')
    parts.append("</svg>")
    return "".join(parts)
