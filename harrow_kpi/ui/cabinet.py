"""Cabinet mode: slides that read from the back of the room and never show a traceback.

Opened with ``?present=1`` (any page) or the sidebar link; the slide number is in the
URL (``&slide=3``) so the presenter can jump straight to one, or recover after a
refresh. Slide 1 is the quarter in plain English, then one slide per corporate
priority, then what needs attention.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from harrow_kpi import charts, narrative, queries, rag, ui

LOG = logging.getLogger(__name__)

STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
[data-testid="stMainBlockContainer"] {padding: 0.6rem 2rem 0 2rem; max-width: 100%;}
[data-testid="stVerticalBlock"] {gap: 0.5rem;}
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.2rem;
  color: #0B0C0C; line-height: 1.35;}
[data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 1.05rem; color: #0B0C0C; padding: 0.2rem 0.45rem;}
h1 {font-size: 2.1rem !important; padding: 0 !important;}
@media (min-width: 1600px) {
  html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.4rem;}
  [data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 1.15rem;}
  h1 {font-size: 2.6rem !important;}
}
</style>
"""


def slides(path: str) -> list[tuple[str, str]]:
    return [("summary", "The quarter in plain English"),
            *[(row.theme_id, row.name) for row in ui.priorities(path).itertuples()],
            ("attention", "What needs attention")]


def cabinet_page() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
    path = ui.db_path()
    quarters = ui.reported_quarters(path)
    published = ui.reported_quarters(path, drafts=False)
    if not quarters:
        st.title("No quarter to present yet")
        return
    quarter = st.query_params.get("quarter")
    quarter = quarter if quarter in quarters else (published or quarters)[-1]
    deck = slides(path)
    try:
        number = min(max(int(st.query_params.get("slide", "1")), 1), len(deck))
    except ValueError:
        number = 1
    st.query_params.update({"present": "1", "slide": str(number), "quarter": quarter})
    _controls(number, len(deck))
    ui.draft_notice(path, quarter)
    key, title = deck[number - 1]
    try:
        if key == "summary":
            _summary(path, quarter, quarters)
        elif key == "attention":
            _attention(path, quarter)
        else:
            _priority(path, quarter, key, title)
    except Exception:  # noqa: BLE001 - in front of Cabinet a slide fails quietly, never with a traceback
        LOG.exception("slide %s could not be drawn", number)
        st.info("This slide could not be drawn. Move on to the next one; the officers have been told.")


def _go(number: int) -> None:
    st.query_params["slide"] = str(number)


def _controls(number: int, total: int) -> None:
    back, label, forward, leave = st.columns([1, 2.6, 1, 1.4], vertical_alignment="center")
    back.button("◀ Previous", on_click=_go, args=(number - 1,), disabled=number == 1, key="previous",
                width="stretch")
    label.markdown(f"<p style='text-align:center;margin:0.4rem 0'>Slide {number} of {total}</p>",
                   unsafe_allow_html=True)
    forward.button("Next ▶", on_click=_go, args=(number + 1,), disabled=number == total, key="next",
                   width="stretch")
    # A plain link to the app's root (the Overview) drops ?present=1; it also works when the
    # slides page runs on its own, where st.page_link has no navigation to look pages up in.
    leave.markdown('<a href="./" target="_self">Leave presentation</a>', unsafe_allow_html=True)


def _summary(path: str, quarter: str, quarters: list[str]) -> None:
    table = ui.scorecard(path, quarter)
    st.title(f"Harrow's performance, {ui.quarter_label(quarter)}")
    left, right = st.columns([1.25, 1])
    sentences = [s for s in ui.quarter_summary(path, quarter, names=1) if s.key != "high_red"]
    left.markdown("\n".join(f"- {ui.plain(sentence.text)}" for sentence in sentences))
    counts = _counts(table)
    ui.table(pd.DataFrame({"Priority": counts.index,
                           **{ui.rag_text(band): counts[band].to_numpy() for band in rag.BANDS}}),
             right, hide_index=True, border="horizontal")


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    order = list(dict.fromkeys(table["priority_name"]))
    return queries.rag_counts(table).reindex(order, fill_value=0)


def _priority(path: str, quarter: str, theme_id: str, title: str) -> None:
    table = ui.scorecard(path, quarter)
    measures = table[table["priority"] == theme_id]
    st.title(ui.plain(title))
    counts = {band: int((measures["rag_reported"] == band).sum()) for band in rag.BANDS}
    st.markdown("".join(ui.rag_badge_html(band, count) for band, count in counts.items()), unsafe_allow_html=True)
    left, right = st.columns([3, 2])
    headline = measures[(measures["headline"] == 1) & measures["actual"].notna()].head(4)
    frame = ui.measures_frame(headline)[["Measure", "Target", "Actual", "RAG", "Direction"]]
    left.markdown("**Headline measures**")
    ui.table(frame, left, hide_index=True, border="horizontal")
    moved = measures.assign(movement=narrative.movement(measures)).dropna(subset=["movement"])
    moved = moved.reindex(moved["movement"].abs().sort_values(ascending=False).index).head(2)
    histories = ui.histories(path, tuple(moved["indicator_id"]))
    with right:
        st.markdown("**Most changed since last quarter**")
        for row in moved.to_dict("records"):
            figure = charts.trend_figure(histories[row["indicator_id"]], row["name"], row["unit"], height=215)
            figure.update_layout(title={"font": {"size": 13}}, showlegend=False, margin={"t": 45, "b": 35},
                                 xaxis={"title": None})
            st.plotly_chart(figure, key=f"moved:{row['indicator_id']}", config={"displayModeBar": False})


def _attention(path: str, quarter: str) -> None:
    table = ui.scorecard(path, quarter)
    histories = ui.histories(path, tuple(table["indicator_id"]))
    attention = narrative.needs_attention(table, histories)
    st.title("What needs attention")
    st.markdown(f"{len(attention)} measures are High Red, or worse in each of their last two periods.")
    rows = attention.to_dict("records")
    frame = pd.DataFrame({
        "Priority": attention["priority_name"],
        "Measure": attention["name"],
        "Actual": [ui.figure_text(r["actual_as_printed"], r["actual"], r["unit"], r.get("qualifier")) for r in rows],
        "RAG": attention["rag_reported"].map(ui.rag_text),
        "Why": attention["reason"],
    })
    ui.table(frame.head(6), hide_index=True, border="horizontal")
    if len(frame) > 6:
        st.markdown(f"…and {len(frame) - 6} more: see the priority pages, filtered to High Red or worsening.")
