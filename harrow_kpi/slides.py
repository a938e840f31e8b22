"""The Cabinet slides as data: one list that the slide mode draws and the PowerPoint deck writes.

Kept apart from Streamlit and from python-pptx so that the screen and the file can never
show different slides: the quarter in plain English, one slide per corporate priority,
then what needs attention, paged so that every measure in it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from harrow_kpi import charts, display, filters, narrative, periods, rag
from harrow_kpi.figures import figure_text, missing

HEADLINE_ROWS = 4  # headline measures on a priority slide
ATTENTION_ROWS = 5  # measures on each "what needs attention" slide
CHARTED = 2  # the most changed measures charted on a priority slide


@dataclass
class Trend:
    """One measure's recent figures, charted on a slide and in the deck."""

    indicator_id: str
    name: str
    unit: str | None
    points: pd.DataFrame  # charts.recent_points: period, actual, target, band
    now: str  # "now 10.15 against a target of 9"


@dataclass
class Slide:
    kind: str  # "summary", "priority" or "attention"
    title: str
    lead: str = ""  # the line under the title
    sentences: list = field(default_factory=list)  # narrative.Sentence
    chips: dict = field(default_factory=dict)  # band (None: no RAG) -> count of measures
    counts: pd.DataFrame | None = None  # the summary's RAG counts per priority
    table: pd.DataFrame | None = None  # its "RAG" column holds band codes
    rule: list = field(default_factory=list)  # per table row: the rule's band where it differs, else None
    trends: list = field(default_factory=list)
    empty: str = ""  # said instead of a table with no rows
    numbers: list = field(default_factory=list)  # (label, number): the summary's big numbers
    notes: str = ""  # speaker notes
    source: str = ""
    theme_id: str = ""


def _chips(measures: pd.DataFrame) -> dict:
    counts = {band: int((measures["rag_reported"] == band).sum()) for band in rag.BANDS}
    counts[None] = int(measures["rag_reported"].isna().sum())
    return counts


def _sources(measures: pd.DataFrame) -> str:
    """The documents (or uploads) the slide's figures come from, as one line."""
    documents = list(dict.fromkeys(s.split(";")[0].strip() for s in measures["source"].dropna()))
    if not documents:
        return ""
    more = len(documents) - 2
    return "Source: " + "; ".join(documents[:2]) + (f" and {more} more" if more > 0 else "")


def _figures_line(row) -> str:
    actual = figure_text(row.get("actual_as_printed"), row.get("actual"), row.get("unit"), row.get("qualifier"))
    target = figure_text(row.get("target_as_printed"), row.get("target"), row.get("unit"))
    text = actual or display.status_text(row.get("status_note")) or "no figure"
    text += f" against a target of {target}" if target else ""
    band = display.rag_text(row.get("rag_reported"))
    return f"{text}, {band}" if band else text


def _note_rows(rows: pd.DataFrame) -> list[str]:
    return [f"- {row['name']}: {_figures_line(row)}" for row in rows.to_dict("records")]


def _trend(row, history: pd.DataFrame) -> Trend:
    points = charts.recent_points(history, row["period"])
    actual = figure_text(row.get("actual_as_printed"), row.get("actual"), row.get("unit"), row.get("qualifier"))
    target = figure_text(row.get("target_as_printed"), row.get("target"), row.get("unit"))
    now = f"Now {actual}" + (f" against a target of {target}" if target else "")
    return Trend(row["indicator_id"], row["name"], row.get("unit"), points, now)


def reason(row, history: pd.DataFrame | None) -> str:
    """Why a measure needs attention, in words with its figures: High Red this quarter, and/or
    worse in each of its last two periods with the three figures that show it."""
    reasons = []
    if row["rag_reported"] == "HR":
        reasons.append("High Red this quarter")
    if "worse in each of" in str(row.get("reason", "")) and history is not None:
        until = periods.parse(row["period"]).order
        last = history[history["actual"].notna() & (history["period_order"] <= until)].tail(3).to_dict("records")
        unit = row.get("unit")
        steps = f"{last[1]['period']} and {last[2]['period']}"
        if all(not missing(r["target"]) for r in last):
            figures = "; ".join(f"{figure_text(r['actual_as_printed'], r['actual'], unit, r.get('qualifier'))} against "
                                f"{figure_text(r['target_as_printed'], r['target'], unit)}" for r in last)
            reasons.append(f"worse against its target in each of {steps} ({figures})")
        else:
            figures = " → ".join(figure_text(r["actual_as_printed"], r["actual"], unit, r.get("qualifier"))
                                 for r in last)
            reasons.append(f"worse in each of {steps} ({figures})")
    text = "; ".join(reasons)
    return text[:1].upper() + text[1:]


def summary_slide(table: pd.DataFrame, previous: pd.DataFrame | None) -> Slide:
    period = table["period"].iloc[0]
    sentences = [s for s in narrative.quarter_summary(table, previous, names=1) if s.key != "high_red"]
    order = list(dict.fromkeys(table["priority_name"]))
    counts = (table.assign(band=table["rag_reported"].fillna("none")).groupby(["priority_name", "band"])
              .size().unstack(fill_value=0).reindex(index=order, columns=[*rag.BANDS, "none"], fill_value=0))
    notes = []
    for sentence in narrative.quarter_summary(table, previous, names=3):
        notes += [sentence.text, *_note_rows(sentence.rows), ""]
    direction = table["direction"].value_counts()
    numbers = [("improved", int(direction.get("improving", 0))),
               ("unchanged", int(direction.get("unchanged", 0))),
               ("worsened", int(direction.get("worsening", 0))),
               ("High Red", int((table["rag_reported"] == "HR").sum())),
               ("reported RAG differs from the rule", int(table["rag_differs"].sum()))]
    return Slide("summary", f"Harrow's performance, {display.quarter_label(period)}", numbers=numbers,
                 lead=f"{len(table)} measures on the Corporate Scorecard; RAG as the council reported it.",
                 sentences=sentences, chips=_chips(table), counts=counts, notes="\n".join(notes).strip(),
                 source=_sources(table))


