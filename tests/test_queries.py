"""Queries over the real store: the numbers the pages show."""

import pandas as pd
import pytest

from harrow_kpi import figures, queries


def test_reported_quarters_and_the_latest(db):
    assert queries.reported_quarters(db) == ["2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]
    assert queries.latest_quarter(db) == "2019/20 Q2"


def test_scorecard_has_one_row_per_measure(db):
    table = queries.scorecard(db, "2019/20 Q2")
    assert len(table) == 114
    assert table["indicator_id"].is_unique
    assert table["priority_name"].notna().all()


def test_rag_counts_per_priority_add_up_to_the_measures(db):
    table = queries.scorecard(db, "2019/20 Q2")
    counts = queries.rag_counts(table)
    assert counts.sum(axis=1).to_dict() == table.groupby("priority_name").size().to_dict()
    assert counts.loc["Modernising Harrow Council", "HR"] == 5
    assert counts.loc["Build a Better Harrow", "HG"] == 6


def test_direction_of_travel_against_the_previous_quarter(db):
    table = queries.scorecard(db, "2019/20 Q2").set_index("indicator_id")
    assert table.loc["sickness-absence", "direction"] == "improving"  # 10.25 -> 10.15 days
    assert table.loc["sickness-absence", "direction_year"] == "improving"  # 10.42 a year earlier
    assert table.loc["council-tax-collected", "direction"] == "worsening"  # further from target
    assert pd.isna(table.loc["net-new-homes-completed", "direction"])


@pytest.mark.parametrize(
    "now,before,polarity,expected",
    [
        ({"actual": 10, "target": 9}, {"actual": 11, "target": 9}, "lower", "improving"),
        ({"actual": 55.76, "target": 57}, {"actual": 29.79, "target": 30.25}, "higher", "worsening"),
        ({"actual": 5}, {"actual": 4}, "higher", "improving"),
        ({"actual": 5}, {"actual": 4}, "lower", "worsening"),
        ({"actual": 5}, {"actual": 5}, "higher", "unchanged"),
        ({"actual": 60}, {"actual": 30}, "higher", None),  # cumulative, no targets: not comparable
        ({"actual": None}, {"actual": 4}, "higher", None),
        ({"actual": 1}, {"actual": 2}, None, None),
    ],
)
def test_direction_rule(now, before, polarity, expected):
    cumulative = expected is None and polarity == "higher" and now["actual"] == 60
    assert queries.direction(now, before, polarity, cumulative) == expected


def test_formatting_for_export():
    assert figures.format_number(27.0) == "27"
    assert figures.format_number(56.2) == "56.2"
    assert figures.format_number(None) == ""
    assert figures.target_text({"target_low": 0.9, "target_high": 1.1, "target": None}) == "0.9-1.1"
