"""Overview: the chosen quarter at a glance, one tile per corporate priority.

Top to bottom: the quarter in plain English (with the measures behind each
sentence) and the briefing pack; RAG tiles per priority; the headline measures;
the documents the figures come from.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_kpi import filters, queries, rag, ui
from harrow_kpi.ui import sidebar


def overview_page() -> None:
    path = ui.db_path()
    chosen = sidebar.current(path)

    st.title("Harrow KPI Explorer")
    st.caption("How the council is doing against its Corporate Scorecard 2019/20 priorities.")

    if not chosen.quarter:
        st.info("The database has no scorecard figures yet. Run `python -m harrow_kpi build`.")
        return

    period = chosen.quarter
    ui.draft_notice(path, period)
    draft = ui.draft_label(path, period)
    table = filters.apply(ui.scorecard(path, period), chosen)
    if chosen.active:
        st.caption(f"Filtered: {ui.plain(chosen.describe())}. Clear the filters in the sidebar to see every measure.")
    priorities = ui.priorities(path)
    counts = queries.rag_counts(table).reindex(priorities["name"], fill_value=0)

    st.header(f"The quarter in plain English: {period}")
    for sentence in ui.quarter_summary(path, period):
        st.markdown(f"- {ui.plain(sentence.text)}")
    with st.expander("The measures behind each sentence"):
        for sentence in ui.quarter_summary(path, period):
            st.markdown(f"**{ui.plain(sentence.text)}**")
            ui.table(ui.measures_frame(sentence.rows)[["Priority", "Measure", "Target", "Actual", "RAG", "Direction"]],
                     hide_index=True, border="horizontal")
    st.download_button(
        "Download the briefing pack (HTML, works offline, prints a page per priority)",
        lambda: ui.briefing_pack(path, period, chosen),
        f"harrow-briefing-{period.replace('/', '-').replace(' ', '-')}{'-DRAFT' if draft else ''}.html",
        mime="text/html", icon="⬇", on_click="ignore", key="briefing",
    )

    st.header(f"Priorities in {period}")
    st.caption(
        "Counts of measures by the RAG status the council reported for the quarter. "
        "Measures with no RAG this quarter (annual, survey-based or new measures) are counted apart."
    )
    columns = st.columns(len(priorities) or 1)
    for column, name in zip(columns, priorities["name"]):
        measures = table[table["priority_name"] == name]
        with column.container(border=True):
            st.markdown(f"#### {ui.plain(name)}")
            badges = "".join(
                ui.rag_badge_html(band, int(counts.loc[name, band])) for band in rag.BANDS
            )
            st.markdown(badges, unsafe_allow_html=True)
            st.caption(f"{len(measures)} measures; {len(measures) - counts.loc[name, 'none']} with a RAG this quarter.")

    with st.expander("RAG key (Harrow's corporate key)"):
        for band in rag.BANDS:
            st.markdown(f"{ui.rag_badge_html(band)} {rag.MEANINGS[band]}", unsafe_allow_html=True)
        st.caption(
            "The computed RAG applies this key to the printed target and actual; "
            "where it differs from the reported RAG both are shown."
        )

    st.header("Headline measures")
    headline = ui.measures_frame(table[table["headline"] == 1])
    for name in priorities["name"]:
        rows = headline[headline["Priority"] == name].drop(columns="Priority")
        if not rows.empty:
            st.subheader(ui.plain(name))
            ui.table(rows, hide_index=True, border="horizontal", alt=f"Headline measures of {name} in {period}")
    st.caption(
        "Direction of travel compares with the previous quarter: how far each figure was from its "
        "target, or the figure itself where there is no target. Latest RAG is the report's own "
        "most recent status, with the period it refers to, for measures reported once a year."
    )

    st.header("About the data")
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
