"""Overview: the chosen quarter at a glance, one tile per corporate priority.

Top to bottom, the first screen at 1366×768 reading at a glance: the quarter in big
numbers, a one-line tile per priority (a link to its page), and the quarter in plain
English (with the measures behind each sentence) and the briefing pack; then the
headline measures and the documents the figures come from.
"""

from __future__ import annotations

import html
from typing import NamedTuple
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from harrow_kpi import display, filters, queries, rag, ui
from harrow_kpi.ui import sidebar

# The sentences whose numbers the strip of big numbers already shows.
STRIP_SAYS = {"direction", "high_red"}

# The first screen at 1366×768: the strip of numbers, a one-line tile per priority. At phone
# width (390 px) the tiles stack and the html tables become cards: nothing scrolls sideways.
STYLE = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.2rem;}
[data-testid="stMain"] h1 {font-size: 2rem; padding: 0;}
[data-testid="stMain"] h2 {font-size: 1.45rem; padding: 0.4rem 0 0.1rem 0;}
[data-testid="stMain"] h3 {font-size: 1.2rem;}
.st-key-strip {flex-wrap: nowrap !important; gap: 0.6rem;}
.st-key-strip > div {flex: 1 1 0 !important; min-width: 0 !important; width: auto !important;}
.st-key-strip [data-testid="stMetric"] {padding: 0.3rem 0.7rem;}
.st-key-strip [data-testid="stMetricValue"] {font-size: 2.2rem; line-height: 1.15;}
@media (max-width: 640px) {.st-key-strip {flex-wrap: wrap !important;} .st-key-strip > div {flex: 1 1 40% !important;}
  .st-key-strip [data-testid="stMetricValue"] {font-size: 1.7rem;}}
