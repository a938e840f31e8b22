"""The briefing pack: one self-contained HTML file for a quarter and the filters chosen.

It works offline (plotly.js is written into the file, no fonts or scripts are
fetched), prints cleanly to PDF from a browser with a page per priority, and every
piece of text from the data is escaped.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.offline

from harrow_kpi import charts, display, filters, narrative, rag

CSS = """
body {font-family: Arial, Helvetica, sans-serif; color: #0B0C0C; margin: 2rem; line-height: 1.4;}
h1 {font-size: 1.9rem;} h2 {font-size: 1.5rem; border-bottom: 3px solid #1D4F91; padding-bottom: 0.2rem;}
.draft {border: 3px solid #B35C00; padding: 0.5rem; background: #FFF4E5;}
table {border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem 0; font-size: 0.9rem;}
th, td {border-bottom: 1px solid #B1B4B6; text-align: left; padding: 0.3rem 0.4rem; vertical-align: top;}
th {background: #F3F2F1;}
.badge {display: inline-block; padding: 0.1rem 0.45rem; margin: 0 0.3rem 0.3rem 0; border: 1px solid #505A5F;
        border-radius: 0.25rem;}
.charts {display: flex; flex-wrap: wrap; gap: 1rem;} .chart {flex: 1 1 45%; min-width: 320px;}
.source {color: #505A5F; font-size: 0.8rem;}
section.priority {page-break-before: always; break-before: page;}
@media print {body {margin: 1cm;} .chart {break-inside: avoid;}}
"""


def _badge(band: str, count: int) -> str:
    background, colour, symbol = display.RAG_STYLE[band]
    return (f'<span class="badge" style="background:{background};color:{colour}">'
            f"<strong>{count}</strong> {html.escape(symbol)} {band} {html.escape(rag.LABELS[band])}</span>")


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.astype(str).itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build(table: pd.DataFrame, previous: pd.DataFrame | None, chosen: filters.Filters,
          histories: dict[str, pd.DataFrame], draft: str = "") -> str:
    """The pack as one HTML string. ``table`` is the whole quarter (queries.scorecard);
    the filters narrow the measures shown under each priority. ``draft`` is the draft
    marker of an unpublished quarter, printed at the top."""
    shown = filters.apply(table, chosen)
    quarter_label = display.quarter_label(table["period"].iloc[0]) if len(table) else ""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Harrow briefing pack, {html.escape(quarter_label)}</title><style>{CSS}</style>",
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>",
        "<h1>London Borough of Harrow: performance briefing</h1>",
        f"<p class='draft'><strong>{html.escape(draft)}</strong>. Not yet published.</p>" if draft else "",
        f"<p><strong>{html.escape(quarter_label)}</strong>. Measures shown: {html.escape(chosen.describe())}. "
        "Figures as printed in the Strategic Performance Report Q2 2019/20 and later uploads; each "
        "measure's source is listed under it.</p>",
        "<h2>The quarter in plain English</h2><ul>",
        *[f"<li>{html.escape(s.text)}</li>" for s in narrative.quarter_summary(table, previous)],
        "</ul>",
    ]
    for name, measures in shown.groupby("priority_name", sort=False):
        everything = table[table["priority_name"] == name]
        badges = "".join(_badge(band, int((everything["rag_reported"] == band).sum())) for band in rag.BANDS)
        frame = display.measures_frame(measures)[["Measure", "Target", "Actual", "RAG", "Direction", "Latest RAG"]]
        parts += [f"<section class='priority'><h2>{html.escape(name)}</h2><p>{badges}</p>", _table(frame)]
        charted = [i for i in measures["indicator_id"]
                   if i in histories and histories[i]["actual"].notna().sum() >= 2][:4]
        parts.append("<div class='charts'>")
        for indicator_id in charted:
            row = measures.set_index("indicator_id").loc[indicator_id]
            figure = charts.trend_figure(histories[indicator_id], row["name"], row["unit"], height=320)
            parts.append("<div class='chart'>" + figure.to_html(full_html=False, include_plotlyjs=False,
                                                                  config={"displayModeBar": False,
                                                                          "staticPlot": True}) + "</div>")
        parts.append("</div>")
        sources = sorted(set(measures["source"].dropna()))
        parts.append("<p class='source'>Sources: " + html.escape("; ".join(sources[:3])) +
                     (f" and {len(sources) - 3} more" if len(sources) > 3 else "") + "</p></section>")
    if shown.empty:
        parts.append("<p>No measures match the filters chosen.</p>")
    parts.append("</body></html>")
    return "".join(parts)
