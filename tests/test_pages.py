"""Every page under streamlit.testing.v1.AppTest, asserting on what it shows."""

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from harrow_kpi import queries, rag, store
from tests.conftest import ROOT


def run_app(script="app.py"):
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_overview_shows_the_latest_quarter_by_default(app_env):
    at = run_app()
    assert at.title[0].value == "Harrow KPI Explorer"
    assert at.selectbox(key="quarter").value == "2019/20 Q2"
    assert "Priorities in 2019/20 Q2" in [h.value for h in at.header]


def tile_counts(at) -> dict[str, dict[str, int]]:
    """Read each priority tile back: its heading, then its badges' counts by band."""
    values = [m.value for m in at.markdown]
    tiles = {}
    for index, value in enumerate(values):
        if value.startswith("#### "):
            badges = re.findall(r"<strong>(\d+)</strong>.*?</span> (HG|LG|A|LR|HR) ", values[index + 1])
            tiles[value[5:]] = {band: int(count) for count, band in badges}
    return tiles


def test_overview_tiles_count_the_reported_rag_per_priority(app_env):
    at = run_app()
    with store.opened(app_env) as db:
        table = queries.scorecard(db, "2019/20 Q2")
    expected = {
        name: {band: int((measures["rag_reported"] == band).sum()) for band in rag.BANDS}
        for name, measures in table.groupby("priority_name")
    }
    assert tile_counts(at) == expected
    assert expected["Modernising Harrow Council"]["HR"] == 5  # read from the document
    assert "✖✖" in markdown_text(at) and "High Red" in markdown_text(at)


def headline_frame(at):
    return pd.concat([table.value for table in at.table], ignore_index=True)


def test_overview_headline_table_lists_every_headline_measure(app_env):
    at = run_app()
    frame = headline_frame(at)
    assert [s.value for s in at.subheader] == [
        "Build a Better Harrow", "Supporting Those Most in Need", "Preserving Vital Public Services",
        "A Strong Local Economy For All", "Modernising Harrow Council",
    ]
    with store.opened(app_env) as db:
        headline = queries.scorecard(db, "2019/20 Q2").query("headline == 1")
    assert len(frame) == len(headline)
    sickness = frame[frame["Measure"].str.startswith("Staff sickness absence")].iloc[0]
    assert (sickness["Target"], sickness["Actual"]) == ("9", "10.15")
    assert sickness["RAG"] == "✖✖ HR High Red"
    assert sickness["Direction"] == "▲ improving"  # 10.15 days after 10.25, lower is better
    prevention = frame[frame["Measure"].str.startswith("Number of cases where positive action")].iloc[0]
    assert prevention["RAG"] == "! A Amber ⚠ rule: LR"
    net_homes = frame[frame["Measure"] == "Net number of new homes completed (all)"].iloc[0]
    assert net_homes["Actual"] == "Reports Q4 Only"
    assert net_homes["Latest RAG"] == "✔✔ HG High Green (2018/19 Q4)"


def test_overview_switches_quarter(app_env):
    at = run_app()
    at.selectbox(key="quarter").set_value("2019/20 Q1").run()
    assert not at.exception
    assert "Priorities in 2019/20 Q1" in [h.value for h in at.header]
    frame = headline_frame(at)
    sickness = frame[frame["Measure"].str.startswith("Staff sickness absence")].iloc[0]
    assert sickness["Actual"] == "10.25"


@pytest.mark.parametrize("page", ["pages/overview.py"])
def test_every_page_runs_on_its_own(app_env, page):
    run_app(page)


def test_an_empty_database_shows_a_message_not_an_error(tmp_path, monkeypatch):
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("HARROW_KPI_DATA", str(empty))
    monkeypatch.setenv("HARROW_KPI_DB", str(tmp_path / "empty.db"))
    store.build(tmp_path / "empty.db", empty)
    at = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "no scorecard figures" in at.info[0].value
