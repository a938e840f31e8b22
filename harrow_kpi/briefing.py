"""The briefing pack: one self-contained HTML file for a quarter and the filters chosen.

It works offline and stays small: the charts are static SVG drawn into the file (no
script, no fonts, nothing fetched), each sized to its column so the latest quarter is
always in view. It prints cleanly to PDF from a browser, the first priority on page 1
and each later one on a new page, with the RAG badges' colours kept in print; every
piece of text from the data is escaped.
"""

from __future__ import annotations

import html

import pandas as pd

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
.badge, th {-webkit-print-color-adjust: exact; print-color-adjust: exact;}
.charts {display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: 1rem;}
.chart {min-width: 0; break-inside: avoid;} .chart h3 {font-size: 0.95rem; margin: 0 0 0.2rem 0;}
.chart svg {display: block; width: 100%; height: auto; max-width: 100%;}
.key, .source {color: #505A5F; font-size: 0.8rem;}
section.priority {page-break-before: always; break-before: page;}
section.priority.first {page-break-before: auto; break-before: auto;}
@media print {body {margin: 0;} @page {size: A4; margin: 1.5cm;} h2 {break-after: avoid;}
  .charts {grid-template-columns: 1fr 1fr;} tr {break-inside: avoid;}}
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
        f"<title>Harrow briefing pack, {html.escape(quarter_label)}</title><style>{CSS}</style></head><body>",
        "<h1>London Borough of Harrow: performance briefing</h1>",
        f"<p class='draft'><strong>{html.escape(draft)}</strong>. Not yet published.</p>" if draft else "",
        f"<p><strong>{html.escape(quarter_label)}</strong>. Measures shown: {html.escape(chosen.describe())}. "
        "Figures as printed in the Strategic Performance Report Q2 2019/20 and later uploads; each "
        "measure's source is listed under it.</p>",
        "<h2>The quarter in plain English</h2><ul>",
        *[f"<li>{html.escape(s.text)}</li>" for s in narrative.quarter_summary(table, previous)],
        "</ul>",
    ]
    for index, (name, measures) in enumerate(shown.groupby("priority_name", sort=False)):
        everything = table[table["priority_name"] == name]
        badges = "".join(_badge(band, int((everything["rag_reported"] == band).sum())) for band in rag.BANDS)
        frame = display.measures_frame(measures)[["Measure", "Target", "Actual", "RAG", "Direction", "Latest RAG"]]
        parts += [f"<section class='priority{' first' if index == 0 else ''}'><h2>{html.escape(name)}</h2>"
                  f"<p>{badges}</p>", _table(frame)]
        points = {row["indicator_id"]: charts.recent_points(histories[row["indicator_id"]], row["period"], limit=8)
                  for row in measures.to_dict("records") if row["indicator_id"] in histories}
        charted = [i for i, p in points.items() if sum(v is not None for v in p["actual"]) >= 2][:4]
        if charted:
            parts.append("<p class='key'>Charts: the last eight quarters with a figure; actual (solid, with the "
                         "RAG code at each point) against target (dashed).</p><div class='charts'>")
        for indicator_id in charted:
            row = measures.set_index("indicator_id").loc[indicator_id]
            parts.append(f"<div class='chart'><h3>{html.escape(row['name'])}</h3>"
                         + charts.trend_svg(points[indicator_id], row["name"], row["unit"], width=480, height=250,
                                            font=15)
                         + "</div>")
        parts.append("</div>" if charted else "")
        sources = sorted(set(measures["source"].dropna()))
        parts.append("<p class='source'>Sources: " + html.escape("; ".join(sources[:3])) +
                     (f" and {len(sources) - 3} more" if len(sources) > 3 else "") + "</p></section>")
    if shown.empty:
        parts.append("<p>No measures match the filters chosen.</p>")
    parts.append("</body></html>")
    return "".join(parts)
