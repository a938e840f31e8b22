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

from harrow_kpi import geography, periods, promises, queries, rag, store

# Background, text colour and symbol per band. Dark green / light green / yellow /
# light red / dark red differ in lightness as well as hue, so they stay apart for
# colour-blind readers; the symbol and label carry the meaning on their own.
RAG_STYLE = {
    "HG": ("#00703C", "#FFFFFF", "✔✔"),
    "LG": ("#CCE2D8", "#005A30", "✔"),
    "A": ("#FFDD00", "#0B0C0C", "!"),
    "LR": ("#F6D7D2", "#942514", "✖"),
    "HR": ("#B10E1E", "#FFFFFF", "✖✖"),
    None: ("#F3F2F1", "#0B0C0C", "–"),
}

DIRECTION = {
    "improving": "▲ improving",
    "worsening": "▼ worsening",
    "unchanged": "► unchanged",
    None: "– no comparison",
}


def rag_text(code) -> str:
    """A RAG band as words and symbol, for tables and plain text."""
    if code is None or (isinstance(code, float) and pd.isna(code)) or code not in rag.LABELS:
        return ""
    return f"{RAG_STYLE[code][2]} {code} {rag.LABELS[code]}"


def direction_text(value) -> str:
    return DIRECTION.get(value if isinstance(value, str) else None, DIRECTION[None])


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
    return str(store.ensure_built(path))


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


def quarter_label(period: str) -> str:
    """``2019/20 Q2`` with its months, e.g. 'July–September 2019'."""
    p = periods.parse(period)
    return f"{period} ({p.start:%B}–{p.end:%B %Y})" if p.is_quarter else period


def figure_text(printed, value, unit=None) -> str:
    """A figure as the document printed it, else formatted from the number."""
    if isinstance(printed, str) and printed.strip():
        return printed
    text = queries.format_number(value)
    return f"{text}%" if text and unit == "percent" else text


STATUS_WORDS = {"BL": "BL (baseline: no target yet)", "MI only": "MI only (management information, no target)"}


def status_text(note) -> str:
    if not isinstance(note, str):
        return ""
    return STATUS_WORDS.get(note, note)


def latest_rag_text(code, period) -> str:
    text = rag_text(code)
    if isinstance(period, str) and period:
        return f"{text} ({period})" if text else f"none printed ({period})"
    return text


def rag_with_check(reported, computed) -> str:
    """The reported RAG, flagged where Harrow's rule gives another band."""
    text = rag_text(reported)
    if text and isinstance(computed, str) and computed != reported:
        return f"{text} ⚠ rule: {computed}"
    if not text and isinstance(computed, str):
        return f"none printed (rule: {computed})"
    return text


def measures_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows as a councillor reads them: figures as printed, RAG in words,
    the status note where there is no figure."""
    table = table.reset_index(drop=True)
    rows = table.to_dict("records")
    return pd.DataFrame(
        {
            "Priority": table["priority_name"],
            "Measure": table["name"],
            "Target": [figure_text(r["target_as_printed"], r["target"], r["unit"]) for r in rows],
            "Actual": [
                figure_text(r["actual_as_printed"], r["actual"], r["unit"]) or status_text(r["status_note"])
                for r in rows
            ],
            "RAG": [rag_with_check(r["rag_reported"], r["rag_computed"]) for r in rows],
            "Direction": table["direction"].map(direction_text),
            "Latest RAG": [latest_rag_text(r["latest_rag"], r["latest_rag_period"]) for r in rows],
        }
    )


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


ACTION_STYLE = {
    "GREEN": "● GREEN",
    "AMBER": "◆ AMBER",
    "RED": "✖ RED",
    "COMPLETE": "✔ COMPLETE",
    "CLOSED": "■ CLOSED",
    "Not started": "○ Not started",
}


def action_status_text(status) -> str:
    return ACTION_STYLE.get(status, "– none given") if isinstance(status, str) else "– none given"


POLARITY_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "range": "Within the range is best"}


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
        observations = queries.observations(db)
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
            "actions": queries.query(db, "SELECT * FROM actions"),
            "commitments": queries.commitments(db),
            "boundaries": queries.boundaries(db),
            "ward_observations": queries.ward_observations(db),
        }
    tables["counts"] = geography.ward_counts(tables["places"], tables["actions"], tables["wards"])
    return tables
