"""The thin Streamlit layer: cached loaders and the RAG and direction visuals.

The only module in harrow_kpi that imports Streamlit. RAG is never shown by colour
alone: every badge carries its symbol, code and label, and every colour pair
passes WCAG 2.2 AA contrast (tested in tests/test_ui.py).
"""

from __future__ import annotations

import html
import re

import pandas as pd
import streamlit as st

from harrow_kpi import geography, periods, promises, queries, rag, rebuild, store
from harrow_kpi.display import (  # noqa: F401 - pages read these through ui
    ACTION_STYLE,
    DIRECTION,
    POLARITY_WORDS,
    RAG_STYLE,
    STATUS_WORDS,
    action_status_text,
    direction_text,
    figure_text,
    latest_rag_text,
    measures_frame,
    quarter_label,
    rag_text,
    rag_with_check,
    status_text,
)


def rag_badge_html(code, count=None) -> str:
    """A RAG band as a coloured badge that also reads without colour."""
    background, colour, symbol = RAG_STYLE.get(code, RAG_STYLE[None])
    label = rag.LABELS.get(code, "No RAG")
    prefix = f"<strong>{count}</strong> " if count is not None else ""
    return (
        f'<span style="background:{background};color:{colour};padding:0.15rem 0.5rem;'
        f'border-radius:0.3rem;margin:0 0.25rem 0.25rem 0;display:inline-block;'
        f'border:1px solid #505a5f">'
        f"{prefix}<span aria-hidden=\"true\">{html.escape(symbol)}</span> "
        f"{html.escape(code or '')} {html.escape(label)}</span>"
    )


@st.cache_resource(show_spinner="Building the database from data/ …")
def database(path: str) -> str:
    """Build the database once per process when it is missing or stale."""
    return str(rebuild.ensure_current(path))


def db_path() -> str:
    return database(str(store.db_path()))


@st.cache_data(show_spinner=False)
def reported_quarters(path: str) -> list[str]:
    with store.opened(path) as db:
        return queries.reported_quarters(db)


@st.cache_data(show_spinner=False)
def scorecard(path: str, period: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.scorecard(db, period)


@st.cache_data(show_spinner=False)
def plan_list(path: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.plans(db)


@st.cache_data(show_spinner=False)
def priorities(path: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.priorities(db)


@st.cache_data(show_spinner=False)
def filter_choices(path: str) -> dict[str, list[str]]:
    """Portfolio holders and directors named on the scorecard, for the filter lists."""
    with store.opened(path) as db:
        measures = queries.indicators(db)
    measures = measures[measures["on_scorecard"] == 1]
    return {
        "holders": sorted(measures["portfolio_holder"].dropna().unique().tolist()),
        "directors": sorted(measures["director"].dropna().unique().tolist()),
    }


def plain(text) -> str:
    """Text from the data shown as text: Markdown and HTML characters escaped."""
    if not isinstance(text, str):
        return ""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


@st.cache_data(show_spinner=False)
def objectives(path: str, theme_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.objectives(db, theme_id)


@st.cache_data(show_spinner=False)
def actions(path: str, theme_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.actions(db, theme_id)


@st.cache_data(show_spinner=False)
def measure(path: str, indicator_id: str) -> dict | None:
    with store.opened(path) as db:
        return queries.indicator(db, indicator_id)


@st.cache_data(show_spinner=False)
def histories(path: str, indicator_ids: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    with store.opened(path) as db:
        return queries.histories(db, indicator_ids)


@st.cache_data(show_spinner=False)
def commitments_for(path: str, indicator_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.commitments_for(db, indicator_id)


@st.cache_data(show_spinner=False)
def plan_tables(path: str) -> dict[str, pd.DataFrame]:
    """Everything the plan comparison page reads, in one cached trip to the store."""
    with store.opened(path) as db:
        quarter = queries.latest_quarter(db)
        as_of = periods.parse(quarter).end if quarter else None
        tables = {
            "plans": queries.plans(db),
            "themes": queries.themes(db),
            "links": queries.theme_links(db),
            "commitments": queries.commitments(db),
            "indicators": queries.indicators(db),
            "recurring": queries.recurring_measures(db),
            "budget": queries.budget_lines(db),
        }
        observations = queries.promised_observations(db)
    tables["as_of"] = as_of
    tables["ledger"] = (
        promises.ledger(tables["commitments"], observations, tables["indicators"], tables["plans"], as_of)
        if as_of else pd.DataFrame()
    )
    return tables


@st.cache_data(show_spinner=False)
def ward_tables(path: str) -> dict[str, pd.DataFrame]:
    """Everything the ward map reads, in one cached trip to the store."""
    with store.opened(path) as db:
        tables = {
            "wards": queries.wards(db),
            "places": queries.places(db),
            "actions": queries.all_actions(db),
            "commitments": queries.commitments(db),
            "boundaries": queries.boundaries(db),
            "ward_observations": queries.ward_observations(db),
        }
    tables["counts"] = geography.ward_counts(tables["places"], tables["actions"], tables["wards"])
    return tables


def previous_scorecard(path: str, period: str) -> pd.DataFrame | None:
    """The quarter before's scorecard, when the dataset has that quarter."""
    before = str(periods.parse(period).previous())
    return scorecard(path, before) if before in reported_quarters(path) else None


@st.cache_data(show_spinner=False)
def quarter_summary(path: str, period: str, names: int = 3):
    from harrow_kpi import narrative

    return narrative.quarter_summary(scorecard(path, period), previous_scorecard(path, period), names=names)


def briefing_pack(path: str, period: str, chosen) -> bytes:
    from harrow_kpi import briefing

    table = scorecard(path, period)
    return briefing.build(table, previous_scorecard(path, period), chosen,
                          histories(path, tuple(table["indicator_id"]))).encode("utf-8")