def priority_slide(theme_id: str, name: str, measures: pd.DataFrame, everything: pd.DataFrame,
                   histories: dict[str, pd.DataFrame]) -> Slide:
    """``everything`` is the priority's whole scorecard (its RAG counts); ``measures`` the ones
    chosen by the filters, whose headline measures and most changed measures are shown."""
    headline = measures[measures["headline"] == 1]
    with_figure = headline[headline["actual"].notna()]
    shown = with_figure.head(HEADLINE_ROWS)
    frame = display.measures_frame(shown)
    table = pd.DataFrame({"Measure": frame["Measure"], "Target": frame["Target"], "Actual": frame["Actual"],
                          "RAG": shown["rag_reported"].tolist(), "Direction": frame["Direction"]})
    rule = [c if isinstance(c, str) and c != r else None for r, c in zip(shown["rag_reported"], shown["rag_computed"])]
    if len(headline) and not len(shown):
        lead = (f"{len(headline)} headline measure{'s' if len(headline) > 1 else ''}, with no figure "
                "this quarter")
    elif len(headline):
        lead = f"{len(shown)} of {len(headline)} headline measures"
        lead += (f": the first {len(shown)} with a figure this quarter" if len(with_figure) > len(shown)
                 else "" if len(shown) == len(headline) else f": the {len(shown)} with a figure this quarter")
    else:
        lead = "No headline measures among those shown"
    moved = measures.assign(movement=narrative.movement(measures)).dropna(subset=["movement"])
    moved = moved.reindex(moved["movement"].abs().sort_values(ascending=False, kind="stable").index)
    trends = [_trend(row, histories[row["indicator_id"]]) for row in moved.to_dict("records")
              if row["indicator_id"] in histories][:CHARTED]
    notes = [f"{name}: {len(everything)} measures this quarter.", "", "Headline measures:",
             *_note_rows(headline)]
    for row in headline.to_dict("records"):
        if isinstance(row.get("commentary"), str) and row["commentary"].strip():
            notes.append(f"{row['name']}: {row['commentary'].strip()}")
    if trends:
        notes += ["", "Most changed since last quarter:", *[f"- {t.name}: {t.now}" for t in trends]]
    return Slide("priority", name, lead=lead, chips=_chips(everything), table=table, rule=rule, trends=trends,
                 empty="No headline measure has a figure this quarter." if not len(shown) else "",
                 notes="\n".join(notes), source=_sources(everything), theme_id=theme_id)


def attention_slides(table: pd.DataFrame, histories: dict[str, pd.DataFrame]) -> list[Slide]:
    attention = narrative.needs_attention(table, histories)
    rows = attention.to_dict("records")
    pages = max(1, math.ceil(len(rows) / ATTENTION_ROWS))
    slides = []
    for page in range(pages):
        chunk = rows[page * ATTENTION_ROWS:(page + 1) * ATTENTION_ROWS]
        frame = pd.DataFrame({
            "Measure": [r["name"] for r in chunk],
            "Priority": [r["priority_name"] for r in chunk],
            "Actual": [figure_text(r["actual_as_printed"], r["actual"], r["unit"], r.get("qualifier"))
                       or display.status_text(r["status_note"]) for r in chunk],
            "RAG": [None if missing(r["rag_reported"]) else r["rag_reported"] for r in chunk],
            "Why": [reason(r, histories.get(r["indicator_id"])) for r in chunk],
        }, columns=["Measure", "Priority", "Actual", "RAG", "Why"])
        first, last = page * ATTENTION_ROWS + 1, page * ATTENTION_ROWS + len(chunk)
        lead = (f"{len(rows)} measures are High Red, or worse in each of their last two periods"
                + (f": {first} to {last} of {len(rows)}" if pages > 1 else ""))
        notes = [f"- {r['name']} ({r['priority_name']}): {_figures_line(r)}. "
                 f"{reason(r, histories.get(r['indicator_id']))}." for r in chunk]
        slides.append(Slide("attention", "What needs attention" + (f" ({page + 1} of {pages})" if pages > 1 else ""),
                            lead=lead if rows else "No measure is High Red or worse in each of its last two periods.",
                            table=frame, rule=[None] * len(chunk), notes="\n".join(notes),
                            source=_sources(attention) if rows else _sources(table)))
    return slides


def build(table: pd.DataFrame, previous: pd.DataFrame | None, histories: dict[str, pd.DataFrame],
          priorities: pd.DataFrame, chosen: filters.Filters | None = None) -> list[Slide]:
    """Every slide for one quarter's scorecard (``queries.scorecard``), in order. ``priorities``
    is queries.priorities (theme_id, name); ``chosen`` narrows the measures on the priority
    and attention slides, as the deck's options do."""
    shown = filters.apply(table, chosen) if chosen else table
    deck = [summary_slide(table, previous)]
    for theme_id, name in priorities[["theme_id", "name"]].itertuples(index=False):
        deck.append(priority_slide(theme_id, name, shown[shown["priority"] == theme_id],
                                   table[table["priority"] == theme_id], histories))
    return deck + attention_slides(shown, histories)