.tiles {display: flex; flex-direction: column; gap: 0.35rem; margin: 0 0 0.5rem 0;}
a.tile {display: grid; grid-template-columns: minmax(14rem, 17rem) minmax(6rem, 1fr) auto; gap: 0.75rem;
  align-items: center; padding: 0.3rem 0.6rem; border: 1px solid #B1B4B6; border-radius: 0.4rem;
  color: #0B0C0C; text-decoration: none;}
a.tile:hover, a.tile:focus {border-color: #1D4F91; background: #F3F6FA;}
a.tile:focus-visible {outline: 3px solid #0B0C0C; outline-offset: 1px;}
.tile .name {font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: #1D4F91;
  text-decoration: underline;}
.tile .bar {display: flex; height: 1.1rem; border: 1px solid #505A5F; border-radius: 0.2rem; overflow: hidden;}
.tile .chips {display: flex; gap: 0.25rem; flex-wrap: nowrap;}
.tile .chip {white-space: nowrap; padding: 0.05rem 0.35rem; border: 1px solid #505A5F; border-radius: 0.25rem;
  font-size: 0.9rem;}
.tile .chip.zero {background: #FFFFFF !important; color: #6F777B !important; border-color: #B1B4B6;}
.sr {position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;}
@media (max-width: 640px) {
  a.tile {grid-template-columns: 1fr; gap: 0.3rem;}
  .tile .name {white-space: normal;}
  .tile .chips {flex-wrap: wrap;}
  [data-testid="stMain"] [data-testid="stTable"] table, [data-testid="stMain"] [data-testid="stTable"] tbody,
  [data-testid="stMain"] [data-testid="stTable"] tr, [data-testid="stMain"] [data-testid="stTable"] td {
    display: block; width: 100% !important; box-sizing: border-box;}
  [data-testid="stMain"] [data-testid="stTable"] thead {position: absolute; width: 1px; height: 1px;
    overflow: hidden; clip: rect(0 0 0 0);}
  [data-testid="stMain"] [data-testid="stTable"] tr {border: 1px solid #B1B4B6; border-radius: 0.4rem;
    margin-bottom: 0.5rem; padding: 0.3rem 0.5rem;}
  /* :not(#_) outweighs ui.table's right-aligned figures (an id rule): on a phone each row is a card */
  [data-testid="stMain"] [data-testid="stTable"] td:not(#_) {border: none; padding: 0.1rem 0;
    text-align: left !important;}
  [data-testid="stMain"] [data-testid="stTable"] td:first-child {font-weight: 700;}
  [data-testid="stMain"] [data-testid="stTable"] td:nth-child(2)::before {content: "Target: ";}
  [data-testid="stMain"] [data-testid="stTable"] td:nth-child(3)::before {content: "Actual: ";}
  [data-testid="stMain"] [data-testid="stTable"] td:nth-child(4)::before {content: "RAG: ";}
  [data-testid="stMain"] [data-testid="stTable"] td:nth-child(5)::before {content: "Direction: ";}
  [data-testid="stMain"] [data-testid="stTable"] td:nth-child(6)::before {content: "Latest RAG: ";}
  .st-key-behind [data-testid="stTable"] td:nth-child(2)::before {content: "Measure: ";}
  .st-key-behind [data-testid="stTable"] td:nth-child(3)::before {content: "Target: ";}
  .st-key-behind [data-testid="stTable"] td:nth-child(4)::before {content: "Actual: ";}
  .st-key-behind [data-testid="stTable"] td:nth-child(5)::before {content: "RAG: ";}
  .st-key-behind [data-testid="stTable"] td:nth-child(6)::before {content: "Direction: ";}
}
</style>
"""


class View(NamedTuple):
    """What the Overview shows for one quarter and set of filters, made once per data version and
    shared by every session (read-only): a page run only sends it (docs/performance.md)."""

    table: pd.DataFrame  # the quarter's scorecard, filtered
    priorities: pd.DataFrame
    counts: pd.DataFrame  # RAG counts by priority


@ui.shared(maxsize=256)
def _view(path: str, chosen: filters.Filters) -> View:
    table = filters.apply(ui.scorecard(path, chosen.quarter), chosen)
    priorities = ui.priorities(path)
    return View(table, priorities, queries.rag_counts(table).reindex(priorities["name"], fill_value=0))


# Sections with no widget are drawn once per data version and then replayed by st.cache_data: a
# run sends the elements kept, without making them again (docs/performance.md). Their tables carry
# their own keys, the same in every run.
@st.cache_data(show_spinner=False, max_entries=64)
def _behind(path: str, period: str) -> None:
    """Each sentence of the quarter in plain English with the measures behind it."""
    with st.expander("The measures behind each sentence"), st.container(key="behind"):
        for number, sentence in enumerate(ui.quarter_summary(path, period)):
            st.markdown(f"**{ui.plain(sentence.text)}**")
            ui.table(ui.measures_frame(sentence.rows)[["Priority", "Measure", "Target", "Actual", "RAG", "Direction"]],
                     key=f"behind-{number}", hide_index=True, border="horizontal")


@st.cache_data(show_spinner=False, max_entries=256)
def _headline(path: str, chosen: filters.Filters) -> None:
    st.header("Headline measures")
    table = _view(path, chosen).table
    headline = ui.measures_frame(table[table["headline"] == 1])
    for number, name in enumerate(ui.priorities(path)["name"]):
        rows = headline[headline["Priority"] == name].drop(columns="Priority")
        if not rows.empty:
            st.subheader(ui.plain(name))
            ui.table(rows, key=f"headline-{number}", hide_index=True, border="horizontal",
                     alt=f"Headline measures of {name} in {chosen.quarter}")
    st.caption(
        "Direction of travel compares with the previous quarter: how far each figure was from its "
        "target, or the figure itself where there is no target. Latest RAG is the report's own "
        "most recent status, with the period it refers to, for measures reported once a year."
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _about(path: str) -> None:
    """The documents the figures come from."""
    source = ui.plan_list(path)
    scorecard_plan = source[source["plan_id"] == "scorecard-2019"]
    if not scorecard_plan.empty:
        st.markdown(
            "Figures up to 2019/20 Q2 come from the Corporate Scorecard 2019/20 in "
            f"**{scorecard_plan.iloc[0]['title']}** (text copy `{scorecard_plan.iloc[0]['seed']}`), later "
            "quarters from officers' uploads; each figure's source is in the data export."
        )
    st.dataframe(
        pd.DataFrame({
            "Plan": [ui.plan_name(p, t) for p, t in zip(source["plan_id"], source["title"])],
            "Title as printed": source["title"],
            "Published": source["published"].fillna("date not printed"),
            "Text copy": source["seed"],
        }),
        hide_index=True,
        width="stretch",
    )


def overview_page() -> None:
    path = ui.db_path()
    chosen = sidebar.current(path)

    st.markdown(STYLE, unsafe_allow_html=True)
    st.title("Harrow KPI Explorer")
    st.caption("How the council is doing against its Corporate Scorecard 2019/20 priorities.")

    if not chosen.quarter:
        st.info("The database has no scorecard figures yet. Run `python -m harrow_kpi build`.")
        return

    period = chosen.quarter
    ui.draft_notice(path, period)
    draft = ui.draft_label(path, period)
    view = _view(path, chosen)
    table = view.table
    if chosen.active:
        st.caption(f"Filtered: {ui.plain(chosen.describe())}. Clear the filters in the sidebar to see every measure.")

    _strip(path, period, table)
    _tiles(period, table, view.priorities, view.counts)

    st.header(f"The quarter in plain English: {period}")
    for sentence in ui.quarter_summary(path, period, names=1):
        if sentence.key not in STRIP_SAYS:
            st.markdown(f"- {ui.plain(sentence.text)}")
    _behind(path, period)
    st.download_button(
        "Download the briefing pack (HTML, works offline, prints a page per priority)",
        lambda: ui.briefing_pack(path, period, chosen),
        f"harrow-briefing-{period.replace('/', '-').replace(' ', '-')}{'-DRAFT' if draft else ''}.html",
        mime="text/html", icon="⬇", on_click="ignore", key="briefing",
    )

    with st.expander("RAG key (Harrow's corporate key)"):
        for band in rag.BANDS:
            st.markdown(f"{ui.rag_badge_html(band)} {rag.MEANINGS[band]}", unsafe_allow_html=True)
        st.caption(
            "The computed RAG applies this key to the printed target and actual; "
            "where it differs from the reported RAG both are shown."
        )

    _headline(path, chosen)

    st.header("About the data")
    _about(path)


def _strip(path: str, period: str, table) -> None:
    """The quarter in big numbers, for a reader who has a moment."""
    direction = table["direction"].value_counts()
    quarter = ui.quarter_states(path).get(period)
    numbers = [
        ("▲ Improved", int(direction.get("improving", 0))),
        ("► Unchanged", int(direction.get("unchanged", 0))),
        ("▼ Worsened", int(direction.get("worsening", 0))),
        ("✖✖ HR High Red", int((table["rag_reported"] == "HR").sum())),
        ("⚠ Differs from rule", int(table["rag_differs"].sum())),
    ]
    if quarter is not None and not quarter.published:
        numbers.append(("Measures reported (draft)", f"{quarter.reported} of {quarter.measures}"))
    with st.container(key="strip", horizontal=True):
        for label, value in numbers:
            st.metric(label, value, border=True)
    st.caption(f"{period}, {len(table)} measures. Improved, unchanged and worsened compare each figure with the "
               "quarter before (against its target where it has one); the last counts reported RAGs that "
               "Harrow's rule would band differently.")


def _chip(band, count: int) -> str:
    background, colour, symbol = display.RAG_STYLE.get(band, display.RAG_STYLE[None])
    label = rag.LABELS.get(band, "No RAG")
    zero = " zero" if count == 0 else ""
    return (f'<span class="chip{zero}" style="background:{background};color:{colour}">'
            f'<strong>{count}</strong> <span aria-hidden="true">{html.escape(symbol)}</span> '
            f'{html.escape(band or "no RAG")}<span class="sr"> {html.escape(label)}</span></span>')


def _tiles(period: str, table, priorities, counts) -> None:
    """A one-line tile per priority, a link to its page: a stacked bar of the five bands and
    "no RAG" (for the eye), and a chip per band with its count and code (read without colour)."""
    st.header(f"Priorities in {period}")
    query = {key: value for key, value in st.query_params.to_dict().items() if key != "indicator"}
    tiles = []
    for theme_id, name in priorities[["theme_id", "name"]].itertuples(index=False):
        row = counts.loc[name]
        total = int(row.sum()) or 1
        bar = "".join(
            f'<span style="width:{100 * int(row[band]) / total:.2f}%;background:'
            f'{display.RAG_STYLE[None if band == "none" else band][0]}"></span>'
            for band in [*rag.BANDS, "none"] if int(row[band]))
        chips = "".join(_chip(None if band == "none" else band, int(row[band])) for band in [*rag.BANDS, "none"])
        href = "./" + theme_id.split("/", 1)[1] + (f"?{urlencode(query)}" if query else "")
        tiles.append(
            f'<a class="tile" href="{html.escape(href)}" target="_self" title="{html.escape(name)}">'
            f'<span class="name" role="heading" aria-level="3">{html.escape(name)}</span>'
            f'<span class="bar" aria-hidden="true">{bar}</span><span class="chips">{chips}</span></a>')
    st.markdown(f'<nav class="tiles" aria-label="Priorities">{"".join(tiles)}</nav>', unsafe_allow_html=True)
    st.caption("Measures by the RAG status the council reported for the quarter; “no RAG” counts annual, "
               "survey-based and new measures with none this quarter. Open a priority for its measures.")
